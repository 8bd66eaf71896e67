"""Typed token inputs: domain separation, composites, variants agree, namesakes differ."""

from __future__ import annotations

import pytest

from msin_fed.errors import ValidationError
from msin_fed.linkage.mentions import mention_from_row
from msin_fed.linkage.scoring import token_kinds
from msin_fed.model.identifiers import Phone
from msin_fed.model.report import EntityMention
from msin_fed.token_inputs import TokenInput, inputs_for_mention


def mention(**fields: str) -> EntityMention:
    row = {"record_id": "r1", **fields}
    built, problems = mention_from_row(row)
    assert built is not None, problems
    return built


def data(m: EntityMention, kind: str) -> set[bytes]:
    return {i.data for i in inputs_for_mention(m) if i.kind == kind}


BASE = dict(given_name="Ștefan", family_name="Wiśniewski", date_of_birth="1985-03-07",
            phone="07700 900123", street_address="12 High St.", postcode="SW1A 1AA",
            vehicle_registration="AB12 CDE", bank_account="12-34-56 98765432")

VARIANT = dict(given_name="WISNIEWSKI", family_name="stefan", date_of_birth="07.03.1985",
               phone="+44 (0)7700 900123", street_address="12, high street", postcode="sw1a1aa",
               vehicle_registration="ab12cde", bank_account="GB82 WEST 1234 5698 7654 32")


@pytest.mark.parametrize("kind", ["phone", "vehicle", "bank", "name_dob", "name_phon_dob",
                                  "name_init_dob", "part_dob", "address", "dob_postcode", "name_lsh_dob"])
def test_format_variants_give_identical_inputs(kind: str) -> None:
    a, b = mention(**BASE), mention(**VARIANT)
    assert data(a, kind) & data(b, kind), kind


def test_inputs_are_typed_and_domain_separated() -> None:
    inputs = inputs_for_mention(mention(**BASE))
    assert TokenInput("phone", b"phone:+447700900123") in inputs
    assert TokenInput("vehicle", b"vehicle:AB12CDE") in inputs
    assert {i.kind for i in inputs} <= token_kinds()
    for i in inputs:
        assert i.data.startswith(i.kind.encode() + b":")
    assert "+447700900123" not in repr(inputs)


def test_same_characters_in_different_kinds_never_collide() -> None:
    a = mention(vehicle_registration="AB12CDE")
    b = mention(passport_number="AB12CDE")
    assert not {i.data for i in inputs_for_mention(a)} & {i.data for i in inputs_for_mention(b)}


def test_namesakes_share_no_input() -> None:
    a = mention(given_name="Ion", family_name="Popescu", date_of_birth="1990-01-01",
                phone="07700 900001")
    b = mention(given_name="Ion", family_name="Popescu", date_of_birth="1971-06-30",
                phone="07911 123456")
    # Every name-derived input holds most of the date of birth: namesakes born on another
    # day (every field different) share nothing, LSH bands included.
    assert not set(inputs_for_mention(a)) & set(inputs_for_mention(b))


def test_a_name_alone_makes_no_token() -> None:
    assert inputs_for_mention(mention(given_name="Ion", family_name="Popescu")) == []


def test_typo_keeps_phonetic_and_part_tokens() -> None:
    a = mention(given_name="Katherine", family_name="Smith", date_of_birth="1980-02-02")
    b = mention(given_name="Catherine", family_name="Smyth", date_of_birth="02/02/1980")
    assert not data(a, "name_dob") & data(b, "name_dob")
    assert data(a, "name_phon_dob") & data(b, "name_phon_dob")


def test_invalid_value_rejected_naming_the_field() -> None:
    bad = EntityMention("r1", phone=Phone("077 012"))
    with pytest.raises(ValidationError) as info:
        inputs_for_mention(bad)
    assert info.value.field == "phone"


@pytest.mark.parametrize(("column", "value"), [
    ("phone", "123"), ("email", "no-at-sign"), ("postcode", "NOTAPC"),
    ("bank_account", "GB82 WEST 1234 5698 7654 33"), ("date_of_birth", "31/02/1985"),
    ("company_number", "XX999999"), ("given_name", "R2D2"), ("country", "GBR"),
])
def test_row_reports_every_bad_field_by_column(column: str, value: str) -> None:
    row = {"record_id": "r1", "given_name": "Ion", "family_name": "Pop",
           "date_of_birth": "1990-01-01", column: value}
    built, problems = mention_from_row(row)
    assert built is None
    assert column in {f for f, _ in problems}
