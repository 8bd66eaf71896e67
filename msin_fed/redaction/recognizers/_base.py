"""Base classes for our pattern recognizers, in Presidio's plug-in style.

``ClassPatternRecognizer`` builds a PatternRecognizer from class-level ``ENTITY``,
``PATTERNS``, ``CONTEXT`` and ``FLAGS``. ``ContextRequiredRecognizer`` reports a match
only near a context word: Presidio's context enhancer only *raises* a score, and for
shapes common in ordinary text (six digits, a date, a short code) we want no result at
all without context, so that amounts, counts and ordinary dates are kept.
"""

from __future__ import annotations

import logging
import re
from typing import TypeGuard

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.pattern_recognizer import REGEX_TIMEOUT_SECONDS

from msin_fed.redaction._text import has_context

__all__ = ["ClassPatternRecognizer", "ContextRequiredRecognizer", "pattern_matches", "plain_pattern_recognizer"]

logger = logging.getLogger(__name__)


def plain_pattern_recognizer(rec: EntityRecognizer) -> TypeGuard[PatternRecognizer]:
    """True for a PatternRecognizer that uses Presidio's own pattern matching unchanged
    (no ``analyze`` of its own), so that ``pattern_matches`` gives exactly its results."""
    return isinstance(rec, PatternRecognizer) and type(rec).analyze is PatternRecognizer.analyze


def pattern_matches(rec: PatternRecognizer, text: str) -> list[RecognizerResult]:
    """What ``PatternRecognizer.analyze`` returns, without its per-call costs.

    Presidio's loop takes two clock readings and a debug log call per pattern and builds
    an explanation object per match, which the redactor never reads; the matching, the
    validation and invalidation, the scores and the duplicate removal are the same, as
    is the regex engine and its timeout.
    """
    flags = rec.global_regex_flags
    patterns: list[Pattern] = rec.patterns  # type: ignore[has-type]
    if any(not p.compiled_regex or p.compiled_with_flags != flags for p in patterns):
        # First use: Presidio's own path compiles the patterns (with its regex engine).
        first: list[RecognizerResult] = PatternRecognizer.analyze(rec, text, [], None)
        return first
    entity = rec.supported_entities[0]
    meta_name: str = rec.name  # type: ignore[has-type]
    meta_id = rec.id
    results = []
    for pattern in patterns:
        try:
            for match in pattern.compiled_regex.finditer(text, timeout=REGEX_TIMEOUT_SECONDS):  # type: ignore[attr-defined]
                start, end = match.span()
                if start == end:
                    continue
                current = text[start:end]
                score = pattern.score
                valid = rec.validate_result(current)
                if valid is not None:
                    score = EntityRecognizer.MAX_SCORE if valid else EntityRecognizer.MIN_SCORE
                invalid = rec.invalidate_result(current)
                if invalid is not None and invalid:
                    score = EntityRecognizer.MIN_SCORE
                if score > EntityRecognizer.MIN_SCORE:
                    results.append(RecognizerResult(
                        entity, start, end, score,
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: meta_name,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: meta_id,
                        },
                    ))
        except TimeoutError:
            logger.warning("pattern %r of %s timed out, skipped", pattern.name, meta_name)
    return EntityRecognizer.remove_duplicates(results) if len(results) > 1 else results


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
        if regex_flags is None or regex_flags == self.global_regex_flags:
            results = pattern_matches(self, text)
        else:
            results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in results if has_context(text, r.start, self._words, self.WINDOW, self.AFTER)]
