"""The eligibility checker and the rate calculator in a real browser.

Each test starts Voila on its workbook (127.0.0.1, a free port, a token),
drives Debian's Chromium with Playwright through a real interaction,
checks the result, records how long the browser part took
(``browser_seconds``) and stops Voila by its own PID.
"""

from trainer_billing import payers
from trainer_billing.eligibility import PROVIDER_TYPES
from voila_app import BROWSER_TEST, browse, serve  # noqa: F401 (fixture)

RENDER_TIMEOUT = 120_000  # ms for the workbook to run and render
CHECK_TIMEOUT = 20_000    # ms for an answer to change

pytestmark = BROWSER_TEST


def _browse(url, steps, record_property):
    browse(url, steps, record_property, RENDER_TIMEOUT)


def test_eligibility_checker_cap_reached_then_bad_visits(serve,
                                                         record_property):
    from playwright.sync_api import expect
    url = serve("eligibility.ipynb")

    def steps(page):
        status = page.locator(".tb-elig-result .tb-elig-status")
        expect(status).to_contain_text("Not covered",
                                       timeout=RENDER_TIMEOUT)
        page.locator(".tb-elig-provider-type select").select_option(
            label=PROVIDER_TYPES["physical_therapist"])
        expect(status).to_contain_text("Can be covered",
                                       timeout=CHECK_TIMEOUT)
        expect(status).to_contain_text("2 visits left")
        expect(page.locator(".tb-elig-requirements")).to_contain_text(
            "referral_required")
        visits = page.locator(".tb-elig-visits-used input")
        visits.fill("20")
        expect(status).to_contain_text("0 visits left",
                                       timeout=CHECK_TIMEOUT)
        expect(status).to_contain_text("Not covered")
        visits.fill("-3")
        message = page.locator(".tb-elig-msg-visits-used .tb-elig-error")
        expect(message).to_contain_text("below 0", timeout=CHECK_TIMEOUT)
        expect(visits).to_have_value("-3")
        expect(page.locator(".tb-elig-result")).to_contain_text(
            "beside it")

    _browse(url, steps, record_property)


def test_rate_calculator_2026_locality_message_then_national(
        serve, record_property):
    from playwright.sync_api import expect
    url = serve("rate_calculator.ipynb")
    name = next(n for key, n, _ in payers.medicare_localities()
                if key == "NATIONAL")
    national = f"NATIONAL {name.title()}"

    def steps(page):
        amount = page.locator(".tb-rate-amount")
        expect(amount).to_contain_text("$27.69 per unit",
                                       timeout=RENDER_TIMEOUT)
        expect(page.locator(".tb-rate-chart")).to_be_visible()
        page.locator(".tb-rate-year select").select_option(label="CY2026")
        message = page.locator(".tb-rate-msg-locality .tb-rate-error")
        expect(message).to_contain_text("no verified GPCIs for CY2026",
                                        timeout=CHECK_TIMEOUT)
        page.locator(".tb-rate-locality select").select_option(
            label=national)
        expect(message).to_have_count(0, timeout=CHECK_TIMEOUT)
        expect(amount).to_contain_text("$29.06 per unit")
        page.locator(".tb-rate-what-if input").fill("75")
        expect(page.locator(".tb-rate-whatif")).to_contain_text(
            "$75.00", timeout=CHECK_TIMEOUT)

    _browse(url, steps, record_property)
