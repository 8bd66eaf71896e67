"""Base classes for our pattern recognizers, in Presidio's plug-in style.

``ClassPatternRecognizer`` builds a PatternRecognizer from class-level ``ENTITY``,
``PATTERNS``, ``CONTEXT`` and ``FLAGS``. ``ContextRequiredRecognizer`` reports a match
only near a context word: Presidio's context enhancer only *raises* a score, and for
shapes common in ordinary text (six digits, a date, a short code) we want no result at
all without context, so that amounts, counts and ordinary dates are kept.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from msin_fed.redaction._text import has_context

__all__ = ["ClassPatternRecognizer", "ContextRequiredRecognizer"]


class ClassPatternRecognizer(PatternRecognizer):
    """A PatternRecognizer named after its class and configured by class attributes."""

    ENTITY: str = ""
    PATTERNS: list[Pattern] = []
    CONTEXT: list[str] = []
    FLAGS = re.DOTALL | re.MULTILINE

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=type(self).__name__,
            global_regex_flags=self.FLAGS,
        )


class ContextRequiredRecognizer(ClassPatternRecognizer):
    """Report a pattern match only when a ``CONTEXT`` word is within ``WINDOW`` characters before it."""

    WINDOW = 40
    AFTER = 0
    FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language)
        self._words = tuple(w.lower() for w in self.CONTEXT)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Pattern matches that have context before them (or, if ``AFTER``, just after)."""
        results: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in results if has_context(text, r.start, self._words, self.WINDOW, self.AFTER)]
