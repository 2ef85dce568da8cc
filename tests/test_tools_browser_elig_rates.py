"""The eligibility checker and the rate calculator in a real browser.

Each test starts Voila on its workbook (127.0.0.1, a free port, a token),
drives Debian's Chromium with Playwright through a real interaction,
checks the result, records how long the browser part took
(``browser_seconds``) and stops Voila by its own PID.
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

from trainer_billing import payers
from trainer_billing.eligibility import PROVIDER_TYPES

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 60       # seconds for Voila to answer
RENDER_TIMEOUT = 120_000  # ms for the workbook to run and render
CHECK_TIMEOUT = 20_000    # ms for an answer to change

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


def _serve(notebook, tmp_path):
    port = _free_port()
    token = secrets.token_hex(16)
    log = tmp_path / "voila.log"
    command = [
        _voila(), str(ROOT / "notebooks" / notebook), "--no-browser",
        f"--port={port}", "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0", f"--token={token}",
        f"--Voila.connection_dir_root={tmp_path}"]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    url = f"http://127.0.0.1:{port}/?token={token}"
    try:
        _wait_until_up(url, process, log)
    except BaseException:
        _stop(process)
        raise
    return url, process


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(notebook):
        url, process = _serve(notebook, tmp_path)
        started.append(process)
        return url
    yield start
    for process in started:
        _stop(process)


def _browse(url, steps, record_property):
    from playwright.sync_api import sync_playwright
    began = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(url, timeout=RENDER_TIMEOUT)
            steps(page)
        finally:
            browser.close()
    seconds = time.monotonic() - began
    record_property("browser_seconds", round(seconds, 1))
    print(f"browser part took {seconds:.1f} s")


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
