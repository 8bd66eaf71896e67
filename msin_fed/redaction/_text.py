"""Text helpers shared by the recognizers: length-preserving folding and case repair.

Every function here keeps string length, so offsets found on the transformed text are
offsets in the original text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["COMMON_WORDS", "PLACEHOLDER", "caps_to_title", "fold", "has_context", "in_capitals", "letter_case"]

#: The placeholders the redactor writes, such as ``<PERSON_1>``.
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_[0-9]+>")

_ACRONYMS = frozenset(
    "UK GB EU NI NHS HMRC GLAA DVLA NCA MSIN STTG NGO ID DOB NINO IBAN LTD LLP PLC CEO HGV "
    "HMO SMS CCTV ATM PAYE BRP EEA EUSS US USA UAE AM PM OK TV".split()
)

_CAPS_WORD = re.compile(r"\b[^\W\d_]{2,}\b")


def letter_case(words: Iterable[str]) -> tuple[int, int]:
    """How many capital and how many small letters ``words`` hold."""
    upper = lower = 0
    for word in words:
        upper += sum(ch.isupper() for ch in word)
        lower += sum(ch.islower() for ch in word)
    return upper, lower


def in_capitals(upper: int, lower: int) -> bool:
    """Letters counted by :func:`letter_case` of a text written in capitals: twenty or
    more, one in twenty at most small (a stray small letter allowed). The recasing of the
    redactor and of the verifier's passes share this one reading of "all in capitals"."""
    return upper + lower >= 20 and lower <= upper // 20


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    base = unicodedata.normalize("NFD", ch)[0]
    special = {"ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ø": "o", "ß": "s", "ı": "i"}
    return special.get(ch, base).lower()


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first sight of each character."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower-case and strip diacritics, one character for one (so offsets survive)."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


def caps_to_title(text: str) -> str:
    """Title-case words written in capitals (``POPESCU`` -> ``Popescu``), keeping acronyms.

    The small English NER model misses names written in capitals; it reads them fine
    in title case. Length is unchanged.
    """

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if word.isupper() and len(word) > 2 and word not in _ACRONYMS:
            return word[0] + word[1:].lower()
        return word

    return _CAPS_WORD.sub(fix, text)


def has_context(text: str, start: int, words: tuple[str, ...], window: int = 48, after: int = 0) -> bool:
    """True when one of ``words`` (folded, lower-case) appears just before ``start``."""
    before = fold(text[max(0, start - window) : start])
    if any(w in before for w in words):
        return True
    if after:
        return any(w in fold(text[start : start + after]) for w in words)
    return False


# Words that follow a name cue ("called", "worker") but are not names. Kept small and
# domain-shaped: the cue recognizer also requires the word not to be in spaCy's stop list.
COMMON_WORDS = frozenset(
    """
    a an the his her their my our your this that these those he she they him them it its
    man woman men women boy girl worker workers person people someone somebody guy lady
    boss manager supervisor driver gangmaster agent landlord friend brother sister cousin
    uncle aunt wife husband partner mother father son daughter colleague owner foreman
    who which what when where there here him himself herself only also just then now
    from at in on to by for with of and or but not no yes mr mrs ms miss dr
    police hotline caller client victim victims team group company agency farm site
    back home away out up down over into onto about around after before again still
    said says told tells asked called named known number phone mobile van car minibus
    unknown unnamed anonymous same other another one two three four five six some many
    english polish romanian bulgarian lithuanian slovak albanian vietnamese nigerian
    ukrainian british local foreign new old big little younger older
    nobody everyone everybody anyone workers we she nobody payslips money pay wages
    hi hello hey dear thanks cheers
    """.split()
)
