"""The identifier registry: one table and one parser that import, link and the codec share."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from msin_fed import canonical, normalize
from msin_fed.errors import ValidationError
from msin_fed.linkage import mentions as link_mentions
from msin_fed.model import (
    IDENTIFIER_TYPES,
    MENTION_COLUMNS,
    EntityMention,
    Identifier,
    Nino,
    identifier_class,
    parse_mention,
)
from msin_fed.model.registry import canonical_text, types_for_column
from msin_fed.token_inputs import inputs_for_mention

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from data.synth import write_set


def test_every_kind_names_a_real_column_attribute_and_class() -> None:
    attributes = {f.name: f for f in dataclasses.fields(EntityMention)}
    for t in IDENTIFIER_TYPES:
        assert t.column in MENTION_COLUMNS, t
        assert t.attribute in attributes, t
        assert t.cls.KIND == t.kind and issubclass(t.cls, Identifier)
        assert identifier_class(t.kind) is t.cls
    # every identifier class a mention can hold is rebuildable by kind (the store codec)
    held = {t.cls for t in IDENTIFIER_TYPES}
    assert {identifier_class(c.KIND) for c in held} == held
    with pytest.raises(KeyError):
        identifier_class("shoe_size")


def test_shared_columns_pick_one_kind_per_value() -> None:
    assert [t.kind for t in types_for_column("national_id")] == ["nino", "national_id"]
    assert [t.kind for t in types_for_column("bank_account")] == ["iban", "bank_account"]
    gb = parse_mention({"record_id": "r", "national_id": "JG 10 37 59 A", "bank_account": "GB82 WEST 1234 5698 7654 32"})
    assert gb.mention is not None and gb.mention.nino is not None and gb.mention.national_id is None
    assert type(gb.mention.bank).__name__ == "Iban"
    ro = parse_mention({"record_id": "r", "national_id": "1900101123456", "country": "RO",
                        "bank_account": "12-34-56 12345678"})
    assert ro.mention is not None and ro.mention.national_id is not None and ro.mention.nino is None
    assert type(ro.mention.bank).__name__ == "BankAccount"
    # In a UK row, a value that starts like a NINO but is not one is a mistyped NINO, never
    # another kind of token; a foreign id held without its country is a national id.
    typo = parse_mention({"record_id": "r", "national_id": "JG 10 37 5 A", "phone": "07700 900123"})
    assert typo.mention is not None and typo.mention.nino is None and typo.mention.national_id is None
    ((column, problem),) = typo.problems
    assert column == "national_id" and "National Insurance" in problem and "country column" in problem
    foreign = parse_mention({"record_id": "r", "national_id": "2920114156010"})
    assert foreign.mention is not None and foreign.mention.national_id is not None and foreign.problems == []
    assert canonical_text(foreign.mention.national_id) == "GB:2920114156010"


@pytest.mark.parametrize("value", ["GB123456A", "BG123456A", "ZZ123456A", "DA123456A", "AD123456A", "QQ123456E"])
def test_one_nino_rule_in_model_normalize_and_registry(value: str) -> None:
    with pytest.raises(ValidationError):
        Nino(value)
    with pytest.raises(ValidationError):
        normalize.nino(value)
    assert not normalize.is_nino(value)
    parsed = parse_mention({"record_id": "r", "national_id": value, "phone": "07700 900123"})
    assert [c for c, _ in parsed.problems] == ["national_id"]


def test_import_and_link_read_a_file_identically(tmp_path: Path) -> None:
    """One parse path: the mentions a node imports are the mentions ``msin link`` tokenizes."""
    import csv

    rows = [
        {"record_id": "r1", "given_name": "Ion", "family_name": "Popescu", "date_of_birth": "03/02/1990",
         "phone": "07700 900123", "street_address": "1 Farm Lane", "postcode": "TA1 1AA", "national_id": "JG103759A"},
        {"record_id": "r2", "company_name": "Acme Labour Ltd", "company_number": "1234567", "site_name": "Hill Farm",
         "postcode": "TA1 1AA"},
        {"record_id": "r3", "phone": "07700 9", "postcode": "NOT A PC", "email": "x@@y", "given_name": "Ana"},
        {"record_id": "r4", "passport_number": "123456789", "country": "PL", "phone": "+48 601 234 567"},
        {"record_id": "r5", "national_id": "JG 10 37 5 A", "bank_account": "GB82 WEST 1234 5698 7654 33"},
    ]
    path = tmp_path / "m.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(MENTION_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    imported = [m for _line, m in canonical.parse_mentions_csv(path)]
    linked = link_mentions.read_mentions(path)
    assert [m for m, _inputs in linked.mentions] == imported
    assert [m.invalid_fields for m in imported if m.invalid_fields] != []
    assert {(e.line, e.field) for e in linked.ignored} == {
        (4, "phone"), (4, "postcode"), (4, "email"), (6, "national_id"), (6, "bank_account")}
    assert link_mentions.mention_from_row is canonical.mention_from_row


def test_canonical_text_is_the_normalized_form() -> None:
    parsed = parse_mention({"record_id": "r", "phone": "+44 (0)7700 900123", "vehicle_registration": "ab12 cde"})
    assert parsed.mention is not None and parsed.mention.phone and parsed.mention.vehicle
    assert canonical_text(parsed.mention.phone) == "+447700900123"
    assert canonical_text(parsed.mention.vehicle) == "AB12CDE"


def test_every_valid_mention_of_a_synthetic_network_tokenizes(tmp_path: Path) -> None:
    """What the registry accepts never fails later, at share time."""
    import csv

    files, _truth = write_set(tmp_path, seed=23, people=300, members=4)
    seen = 0
    for path in files:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                parsed = parse_mention(row)
                assert parsed.mention is not None
                inputs_for_mention(parsed.mention)  # raises if a valid value does not normalize
                seen += 1
    assert seen > 300


def test_a_bad_field_is_a_missing_field() -> None:
    """A bad value leaves the rest of its row whole; a bad postcode leaves address and site without it."""
    parsed = parse_mention({"record_id": "r", "given_name": "Ion", "family_name": "P0pescu", "phone": "07700 900123",
                            "street_address": "1 High Street", "postcode": "PE21 XXX", "site_name": "Hill Farm"})
    m = parsed.mention
    assert m is not None and m.phone is not None and m.address is not None and m.site is not None
    assert m.address.postcode == "" and m.site.postcode == ""
    assert m.name is not None and m.name.value == "Ion"  # the family name failed, the given name stands
    assert [(f.column, f.value) for f in m.invalid_fields] == [("postcode", "PE21 XXX"), ("family_name", "P0pescu")]
    assert parsed.errors == () and "PE21" not in repr(m)
    # only invalid values: still a mention (the member's data), with nothing to tokenize
    only_bad = parse_mention({"record_id": "r", "phone": "07700 9"})
    assert only_bad.mention is not None and only_bad.mention.identifiers() == ()
    assert inputs_for_mention(only_bad.mention) == []


def test_a_postcode_read_past_a_keyed_letter_keeps_its_street() -> None:
    """``luI4yp`` is LU1 4YP to the postcode column; the street beside it must not be
    refused for that postcode (it was, and the postcode then had nothing to stand on)."""
    parsed = parse_mention({"record_id": "r", "given_name": "Ann", "family_name": "Lee",
                            "street_address": "104 London Road", "locality": "Luton", "postcode": "luI4yp"})
    m = parsed.mention
    assert parsed.invalid == () and m is not None and m.address is not None
    assert normalize.postcode(m.address.postcode) == "LU1 4YP"


def test_row_level_problems_are_errors_not_invalid_fields() -> None:
    assert parse_mention({"record_id": "bad id!", "phone": "07700 900123"}).mention is None
    assert parse_mention({"record_id": "r"}).errors == (
        ("row", "holds no identifier (every identifier column is empty)"),)
    wrong_country = parse_mention({"record_id": "r", "phone": "07700 900123", "country": "Romania"})
    assert wrong_country.errors == (("country", "must be a two-letter ISO 3166 code such as GB"),)
    assert wrong_country.mention is not None and wrong_country.mention.country == "GB"


def test_a_postcode_nothing_can_hold_is_kept_as_invalid_not_dropped() -> None:
    alone = parse_mention({"record_id": "r", "postcode": "2000", "country": "AU", "given_name": "Ann"})
    assert [f.column for f in alone.invalid] == ["postcode"]
    with_site = parse_mention({"record_id": "r", "postcode": "2000", "country": "AU", "site_name": "Hill Farm"})
    assert with_site.invalid == () and with_site.mention is not None and with_site.mention.site is not None
    gb = parse_mention({"record_id": "r", "postcode": "ta1 1aa"})
    assert gb.mention is not None and gb.mention.address is not None and gb.mention.address.postcode == "ta1 1aa"


def test_a_uk_mobile_under_a_foreign_country_is_a_uk_phone() -> None:
    """``country`` is often nationality: a UK mobile in national form in a Polish row is
    the same phone as the same number written internationally in a GB row."""
    polish = parse_mention({"record_id": "a", "phone": "07911 123456", "country": "PL"}).mention
    british = parse_mention({"record_id": "b", "phone": "+44 7911 123456"}).mention
    assert polish is not None and polish.phone is not None and polish.invalid_fields == ()
    assert polish.phone.region == "GB" and british is not None and british.phone is not None
    assert canonical_text(polish.phone) == canonical_text(british.phone) == "+447911123456"
    phone_inputs = {i for i in inputs_for_mention(polish) if i.kind == "phone"}
    assert phone_inputs == {i for i in inputs_for_mention(british) if i.kind == "phone"} != set()
    too_short = parse_mention({"record_id": "c", "phone": "07700 12", "country": "PL"})
    assert [f.column for f in too_short.invalid] == ["phone"]
