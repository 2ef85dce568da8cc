"""The claim builder in a real browser, served as a Voila app.

Starts Voila on 127.0.0.1 (a free port, a token), drives Debian's
Chromium with Playwright, types an NPI with a wrong check digit into the
billing provider's NPI (item 33a), sees the checker's message at that
field, fixes the digit and sees the message go. A second test sees the
CMS-1500 preview rendered by Chromium's PDF viewer, downloads the PDF and
the 837P by clicking their links, then breaks the NPI and sees the 837P
link give way to what to fix. Voila is stopped by its own PID.
"""

import time
from pathlib import Path

import pytest

import voila_app
from voila_app import BROWSER_TEST, ROOT

NOTEBOOK = ROOT / "notebooks" / "claim_builder.ipynb"
RENDER_TIMEOUT = 90_000  # milliseconds for the notebook to run and render
CHECK_TIMEOUT = 20_000   # milliseconds for a finding to appear or go

pytestmark = BROWSER_TEST


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    """Return the URL (with token) of a Voila serving the claim builder.

    One server for this module's tests; each test opens its own page, so
    its own kernel.
    """
    url, process = voila_app.start(NOTEBOOK,
                                   tmp_path_factory.mktemp("voila"))
    try:
        yield url
    finally:
        voila_app.stop(process)


def test_wrong_npi_check_digit_shows_at_33a_and_goes(voila_url,
                                                     record_property):
    from playwright.sync_api import expect

    def drive(page):
        npi = page.locator(".tb-field-33a input")
        expect(npi).to_have_value("1000000038", timeout=RENDER_TIMEOUT)
        # The field is reachable by its label too, as a screen reader
        # finds it.
        expect(page.get_by_label("Billing NPI (33a)")).to_have_value(
            "1000000038")
        message = page.locator(".tb-finding-33a .tb-msg")
        expect(message).to_have_count(0)
        summary = page.locator(".tb-summary")
        expect(summary).to_contain_text("nothing to fix")

        npi.fill("1000000039")
        expect(message).to_have_count(1, timeout=CHECK_TIMEOUT)
        expect(message).to_contain_text("check digit")
        expect(message).to_contain_text("Fix:")
        # The message sits at 33a only, not at its neighbour item 33.
        expect(page.locator(".tb-finding-33 .tb-msg")).to_have_count(0)
        expect(npi).to_have_value("1000000039")

        npi.fill("1000000038")
        expect(message).to_have_count(0, timeout=CHECK_TIMEOUT)
        expect(summary).to_contain_text("nothing to fix")

    voila_app.browse(voila_url, drive, record_property, RENDER_TIMEOUT)


def test_preview_renders_and_downloads_follow_the_claim(voila_url,
                                                        record_property):
    from playwright.sync_api import expect

    def drive(page):
        frame = page.locator(".tb-preview-cms1500 iframe")
        expect(frame).to_have_count(1, timeout=RENDER_TIMEOUT)
        frame.scroll_into_view_if_needed()
        expect(frame).to_be_visible()
        box = frame.bounding_box()
        assert box["height"] > 300 and box["width"] > 300, box
        # Chromium opened the embedded PDF in its viewer.
        pdf_frame = _frame_of(page, frame)
        assert pdf_frame.evaluate("document.contentType") == \
            "application/pdf"
        expect(page.locator(".tb-preview-superbill iframe")) \
            .to_have_count(1)

        for kind, start in (("cms1500", b"%PDF"), ("837p", b"ISA*")):
            link = page.locator(f".tb-download-{kind} a[download]")
            with page.expect_download(timeout=CHECK_TIMEOUT) as info:
                link.click()
            data = Path(info.value.path()).read_bytes()
            assert data.startswith(start), (kind, data[:20])
        assert info.value.suggested_filename == \
            "claim-RB-2026-0001.837p.txt"

        page.locator(".tb-field-33a input").fill("1000000039")
        blocked = page.locator(".tb-download-837p .tb-x12-blocked")
        expect(blocked).to_contain_text("Item 33a", timeout=CHECK_TIMEOUT)
        expect(blocked).to_contain_text("check digit")
        expect(page.locator(".tb-download-837p a")).to_have_count(0)
        # The printout still follows, and says the claim has errors.
        expect(page.locator(".tb-download-cms1500")).to_contain_text(
            "1 error", timeout=CHECK_TIMEOUT)

    voila_app.browse(voila_url, drive, record_property, RENDER_TIMEOUT,
                     accept_downloads=True)


def _frame_of(page, iframe, timeout=CHECK_TIMEOUT / 1000):
    """Return the Frame of an iframe once its document has loaded."""
    deadline = time.monotonic() + timeout
    while True:
        frame = iframe.element_handle().content_frame()
        if frame is not None and frame.url.startswith("data:"):
            try:
                if frame.evaluate("document.readyState") == "complete":
                    return frame
            except Exception:   # still navigating
                pass
        if time.monotonic() > deadline:
            pytest.fail("the preview's PDF did not load")
        page.wait_for_timeout(200)
