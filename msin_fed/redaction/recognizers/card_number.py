"""Payment card numbers: 13 to 19 digits in groups, whether or not the Luhn check passes."""

from __future__ import annotations

import re

from msin_fed.redaction.recognizers._shapes import ShapeRecognizer, luhn, money_after, money_before

__all__ = ["CardNumberRecognizer"]


class CardNumberRecognizer(ShapeRecognizer):
    """``4111 1111 1111 1111``, ``3782-822463-10005``, ``5500000000000004``; Luhn raises the score."""

    ENTITY = "CREDIT_CARD"
    PATTERNS = (
        ("groups of four", r"(?<![\d.,])\d{4}(?:[ \-]\d{4}){2}[ \-]\d{1,7}(?![\d])", 0.7),
        ("amex groups", r"(?<![\d.,])\d{4}[ \-]\d{6}[ \-]\d{4,5}(?![\d])", 0.7),
        ("one run", r"(?<![\d.,])\d{13,19}(?![\d])", 0.6),
    )

    def rescore(self, text: str, match: re.Match[str], score: float) -> float | None:
        """Drop money; a passing Luhn check raises the score."""
        digits = re.sub(r"\D", "", match.group(0))
        if not 13 <= len(digits) <= 19 or money_before(text, match.start()) or money_after(text, match.end()):
            return None
        return 0.95 if luhn(digits) else score
