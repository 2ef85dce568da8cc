"""Serving a workbook with Voila and driving it in Debian's Chromium, for
the browser tests of every tool.

Voila binds 127.0.0.1 on a free port with a token, runs in its own
session, and is stopped by its own PID (its kernels with it). Chromium is
``/usr/bin/chromium`` through Playwright; no browser is downloaded.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from trainer_billing import course

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 60       # seconds for Voila to answer

#: The marks of a browser test module.
BROWSER_TEST = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} missing: run `make browser`"),
]


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Voila as `make start` serves it: inside a server that has the course's
# extension, which keeps every widget message of a big tool.
_VOILA = ("from trainer_billing import course; "
          "course._keep_every_iopub_message(); "
          "from voila.app import main; main()")


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


def stop(process):
    """Stop Voila (and the kernels it started) by its PID."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        # Its own session: the group id is Voila's PID, so this reaches
        # only the kernels this test's Voila started.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def start(notebook, folder):
    """Serve ``notebook`` (a path) with Voila, its log and connection
    files in ``folder``; return (URL with token, process) once it
    answers."""
    port, token = free_port(), secrets.token_hex(16)
    log = Path(folder) / f"voila-{port}.log"
    command = [
        sys.executable, "-c", _VOILA, str(notebook), "--no-browser",
        f"--port={port}", f"--template={course.VOILA_TEMPLATE}",
        "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
        f"--token={token}", f"--Voila.connection_dir_root={folder}"]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, env=course.jupyter_env())
    url = f"http://127.0.0.1:{port}/?token={token}"
    try:
        _wait_until_up(url, process, log)
    except BaseException:
        stop(process)
        raise
    return url, process


@pytest.fixture
def serve(tmp_path):
    """Return a function that serves a workbook of ``notebooks/`` (a name
    or a path) and returns its URL; every Voila it started is stopped by
    PID afterwards."""
    started = []

    def serve_notebook(notebook):
        url, process = start(ROOT / "notebooks" / notebook, tmp_path)
        started.append(process)
        return url

    try:
        yield serve_notebook
    finally:
        for process in started:
            stop(process)


def browse(url, drive, record_property, render_timeout, **page_options):
    """Open ``url`` in Chromium (a page made with ``page_options``), run
    ``drive(page)``, and record how long the browser part took as
    ``browser_seconds``."""
    from playwright.sync_api import sync_playwright

    began = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(**page_options)
            elsewhere = []
            page.on("request", lambda request: elsewhere.append(
                request.url) if urlsplit(request.url).scheme in (
                    "http", "https", "ws", "wss") and urlsplit(
                    request.url).hostname != "127.0.0.1" else None)
            page.goto(url, timeout=render_timeout)
            drive(page)
            # Nothing is fetched from another host (no CDN).
            assert elsewhere == [], elsewhere
        finally:
            browser.close()
    seconds = time.monotonic() - began
    record_property("browser_seconds", round(seconds, 1))
    print(f"browser part took {seconds:.1f} s")
