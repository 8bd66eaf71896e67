"""Document numbers of any country and format after a document word: passports, driving
licences, identity cards, residence permits, personal numbers.

The number's shape varies too much by country to find it alone (``p1234567r``,
``MORGA753116SM9IJ``, ``1850307123456``); the word before it says what it is.
"""

from __future__ import annotations

import re

from msin_fed.redaction.recognizers._shapes import ShapeRecognizer, money_after, money_before

__all__ = ["DocumentNumberRecognizer"]

_KINDS = (
    ("PASSPORT", r"passports?|travel document"),
    ("UK_DRIVING_LICENCE", r"driving licen[cs]e|driver'?s licen[cs]e|licen[cs]e|permis(?: de conducere)?|dl"),
    ("NATIONAL_ID", r"id|id card|identity card|national id|id number|id no|identity number|residence permit|"
     r"residence card|brp|visa|document number|document no|personal number|personal code|cnp|egn|pesel|"
     r"ssn|social security|tax number|tax code|nif|nie|dni|pin|share code|reference number|ref no"),
)
_TOKEN = r"[A-Za-z0-9](?:[A-Za-z0-9]|[ \-./](?=[A-Za-z0-9])){4,24}"  # noqa: S105 - a regex


class DocumentNumberRecognizer(ShapeRecognizer):
    """A code with three digits or more within a few words after a document word."""

    ENTITY = "PASSPORT"
    PATTERNS = tuple(
        (kind, rf"(?i)\b(?:{cue})\b(?:[^.\n;]|\.(?!\s+(?-i:[A-Z]))){{0,40}}?(?<![\w£$€])(?=[A-Za-z]{{0,6}}[ \-./]?\d)({_TOKEN})(?![\w])", 0.8) for kind, cue in _KINDS
    )

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language)
        self.supported_entities = [kind for kind, _ in _KINDS]

    def entity_for(self, pattern_name: str) -> str:
        """Typed by the document word that introduced the number."""
        return pattern_name

    def span(self, match: re.Match[str]) -> tuple[int, int]:
        """The number, trimmed of trailing words."""
        start = match.start(1)
        token = match.group(1)
        parts = list(re.finditer(r"[A-Za-z0-9]+", token))
        while len(parts) > 1 and not any(c.isdigit() for c in parts[-1].group(0)) and parts[-1].group(0).islower():
            parts.pop()
        # Leading words ("no.", "number", "is") are the cue's, not the code's; capitals stay ("MORGA 753116").
        while len(parts) > 1 and not any(c.isdigit() for c in parts[0].group(0)) and not (
            parts[0].group(0).isupper() and len(parts[0].group(0)) >= 4
        ):
            parts.pop(0)
        return start + parts[0].start(), start + parts[-1].end()

    def rescore(self, text: str, match: re.Match[str], score: float) -> float | None:
        """Three digits or more, not money, not a date."""
        start, end = self.span(match)
        token = text[start:end]
        if sum(c.isdigit() for c in token) < 3 or money_before(text, start) or money_after(text, end):
            return None
        if re.fullmatch(r"\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}|(?:19|20)\d\d", token):
            return None
        first_word = re.match(r"[A-Za-z]+", token)
        if first_word and len(first_word.group(0)) > 3 and first_word.group(0).islower():
            return None  # "licence taken 3 weeks ago": prose, not a code
        return score
