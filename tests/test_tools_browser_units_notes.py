"""The units calculator and the session-note builder in a real browser.

Each test starts Voila on its workbook (127.0.0.1, a free port, a token,
its own session so its kernels can be found), drives Debian's Chromium
with Playwright through real typing and clicking, checks what the page
shows, and stops Voila by its PID. The browser part's time is recorded
as the ``browser_seconds`` property and printed.
"""

from voila_app import BROWSER_TEST, ROOT, browse, serve  # noqa: F401

RENDER_MS = 90_000       # for the workbook to run and its widgets to show
CHANGE_MS = 20_000       # for the page to show a change

pytestmark = BROWSER_TEST


def _browse(url, drive, record_property):
    """Return None; open ``url`` in Chromium, run ``drive(page)``, and
    record how long the browser part took."""
    browse(url, drive, record_property, RENDER_MS)


def test_units_calculator_in_the_browser(serve, record_property):
    from playwright.sync_api import expect

    url = serve(ROOT / "notebooks" / "units_calculator.ipynb")

    def drive(page):
        first = page.locator(".tb-units-minutes1 input")
        expect(first).to_have_value("33", timeout=RENDER_MS)
        cms_total = page.locator(".tb-units-cms .tb-units-total")
        ama_total = page.locator(".tb-units-ama .tb-units-total")
        expect(cms_total).to_have_text("3")
        expect(ama_total).to_have_text("2")
        expect(page.locator(".tb-units-cms")).to_contain_text(
            "38-52 minutes = 3 units")

        # 10 + 10 minutes: CMS 1 unit, AMA 2.
        first.fill("10")
        page.locator(".tb-units-code2 input").fill("97112")
        second = page.locator(".tb-units-minutes2 input")
        second.fill("10")
        expect(cms_total).to_have_text("1", timeout=CHANGE_MS)
        expect(ama_total).to_have_text("2", timeout=CHANGE_MS)

        # A bad entry: the message sits beside the field, the text stays.
        second.fill("abc")
        message = page.locator(".tb-units-msg-minutes2 .tb-units-error")
        expect(message).to_contain_text("not a number of minutes",
                                        timeout=CHANGE_MS)
        expect(second).to_have_value("abc")
        expect(page.locator(".tb-units-msg-minutes1 .tb-units-error")
               ).to_have_count(0)

        # Add a row by clicking, then fill it.
        second.fill("7")
        first.fill("7")
        page.locator(".tb-units-add").click()
        expect(page.locator(".tb-units-code3 input")).to_have_count(
            1, timeout=CHANGE_MS)
        expect(cms_total).to_have_text("1", timeout=CHANGE_MS)
        expect(ama_total).to_have_text("0", timeout=CHANGE_MS)

    _browse(url, drive, record_property)


def test_session_notes_in_the_browser(serve, record_property):
    from playwright.sync_api import expect

    url = serve(ROOT / "notebooks" / "session_notes.ipynb")

    def drive(page):
        minutes = page.locator(".tb-note-field-minutes input")
        expect(minutes).to_have_value("50", timeout=RENDER_MS)
        expect(page.locator(".tb-note-summary")).to_contain_text(
            "nothing missing")
        rows = page.locator(".tb-note-progress table tbody tr")
        expect(rows).to_have_count(5)
        expect(page.locator(".tb-note-figure")).to_be_visible()

        minutes.fill("forty")
        message = page.locator(".tb-note-finding-minutes .tb-msg")
        expect(message).to_contain_text("'forty' is not a number",
                                        timeout=CHANGE_MS)
        expect(minutes).to_have_value("forty")
        plan = page.locator(".tb-note-field-plan textarea")
        plan.fill("")
        expect(page.locator(".tb-note-finding-plan .tb-msg")
               ).to_contain_text("The plan is empty", timeout=CHANGE_MS)

        # Fix both, make it a new day's note, and add it to the sessions.
        minutes.fill("50")
        plan.fill("Twice a week for 4 more weeks")
        page.locator(".tb-note-field-date input").fill("2025-08-18")
        page.locator(".tb-note-field-assessments-chair_stand_30s input"
                     ).fill("12")
        expect(message).to_have_count(0, timeout=CHANGE_MS)
        page.locator(".tb-note-save").click()
        expect(page.locator(".tb-note-status")).to_contain_text(
            "6 now", timeout=CHANGE_MS)
        expect(rows).to_have_count(6, timeout=CHANGE_MS)
        expect(rows.last).to_contain_text("2025-08-18")

    _browse(url, drive, record_property)
