"""The domain model rejects each kind of bad value with an error naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import msin_fed
from msin_fed import model
from msin_fed.errors import MsinError, ValidationError
from msin_fed.model import (
    BankAccount,
    CompanyNumber,
    DateOfBirth,
    Email,
    EntityMention,
    ExploitationType,
    Grade,
    Iban,
    IntelligenceReport,
    Nino,
    Passport,
    PersonName,
    Phone,
    Region,
    Sector,
    SharedRecord,
    SiteName,
    StreetAddress,
    Tlp,
    Token,
    VehicleRegistration,
)


def _report(**overrides: Any) -> IntelligenceReport:
    fields: dict[str, Any] = {
        "report_id": "r-1",
        "narrative": "Workers at the packhouse said wages were withheld.",
        "region": Region.EAST_OF_ENGLAND,
        "sector": Sector.PACKHOUSE,
        "exploitation_type": ExploitationType.LABOUR_EXPLOITATION,
        "month": "2026-10",
        "grade": Grade.parse("2BP"),
    }
    fields.update(overrides)
    return IntelligenceReport(**fields)


def _record(**overrides: Any) -> SharedRecord:
    fields: dict[str, Any] = {
        "record_id": "s-1",
        "member_id": "grower-1",
        "narrative": "<PERSON_1> collected wages.",
        "tokens": (Token("phone", b"\x01" * 64, 1),),
        "region": Region.SOUTH_WEST,
        "sector": Sector.GROWING_PICKING,
        "exploitation_type": ExploitationType.LABOUR_EXPLOITATION,
        "month": "2026-09",
        "grade": Grade.parse("1AP"),
        "tlp": Tlp.AMBER,
    }
    fields.update(overrides)
    return SharedRecord(**fields)


BAD_VALUES: list[tuple[str, Callable[[], object], str, str]] = [
    # (case, constructor, field named, words in the problem)
    ("empty phone", lambda: Phone(""), "phone", "empty"),
    ("phone too long", lambda: Phone("0" * 41), "phone", "too long"),
    ("phone letters", lambda: Phone("07700 CALLME"), "phone", "wrong format"),
    ("email without at", lambda: Email("someone.example.com"), "email", "wrong format"),
    ("email too long", lambda: Email("a" * 250 + "@x.co"), "email", "too long"),
    ("plate symbols", lambda: VehicleRegistration("AB12$CDE"), "vehicle", "wrong format"),
    ("nino bad prefix", lambda: Nino("DQ123456C"), "nino", "wrong format"),
    ("nino short", lambda: Nino("QQ1234"), "nino", "wrong format"),
    ("passport country", lambda: Passport("123456789", country="Romania"), "passport.country", "ISO"),
    ("iban shape", lambda: Iban("12GB34"), "iban", "wrong format"),
    ("sort code short", lambda: BankAccount("12-34 12345678"), "bank_account", "wrong format"),
    ("company number long", lambda: CompanyNumber("123456789"), "company_number", "wrong format"),
    ("name with digits", lambda: PersonName("Ion 2"), "person_name", "wrong format"),
    ("name control char", lambda: PersonName("Ion\x00Popescu"), "person_name", "control"),
    ("dob format", lambda: DateOfBirth("31st March"), "date_of_birth", "wrong format"),
    ("dob impossible", lambda: DateOfBirth("31/02/1990"), "date_of_birth", "is not a real date"),
    ("dob month 13", lambda: DateOfBirth("01/13/1990"), "date_of_birth", "month must be 1 to 12"),
    ("dob future", lambda: DateOfBirth("2999-01-01"), "date_of_birth", "outside"),
    ("postcode", lambda: StreetAddress("1 High St", postcode="NOTAPC"), "postcode", "wrong format"),
    ("site empty", lambda: SiteName("   "), "site_name", "empty"),
    ("grade empty", lambda: Grade.parse(""), "grade", "empty"),
    ("grade too long", lambda: Grade.parse("1APX"), "grade", "three characters"),
    ("grade source", lambda: Grade.parse("4AP"), "grade.source", "1, 2 or 3"),
    ("grade letter", lambda: Grade.parse("1FP"), "grade.assessment", "A, B, C, D, E"),
    ("grade handling", lambda: Grade.parse("1AX"), "grade.handling", "P or C"),
    ("tlp unknown", lambda: Tlp.parse("PURPLE"), "tlp", "unknown value"),
    ("region unknown", lambda: Region.parse("Atlantis"), "region", "unknown value"),
    ("sector empty", lambda: Sector.parse(""), "sector", "empty"),
    ("exploitation unknown", lambda: ExploitationType.parse("piracy"), "exploitationtype", "unknown"),
    ("report id empty", lambda: _report(report_id=""), "report_id", "empty"),
    ("report id too long", lambda: _report(report_id="r" * 65), "report_id", "too long"),
    ("report id spaces", lambda: _report(report_id="r 1"), "report_id", "wrong format"),
    ("narrative empty", lambda: _report(narrative=" "), "narrative", "empty"),
    ("narrative too long", lambda: _report(narrative="x" * 20_001), "narrative", "too long"),
    ("month format", lambda: _report(month="10/2026"), "month", "wrong format"),
    ("region wrong type", lambda: _report(region="London"), "region", "Region"),
    ("victims negative", lambda: _report(victims_count=-1), "victims_count", "between"),
    ("mention no identifier", lambda: EntityMention("r-1"), "mention", "no identifier"),
    (
        "mention country",
        lambda: EntityMention("r-1", phone=Phone("07700900123"), country="GBR"),
        "country",
        "two-letter",
    ),
    ("token size", lambda: Token("phone", b"short", 1), "token.value", "64 bytes"),
    ("token kind", lambda: Token("Phone!", b"\x00" * 64, 1), "token.kind", "wrong format"),
    ("token epoch", lambda: Token("phone", b"\x00" * 64, 0), "token.epoch", "positive"),
    ("record band", lambda: _record(victims_band="7"), "victims_band", "one of"),
    ("record tlp type", lambda: _record(tlp="RED"), "tlp", "Tlp"),
    (
        "record mixed epochs",
        lambda: _record(tokens=(Token("phone", b"\x01" * 64, 1), Token("email", b"\x02" * 64, 2))),
        "tokens",
        "one key epoch",
    ),
]


@pytest.mark.parametrize(("case", "build", "field", "words"), BAD_VALUES, ids=[c[0] for c in BAD_VALUES])
def test_bad_values_are_rejected_naming_the_field(
    case: str, build: Callable[[], object], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as err:
        build()
    assert err.value.field == field
    assert words in err.value.problem
    assert isinstance(err.value, MsinError) and isinstance(err.value, ValueError)


GOOD_VALUES: list[Callable[[], object]] = [
    lambda: Phone("(07700) 900123"),
    lambda: Phone("+40 722 123 456"),
    lambda: Email(" Ana.Pop@Example.co.uk "),
    lambda: VehicleRegistration("ab12 cde"),
    lambda: Nino("JG 10 37 59 A"),
    lambda: Passport("053123456", country="ro"),
    lambda: Iban("GB82 WEST 1234 5698 7654 32"),
    lambda: BankAccount("12-34-56 12345678"),
    lambda: CompanyNumber("SC123456"),
    lambda: PersonName.of("Ștefan", "Wiśniewski"),
    lambda: DateOfBirth("19900331"),
    lambda: DateOfBirth("31.03.1990"),
    lambda: StreetAddress("14 Mill Lane", postcode="pe21 8ab"),
    lambda: SiteName("Greenacre Farm"),
]


@pytest.mark.parametrize("build", GOOD_VALUES)
def test_good_values_are_accepted(build: Callable[[], object]) -> None:
    assert build() is not None


def test_identifier_repr_never_shows_the_value() -> None:
    assert "900123" not in repr(Phone("07700 900123"))
    mention = EntityMention("r-1", name=PersonName("Ion Popescu"), phone=Phone("07700900123"))
    assert "Popescu" not in repr(mention) and "900123" not in repr(mention)


def test_values_are_immutable() -> None:
    grade = Grade.parse("1ap")
    with pytest.raises(AttributeError):
        grade.source = 2  # type: ignore[misc]


def test_grade_round_trip_and_actionable() -> None:
    assert str(Grade.parse(" 1-a-p ")) == "1AP"
    assert Grade.parse("2BC").actionable
    assert not Grade.parse("3AP").actionable
    assert not Grade.parse("1DP").actionable


def test_vocabularies_accept_code_name_and_label() -> None:
    assert Region.parse("TLK") is Region.parse("south west") is Region.SOUTH_WEST
    assert Tlp.parse("amber+strict") is Tlp.AMBER_STRICT
    assert ExploitationType.parse("Forced begging").family.value == "criminal_exploitation"
    assert len([t for t in ExploitationType if not t.value.endswith(t.family.value)]) == 17


def test_victim_bands() -> None:
    assert [model.victims_band(n) for n in (None, 0, 1, 3, 10, 11, 51)] == [
        "unknown",
        "unknown",
        "1",
        "2-5",
        "6-10",
        "11-50",
        "51+",
    ]


def test_public_names_are_exported() -> None:
    for module in (msin_fed, model):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name} is in __all__ but missing"
    public_model = {n for n in dir(model) if not n.startswith("_") and n[0].isupper()}
    assert public_model <= set(model.__all__)
