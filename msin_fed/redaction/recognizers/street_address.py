"""Street addresses with a house number (``Flat 2, 14 Mill Lane``), which Presidio lacks.

The town after the street is kept: analysts need it, and it is coarse.
"""

from __future__ import annotations

from presidio_analyzer import Pattern

from msin_fed.redaction.recognizers._base import ClassPatternRecognizer

__all__ = ["StreetAddressRecognizer"]

_STREET_TYPES = (
    r"(?:Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Cl|Drive|Dr|Way|Court|Ct|Crescent|Cres|Place|Pl"
    r"|Terrace|Gardens|Gdns|Grove|Hill|Row|Walk|Square|Sq|Mews|Parade|View|Green|Rise|Vale|Yard"
    r"|Wharf|Park|Fields|Broadway|Boulevard|Chase|End|Gate|Meadow|Meadows)"
)
_WORD = r"[A-Z][\w'’-]*"


class StreetAddressRecognizer(ClassPatternRecognizer):
    """House number (with optional flat) and a street name ending in a street type."""

    ENTITY = "STREET_ADDRESS"
    PATTERNS = [
        Pattern(
            "house number and street",
            rf"(?:(?i:flat|unit|apartment|apt|room)\s*\d+[A-Za-z]?,?\s+)?\b\d{{1,4}}[A-Za-z]?,?\s+(?:{_WORD}\s+){{1,3}}{_STREET_TYPES}\b",
            0.85,
        ),
        Pattern(
            "house number and street (lower case)",
            rf"(?i)\b\d{{1,4}}[a-z]?,?\s+(?:[a-z][\w'-]*\s+){{1,2}}{_STREET_TYPES}\b",
            0.6,
        ),
    ]
    CONTEXT = ["address", "lives", "living", "house", "flat", "staying", "at"]

    def validate_result(self, pattern_text: str) -> bool | None:
        """Reject counts and durations that happen to precede a capitalised word ("12 Workers Way" stays)."""
        words = pattern_text.split()
        # "40 hours Park" style accidents: a unit word right after the number.
        return not (len(words) > 1 and words[1].lower() in {"hours", "workers", "days", "weeks", "people", "men", "women"})
