"""UK intelligence grading 3x5x2 (College of Policing, replacing 5x5x5)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from msin_fed.errors import ValidationError, type_phrase

__all__ = ["Assessment", "Grade", "Handling", "SourceEvaluation"]


class SourceEvaluation(enum.IntEnum):
    """Source evaluation: 1 reliable, 2 untested, 3 not reliable."""

    RELIABLE = 1
    UNTESTED = 2
    NOT_RELIABLE = 3

    @property
    def label(self) -> str:
        """The meaning in words ("untested source")."""
        return _SOURCE_WORDS[self]


class Assessment(str, enum.Enum):
    """Intelligence assessment A-E."""

    A = "A"  # known directly to the source
    B = "B"  # known indirectly but corroborated
    C = "C"  # known indirectly
    D = "D"  # not known
    E = "E"  # suspected to be false

    @property
    def label(self) -> str:
        """The meaning in words ("known indirectly but corroborated")."""
        return _ASSESSMENT_WORDS[self]


class Handling(str, enum.Enum):
    """Handling code: P lawful sharing permitted; C permitted with conditions."""

    P = "P"
    C = "C"

    @property
    def label(self) -> str:
        """The meaning in words ("lawful sharing permitted")."""
        return _HANDLING_WORDS[self]


_SOURCE_WORDS = {
    SourceEvaluation.RELIABLE: "reliable source",
    SourceEvaluation.UNTESTED: "untested source",
    SourceEvaluation.NOT_RELIABLE: "source not reliable",
}
_ASSESSMENT_WORDS = {
    Assessment.A: "known directly to the source",
    Assessment.B: "known indirectly but corroborated",
    Assessment.C: "known indirectly",
    Assessment.D: "not known",
    Assessment.E: "suspected to be false",
}
_HANDLING_WORDS = {
    Handling.P: "lawful sharing permitted",
    Handling.C: "lawful sharing permitted with conditions",
}


@dataclass(frozen=True, slots=True)
class Grade:
    """A 3x5x2 grade such as ``1AP``."""

    source: SourceEvaluation
    assessment: Assessment
    handling: Handling

    def __post_init__(self) -> None:
        for name, kind in (
            ("source", SourceEvaluation),
            ("assessment", Assessment),
            ("handling", Handling),
        ):
            if not isinstance(getattr(self, name), kind):
                raise ValidationError(f"grade.{name}", f"must be {type_phrase(kind)}")

    @classmethod
    def parse(cls, text: str, field: str = "grade") -> Grade:
        """Parse ``"1AP"`` (spaces, dashes and case ignored)."""
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(field, "is empty")
        compact = "".join(ch for ch in text.upper() if ch.isalnum())
        if len(compact) != 3:
            raise ValidationError(field, "must be three characters such as 1AP")
        return cls.of(compact[0], compact[1], compact[2], field=field)

    @classmethod
    def of(cls, source: str | int, assessment: str, handling: str, field: str = "grade") -> Grade:
        """Build a grade from its three parts, each validated and named on error."""
        try:
            src = SourceEvaluation(int(source))
        except (TypeError, ValueError):
            raise ValidationError(f"{field}.source", "source evaluation must be 1, 2 or 3") from None
        try:
            assess = Assessment(str(assessment).strip().upper())
        except ValueError:
            raise ValidationError(
                f"{field}.assessment", "intelligence assessment must be one of A, B, C, D, E"
            ) from None
        try:
            handle = Handling(str(handling).strip().upper())
        except ValueError:
            raise ValidationError(f"{field}.handling", "handling code must be P or C") from None
        return cls(src, assess, handle)

    @property
    def actionable(self) -> bool:
        """True when the grade supports acting on the intelligence (source 1-2, A-C)."""
        return self.source != SourceEvaluation.NOT_RELIABLE and self.assessment in (
            Assessment.A,
            Assessment.B,
            Assessment.C,
        )

    def describe(self) -> str:
        """The grade and what it means, one line: "2BP: untested source; known ...; ..."."""
        return f"{self}: {self.source.label}; {self.assessment.label}; {self.handling.label}"

    def __str__(self) -> str:
        return f"{int(self.source)}{self.assessment.value}{self.handling.value}"
