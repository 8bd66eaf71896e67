"""Presidio's own UK document recognizers, enabled and re-scored for exploitation reports.

They ship disabled with low scores that rely on the context enhancer; these shapes
are specific enough to trust on their own here (postcode letters per position, NINO
prefixes), so the scores are raised and matching is case-insensitive.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import UkDrivingLicenceRecognizer, UkPassportRecognizer

__all__ = ["tuned_uk_recognizers"]

_ANY_CASE = re.DOTALL | re.MULTILINE | re.IGNORECASE


def _rescored(rec: PatternRecognizer, score: float, flags: int = _ANY_CASE) -> PatternRecognizer:
    rec.patterns = [Pattern(p.name, p.regex, score) for p in rec.patterns]  # type: ignore[has-type]
    rec.global_regex_flags = flags
    return rec


def tuned_uk_recognizers() -> list[PatternRecognizer]:
    """UK passport and driving licence, re-scored. (NINO, postcode and IBAN are found by
    shape in ``nino.py``, ``postcode.py`` and ``iban.py``: Presidio's drop what fails a check.)"""
    return [
        _rescored(UkPassportRecognizer(), 0.6, re.DOTALL | re.MULTILINE),
        _rescored(UkDrivingLicenceRecognizer(), 0.8, re.DOTALL | re.MULTILINE),
    ]
