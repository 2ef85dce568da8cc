"""Shared test helpers: paths into the repository, and the built book."""

import os
import pathlib

import pytest
from hypothesis import settings

# In CI, property tests draw the same examples on every run, so a landing
# never hangs on a lucky draw; on a developer's machine they stay random
# and keep finding new cases.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLAIMS = ROOT / "datasets" / "claims"


@pytest.fixture
def sample_claim():
    """Return the valid sample claim as a fresh dict."""
    from trainer_billing import claim
    return claim.load(CLAIMS / "valid_sample.json")


@pytest.fixture(scope="session")
def book_html(tmp_path_factory):
    """Return the HTML folder of the book, built once per test run.

    The folder is new for each run, so the build is cold (no cache, no
    earlier output). Under pytest-xdist every worker asks for the same
    folder: build_book locks it, so the first builds and the others find
    the book fresh, and two builds never run at once.
    """
    from trainer_billing import course
    base = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        base = base.parent          # the run's folder, shared by workers
    return course.build_book(output_dir=base / "book-build")


@pytest.fixture
def book_url(book_html):
    """Return the address of the built book, served on 127.0.0.1 (any
    free port) as ``start`` serves it, until the test ends."""
    from trainer_billing import course
    server, _ = course._serve_book(book_html, 0)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
