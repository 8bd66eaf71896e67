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

from msin_fed.redaction.recognizers._shapes import money_after, money_before

__all__ = ["MultiRegionPhoneRecognizer"]


class MultiRegionPhoneRecognizer(LocalRecognizer):
    """Phone numbers by shape: 7 to 15 digits with the separators people type.

    A number libphonenumber accepts (international form under its own country, national
    form under GB or one of ``REGIONS``) scores highest; a number it rejects is still a
    phone when it is written like one (a ``+``, ``00`` or trunk ``0`` and nine digits or
    more) or a phone word stands near it. A number split across words ("starts 07700 and
    ends 900123") is found by its cues.
    """

    ENTITY = "PHONE_NUMBER"
    REGIONS: tuple[str, ...] = ("GB", "RO", "BG", "LT", "PL", "SK", "AL", "VN", "NG", "UA", "IE", "LV", "CZ", "HU")
    SCORE = 0.75
    SHAPE_SCORE = 0.6
    # Digits with the separators people type; must start with +, ( or a digit.
    CANDIDATE = re.compile(
        r"(?<![\w+])(?:\+|00)?\(?\d[\d \-().]{3,22}\d(?:\s?(?:x|ext\.?|extension)\s?\d{1,5})?(?![\w])"
    )
    # Digit by digit, any separator between ("0 7 7 0 0 / 9 0 0 / 1 2 3").
    SPACED = re.compile(r"(?<![\w.,])\d(?:\s?[\s/\-.]\s?\d){6,14}(?![\w]|[.,]\d)")
    # A phone word right before the number ("Phone: 34 76 31"): short local numbers count there.
    LABEL = re.compile(r"(?i)\b(?:phone|tel|telephone|mobile|mob|cell|fax|whatsapp|viber|landline)\.?\s*(?:no\.?|number)?\s*[:=\-]?\s*$")
    CONTEXT = re.compile(
        r"(?i)\b(?:phone|phoned|mobile|mob|tel|telephone|cell|number|no\.?|nr|call|called|calling|ring|rang|text|"
        r"texted|sms|whatsapp|viber|telegram|signal|contact|dial|dialled|reach|landline|hotline)\b"
    )
    SPLIT = re.compile(
        r"(?i)\b(?:starts?|starting|begins?|beginning|first (?:part|digits|bit))(?: with| in| as)?\s*(?:is\s+|are\s+|:\s*)?"
        r"(\+?\d[\d \-]{1,12}\d)\b.{0,60}?\b(?:ends?|ending|finishes|last (?:part|digits|bit)|then|followed by)"
        r"(?: with| in| by)?\s*(?:is\s+|are\s+|:\s*)?(\d[\d \-]{1,12}\d)\b",
        re.DOTALL,
    )
    # Digits written as words: "seven seven zero zero, nine double-oh one two three".
    _DIGIT_WORD = r"(?:zero|oh|o|nought|one|two|three|four|five|six|seven|eight|nine|double[ \-]?\w+|triple[ \-]?\w+)"
    SPELLED = re.compile(rf"(?i)\b{_DIGIT_WORD}(?:[ ,\-]+{_DIGIT_WORD}){{5,}}\b")
    _DATE = re.compile(r"\d{1,2}[.\-]\d{1,2}[.\-]\d{2,4}|(?:19|20)\d\d[.\-]\d{1,2}[.\-]\d{1,2}|(?:19|20)\d\d ?- ?(?:19|20)\d\d")

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
        """Candidates written like phones, or near phone words; numbers split by cues."""
        results: list[RecognizerResult] = []
        for m in self.CANDIDATE.finditer(text):
            span = m.group(0).rstrip(" -.(")
            score = self._score(text, m.start(), span)
            if score is not None:
                results.append(self._result(m.start(), m.start() + len(span), score))
        for m in self.SPACED.finditer(text):
            if not self._DATE.fullmatch(m.group(0)):
                results.append(self._result(m.start(), m.end(), self.SHAPE_SCORE))
        for m in self.SPELLED.finditer(text):
            results.append(self._result(m.start(), m.end(), self.SHAPE_SCORE))
        for m in self.SPLIT.finditer(text):
            for g in (1, 2):
                results.append(self._result(m.start(g), m.end(g), self.SHAPE_SCORE))
        return results

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            self.ENTITY, start, end, score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: "MultiRegionPhoneRecognizer",
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )

    def _score(self, text: str, start: int, span: str) -> float | None:
        number = re.sub(r"\s?(?:x|ext\.?|extension)\s?\d{1,5}$", "", span)
        digits = re.sub(r"\D", "", number)
        labelled = bool(self.LABEL.search(text, max(0, start - 24), start))
        if not (5 if labelled else 7) <= len(digits) <= 15 or self._DATE.fullmatch(number):
            return None
        if money_before(text, start) or money_after(text, start + len(span)):
            return None
        if self.is_phone(number):
            return self.SCORE
        stripped = number.lstrip("(")
        if labelled or (len(digits) >= 9 and stripped[0] in "+0") or number != span:
            return self.SHAPE_SCORE
        if number.startswith("(") and re.match(r"\(\d{1,5}\)", number):
            return self.SHAPE_SCORE  # "(26) 472-899": an area code in brackets
        if re.fullmatch(r"\d{3}[.\-]\d{3}[.\-]\d{4}", number):
            return self.SHAPE_SCORE  # the North American grouping
        if self.CONTEXT.search(text, max(0, start - 40), start):
            return self.SHAPE_SCORE
        return None

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
