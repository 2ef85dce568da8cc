"""The book builds offline with warnings as errors, its lesson shows what
the library says, and no page loads anything from another host."""

import html
import pathlib
import re
from urllib.parse import urlsplit

import pytest

from trainer_billing import course

pytestmark = pytest.mark.slow

# Tags whose address the browser fetches by itself.
_RESOURCE = re.compile(
    r"<(script|link|img|iframe|source|video|audio|embed)\b[^>]*?"
    r"\b(src|href|data)=[\"']([^\"']+)[\"']", re.I)


@pytest.fixture(scope="session")
def html_dir(book_html):
    # A cold build into a folder of its own (tests/conftest.py).
    return book_html


def _text(page: pathlib.Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.read_text()))


def test_book_builds_with_warnings_as_errors(html_dir):
    assert (html_dir / "index.html").is_file()
    assert (html_dir / "life_of_a_claim.html").is_file()
    assert not course.book_is_stale(html_dir.parent.parent)


def test_lesson_shows_library_output(html_dir):
    text = _text(html_dir / "life_of_a_claim.html")
    assert "Total charge (28): $185.00" in text
    assert "Findings on the sample claim: 0" in text
    assert "error in item 24E, line 1" in text
    assert "cannot bill it in their own name" in text


def test_lesson_carries_widget_state(html_dir):
    page = (html_dir / "life_of_a_claim.html").read_text()
    assert 'type="application/vnd.jupyter.widget-state+json"' in page
    assert "application/vnd.jupyter.widget-view+json" in page
    assert "Pointer E names no diagnosis" in page
    # The widget JavaScript is the book's own copy.
    assert "widgets/require.js" in page and "widgets/embed-amd.js" in page
    assert (html_dir / "widgets" / "embed-amd.js").is_file()
    assert (html_dir / "widgets" / "require.js").is_file()
    assert not list((html_dir / "_static").rglob("embed-amd.js"))


def test_no_page_loads_from_another_host(html_dir):
    offenders = []
    for page in html_dir.rglob("*.html"):
        for _tag, _attr, url in _RESOURCE.findall(page.read_text()):
            host = urlsplit(url).hostname
            if url.startswith("//") or (host and host != "127.0.0.1"):
                offenders.append(f"{page.name}: {url}")
    assert not offenders, offenders


def test_first_warning_is_quoted():
    log = ("[IPKernelApp] WARNING | not a build warning\n"
           "\x1b[91m/book/intro.md:3: WARNING: unknown target\x1b[0m\n")
    assert course.first_warning(log) == \
        "/book/intro.md:3: WARNING: unknown target"


def test_saved_widget_state_holds_every_model_it_refers_to(html_dir):
    # A dropped widget message leaves a box pointing at a model that was
    # never saved; the browser then fails with "widget model not found".
    import json
    checked = 0
    for page in sorted(pathlib.Path(html_dir).glob("*.html")):
        text = page.read_text(encoding="utf-8")
        for block in re.findall(
                r'<script type="application/vnd.jupyter.widget-state\+json">'
                r"(.*?)</script>", text, re.S):
            state = json.loads(block)["state"]
            refs = set(re.findall(r"IPY_MODEL_([0-9a-f]{32})", block))
            views = set(re.findall(r'"model_id": "([0-9a-f]{32})"', text))
            missing = sorted((refs | views) - set(state))
            assert not missing, (page.name, len(missing), "models missing")
            checked += len(state)
    assert checked > 2000     # the claim builders alone have about 900


def test_book_kernels_queue_every_output_message():
    # ZeroMQ's default receive limit (1,000) dropped widget messages of
    # big cells when the build machine was busy.
    from jupyter_client import KernelManager
    course._keep_every_iopub_message()
    course._keep_every_iopub_message()       # twice is the same as once
    manager = KernelManager()
    manager.write_connection_file()
    client = manager.client()
    try:
        sock = client.connect_iopub()
        try:
            assert sock.rcvhwm == 0
        finally:
            sock.close(linger=0)
    finally:
        manager.cleanup_connection_file()


def test_a_changed_exercise_or_workbook_makes_the_book_stale():
    # The book offers both for download, so its copies must follow.
    root = pathlib.Path(course.__file__).resolve().parents[2]
    inputs = set(course._book_inputs(root))
    assert root / "exercises" / "capstone" / "capstone.ipynb" in inputs
    assert root / "notebooks" / "claim_builder.ipynb" in inputs


def test_book_build_waits_for_the_rest_of_a_cells_output(monkeypatch):
    # nbclient's 4 s wait after a cell ends dropped widget messages of big
    # cells on a busy machine; the build waits longer and fails loudly.
    from jupyter_cache.executors import utils
    course._wait_for_every_output()
    course._wait_for_every_output()           # twice is the same as once
    seen = {}
    monkeypatch.setattr(utils.executenb, "original",
                        lambda nb, **kwargs: seen.update(kwargs))
    utils.executenb("notebook", cwd="/tmp", timeout=120)
    assert seen == {"cwd": "/tmp", "timeout": 120,
                    "iopub_timeout": course.OUTPUT_WAIT,
                    "raise_on_iopub_timeout": True}
