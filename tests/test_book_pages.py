"""Every page of the built book holds together: internal links and
citations resolve, chapters have objectives and sources, and each page
loads in Chromium with no console error, no request leaving 127.0.0.1
and no serious or critical accessibility violation (axe-core).

Pages are discovered from ``book/_toc.yml``, so a page added there is
checked without changing this file. One build is shared by every test
and every xdist worker (the same folder as test_book_browser.py uses;
``build_book`` locks it, so the first worker builds and the others wait
and find it fresh).
"""

import html.parser
import pathlib
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml


ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
# The five chapters of issue 4; each must open with objectives and close
# with its sources.
CHAPTERS = ("billing", "eligibility", "documentation", "enrollment",
            "rates")
SERIOUS = ("serious", "critical")
# Violations that come from the theme's own templates and that no
# setting in _config.yml removes, as (axe rule, text in the node's HTML).
# sphinx-book-theme 1.3.0 includes pydata-sphinx-theme 0.17.1's colour
# mode button in article-header-buttons.html unconditionally; its icons
# carry titles ("Light", "Dark", "System Settings") that are not part of
# its name "Color mode" (WCAG 2.5.3, label in name).  Dropping it needs a
# template override or losing the download and full-screen buttons too.
# Only these nodes are excused; any other node of the same rule fails.
THEME_VIOLATIONS = ()
NETWORK_SCHEMES = ("http", "https", "ws", "wss", "ftp")

pytestmark = pytest.mark.slow


def _toc_files(toc_path=BOOK / "_toc.yml"):
    """Return the toc's documents in order, root first, without suffix."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(entries):
        for entry in entries or ():
            if "file" in entry:
                found.append(entry["file"])
            walk(entry.get("sections"))
            for part in entry.get("parts", ()):
                walk(part.get("chapters"))
    walk(toc.get("chapters"))
    for part in toc.get("parts", ()):
        walk(part.get("chapters"))
    return [str(pathlib.PurePosixPath(f).with_suffix("")) for f in found]


PAGES = _toc_files()


@pytest.fixture(scope="session")
def built_html(book_html):
    return book_html       # built once per run (tests/conftest.py)


class _PageParser(html.parser.HTMLParser):
    """Collect ids, links and h2 sections (title, text) of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.sections = set(), [], []
        self._in_h2 = False
        self._skip = 0  # inside a headerlink "#" anchor, a script or style
        self._article = 0  # the page's own text, not the theme's sidebars

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href") is not None:
            self.links.append(attrs["href"])
            if "headerlink" in (attrs.get("class") or ""):
                self._skip += 1
        if tag == "article":
            self._article += 1
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "h2" and self._article:
            self._in_h2 = True
            self.sections.append(["", ""])

    def handle_endtag(self, tag):
        if tag == "a" and self._skip:
            self._skip -= 1
        if tag == "h2":
            self._in_h2 = False
        if tag == "article" and self._article:
            self._article -= 1
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self.sections or self._skip or not self._article:
            return
        self.sections[-1][0 if self._in_h2 else 1] += data


def _parse(path):
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _section(parser, title):
    for heading, body in parser.sections:
        # headings may be numbered ("3.1. Sources")
        if heading.strip().lower().endswith(title.lower()):
            return body
    return None


def test_toc_pages_were_built(built_html):
    missing = [p for p in PAGES if not (built_html / f"{p}.html").is_file()]
    assert not missing, f"pages in _toc.yml with no HTML: {missing}"


def test_internal_links_and_citations_resolve(built_html):
    pages = sorted(built_html.glob("*.html"))
    parsed = {p.resolve(): _parse(p) for p in pages}
    broken, checked = [], 0
    for page, parser in parsed.items():
        base = page.as_uri()
        for href in parser.links:
            split = urlsplit(href)
            if split.scheme in ("http", "https", "mailto", "javascript"):
                continue
            if split.netloc:
                continue
            target = urlsplit(urljoin(base, href))
            path = pathlib.Path(unquote(target.path))
            checked += 1
            if path.is_dir():
                path = path / "index.html"
            if not path.is_file():
                broken.append(f"{page.name}: {href} (no such file)")
                continue
            if target.fragment and path.suffix == ".html":
                ids = parsed.get(path.resolve()) or _parse(path)
                if unquote(target.fragment) not in ids.ids:
                    broken.append(f"{page.name}: {href} (no such anchor)")
    assert checked, "no internal links found at all"
    assert not broken, "\n".join(broken)


