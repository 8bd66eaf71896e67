"""Given names the NER misses: a capitalised word inside a sentence that is a given name
somewhere in the world (``They pay Amber``, ``saw Ion take``).

The NER of the small English pipeline misses names that are also English words, and the
unknown-word rule cannot see them. Inside a sentence a capitalised word is a proper noun;
one that is a given name (gender-guesser's dictionary of about 60,000, many countries) and
no place, organisation, month or day is taken for a name. Sentence starts are left alone:
there every word is capitalised.
"""

from __future__ import annotations

import re

from msin_fed.redaction._vocab import given_names, is_kept_word
from msin_fed.redaction.recognizers._shapes import ShapeRecognizer

__all__ = ["GivenNameRecognizer"]

_NOT_NAMES = frozenset(
    "january february march april may june july august september october november december monday tuesday "
    "wednesday thursday friday saturday sunday christmas easter god lord i".split()
)


class GivenNameRecognizer(ShapeRecognizer):
    """A title-case given name preceded by a lower-case word or a comma, in the same sentence."""

    ENTITY = "PERSON"
    PATTERNS = (("inside a sentence", r"(?<=[a-z,;] )[A-Z][a-z]{2,}(?:-[A-Z][a-z]+)?(?![\w'’-])", 0.45),)

    def rescore(self, text: str, match: re.Match[str], score: float) -> float | None:
        """Only given names that are not places, organisations or calendar words."""
        word = match.group(0)
        low = word.lower()
        if low in _NOT_NAMES or low not in given_names() or is_kept_word(word):
            return None
        return score
