"""The enrollment planner and the denial helper in a real browser.

Each test starts Voila on its workbook on 127.0.0.1 (a free port, a
token), drives Debian's Chromium with Playwright through one real
interaction, checks the result, and stops Voila by its own PID. The
time each browser part takes is recorded as ``browser_seconds``.
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
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 60       # seconds for Voila to answer
RENDER_TIMEOUT = 90_000  # milliseconds for the notebook to run and render
CHECK_TIMEOUT = 20_000   # milliseconds for a result to appear

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} missing: run `make browser`"),
]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _voila():
    beside = Path(sys.executable).with_name("voila")
    return str(beside) if beside.exists() else shutil.which("voila")


def _wait_until_up(url, process, log):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Voila exited with {process.returncode}:\n"
                        + log.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    pytest.fail(f"Voila did not answer within {START_TIMEOUT} s:\n"
                + log.read_text(errors="replace"))


def _stop(process):
    """Stop Voila (and the kernels it started) by its PID."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        # Its own session: the group id is Voila's PID.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def voila(tmp_path):
    """Return a function that serves a workbook and returns its URL."""
    processes = []

    def serve(notebook):
        port = _free_port()
        token = secrets.token_hex(16)
        log = tmp_path / f"voila-{port}.log"
        command = [
            _voila(), str(ROOT / "notebooks" / notebook), "--no-browser",
            f"--port={port}", "--Voila.ip=127.0.0.1",
            "--Voila.port_retries=0", f"--token={token}",
            f"--Voila.connection_dir_root={tmp_path}"]
        with open(log, "wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        processes.append(process)
        url = f"http://127.0.0.1:{port}/?token={token}"
        _wait_until_up(url, process, log)
        return url

    try:
        yield serve
    finally:
        for process in processes:
            _stop(process)


def _browse(url, drive, record_property):
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(url, timeout=RENDER_TIMEOUT)
            drive(page)
        finally:
            browser.close()
    seconds = time.monotonic() - started
    record_property("browser_seconds", round(seconds, 1))
    print(f"browser part took {seconds:.1f} s")


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
