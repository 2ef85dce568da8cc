"""The units calculator and the session-note builder in a real browser.

Each test starts Voila on its workbook (127.0.0.1, a free port, a token,
its own session so its kernels can be found), drives Debian's Chromium
with Playwright through real typing and clicking, checks what the page
shows, and stops Voila by its PID. The browser part's time is recorded
as the ``browser_seconds`` property and printed.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-quic", "--no-first-run",
                 "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
UP_SECONDS = 60          # for Voila to answer
RENDER_MS = 90_000       # for the workbook to run and its widgets to show
CHANGE_MS = 20_000       # for the page to show a change

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} missing: run `make browser`"),
]


def _port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _voila_command():
    beside = Path(sys.executable).with_name("voila")
    return str(beside) if beside.exists() else shutil.which("voila")


@pytest.fixture
def serve(tmp_path):
    """Return a function that serves a workbook with Voila and returns its
    URL; every Voila it started is stopped by PID afterwards."""
    started = []

    def start(notebook):
        port, token = _port(), secrets.token_hex(16)
        log = tmp_path / f"voila-{port}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [_voila_command(), str(notebook), "--no-browser",
                 f"--port={port}", "--Voila.ip=127.0.0.1",
                 "--Voila.port_retries=0", f"--token={token}",
                 f"--Voila.connection_dir_root={tmp_path}"],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        started.append(process)
        url = f"http://127.0.0.1:{port}/?token={token}"
        deadline = time.monotonic() + UP_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"Voila exited with {process.returncode}:\n"
                            + log.read_text(errors="replace"))
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    if answer.status == 200:
                        return url
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        pytest.fail(f"Voila did not answer in {UP_SECONDS} s:\n"
                    + log.read_text(errors="replace"))

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                # The group id is this Voila's PID: only its kernels.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _browse(url, drive, record_property):
    """Return None; open ``url`` in Chromium, run ``drive(page)``, and
    record how long the browser part took."""
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(url, timeout=RENDER_MS)
            drive(page)
        finally:
            browser.close()
    seconds = time.monotonic() - started
    record_property("browser_seconds", round(seconds, 1))
    print(f"browser part took {seconds:.1f} s")


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
