"""One redactor (spaCy pipeline loaded once) for the whole redaction test session."""

from __future__ import annotations

import pytest
from msin_fed.coordinator.server import load_verifier

from msin_fed.redaction import Redactor


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return Redactor()


@pytest.fixture(scope="session")
def verifier() -> object:
    """The coordinator's redaction verifier, as a coordinator loads it."""
    return load_verifier()
