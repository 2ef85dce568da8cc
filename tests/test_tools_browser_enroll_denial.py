"""The enrollment planner and the denial helper in a real browser.

Each test starts Voila on its workbook on 127.0.0.1 (a free port, a
token), drives Debian's Chromium with Playwright through one real
interaction, checks the result, and stops Voila by its own PID. The
time each browser part takes is recorded as ``browser_seconds``.
"""

import pytest

from voila_app import BROWSER_TEST, browse, serve

RENDER_TIMEOUT = 90_000  # milliseconds for the notebook to run and render
CHECK_TIMEOUT = 20_000   # milliseconds for a result to appear

pytestmark = BROWSER_TEST


@pytest.fixture
def voila(serve):
    """Return a function that serves a workbook and returns its URL."""
    return serve


def _browse(url, drive, record_property):
    browse(url, drive, record_property, RENDER_TIMEOUT)


def test_enrollment_planner_bad_date_then_commercial(voila,
                                                     record_property):
    from playwright.sync_api import expect

    def drive(page):
        summary = page.locator(".tb-enroll-summary")
        expect(summary).to_contain_text("Not before: 2027-01-05",
                                        timeout=RENDER_TIMEOUT)
        expect(page.locator(".tb-enroll-chart")).to_be_visible()
        start = page.get_by_label("Start date")
        start.fill("2026-02-30")
        start.press("Enter")
        expect(page.locator(".tb-enroll-start-error")).to_contain_text(
            "February 2026 has 28 days", timeout=CHECK_TIMEOUT)
        expect(start).to_have_value("2026-02-30")
        start.fill("2026-03-02")
        start.press("Enter")
        expect(summary).to_contain_text("Not before: 2027-03-02",
                                        timeout=CHECK_TIMEOUT)
        page.locator(".tb-enroll-route select").select_option(
            label="Commercial credentialing")
        steps = page.locator(".tb-enroll-steps")
        expect(steps).to_contain_text("unknown \u2014 ask the payer",
                                      timeout=CHECK_TIMEOUT)
        expect(page.locator(".tb-enroll-start-error")).to_have_text("")

    _browse(voila("enrollment_planner.ipynb"), drive, record_property)


def test_denial_helper_trainer_185_then_co_50(voila, record_property):
    from playwright.sync_api import expect

    def drive(page):
        result = page.locator(".tb-denial-result")
        expect(result).to_contain_text("CO-50", timeout=RENDER_TIMEOUT)
        letter = page.locator(".tb-denial-letter textarea")
        expect(letter).to_have_value(
            __import__("re").compile("Dana Okafor"), timeout=CHECK_TIMEOUT)
        page.locator(".tb-denial-claim select").select_option(
            label="Trainer billed 97110 (Peak Form)")
        carc = page.locator(".tb-denial-carc input")
        carc.fill("185")
        expect(result).to_contain_text("Do not appeal",
                                       timeout=CHECK_TIMEOUT)
        expect(result).to_contain_text("MDPP")
        expect(page.locator(".tb-denial-letter-note")).to_contain_text(
            "No letter")
        expect(letter).to_have_value("")
        carc.fill("CO-45")
        expect(page.locator(".tb-denial-carc-error")).to_contain_text(
            "group field", timeout=CHECK_TIMEOUT)
        expect(carc).to_have_value("CO-45")

    _browse(voila("denial_helper.ipynb"), drive, record_property)
