"""Postal codes of other countries, after a postal cue or next to a country or city name.

A bare four- to six-digit number is too common to redact on its shape alone (amounts,
counts, years); next to "postal code", "zip" or in an address line that names a
country it is a postal code.
"""

from __future__ import annotations

import re

from msin_fed.redaction._text import fold
from msin_fed.redaction._vocab import country_phrases, country_words
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
        # "in Gondregnies 7830": a town and its postal code after a place preposition.
        ("after in and a town", r"\b(?:in|at|near|from|of)\s+[A-Z][\w'’-]+\s+(\d{4,5})(?![\w]|[.,]\d)", 0.5),
        # "NSW 2400", "CA 90210": a region code before the number.
        ("after a region code", r"(?<![\w])(?:[A-Z]{2,3}),?[ \t]+(\d{4,6}|\d{3} \d{2})(?![\w]|[.,]\d)", 0.5),
        # The last line of an address block: a postal code alone or after the town or country.
        ("ending an address line", r"(?m)(?<![\w£$€.,])(\d{4,6}|\d{3} \d{2}|\d{2}-\d{3})[ \t]*$", 0.5),
    )

    def span(self, match: re.Match[str]) -> tuple[int, int]:
        """The code itself, not its cue."""
        return match.span(1)

    def rescore(self, text: str, match: re.Match[str], score: float) -> float | None:
        """After a cue, always; otherwise only in an address line that names a country or
        a place, and never a year."""
        name = self.pattern_name(match)
        if name == "after a cue":
            return score
        code = match.group(1)
        if re.fullmatch(r"(?:19|20)\d\d", code) or money_before(text, match.start(1)) or money_after(text, match.end(1)):
            return None
        start, end = match.span(1)
        if name in ("after a region code", "after in and a town"):
            return score
        if re.fullmatch(r"\d{2}-\d{3}", code) and re.search(r"[A-Z][\w'’-]*,?\s+$", text[max(0, start - 30) : start]):
            return score  # "Łódź 92-318": the Polish shape after a town
        if name == "ending an address line":
            # An address block: this line and the one before are short and hold no lower-case
            # word (a town, a region, a country), as address lines do and prose does not.
            lines = text[:start].split("\n")
            if len(lines) < 2:
                return None
            this, previous = lines[-1], next((ln for ln in reversed(lines[:-1]) if ln.strip()), "")
            return score if _address_line(this) and _address_line(previous) and previous.strip() else None
        left = max((text.rfind(c, max(0, start - 80), start) for c in ".;\n"), default=-1)
        rights = [i for i in (text.find(c, end, end + 80) for c in ";\n") if i >= 0]
        sentence = text[left + 1 : min(rights) if rights else end + 80]
        if not _names_a_country(fold(sentence)):
            return None
        return score


def _address_line(line: str) -> bool:
    return len(line) <= 48 and not re.search(r"(?<![\w'’])[a-z]", line)


def _names_a_country(folded: str) -> bool:
    return any(w in country_words() for w in re.findall(r"[^\W\d_]{3,}", folded)) or bool(
        country_phrases().search(folded)
    )
