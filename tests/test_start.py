"""``start`` serves the book and JupyterLab on 127.0.0.1, prints their
addresses, and releases both ports when stopped by its PID."""

import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from trainer_billing import course

pytestmark = pytest.mark.slow

ROOT = pathlib.Path(__file__).resolve().parents[1]
_ADDRESS = re.compile(r"^(Book|JupyterLab|Voila):\s+(http://\S+)$")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_is_free(port):
    """True when nothing listens on the port any more.

    SO_REUSEADDR as every server sets it: connections the server closed
    linger in TIME_WAIT, which does not keep a server from binding.
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def course_server():
    book_port, lab_port = _free_port(), _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "trainer_billing.course", "start",
         "--book-port", str(book_port), "--lab-port", str(lab_port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"))
    addresses, seen = {}, []
    deadline = time.monotonic() + 600  # may build the book first
    try:
        while time.monotonic() < deadline and len(addresses) < 3:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            match = _ADDRESS.match(line.strip())
            if match:
                addresses[match[1]] = match[2]
        assert len(addresses) == 3, "".join(seen)
        yield proc, addresses
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()


def test_start_serves_book_and_lab_on_localhost(course_server):
    proc, addresses = course_server
    ports = []
    for name, url in addresses.items():
        host_port = url.split("/")[2]
        host, port = host_port.split(":")
        assert host == "127.0.0.1", url
        ports.append(int(port))
    book = requests.get(addresses["Book"], timeout=10)
    assert book.status_code == 200
    assert "intro.html" in book.text  # index.html forwards to intro
    intro = requests.get(addresses["Book"] + "intro.html", timeout=10)
    assert intro.status_code == 200
    assert "Insurance Billing for Personal Trainers" in intro.text
    assert "token=" in addresses["JupyterLab"]
    lab = requests.get(addresses["JupyterLab"], timeout=30)
    assert lab.status_code == 200
    # Without the token the lab's API refuses.
    api = addresses["JupyterLab"].split("lab?")[0] + "api/contents"
    assert requests.get(api, timeout=10).status_code in (401, 403)

    if (ROOT / "notebooks" / "claim_builder.ipynb").is_file():
        # Voila runs the workbook in a kernel before it answers.
        app = requests.get(addresses["Voila"], timeout=180)
        assert app.status_code == 200
        # The course's template: Voila's own links Font Awesome from a CDN.
        assert "cdn.jsdelivr.net" not in app.text

    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(60) == 0
    for port in set(ports):
        for _ in range(50):
            if _port_is_free(port):
                break
            time.sleep(0.2)
        assert _port_is_free(port), f"port {port} still taken"


def test_a_port_taken_at_the_last_moment_moves_to_the_next(monkeypatch,
                                                           tmp_path):
    # Two `make start` at once: the port is free when checked, then the
    # other JupyterLab binds it first.
    tried = []

    def fake_start_lab(root, port, runtime, log_path):
        tried.append(port)
        if len(tried) == 1:
            raise course.CourseError("JupyterLab stopped at start:\n"
                                     "[E] no available port could be found")
        return "proc", "log", port, "token"

    monkeypatch.setattr(course, "_start_lab", fake_start_lab)
    monkeypatch.setattr(course, "_port_is_free", lambda port: True)
    result = course._start_lab_on_a_free_port(tmp_path, 8888, tmp_path)
    assert tried == [8888, 8889] and result[2] == 8889


def test_other_start_failures_are_not_retried(monkeypatch, tmp_path):
    def broken(root, port, runtime, log_path):
        raise course.CourseError("JupyterLab stopped at start:\nImportError")

    monkeypatch.setattr(course, "_start_lab", broken)
    monkeypatch.setattr(course, "_port_is_free", lambda port: True)
    with pytest.raises(course.CourseError, match="ImportError"):
        course._start_lab_on_a_free_port(tmp_path, 8888, tmp_path)


def test_lab_loads_the_course_extension_that_keeps_widget_messages(
        tmp_path):
    # Voila runs the tools inside this server; without the extension a
    # busy machine drops widget messages past ZeroMQ's limit of 1,000.
    log_path = tmp_path / "lab.log"
    proc, log, _, _ = course._start_lab(
        ROOT, course._next_free_port(_free_port()), tmp_path, log_path)
    course._stop_process(proc)
    log.close()
    assert ("trainer_billing.course | extension was successfully loaded"
            in log_path.read_text(errors="replace"))
