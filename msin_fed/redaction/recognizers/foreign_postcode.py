"""Postal codes of other countries, after a postal cue or next to a country or city name.

A bare four- to six-digit number is too common to redact on its shape alone (amounts,
counts, years); next to "postal code", "zip" or in an address line that names a
country it is a postal code.
"""

from __future__ import annotations

import re

from msin_fed.redaction._text import fold
from msin_fed.redaction._vocab import country_words
from msin_fed.redaction.recognizers._shapes import ShapeRecognizer, money_after, money_before

__all__ = ["ForeignPostcodeRecognizer"]

_CODE = r"(?:[A-Z]{1,3}[ \-]?)?\d{2,3}[ \-]?\d{2,4}(?:[ \-][A-Z]{2})?"
_CUE = r"(?i:post(?:al)?[ \-]?code|zip(?:[ \-]?code)?|postleitzahl|plz|cod(?:ul)? po[sș]tal|kod pocztowy|c\.?p\.?|cap|code postal)"


class ForeignPostcodeRecognizer(ShapeRecognizer):
    """``postal code 400001``, ``00-950 Warszawa``, ``Str. Lalelelor 7, 400001 Cluj, Romania``."""

    ENTITY = "POSTCODE"
    PATTERNS = (
        ("after a cue", rf"{_CUE}\s*(?:is\s+|:\s*|-\s*)?({_CODE})(?![\w])", 0.7),
        ("before a place name", r"(?<![\w£$€.,])(\d{2}-\d{3}|\d{4,6})(?=\s+\(?[A-Z][\w\-]+)", 0.5),
        ("after a place name", r"(?<=[a-z]),?\s+(\d{2}-\d{3}|\d{4,6})(?![\w]|[.,]\d)", 0.5),
    )

    def span(self, match: re.Match[str]) -> tuple[int, int]:
        """The code itself, not its cue."""
        return match.span(1)

    def rescore(self, text: str, match: re.Match[str], score: float) -> float | None:
        """After a cue, always; otherwise only in an address line that names a country or
        a place, and never a year."""
        if self.pattern_name(match) == "after a cue":
            return score
        code = match.group(1)
        if re.fullmatch(r"(?:19|20)\d\d", code) or money_before(text, match.start(1)) or money_after(text, match.end(1)):
            return None
        start, end = match.span(1)
        left = max((text.rfind(c, max(0, start - 80), start) for c in ".;\n"), default=-1)
        rights = [i for i in (text.find(c, end, end + 80) for c in ";\n") if i >= 0]
        sentence = text[left + 1 : min(rights) if rights else end + 80]
        if not any(_is_country(w) for w in re.findall(r"[^\W\d_]{3,}", fold(sentence))):
            return None
        return score


def _is_country(word: str) -> bool:
    return word in country_words()
