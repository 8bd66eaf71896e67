"""Any long run of digits: a number of seven digits or more identifies something.

What other recognizers do not name (a reference, a member number, a number of unknown
kind, a phone of an unknown plan) still identifies someone. Money, dates and year ranges
are left alone.
"""

from __future__ import annotations

import re

from msin_fed.redaction.recognizers._shapes import ShapeRecognizer, date_like, money_after, money_before

__all__ = ["DigitRunRecognizer"]

_THOUSANDS = re.compile(r"\d{1,3}(?:[., ]\d{3})+(?:[.,]\d{2})?")


class DigitRunRecognizer(ShapeRecognizer):
    """Seven or more digits, single spaces, dots or hyphens allowed between them."""

    ENTITY = "IDENTIFIER"
    PATTERNS = (("digit run", r"(?<![\w.,£$€])\d(?:[ .\-]?\d){6,}(?![\w]|[.,]\d)", 0.5),)

    def rescore(self, text: str, match: re.Match[str], score: float) -> float | None:
        """Drop money, dates, year ranges and thousands groupings followed by a currency."""
        span = match.group(0)
        if money_before(text, match.start()) or money_after(text, match.end()):
            return None
        if date_like(span):
            return None
        if _THOUSANDS.fullmatch(span) and "." in span and " " not in span:
            return None  # 1.200.000, a continental amount
        return score
