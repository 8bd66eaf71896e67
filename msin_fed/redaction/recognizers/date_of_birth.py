"""Dates of birth: any date form, in digits or in words, but only next to birth words.

Other dates (when a visit happened, when wages stopped) are what analysts need and
are kept.
"""

from __future__ import annotations

from presidio_analyzer import Pattern

from msin_fed.redaction.recognizers._base import ContextRequiredRecognizer

__all__ = ["DateOfBirthRecognizer"]

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_UNITS = r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
_ORDINAL_WORD = (
    rf"(?:(?:twenty|thirty)[ \-]?(?:{_UNITS})|{_UNITS}|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth"
    r"|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINAL_WORD})"
_YEAR = r"(?:(?:19|20)\d{2}|'\d{2}|nineteen[ \-]\w+(?:[ \-]\w+)?|two thousand(?: and)?(?:[ \-]\w+)?)"


class DateOfBirthRecognizer(ContextRequiredRecognizer):
    """A date preceded by ``born``, ``DOB``, ``date of birth``... within a few words."""

    ENTITY = "DATE_OF_BIRTH"
    PATTERNS = [
        Pattern("numeric", r"\b\d{1,2}[./\-]\d{1,2}[./\-](?:(?:19|20)\d{2}|\d{2})\b", 0.9),
        Pattern("iso", r"\b(?:19|20)\d{2}[./\-]\d{1,2}[./\-]\d{1,2}\b", 0.9),
        Pattern("day month year", rf"\b(?:the )?{_DAY}(?: of)?[ \-]{_MONTH},?[ \-]{_YEAR}\b", 0.9),
        Pattern("month day year", rf"\b{_MONTH}(?: the)? {_DAY},?[ \-]{_YEAR}\b", 0.9),
        Pattern("month year", rf"\b{_MONTH},? (?:19|20)\d{{2}}\b", 0.8),
        Pattern("compact", r"\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\b", 0.9),
        Pattern("compact day first", r"\b(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)?\d{2}\b", 0.8),
        Pattern("year alone", r"\b(?:19|20)\d{2}\b", 0.6),
    ]
    CONTEXT = ["born", "dob", "d.o.b", "date of birth", "birth date", "birthdate", "birthday", "b.", "year of birth"]
    WINDOW = 30
