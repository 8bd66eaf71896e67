"""Person names introduced by a cue (``called ion``, ``Mr NGUYEN``, ``supervisor Darius``).

The small English NER model misses many foreign, lower-case and capitalised names; a
cue word before them is strong evidence whatever the case. After a strong cue
(``named``, ``called``, ``Mr``) any case is accepted; after a role word
(``supervisor``, ``driver``) only a capitalised word is, so "the driver said" stays.
"""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from msin_fed.redaction._text import COMMON_WORDS

__all__ = ["PersonCueRecognizer"]

_TOKEN = r"[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*"


class PersonCueRecognizer(LocalRecognizer):
    """One to three name words after a naming cue or a role word."""

    ENTITY = "PERSON"
    STRONG = (
        r"named|called|calls himself|calls herself|name is|name was|name's|names are|known as|"
        r"goes by|aka|a\.k\.a\.?|nicknamed|surname|first name|forename|mr\.?|mrs\.?|ms\.?|miss|dr\.?|"
        r"signed by|signed as|introduced himself as|introduced herself as"
    )
    ROLES = (
        r"worker|workers|supervisor|gangmaster|gang master|driver|boss|manager|landlord|foreman|victim|"
        r"caller|recruiter|agent|controller|colleague|brother|sister|cousin|friend|wife|husband|son|"
        r"daughter|partner|uncle|aunt|director|owner|contact|man|woman|guy|lady|person|individual|"
        r"suspect|fixer|translator|interpreter|team leader|chargehand|housemate|flatmate|and|with|by|"
        r"from|to|told|asked|paid|met|pays|called"
    )
    SCORE = 0.8

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[self.ENTITY],
            supported_language=supported_language,
            name="PersonCueRecognizer",
        )
        self._strong = re.compile(
            rf"(?i:\b(?:{self.STRONG}))[\s:,\"']+((?:{_TOKEN})(?:[ ](?:{_TOKEN})){{0,2}})"
        )
        self._role = re.compile(
            rf"(?i:\b(?:{self.ROLES}))[\s,:]+((?:[A-Z]{_TOKEN[1:]})(?:[ ](?:[A-Z]{_TOKEN[1:]})){{0,2}})"
        )

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Name spans after cues, trimmed of common words."""
        results: list[RecognizerResult] = []
        for rx, score in ((self._strong, self.SCORE), (self._role, self.SCORE - 0.1)):
            for m in rx.finditer(text):
                span = self._trim(text, m.start(1), m.end(1))
                if span is not None:
                    results.append(
                        RecognizerResult(
                            self.ENTITY, span[0], span[1], score,
                            recognition_metadata={
                                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                            },
                        )
                    )
        return results

    @staticmethod
    def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
        """Keep the leading run of words that are not common English words."""
        pos = start
        last = None
        for word in re.finditer(r"\S+", text[start:end]):
            if word.group(0).lower().strip("'’") in COMMON_WORDS or word.group(0).isupper() and len(word.group(0)) <= 3 and not text[start:end].isupper():
                break
            last = start + word.end()
            pos = start + word.end()
        del pos
        if last is None or last - start < 2:
            return None
        return start, last
