"""Phone numbers: UK national format and foreign mobiles, checked with libphonenumber.

Presidio's stock ``PhoneRecognizer`` runs libphonenumber's matcher once per region over
the whole text, and its default regions (US, GB, DE, FR, IL, IN, CA, BR) miss national
formats of the countries most workers come from. Here one regex finds candidate digit
runs once, and each candidate is parsed: international form (``+40``/``0040``) under
its own country, national form under GB first, then the communities' countries.
"""

from __future__ import annotations

import re

import phonenumbers
from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

__all__ = ["MultiRegionPhoneRecognizer"]


class MultiRegionPhoneRecognizer(LocalRecognizer):
    """Find phone numbers valid in GB or in one of ``REGIONS`` (national or international)."""

    ENTITY = "PHONE_NUMBER"
    REGIONS: tuple[str, ...] = ("GB", "RO", "BG", "LT", "PL", "SK", "AL", "VN", "NG", "UA", "IE", "LV", "CZ", "HU")
    SCORE = 0.75
    # Digits with the separators people type; must start with +, ( or a digit.
    CANDIDATE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d \-().]{5,22}\d(?![\w])")

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[self.ENTITY],
            supported_language=supported_language,
            name="MultiRegionPhoneRecognizer",
        )

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Candidates that parse as a valid number in some supported region."""
        results: list[RecognizerResult] = []
        for m in self.CANDIDATE.finditer(text):
            span = m.group(0).rstrip(" -.(")
            if self.is_phone(span):
                results.append(
                    RecognizerResult(
                        self.ENTITY, m.start(), m.start() + len(span), self.SCORE,
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: "MultiRegionPhoneRecognizer",
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
        return results

    @classmethod
    def is_phone(cls, candidate: str) -> bool:
        """True when ``candidate`` is a valid number (international, or national in a region)."""
        digits = re.sub(r"\D", "", candidate)
        if not 7 <= len(digits) <= 15:
            return False
        # Dates and money-like groupings (12/03/2024, 1.200.000) never get here: "/" and
        # "," are not candidate characters; a bare year range is too short.
        stripped = candidate.lstrip("(")
        if stripped.startswith("+") or stripped.startswith("00"):
            # "+44 (0)7700 ..." carries a trunk 0 that is not part of the number.
            digits = re.sub(r"\D", "", re.sub(r"\(0\)", "", stripped))
            intl = "+" + (digits[2:] if stripped.startswith("00") else digits)
            return cls._valid(intl, None) or cls._gb_possible(intl)
        if digits.startswith("0"):
            return cls._gb_possible(digits) or any(cls._valid(digits, r) for r in cls.REGIONS)
        # National forms without a trunk 0: Lithuania's trunk 8, Poland's bare nine digits.
        if len(digits) == 9 and digits.startswith("8"):
            return cls._valid(digits, "LT")
        if len(digits) == 9 and re.fullmatch(r"\d{3}[ -]\d{3}[ -]\d{3}", stripped):
            return cls._valid(digits, "PL")
        return False

    @classmethod
    def _gb_possible(cls, number: str) -> bool:
        # Ofcom's drama ranges (07700 900xxx, 01632 960xxx) are not "valid" to
        # libphonenumber but are real-looking UK numbers: accept possible GB numbers
        # of the national geographic and mobile shapes.
        try:
            parsed = phonenumbers.parse(number, "GB")
        except phonenumbers.NumberParseException:
            return False
        national = str(parsed.national_number)
        return (
            parsed.country_code == 44
            and len(national) == 10
            and national[0] in "1237"
            and bool(phonenumbers.is_possible_number(parsed))
        )

    @staticmethod
    def _valid(candidate: str, region: str | None) -> bool:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            return False
        return bool(phonenumbers.is_valid_number(number))
