"""Passport numbers of any country, next to the word passport.

Presidio's ``UkPassportRecognizer`` only knows the UK shape (two letters, seven
digits); workers' passports are Romanian, Bulgarian, Vietnamese and so on.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from msin_fed.redaction.recognizers._base import ContextRequiredRecognizer

__all__ = ["PassportRecognizer"]


class PassportRecognizer(ContextRequiredRecognizer):
    """5-12 letters and digits (at least three digits) after ``passport``."""

    ENTITY = "PASSPORT"
    PATTERNS = [
        Pattern("passport", r"\b(?=[A-Z0-9]*\d{3})[A-Z0-9]{5,12}\b", 0.85),
        Pattern("passport (spaced prefix)", r"\b[A-Z]{1,2} \d{6,9}\b", 0.85),
    ]
    CONTEXT = ["passport", "travel document", "id card", "identity card", "document no"]
    WINDOW = 45
    FLAGS = re.DOTALL | re.MULTILINE  # numbers are written in capitals; "300 deposit" is not one