def test_citations_point_at_references(built_html):
    """Each Sources section links to the references page, and every
    citation target there carries a label the text can link to."""
    refs = _parse(built_html / "references.html")
    labels = {i for i in refs.ids if i.startswith("ref-")}
    assert len(labels) >= 40, sorted(labels)
    for page in ("enrollment", "rates", "what_you_can_bill",
                 "myths_and_facts"):
        if page not in PAGES:
            continue
        parser = _parse(built_html / f"{page}.html")
        cited = [h for h in parser.links if "references.html#ref-" in h]
        assert cited, f"{page} cites nothing on the references page"


def test_references_carry_licensing_notices(built_html):
    text = " ".join(b for _h, b in _parse(
        built_html / "references.html").sections)
    assert "CPT is a registered trademark of the American Medical" \
        " Association" in " ".join(text.split())
    assert "not part of CPT" in text
    assert "ICD-10-CM" in text and "NUCC" in text


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_objectives_and_sources(built_html, chapter):
    if chapter not in PAGES:
        pytest.skip(f"{chapter} is not in book/_toc.yml yet")
    parser = _parse(built_html / f"{chapter}.html")
    objectives = _section(parser, "Learning objectives")
    sources = _section(parser, "Sources")
    assert objectives is not None, f"{chapter} has no Learning objectives"
    assert sources is not None, f"{chapter} has no Sources section"
    assert len(objectives.split()) >= 15, objectives
    assert len(sources.split()) >= 15, sources
    titles = [h.strip().lower() for h, _b in parser.sections]
    first = next(i for i, t in enumerate(titles)
                 if t.endswith("learning objectives"))
    last = next(i for i, t in enumerate(titles) if t.endswith("sources"))
    assert first == 0, f"{chapter} does not open with its objectives"
    assert last == len(titles) - 1, f"{chapter} does not close with Sources"



def _describe(violation):
    nodes = "; ".join(" ".join(n["target"]) if isinstance(n["target"], list)
                      else str(n["target"]) for n in violation["nodes"][:5])
    return (f"{violation['impact']} {violation['id']}: {violation['help']}"
            f" ({len(violation['nodes'])} nodes, e.g. {nodes})")


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="Debian's chromium is not installed")
@pytest.mark.skipif(not AXE.exists(),
                    reason="axe-core is not installed (run npm ci)")
def test_every_page_loads_offline_and_passes_axe(book_url):
    sync_api = pytest.importorskip("playwright.sync_api")
    pages = [*PAGES, "genindex", "search"]
    problems, outside, violations = [], [], []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                     args=CHROMIUM_ARGS)
        try:
            for name in pages:
                page = browser.new_page()
                here = f"{name}.html"

                def on_request(request, here=here):
                    url = request.url
                    # data:, blob:, and chrome:// or chrome-extension://
                    # (the browser's own PDF viewer, which shows the claim
                    # builder's PDF) never reach the network.
                    split = urlsplit(url)
                    if split.scheme not in NETWORK_SCHEMES:
                        return
                    if split.hostname != "127.0.0.1":
                        outside.append(f"{here}: {url}")

                page.on("request", on_request)
                page.on("console", lambda m, here=here: problems.append(
                    f"{here}: {m.text} ({m.location.get('url')})")
                    if m.type == "error" else None)
                page.on("pageerror", lambda e, here=here: problems.append(
                    f"{here}: {e}"))
                page.on("requestfailed", lambda r, here=here:
                        problems.append(f"{here}: failed {r.url}"
                                        f" {r.failure}"))
                page.goto(book_url + here, wait_until="networkidle")
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("async () => await axe.run()")
                for violation in result["violations"]:
                    if violation["impact"] not in SERIOUS:
                        continue
                    violation["nodes"] = [
                        n for n in violation["nodes"]
                        if not any(rule == violation["id"] and mark in
                                   n["html"] for rule, mark in
                                   THEME_VIOLATIONS)]
                    if violation["nodes"]:
                        violations.append(f"{here}: {_describe(violation)}")
                page.close()
        finally:
            browser.close()
    # The browser asks for /favicon.ico by itself; the book has no icon.
    problems = [p for p in problems if "/favicon.ico" not in p]
    assert not outside, outside
    assert not problems, "\n".join(problems)
    assert not violations, "\n".join(violations)
