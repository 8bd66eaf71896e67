"""IBANs by shape: country letters, two check digits, 10 to 30 letters and digits in any grouping.

Presidio's ``IbanRecognizer`` drops an IBAN whose checksum fails (a typo, a digit left
out) and, matched case-insensitively, swallows the next word ("... 0001 and").
Here the shape decides, a good checksum raises the score, and trailing groups
without a digit are kept out unless they are capitals inside a capitals IBAN.
"""

from __future__ import annotations

import re

from msin_fed.redaction._vocab import is_english_word
from msin_fed.redaction.recognizers._shapes import ShapeRecognizer

__all__ = ["IbanShapeRecognizer"]


def _checksum_ok(compact: str) -> bool:
    moved = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return int(digits) % 97 == 1


class IbanShapeRecognizer(ShapeRecognizer):
    """``RO49 AAAA 1B31 0075 9384 0000``, ``gb82west12345698765432``, ``DE89-3704-0044-0532-0130-00``."""

    ENTITY = "IBAN_CODE"
    PATTERNS = (
        ("grouped", r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]{1,6}){2,9}(?![A-Za-z0-9])", 0.6),
    )

    def span(self, match: re.Match[str]) -> tuple[int, int]:
        """Trim trailing groups that are words, not IBAN parts ("0001 and", "0001 The")."""
        text = match.group(0)
        groups = list(re.finditer(r"[A-Za-z0-9]+", text))
        upper = text[:2].isupper()
        # A word in the middle ends the IBAN ("SS12 3456 and 07700 ..."): no IBAN group is one.
        for k, group in enumerate(groups[1:], start=1):
            word = group.group(0)
            if not any(c.isdigit() for c in word) and word.islower() and (upper or (k >= 2 and is_english_word(word))):
                groups = groups[:k]
                break
        while len(groups) > 1:
            last = groups[-1].group(0)
            if any(c.isdigit() for c in last) or (
                upper and last.isupper() and len(last) <= 4 and len(groups) > 3 and not _is_word(last)
            ):
                break
            groups.pop()
        return match.start(), match.start() + groups[-1].end()

    def rescore(self, text: str, match: re.Match[str], score: float) -> float | None:
        """10 to 30 characters after the check digits; a good checksum raises the score."""
        start, end = self.span(match)
        compact = re.sub(r"[ \-]", "", text[start:end]).upper()
        if not 14 <= len(compact) <= 34 or sum(c.isdigit() for c in compact) < 6:
            return None
        return 1.0 if _checksum_ok(compact) else score


_WORDS = frozenset("AND THE FOR BUT NOT WAS ARE HIS HER ITS OUR YOU TO OF IN ON AT BY OR IS IT AS".split())


def _is_word(group: str) -> bool:
    return group in _WORDS
