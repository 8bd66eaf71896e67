
"""Token inputs of the export classes the tuning generator gained (issue 17, recall):
junk placeholders, TN numbers, mobiles from home without their prefix, IBANs whose
checksum fails, NINOs that break the NINO rules; real normaliser, real registry."""

from __future__ import annotations

import datetime as dt

import pytest

from msin_fed import normalize
from msin_fed.errors import ValidationError
from msin_fed.model.registry import parse_mention
from msin_fed.model.report import EntityMention
from msin_fed.token_inputs import inputs_for_mention


def mention(**fields: str) -> EntityMention:
    parsed = parse_mention({"record_id": "r1", **fields})
    assert parsed.mention is not None, parsed.problems
    return parsed.mention


def data(m: EntityMention, *kinds: str) -> set[bytes]:
    return {i.data for i in inputs_for_mention(m) if i.kind in kinds}


@pytest.mark.parametrize("junk", ["N/A", "n/a", "unknown", "-", "?", "not known", "NK", "none"])
def test_junk_placeholders_are_empty_cells_not_values(junk: str) -> None:
    m = mention(given_name="Ion", family_name=junk, date_of_birth=junk, phone=junk,
                company_name=junk, postcode=junk, street_address="12 High St", locality="Boston")
    assert m.name is not None and normalize.name_words(m.name.value) == ("ion",)
    assert m.date_of_birth is None and m.phone is None and m.company_name is None
    assert not m.invalid_fields  # nothing was a value, so nothing failed validation
    assert not data(m, "company", "company_postcode", "company_near")


def test_a_bare_na_is_still_a_given_name() -> None:
    m = mention(given_name="Na", family_name="Nguyen", date_of_birth="1990-01-01")
    assert m.name is not None and normalize.name_words(m.name.value) == ("na", "nguyen")
    assert normalize.is_junk("N/A", name=True) and not normalize.is_junk("Na", name=True)


def test_a_temporary_reference_gives_its_date_of_birth_and_no_token() -> None:
    m = mention(given_name="Ion", family_name="Popescu", national_id="TN 07 03 85 M")
    assert m.date_of_birth is not None and normalize.date_of_birth(m.date_of_birth.value) == "1985-03-07"
    assert m.nino is None and m.national_id is None
    # Kept as an invalid field (the node's redaction deny-list holds those), never a token.
    assert [f.column for f in m.invalid_fields] == ["national_id"]
    assert not any(b"TN" in i.data.upper() or b"070385" in i.data for i in inputs_for_mention(m))
    # A date of the row's own wins; an impossible TN date is no date.
    own = mention(given_name="Ion", date_of_birth="1986-01-02", national_id="TN070385M")
    assert own.date_of_birth is not None and own.date_of_birth.value == "1986-01-02"
    assert normalize.temporary_reference_dob("TN310285F") is None
    assert normalize.temporary_reference_dob("TN070305F", dt.date(2026, 12, 1)) == "2005-03-07"


@pytest.mark.parametrize(("home", "written", "e164"), [
    ("RO", "0722 123 456", "+40722123456"),
    ("PL", "512 345 678", "+48512345678"),
    ("SK", "0912 345 678", "+421912345678"),
    ("HU", "06 20 123 4567", "+36201234567"),
    ("BG", "088 712 3456", "+359887123456"),
    ("VN", "0912 345 678", "+84912345678"),
])
def test_a_mobile_from_home_without_its_prefix_meets_its_international_form(home: str, written: str, e164: str) -> None:
    national = mention(given_name="Ion", phone=written)  # country empty: read as GB first
    international = mention(given_name="Ion", phone=e164[:4] + " " + e164[4:])
    assert data(national, "phone_home") & data(international, "phone_home")
    assert f"phone_home:{e164}".encode() in data(national, "phone_home")
    # ... and in the row's own country when the member filled it with the nationality.
    assert f"phone:{e164}".encode() in data(mention(given_name="Ion", phone=written, country=home), "phone")


def test_a_uk_mobile_gets_no_readings_from_home() -> None:
    uk = mention(given_name="Ion", phone="07409 661374")
    # Only itself and fillers (every phone gives 1 + MAX_HOME_READINGS, so the count does
    # not tell a foreign mobile: tests/linkage/test_new_kinds_attacks.py).
    homes = data(uk, "phone_home")
    assert data(uk, "phone") == {b"phone:+447409661374"} and b"phone_home:+447409661374" in homes
    assert len(homes) == 1 + normalize.MAX_HOME_READINGS
    assert all(h.startswith(b"phone_home:filler ") for h in homes - {b"phone_home:+447409661374"})
    assert normalize.phone_readings("07409 661374", "PL") == ["+447409661374"]


