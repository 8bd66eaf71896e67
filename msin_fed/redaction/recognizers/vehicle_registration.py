"""Vehicle registrations: Presidio's UK recognizer tuned, plus foreign plates near vehicle words."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import UkVehicleRegistrationRecognizer

from msin_fed.redaction._vocab import is_english_word
from msin_fed.redaction.recognizers._base import ContextRequiredRecognizer
from msin_fed.redaction.recognizers._shapes import ShapeRecognizer, spaced

__all__ = ["ForeignPlateRecognizer", "SpacedPlateRecognizer", "tuned_uk_vehicle_recognizer"]

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


_CURRENT = spaced("[A-Z]", "[A-Z]", r"\d", r"\d", "[A-Z]", "[A-Z]", "[A-Z]")


class SpacedPlateRecognizer(ShapeRecognizer):
    """UK plates in any spacing or separators (``A B 1 2 C D E``, ``AB-12-CDE``, ``AB12.CDE``),
    whatever letters they use: a plate with a letter the DVLA never issues is still a plate
    to a reader. Capitals only: in lower case the spaced forms are prose."""

    ENTITY = "VEHICLE_REGISTRATION"
    PATTERNS = (
        ("current", rf"(?<![A-Za-z0-9]){_CURRENT}(?![A-Za-z0-9])", 0.6),
        ("current, any case", r"(?i)(?<![a-z0-9])[a-z]{2}\d{2} ?[a-z]{3}(?![a-z0-9])", 0.6),
        ("prefix", rf"(?<![A-Za-z0-9])[A-Z][ .\-]?\d(?:[ .\-]?\d){{0,2}}[ .\-]?{spaced('[A-Z]', '[A-Z]', '[A-Z]')}(?![A-Za-z0-9])", 0.5),
        ("suffix", rf"(?<![A-Za-z0-9]){spaced('[A-Z]', '[A-Z]', '[A-Z]')}[ .\-]?\d(?:[ .\-]?\d){{0,2}}[ .\-]?[A-Z](?![A-Za-z0-9])", 0.5),
    )

    def rescore(self, text: str, match: re.Match[str], score: float) -> float | None:
        """Drop capitals prose ("A 1 DAY", "AT 12 PMS"): a letter group that is an English word."""
        if not re.search(r"[ .\-]", match.group(0)):
            return score  # letters and digits run together are no prose ("is49ebv")
        groups = re.findall(r"[A-Za-z]+", match.group(0))
        if any(len(g) >= 2 and (g.lower() in _SHORT_WORDS or (len(g) >= 3 and is_english_word(g))) for g in groups):
            return None
        return score
