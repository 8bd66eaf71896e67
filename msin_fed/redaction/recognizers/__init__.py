"""Recognizers in Presidio's plug-in style, one per file, and the two registries built from them.

``redaction_recognizers()`` is what the redactor runs; ``verification_recognizers()`` is
the independent second pass: Presidio's own phone matcher instead of ours, and the NER
on the redacted text as it stands.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer
from presidio_analyzer.predefined_recognizers import PhoneRecognizer, SpacyRecognizer

from msin_fed.redaction.recognizers.card_number import CardNumberRecognizer
from msin_fed.redaction.recognizers.date_of_birth import DateOfBirthRecognizer
from msin_fed.redaction.recognizers.document_number import DocumentNumberRecognizer
from msin_fed.redaction.recognizers.email_address import OfflineEmailRecognizer
from msin_fed.redaction.recognizers.foreign_postcode import ForeignPostcodeRecognizer
from msin_fed.redaction.recognizers.given_name import GivenNameRecognizer
from msin_fed.redaction.recognizers.iban import IbanShapeRecognizer
from msin_fed.redaction.recognizers.known_identifiers import KnownIdentifierRecognizer
from msin_fed.redaction.recognizers.long_number import DigitRunRecognizer
from msin_fed.redaction.recognizers.nino import NinoShapeRecognizer
from msin_fed.redaction.recognizers.organisation import (
    CompanyNameRecognizer,
    CompanyNumberRecognizer,
    SiteNameRecognizer,
)
from msin_fed.redaction.recognizers.partial_number import PartialNumberRecognizer
from msin_fed.redaction.recognizers.passport import PassportRecognizer
from msin_fed.redaction.recognizers.person_cue import PersonCueRecognizer
from msin_fed.redaction.recognizers.person_vocab import UnknownWordNameRecognizer
from msin_fed.redaction.recognizers.phone_number import MultiRegionPhoneRecognizer
from msin_fed.redaction.recognizers.postcode import PostcodeRecognizer
from msin_fed.redaction.recognizers.sort_code_account import AccountNumberRecognizer, SortCodeRecognizer
from msin_fed.redaction.recognizers.street_address import StreetAddressRecognizer, StreetNameRecognizer
from msin_fed.redaction.recognizers.uk_tuned import tuned_uk_recognizers
from msin_fed.redaction.recognizers.vehicle_registration import (
    ForeignPlateRecognizer,
    SpacedPlateRecognizer,
    tuned_uk_vehicle_recognizer,
)

__all__ = [
    "AccountNumberRecognizer",
    "CardNumberRecognizer",
    "CompanyNameRecognizer",
    "CompanyNumberRecognizer",
    "DateOfBirthRecognizer",
    "DigitRunRecognizer",
    "DocumentNumberRecognizer",
    "ForeignPlateRecognizer",
    "ForeignPostcodeRecognizer",
    "GivenNameRecognizer",
    "IbanShapeRecognizer",
    "KnownIdentifierRecognizer",
    "MultiRegionPhoneRecognizer",
    "NinoShapeRecognizer",
    "OfflineEmailRecognizer",
    "PartialNumberRecognizer",
    "PassportRecognizer",
    "PersonCueRecognizer",
    "PostcodeRecognizer",
    "SiteNameRecognizer",
    "SortCodeRecognizer",
    "SpacedPlateRecognizer",
    "StreetAddressRecognizer",
    "StreetNameRecognizer",
    "UnknownWordNameRecognizer",
    "redaction_recognizers",
    "verification_recognizers",
]


def _structured() -> list[EntityRecognizer]:
    return [
        *tuned_uk_recognizers(),
        PostcodeRecognizer(),
        ForeignPostcodeRecognizer(),
        NinoShapeRecognizer(),
        IbanShapeRecognizer(),
        CardNumberRecognizer(),
        DigitRunRecognizer(),
        PartialNumberRecognizer(),
        DocumentNumberRecognizer(),
        tuned_uk_vehicle_recognizer(),
        SpacedPlateRecognizer(),
        ForeignPlateRecognizer(),
        OfflineEmailRecognizer(),
        SortCodeRecognizer(),
        AccountNumberRecognizer(),
        DateOfBirthRecognizer(),
        PassportRecognizer(),
        StreetAddressRecognizer(),
        StreetNameRecognizer(),
        CompanyNumberRecognizer(),
    ]


def redaction_recognizers() -> list[EntityRecognizer]:
    """Everything the redactor looks for (the record's own identifiers are added per call)."""
    return [
        *_structured(),
        MultiRegionPhoneRecognizer(),
        SiteNameRecognizer(),
        CompanyNameRecognizer(),
        PersonCueRecognizer(),
        UnknownWordNameRecognizer(),
        GivenNameRecognizer(),
        SpacyRecognizer(supported_entities=["PERSON"]),
    ]


def verification_recognizers() -> list[EntityRecognizer]:
    """The second, independent pass: structured shapes, libphonenumber's matcher, NER persons."""
    return [
        *_structured(),
        # libphonenumber's own matcher, as a second mechanism: one pass per region is costly, and
        # under GB it already finds every number written in international form; national forms
        # of other countries (and Ofcom's drama ranges, "invalid" to it) are ours to find.
        PhoneRecognizer(supported_regions=("GB",), leniency=1),
        MultiRegionPhoneRecognizer(),
        SpacyRecognizer(supported_entities=["PERSON"]),
    ]
