"""One redactor (spaCy pipeline loaded once) for the whole redaction test session."""

from __future__ import annotations

import pytest

from msin_fed.redaction import Redactor


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return Redactor()
