"""Names the NER misses: words in no English dictionary.

A word (``adaeze``, ``VASILIAUSKAS``, ``Vasile``) that is not English, not an acronym and
not a UK town is, in these reports, nearly always a name; the small NER model misses
many foreign names, and nearly all lower-case or capitalised ones. The price is that
unknown brand and foreign place names are redacted too (towns on the UK list are kept).
"""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from msin_fed.redaction._text import COMMON_WORDS
from msin_fed.redaction._vocab import is_english_word, is_kept_word, is_misspelt_english, is_name_word

__all__ = ["UnknownWordNameRecognizer"]

_WORD = re.compile(r"(?<![\w@.<_])[^\W\d_]{3,}(?:['’-][^\W\d_]+)*(?![\w@_>])")
_ACRONYM_LIKE = re.compile(r"[A-Z]{3,5}")


class UnknownWordNameRecognizer(LocalRecognizer):
    """Words in no English dictionary (and not UK towns or acronyms), as PERSON."""

    ENTITY = "PERSON"
    SCORE = 0.55

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[self.ENTITY], supported_language=supported_language,
            name="UnknownWordNameRecognizer",
        )

    def load(self) -> None:
        """The vocabulary loads lazily on first use."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Every word that looks like a name by the rules above."""
        results = []
        for m in _WORD.finditer(text):
            word = m.group(0)
            if not _looks_like_name(word):
                continue
            results.append(
                RecognizerResult(
                    self.ENTITY, m.start(), m.end(), self.SCORE,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: "UnknownWordNameRecognizer",
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                )
            )
        return results

    @staticmethod
    def looks_like_name(word: str, before: str = "") -> bool:
        """The rule for one word (``before``, the two characters before it, is not used)."""
        return _looks_like_name(word)


# Words already found not to be names (English words, towns, acronyms): reports repeat the
# same few thousand. Only these are remembered, so no name stays in memory after its report.
_NOT_NAMES: set[str] = set()
_NOT_NAMES_MAX = 100_000


def _looks_like_name(word: str) -> bool:
    if word in _NOT_NAMES:
        return False
    if _rule(word):
        return True
    if len(_NOT_NAMES) < _NOT_NAMES_MAX:
        _NOT_NAMES.add(word)
    return False


# Clitics of English contractions: "didn't" is "did" + "n't", never a name.
_CLITIC = re.compile(r"(?i)(?:n't|'s|'ll|'re|'ve|'d|'m)$")


def _rule(word: str) -> bool:
    if word.lower().replace("’", "'").endswith("n't"):
        return False
    plain = _CLITIC.sub("", word.replace("’", "'"))
    if not plain or plain.lower() in COMMON_WORDS or is_kept_word(plain):
        return False
    foreign_letters = not plain.isascii()
    if plain.isupper() and _ACRONYM_LIKE.fullmatch(plain) and not foreign_letters and len(plain) <= 4:
        return False
    parts = re.split(r"['-]", plain)
    if all(is_english_word(p) for p in parts if p):
        return False
    # A lower-case typo of an English word ("laundrette") is that word; a name that is one
    # edit from a word is caught by the other name rules if at all (capitalised, after a cue).
    return not (plain.islower() and not is_name_word(plain) and is_misspelt_english(plain))
