"""Shared test helpers: paths into the repository."""

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
