"""Shared test helpers: paths into the repository."""

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLAIMS = ROOT / "datasets" / "claims"


@pytest.fixture
def sample_claim():
    """Return the valid sample claim as a fresh dict."""
    from trainer_billing import claim
    return claim.load(CLAIMS / "valid_sample.json")
