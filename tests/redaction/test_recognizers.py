"""Each recognizer, table-driven: what it must find, and look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from presidio_analyzer import EntityRecognizer

from msin_fed.redaction.recognizers import (
    AccountNumberRecognizer,
    CardNumberRecognizer,
    CompanyNameRecognizer,
    CompanyNumberRecognizer,
    DateOfBirthRecognizer,
    DigitRunRecognizer,
    DocumentNumberRecognizer,
    ForeignPlateRecognizer,
    ForeignPostcodeRecognizer,
    IbanShapeRecognizer,
    MultiRegionPhoneRecognizer,
    NinoShapeRecognizer,
    OfflineEmailRecognizer,
    PassportRecognizer,
    PersonCueRecognizer,
    PostcodeRecognizer,
    SiteNameRecognizer,
    SortCodeRecognizer,
    SpacedPlateRecognizer,
    StreetAddressRecognizer,
    StreetNameRecognizer,
    UnknownWordNameRecognizer,
)
from msin_fed.redaction.recognizers.uk_tuned import tuned_uk_recognizers
from msin_fed.redaction.recognizers.vehicle_registration import tuned_uk_vehicle_recognizer

_UK = {type(r).__name__: r for r in tuned_uk_recognizers()}

RECOGNIZERS: dict[str, EntityRecognizer] = {
    "phone": MultiRegionPhoneRecognizer(),
    "email": OfflineEmailRecognizer(),
    "sort_code": SortCodeRecognizer(),
    "account": AccountNumberRecognizer(),
    "dob": DateOfBirthRecognizer(),
    "passport": PassportRecognizer(),
    "uk_passport": _UK["UkPassportRecognizer"],
    "nino": NinoShapeRecognizer(),
    "postcode": PostcodeRecognizer(),
    "iban": IbanShapeRecognizer(),
    "licence": _UK["UkDrivingLicenceRecognizer"],
    "uk_plate": tuned_uk_vehicle_recognizer(),
    "foreign_plate": ForeignPlateRecognizer(),
    "address": StreetAddressRecognizer(),
    "site": SiteNameRecognizer(),
    "company": CompanyNameRecognizer(),
    "company_number": CompanyNumberRecognizer(),
    "person_cue": PersonCueRecognizer(),
    "unknown_word": UnknownWordNameRecognizer(),
    "foreign_postcode": ForeignPostcodeRecognizer(),
    "card": CardNumberRecognizer(),
    "digits": DigitRunRecognizer(),
    "document": DocumentNumberRecognizer(),
    "spaced_plate": SpacedPlateRecognizer(),
    "street": StreetNameRecognizer(),
}

# (recognizer, text, expected spans as text): an empty tuple means "nothing found".
CASES = [
    # phones: UK national and international, foreign mobiles national and international
    ("phone", "call him on 07700 900123 tonight", ("07700 900123",)),
    ("phone", "ring 07700900123", ("07700900123",)),
    ("phone", "his number +44 (0)7700 900 461", ("+44 (0)7700 900 461",)),
    ("phone", "office 01945 582311", ("01945 582311",)),
    ("phone", "Romanian mobile +40 722 123 456", ("+40 722 123 456",)),
    ("phone", "Romanian mobile 0722 123 456", ("0722 123 456",)),
    ("phone", "Bulgarian +359 88 123 4567", ("+359 88 123 4567",)),
    ("phone", "Lithuanian 00370 612 34567", ("00370 612 34567",)),
    ("phone", "Polish 512 345 678", ("512 345 678",)),
    ("phone", "Nigerian +234 803 123 4567", ("+234 803 123 4567",)),
    ("phone", "paid £1,200 for 14 workers", ()),
    ("phone", "on 12/03/2024 at 10:30", ()),
    ("phone", "account 12345678", ()),
    ("phone", "between 2023 and 2024", ()),
    # shape first: numbers libphonenumber rejects, split numbers, numbers in words
    ("phone", "His number is 07700 900 12", ("07700 900 12",)),
    ("phone", "mobile 0712 345", ("0712 345",)),  # 7 digits after a phone word
    ("phone", "worked 0712 345 hours", ()),
    ("phone", "tel: 123 4567 890", ("123 4567 890",)),
    ("phone", "The number starts 07700 and ends 900123.", ("07700", "900123")),
    ("phone", "call seven seven zero zero nine zero zero one two three", ("seven seven zero zero nine zero zero one two three",)),
    ("phone", "one or two of the six men", ()),
    ("phone", "paid 1200000 lei", ()),
    ("phone", "Fax 751.750.3462x3489 now", ("751.750.3462x3489",)),
    ("phone", "not answering at (44) 929-299", ("(44) 929-299",)),
    ("phone", "Phone: 34 76 31", ("34 76 31",)),
    ("phone", "14 (12) men on 12/03/2024", ()),
    # e-mail
    ("email", "write to ION.POPESCU7@gmail.com", ("ION.POPESCU7@gmail.com",)),
    # an unknown suffix (a typo) is still an address: validity only raises the score
    ("email", "write to someone@nowhere.invalidtld", ("someone@nowhere.invalidtld",)),
    ("email", "write to ana.pop@gmail.con today", ("ana.pop@gmail.con",)),
    # sort code and account: need banking context
    ("sort_code", "sort code 12-34-56", ("12-34-56",)),
    ("sort_code", "s/c 123456", ("123456",)),
    ("sort_code", "visited on 12-03-24 with 12 workers", ()),
    ("account", "account number 12345678", ("12345678",)),
    ("account", "a/c 1234567", ("1234567",)),
    ("account", "paid 12345678 in total", ()),
    # dates of birth only near birth words; other dates kept
    ("dob", "born 3 March 1990 in Iasi", ("3 March 1990",)),
    ("dob", "DOB: 03/03/1990", ("03/03/1990",)),
    ("dob", "date of birth 1990-03-03", ("1990-03-03",)),
    ("dob", "visited on 03/03/2024", ()),
    ("dob", "since March 2023, 3 March 2024 last visit", ()),
    # passports
    ("passport", "passport number 05123456", ("05123456",)),
    ("passport", "Vietnamese passport C1234567", ("C1234567",)),
    ("passport", "took their passports and £300 deposit", ()),
    ("uk_passport", "passport AB1234567", ("AB1234567",)),
    # NINO, postcode, IBAN (with a bad-checksum row), driving licence
    ("nino", "NI number AB 12 34 56 C", ("AB 12 34 56 C",)),
    ("nino", "nino jg103759a", ("jg103759a",)),
    ("nino", "paid 12 34 56 a week", ()),
    ("nino", "NINO QQ 12 34 56 C", ("QQ 12 34 56 C",)),  # unallocated prefix: still a NINO
    ("nino", "his NI is JK-123456-C", ("JK-123456-C",)),
    ("nino", "J.K.1.2.3.4.5.6.C on the payslip", ("J.K.1.2.3.4.5.6.C",)),
    ("postcode", "lives in PE13 2AB", ("PE13 2AB",)),
    ("postcode", "lives in pe132ab", ("pe132ab",)),
    ("postcode", "worked 40 hours in Wisbech", ()),
    ("postcode", "postcode QQ1 1ZZ near the farm", ("QQ1 1ZZ",)),  # letters never used: still a postcode
    ("postcode", "lives at P E 1 3 2 A B", ("P E 1 3 2 A B",)),
    ("postcode", "lives at PE13-2AB", ("PE13-2AB",)),
    ("postcode", "AT 10 AM THEY LEFT", ()),
    ("postcode", "the PE13 district", ()),
    ("foreign_postcode", "postal code 400001", ("400001",)),
    ("foreign_postcode", "Str. Lalelelor 7, 400001 Cluj, Romania", ("400001",)),
    ("foreign_postcode", "in 2019 he went to Romania", ()),
    ("foreign_postcode", "paid 3000 lei in Romania", ()),
    ("foreign_postcode", "Mr A\n United Kingdom 43086", ("43086",)),
    ("foreign_postcode", "Billing:\n  Kuopio\n  NS\n  70100\n", ("70100",)),
    ("foreign_postcode", "Mrs B NSW 2400", ("2400",)),
    ("foreign_postcode", "to support them in Gondregnies 7830 this year", ("7830",)),
    ("foreign_postcode", "Flat 3, Lodz 92-318", ("92-318",)),
    ("foreign_postcode", "We worked 12 hours.\nTotal 4500\n", ()),
    ("foreign_postcode", "He earns 1500\nper month", ()),
    ("foreign_postcode", "arrived in Boston 2019", ()),
    ("card", "card 4111 1111 1111 1111 was used", ("4111 1111 1111 1111",)),
    ("card", "card 4111 1111 1111 1112 (fails Luhn)", ("4111 1111 1111 1112",)),
    ("card", "amex 3782-822463-10005", ("3782-822463-10005",)),
    ("card", "paid £1,200 on 12/03/2024", ()),
    ("digits", "member no 8812345 at the agency", ("8812345",)),
    ("digits", "paid 1.200.000 lei", ()),
    ("digits", "from 2019-2023 and 12.03.2024", ()),
    ("document", "passport no. p1234567r", ("p1234567r",)),
    ("document", "identity card 1850307123456", ("1850307123456",)),
    ("document", "driving licence MORGA 753116 SM9IJ", ("MORGA 753116 SM9IJ",)),
    ("document", "his licence taken 3 weeks ago", ()),
    ("spaced_plate", "van reg A B 1 2 C D E", ("A B 1 2 C D E",)),
    ("spaced_plate", "plate AB-12-CDE", ("AB-12-CDE",)),
    ("spaced_plate", "AT 12 PMS", ()),
    ("iban", "IBAN GB82 WEST 1234 5698 7654 32", ("GB82 WEST 1234 5698 7654 32",)),
    ("iban", "IBAN GB83 WEST 1234 5698 7654 32", ("GB83 WEST 1234 5698 7654 32",)),  # bad checksum: still an IBAN
    ("iban", "IBAN RO49 AAAA 1B31 0075 9384 0001 and more", ("RO49 AAAA 1B31 0075 9384 0001",)),
    ("iban", "iban de89370400440532013000 then", ("de89370400440532013000",)),
    ("iban", "paid GB 2024 in cash", ()),
    ("licence", "driving licence MORGA753116SM9IJ", ("MORGA753116SM9IJ",)),
    # plates: UK current in any case, foreign near vehicle words
    ("uk_plate", "white Transit AB12 CDE", ("AB12 CDE",)),
    ("uk_plate", "white transit ab12cde", ("ab12cde",)),
    ("uk_plate", "14 workers, 12 hours", ()),
    ("foreign_plate", "Romanian van reg B 123 ABC", ("B 123 ABC",)),
    ("foreign_plate", "registration cb 4431 ur.", ("cb 4431 ur",)),
    ("foreign_plate", "Bulgarian plate ca 2598 tm", ("ca 2598 tm",)),
    ("foreign_plate", "the van is 15 men", ()),
    ("foreign_plate", "the van left at 6 am", ()),
    ("foreign_plate", "B 123 ABC", ()),  # no vehicle context
    # addresses: house number and street; towns and counts kept
    ("address", "lives at Flat 2, 14 Mill Lane, Wisbech", ("Flat 2, 14 Mill Lane",)),
    ("address", "at 3 church road", ("3 church road",)),
    ("address", "12 workers in Wisbech", ()),
    ("street", "they stay on Toby Coves in a caravan", ("Toby Coves",)),
    ("street", "Flat 51Q is where they sleep", ("Flat 51Q",)),
    ("street", "room 2 of 4", ()),
    # sites and companies
    ("site", "picking at Green Acres Farm near Boston", ("Green Acres Farm",)),
    ("site", "the farm pays £50 a day", ()),
    ("company", "supplied by Baltic Staffing Ltd.", ("Baltic Staffing Ltd",)),
    ("company", "The Agency took fees", ()),
    ("company_number", "company number 09876543", ("09876543",)),
    ("company_number", "paid 09876543 pence", ()),
    # names after cues, and non-English words
    ("person_cue", "a man called ion popescu collects wages", ("ion popescu",)),
    ("person_cue", "Mr NGUYEN drives", ("NGUYEN",)),
    ("person_cue", "supervisor Darius takes passports", ("Darius",)),
    ("person_cue", "the driver said nothing", ()),
    ("person_cue", "the worker was called back", ()),
    ("person_cue", "last name? davies", ("davies",)),
    ("person_cue", "Naomi: they took my passport", ("Naomi",)),
    ("person_cue", "Note: they took my passport", ()),
    ("person_cue", "the brothers North, Hall and Webb run the gang", ("North", "Hall", "Webb")),
    ("person_cue", "shops at Tesco, Asda and Lidl", ()),
    ("person_cue", "Genres: Animation, Comedy, Kids and Family", ()),
    ("person_cue", "We spoke to kerry green who was afraid", ("kerry green",)),
    ("person_cue", "he answers it day and night", ()),
    ("person_cue", "he is known as 'the Boss'", ("the Boss",)),
    ("unknown_word", "worker vasiliauskas sleeps in the van", ("vasiliauskas",)),
    ("unknown_word", "ADAEZE told us", ("ADAEZE",)),
    ("unknown_word", "works 14 hours in Wisbech for £450", ()),
    ("unknown_word", "GLAA and HMRC visited the packhouse", ()),
    ("unknown_word", "I didn't get paid and wasn't allowed out", ()),
    ("unknown_word", "advertised on Gumtree, paid via Revolut, flew into Stansted", ()),
    ("unknown_word", "he is Bulgarian, from Romania", ()),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[f"{c[0]}:{c[1][:30]}" for c in CASES])
def test_recognizer(name: str, text: str, expected: tuple[str, ...]) -> None:
    rec = RECOGNIZERS[name]
    found = rec.analyze(text, rec.supported_entities, None)
    assert sorted(text[r.start : r.end] for r in found if r.score >= 0.4) == sorted(expected)


def test_email_validation_is_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*_a: object, **_k: object) -> None:
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    rec = OfflineEmailRecognizer()
    assert rec.analyze("mail x.y@example.co.uk", rec.supported_entities, None)


@pytest.mark.parametrize(
    ("body", "literal"),
    [
        (r"ion[\s\-.,']*popescu", "ion"),
        ("popescu", "popescu"),
        (r"0?28\s*[./\-\s]\s*0?12", ""),
        (r"1984\s*[./\-\s]\s*0?12", "1984"),
        ("(?:road|rd)", ""),
        ("ab?c", "a"),
        (r"a\.b@example\.com", "a"),
    ],
)
def test_known_identifier_regex_needles(body: str, literal: str) -> None:
    # A known identifier's regex is compiled only for texts holding its leading literal.
    from msin_fed.redaction.recognizers.known_identifiers import _leading_literal

    assert _leading_literal(body) == literal
