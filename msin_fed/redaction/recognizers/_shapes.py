"""Regex pieces shared by the shape-first recognizers.

Identifiers are written with any separators: ``AB12 CDE``, ``A B 1 2 C D E``,
``JK-123456-C``, ``J.K.1.2.3.4.5.6.C``. ``spaced`` joins the character classes of a
shape with an optional separator between every two, so one pattern covers the
compact, the usual and the spaced-out forms. Spaced-out forms are accepted in capitals
only: in lower case, single letters and digits between spaces are ordinary prose
("is 10 am").
"""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

__all__ = ["SEP", "ShapeRecognizer", "date_like", "luhn", "money_after", "money_before", "spaced"]

#: One optional separator: a space, dot or hyphen (text is normalised before detection).
SEP = r"[ .\-]?"


def spaced(*classes: str) -> str:
    """The classes in order, an optional separator between each two."""
    return SEP.join(classes)


_MONEY_BEFORE = re.compile(r"(?:[£$€¥₹]|\b(?:gbp|eur|usd|ron|pln|bgn|lei|lev|ron|rs|kr)\.?)\s?$", re.I)
_MONEY_AFTER = re.compile(
    r"^\s?(?:lei|leu|ron|euros?|eur|pounds?|gbp|quid|pence|p\b|zl|zloty|zlotys|pln|leva|lev|bgn|dollars?|usd|"
    r"dong|vnd|naira|ngn|hryvnia|uah|lek|all\b|forint|huf|czk|koruna|k\b|m\b|million|thousand|bn|billion)", re.I
)


def money_before(text: str, start: int) -> bool:
    """A currency sign or code just before ``start``."""
    return bool(_MONEY_BEFORE.search(text[max(0, start - 5) : start]))


def money_after(text: str, end: int) -> bool:
    """A currency word just after ``end``."""
    return bool(_MONEY_AFTER.match(text[end : end + 12]))


_DATE_LIKE = re.compile(
    r"\d{1,2}\s?[./\-]\s?\d{1,2}\s?[./\-]\s?\d{2,4}|(?:19|20)\d\d[./\-]\d{1,2}[./\-]\d{1,2}"
    r"|(?:19|20)\d\d ?[-/] ?(?:19|20)?\d\d|\d{1,2}:\d{2}(?::\d{2})?"
)


def date_like(span: str) -> bool:
    """A date, a year range or a clock time (``12/03/2024``, ``2019-2023``, ``10:30``)."""
    return bool(_DATE_LIKE.fullmatch(span.strip()))


def luhn(digits: str) -> bool:
    """The Luhn check of a card number (``digits``: digits only)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


class ShapeRecognizer(LocalRecognizer):
    """Find ``PATTERNS`` (name, regex, score) and let ``rescore`` decide each match.

    ``rescore`` returns the match's score, or ``None`` to drop it. Validity (a checksum, a
    known prefix) may raise the score; only the shape and its surroundings may drop a
    match, never a failed check: a mistyped identifier still identifies someone.
    """

    ENTITY = ""
    PATTERNS: tuple[tuple[str, str, float], ...] = ()
    FLAGS = 0

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[self.ENTITY], supported_language=supported_language, name=type(self).__name__
        )
        self._compiled = [(re.compile(rx, self.FLAGS), score) for _name, rx, score in self.PATTERNS]
        self._names = {rx: name for (rx, _), (name, _, _) in zip(self._compiled, self.PATTERNS, strict=True)}

    def load(self) -> None:
        """Nothing to load."""

    def rescore(self, text: str, match: re.Match[str], score: float) -> float | None:
        """The score of ``match`` (default: the pattern's)."""
        return score

    def span(self, match: re.Match[str]) -> tuple[int, int]:
        """The span to report for ``match`` (default: the whole match)."""
        return match.span()

    def entity_for(self, pattern_name: str) -> str:
        """The entity type reported for a match of the named pattern (default: ``ENTITY``)."""
        return self.ENTITY

    def pattern_name(self, match: re.Match[str]) -> str:
        """The name of the pattern ``match`` came from."""
        return self._names[match.re]

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Every match of every pattern that ``rescore`` keeps."""
        results: list[RecognizerResult] = []
        seen: set[tuple[int, int]] = set()
        for rx, base in self._compiled:
            for m in rx.finditer(text):
                start, end = self.span(m)
                if start == end or any(s <= start and end <= e for s, e in seen):
                    continue
                score = self.rescore(text, m, base)
                if score is None:
                    continue
                seen.add((start, end))
                results.append(RecognizerResult(
                    self.entity_for(self._names[rx]), start, end, score,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                ))
        return results