def _bad(iban: str, i: int) -> str:
    return iban[:i] + str((int(iban[i]) + 3) % 10) + iban[i + 1 :]


@pytest.mark.parametrize("position", [2, 3, 9, 15, 21])  # check digits, sort code, account
def test_an_iban_with_one_digit_wrong_meets_its_account(position: str) -> None:
    good = "GB82WEST12345698765432"
    bad = mention(given_name="Ion", bank_account=_bad(good, int(position)))
    assert [f.column for f in bad.invalid_fields] == ["bank_account"]  # still refused as an IBAN
    assert data(bad, "bank_near") & data(mention(given_name="Ion", bank_account=good), "bank_near")
    assert data(bad, "bank_near") & data(mention(given_name="Ion", bank_account="12-34-56 98765432"), "bank_near")
    assert not data(bad, "iban", "bank")  # a guess is never the exact kind
    other = mention(given_name="Ion", bank_account="GB33BUKB20201555555555")
    assert not data(bad, "bank_near") & data(other, "bank_near")


def test_a_transposed_iban_meets_its_account() -> None:
    good = "GB82WEST12345698765432"
    swapped = good[:16] + good[17] + good[16] + good[18:]
    assert data(mention(bank_account=swapped), "bank_near") & data(mention(bank_account=good), "bank_near")


def test_a_nino_with_a_digit_missing_is_one_typo_from_it() -> None:
    short = mention(given_name="Ion", national_id="AB 12 34 5 C")  # one digit lost
    assert [f.column for f in short.invalid_fields] == ["national_id"]
    full = mention(given_name="Ion", national_id="AB123456C")
    assert data(short, "nid_near") & data(full, "nid_near")
    assert not data(short, "nid_near") & data(mention(given_name="Ion", national_id="CE987654A"), "nid_near")


def test_name_with_phone_and_name_at_address_need_the_whole_name() -> None:
    a = mention(given_name="Ion", family_name="Popescu", phone="01205 529651",
                street_address="12 High St", locality="Boston")
    b = mention(given_name="POPESCU", family_name="Ion", phone="+44 1205 529651",
                street_address="12 High Street", postcode="PE21 8AA", locality="Boston")
    assert data(a, "name_phone") & data(b, "name_phone")
    assert data(a, "name_address") & data(b, "name_address")
    other = mention(given_name="Ana", family_name="Popescu", phone="01205 529651",
                    street_address="12 High St", locality="Boston")
    assert not data(a, "name_phone", "name_address") & data(other, "name_phone", "name_address")


@pytest.mark.parametrize(("written", "read"), [("PE2I 8AA", "PE21 8AA"), ("SWIA IAA", "SW1A 1AA"),
                                               ("S016 0AS", "SO16 0AS"), ("LUI 5HY", "LU1 5HY")])
def test_a_postcode_keyed_with_a_letter_for_a_digit_is_read_by_position(written: str, read: str) -> None:
    assert normalize.postcode(written) == read
    assert normalize.postcode(read) == read  # a valid postcode is never changed
    with pytest.raises(ValidationError):
        normalize.postcode("G4Z 5GW X")


def test_a_street_in_a_district_alone_meets_the_street_with_its_postcode() -> None:
    district_only = mention(street_address="12 High St", postcode="PE21")
    assert [f.column for f in district_only.invalid_fields] == ["postcode"]  # still no postcode
    whole = mention(street_address="12 High Street", postcode="pe21 8aa")
    elsewhere = mention(street_address="12 High Street", postcode="PE22 8AA")
    assert data(district_only, "address") & data(whole, "address")
    assert not data(district_only, "address") & data(elsewhere, "address")


def test_a_date_naming_no_real_day_still_gives_the_name_bands_of_its_fields() -> None:
    impossible = mention(given_name="Ion", family_name="Popescu", date_of_birth="31/02/1985")
    assert [f.column for f in impossible.invalid_fields] == ["date_of_birth"]
    assert normalize.date_fields("31/02/1985") == (1985, 2, 31)
    assert normalize.date_fields("12/25/1985") == (1985, 12, 25)  # month first in a day-first file
    assert not data(impossible, "name_dob", "part_dob", "dob_postcode")  # never a whole date
    same = mention(given_name="Ion", family_name="Popescu", date_of_birth="1985-02-13")
    namesake = mention(given_name="Ion", family_name="Popescu", date_of_birth="1979-07-13")
    assert data(impossible, "name_lsh_dob") & data(same, "name_lsh_dob")
    assert not data(impossible, "name_lsh_dob") & data(namesake, "name_lsh_dob")
