"""National Insurance numbers by shape: two letters, six digits, an optional letter.

Presidio's ``UkNinoRecognizer`` drops prefixes HMRC never allocates; an unallocated or
mistyped NINO still identifies someone to a reader, so the shape decides here and a
valid prefix only raises the score. Any separators are accepted in capitals
(``JK-123456-C``, ``J.K.1.2.3.4.5.6.C``); in lower case only the usual forms.
"""

from __future__ import annotations

import re

from msin_fed.redaction.recognizers._shapes import ShapeRecognizer, spaced

__all__ = ["NinoShapeRecognizer"]

_SHAPE = spaced("[A-Z]", "[A-Z]", *[r"\d"] * 6)
_VALID_PREFIX = re.compile(r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]")


class NinoShapeRecognizer(ShapeRecognizer):
    """``QQ 12 34 56 C``, ``jk123456c``, ``JK-123456-C``."""

    ENTITY = "UK_NINO"
    PATTERNS = (
        ("capitals, any spacing", rf"(?<![A-Za-z0-9]){_SHAPE}(?:[ .\-]?[A-Z])?(?![A-Za-z0-9])", 0.65),
        ("any case, written together", r"(?i)(?<![a-z0-9])[a-z]{2}\d{6}[a-d]?(?![a-z0-9])", 0.6),
        ("any case, letters apart", r"(?i)(?<![a-z0-9])[a-z]{2} \d{6}(?: ?[a-d])?(?![a-z0-9])", 0.6),
        ("any case, in pairs", r"(?i)(?<![a-z0-9])[a-z]{2}([ \-])\d{2}\1\d{2}\1\d{2}(?:\1[a-d])?(?![a-z0-9])", 0.6),
    )

    def rescore(self, text: str, match: re.Match[str], score: float) -> float | None:
        """A prefix HMRC allocates raises the score; an English word, a space and six digits
        with no suffix letter ("OR 900123", "AT 123456") is prose."""
        found = match.group(0)
        letters = re.sub(r"[^A-Za-z]", "", found).upper()
        if len(letters) == 2 and found[2:3] == " " and letters.lower() in _SHORT_WORDS:
            return None
        return 0.85 if _VALID_PREFIX.match(letters[:2]) else score


_SHORT_WORDS = frozenset("am an as at be by do go he if in is it me my no of on or so to up us we".split())
