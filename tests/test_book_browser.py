"""The built lesson page renders its saved widget in a real browser, and
every request the page makes stays on 127.0.0.1.

Uses Debian's Chromium (``/usr/bin/chromium``) through Playwright; no
browser is downloaded.
"""

import pathlib
from urllib.parse import urlsplit

import pytest

CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's chromium is not installed "
                              "(make browser installs it)"),
]


@pytest.fixture(scope="session")
def built_html(book_html):
    return book_html       # built once per run (tests/conftest.py)



def test_lesson_widget_renders_offline(book_url):
    sync_api = pytest.importorskip("playwright.sync_api")
    requests, problems = [], []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                     args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: problems.append(
                f"{m.text} ({m.location.get('url')})")
                if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("requestfailed", lambda r: problems.append(
                f"failed: {r.url} {r.failure}"))
            page.goto(book_url + "life_of_a_claim.html", wait_until="load")
            # The claim builder's message box for line 1, item 24E.
            finding = page.locator(".jupyter-widgets.widget-html"
                                   ".tb-finding-line1-24E")
            finding.wait_for(state="visible", timeout=20_000)
            assert "Pointer E names no diagnosis" in finding.inner_text()
            # The form itself: the code typed on line 1.
            code = page.locator(".tb-line1-code input")
            assert code.input_value() == "97110"
            # The embedded PDF previews keep Chromium's viewer busy, so the
            # page never goes "network idle"; give late requests a moment
            # to show up instead.
            page.wait_for_timeout(1500)
        finally:
            browser.close()
    # The browser asks for /favicon.ico by itself; the book has no icon.
    problems = [p for p in problems if not p.endswith("/favicon.ico)")]
    assert not problems, problems
    # Only network requests count: data:, blob:, about: and Chromium's own
    # PDF viewer (chrome-extension:, for the embedded form previews) never
    # leave the machine.
    hosts = {urlsplit(url).hostname for url in requests
             if urlsplit(url).scheme in ("http", "https", "ws", "wss",
                                         "ftp")}
    assert hosts == {"127.0.0.1"}, sorted(requests)
