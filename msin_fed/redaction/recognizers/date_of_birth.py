"""Dates of birth: any common date form, but only next to birth words.

Other dates (when a visit happened, when wages stopped) are what analysts need and
are kept.
"""

from __future__ import annotations

from presidio_analyzer import Pattern

from msin_fed.redaction.recognizers._base import ContextRequiredRecognizer

__all__ = ["DateOfBirthRecognizer"]

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)


class DateOfBirthRecognizer(ContextRequiredRecognizer):
    """A date preceded by ``born``, ``DOB``, ``date of birth``... within a few words."""

    ENTITY = "DATE_OF_BIRTH"
    PATTERNS = [
        Pattern("numeric", r"\b\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}\b", 0.9),
        Pattern("iso", r"\b(?:19|20)\d{2}-\d{2}-\d{2}\b", 0.9),
        Pattern("day month year", rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTH},? (?:19|20)\d{{2}}\b", 0.9),
        Pattern("month day year", rf"\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? (?:19|20)\d{{2}}\b", 0.9),
        Pattern("compact", r"\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\b", 0.9),
    ]
    CONTEXT = ["born", "dob", "d.o.b", "date of birth", "birth date", "birthday", "b."]
    WINDOW = 30
