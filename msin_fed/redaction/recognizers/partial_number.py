"""Numbers given in pieces: "07700 then 900, then 642", "first four 8831, last four 2290".

Each piece is short enough to pass for a count, but next to a phone, account or card word
the pieces together identify someone, and so does a part of a number given as such.
"""

from __future__ import annotations

import re

from msin_fed.redaction.recognizers._shapes import ShapeRecognizer, date_like, money_after, money_before

__all__ = ["PartialNumberRecognizer"]

_NUMBER_WORDS = re.compile(
    r"(?i)\b(?:phone|mobile|mob|tel|telephone|number|no\.?|call|ring|text|whatsapp|viber|telegram|contact|"
    r"account|acc|a/c|sort code|card|iban|bank|pin|passport|licence|license|nino|ni|id|reference|ref|reg|plate)\b"
)
_CONNECTOR = r"(?:\s*(?:,|;|then|and|followed by|dash|space|slash|/|-|\.\.\.)\s*){1,2}"
_POSITION = (
    r"(?:first|last|final|next|middle|ending(?: in| with)?|ends? (?:in|with)|starting(?: with)?|starts? (?:with|in)|begins? with)"
)
_COUNT = r"(?:(?:two|three|four|five|six|seven|eight|\d)\s+)?(?:digits?\s+|numbers?\s+)?(?:are\s+|is\s+|was\s+|:\s*)?"


class PartialNumberRecognizer(ShapeRecognizer):
    """Digit groups joined by connectors, or a number's part named as such, near a number word."""

    ENTITY = "IDENTIFIER"
    PATTERNS = (
        ("pieces", rf"(?<![\w.,£$€])\+?\d{{2,6}}(?:{_CONNECTOR}\d{{2,6}}){{1,5}}(?![\w]|[.,]\d)", 0.55),
        ("part named", rf"(?i)\b{_POSITION}\s+{_COUNT}(\d{{2,8}})\b", 0.55),
    )

    def span(self, match: re.Match[str]) -> tuple[int, int]:
        """The digits, not the cue that names them."""
        return match.span(1) if match.re.groups else match.span()

    def rescore(self, text: str, match: re.Match[str], score: float) -> float | None:
        """Only near a number word; pieces must add up to a number's length; never money."""
        start, end = self.span(match)
        if money_before(text, start) or money_after(text, end) or date_like(text[start:end]):
            return None
        if not _NUMBER_WORDS.search(text, max(0, start - 60), start):
            return None
        if self.pattern_name(match) == "pieces":
            digits = re.sub(r"\D", "", match.group(0))
            if not 7 <= len(digits) <= 19:
                return None
        return score
