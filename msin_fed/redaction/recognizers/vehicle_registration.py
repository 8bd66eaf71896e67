"""Vehicle registrations: Presidio's UK recognizer tuned, plus foreign plates near vehicle words."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import UkVehicleRegistrationRecognizer

from msin_fed.redaction._vocab import is_english_word
from msin_fed.redaction.recognizers._base import ContextRequiredRecognizer

__all__ = ["ForeignPlateRecognizer", "tuned_uk_vehicle_recognizer"]

# Short English words that can sit either side of a number ("is 15 men", "at 6 am"). Not
# spaCy's stop list: it holds "ca", a Bulgarian plate prefix.
_SHORT_WORDS = frozenset(
    "a an am as at be by do go he if in is it me my no of on or so to up us we am pm hr hrs km".split()
)


def tuned_uk_vehicle_recognizer() -> UkVehicleRegistrationRecognizer:
    """Presidio's UK plate recognizer: current format trusted in any case, older ones in capitals."""
    patterns = [
        Pattern(
            "UK current (any case)",
            r"(?i)\b[A-HJ-PR-Y][A-HJ-PR-Y](?:0[1-9]|[1-7][0-9])[- ]?[A-HJ-PR-Z]{3}\b",
            0.8,
        ),
        Pattern("UK prefix", r"\b[A-HJ-NPR-TV-Y]\d{1,3}[- ]?[A-HJ-PR-Y][A-HJ-PR-Z]{2}\b", 0.6),
        Pattern("UK suffix", r"\b[A-HJ-PR-Z]{3}[- ]?\d{1,3}[- ]?[A-HJ-NPR-TV-Y]\b", 0.5),
    ]
    rec = UkVehicleRegistrationRecognizer(patterns=patterns)
    rec.global_regex_flags = re.DOTALL | re.MULTILINE
    return rec


class ForeignPlateRecognizer(ContextRequiredRecognizer):
    """EU-style plates (``B 123 ABC``, ``CA 1234 AB``, ``WA 12345``) near vehicle words, in capitals."""

    ENTITY = "VEHICLE_REGISTRATION"
    PATTERNS = [
        Pattern("plate", r"\b[A-Z]{1,3}[- ]?\d{2,5}[- ]?[A-Z]{0,3}\b", 0.7),
        # Written together in any case (``pb2725sp``): letters on both sides keep words out.
        Pattern("plate (compact, any case)", r"(?i)\b[a-z]{1,3}\d{2,5}[a-z]{1,3}\b", 0.7),
        Pattern("plate (spaced, any case)", r"(?i)\b[a-z]{1,3}[ -]\d{2,5}[ -][a-z]{1,3}\b", 0.6),
    ]
    CONTEXT = ["reg", "plate", "vehicle", "van", "car", "minibus", "transit", "registration", "vrm",
               "number plate", "bmw", "audi", "ford", "vw", "mercedes", "sprinter", "lorry", "truck"]
    WINDOW = 40
    FLAGS = re.DOTALL | re.MULTILINE

    def validate_result(self, pattern_text: str) -> bool | None:
        """Reject "is 15 men": no lower-case letter group of a plate is an English word."""
        groups = re.findall(r"[A-Za-z]+", pattern_text)
        if any(g.islower() and (g in _SHORT_WORDS or (len(g) >= 3 and is_english_word(g))) for g in groups):
            return False
        return None
