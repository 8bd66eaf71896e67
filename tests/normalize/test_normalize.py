"""Normalization per identifier type: formats agree, distinct values differ, bad ones fail."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from msin_fed import normalize
from msin_fed.errors import ValidationError

Norm = Callable[[str], object]

# (normalizer, formats of one value that must agree, canonical form)
SAME: list[tuple[str, Norm, list[str], object]] = [
    ("phone", normalize.phone,
     ["07700 900123", "+44 7700 900123", "0044 7700 900123", "(07700) 900123", "07700-900-123",
      "+44 (0)7700 900123"], "+447700900123"),
    ("landline", normalize.phone, ["020 7946 0000", "+44 20 7946 0000", "0044-20-7946-0000"],
     "+442079460000"),
    ("phone_ro", lambda v: normalize.phone(v, "RO"), ["0722 123 456", "+40 722 123 456"],
     "+40722123456"),
    ("email", normalize.email, ["Ion.Pop@Example.COM", "  ion.pop@example.com ",
                                "mailto:ion.pop@example.com"], "ion.pop@example.com"),
    ("vehicle", normalize.vehicle, ["AB12 CDE", "ab12cde", " ab-12 cde "], "AB12CDE"),
    ("postcode", normalize.postcode, ["SW1A 1AA", "sw1a1aa", " Sw1a  1aA "], "SW1A 1AA"),
    ("postcode_short", normalize.postcode, ["M1 1AE", "m11ae"], "M1 1AE"),
    ("nino", normalize.nino, ["QQ 12 34 56 C", "qq123456c", "QQ123456", "QQ-12-34-56"],
     "QQ123456"),
    ("passport", lambda v: normalize.passport(v, "ro"), ["05 123 456", "05123456"],
     "RO:05123456"),
    ("iban", normalize.iban, ["GB82 WEST 1234 5698 7654 32", "gb82west12345698765432"],
     "GB82WEST12345698765432"),
    ("bank", normalize.bank_account, ["12-34-56 12345678", "123456 12345678", "12 34 56/12345678"],
     "123456:12345678"),
    ("bank_short_account", normalize.bank_account, ["12-34-56 1234567", "12345601234567"],
     "123456:01234567"),
    ("company", normalize.company_number, ["01234567", "1234567", "1 234 567"], "01234567"),
    ("company_sc", normalize.company_number, ["SC012345", "sc12345", "SC 012345"], "SC012345"),
    ("company_ni", normalize.company_number, ["NI012345", "ni 12345"], "NI012345"),
    ("name", normalize.name_words, ["Ștefan Wiśniewski", "STEFAN WISNIEWSKI",
                                    "  stefan   wisniewski ", "Ştefan Wisniewski",
                                    "Mr Stefan Wisniewski"], ("stefan", "wisniewski")),
    ("name_special", normalize.name_words, ["Łukasz Søren-Øberg", "lukasz soren oberg"],
     ("lukasz", "soren", "oberg")),
    ("name_apostrophe", normalize.name_words, ["Seán O'Brien", "Sean OBrien", "SEAN O\u2019BRIEN"],
     ("sean", "obrien")),
    ("dob", normalize.date_of_birth, ["1985-03-07", "07/03/1985", "07.03.1985", "19850307",
                                      "07-03-1985"], "1985-03-07"),
    ("address", normalize.address, ["12 High St.", "12, high street", "12 HIGH STREET"],
     "12 high street"),
    ("org", normalize.org_name, ["Green Acre Farm Ltd", "GREEN ACRE FARM LIMITED",
                                 "The Green-Acre Farm"], "green acre farm"),
]


@pytest.mark.parametrize(("case", "norm", "formats", "canonical"), SAME, ids=[s[0] for s in SAME])
def test_formats_of_one_value_agree(case: str, norm: Norm, formats: list[str],
                                     canonical: object) -> None:
    assert {norm(f) for f in formats} == {canonical}


DISTINCT: list[tuple[str, Norm, list[str]]] = [
    ("phone", normalize.phone, ["07700 900123", "07700 900124", "+33 6 12 34 56 78", "020 7946 0000"]),
    ("email", normalize.email, ["ion.pop@example.com", "ionpop@example.com", "ion.pop@example.org"]),
    ("vehicle", normalize.vehicle, ["AB12CDE", "AB12CDF", "AB21CDE"]),
    ("postcode", normalize.postcode, ["SW1A 1AA", "SW1A 1AB", "SW1 1AA"]),
    ("nino", normalize.nino, ["QQ123456C", "QQ123457C", "QR123456C"]),
    ("passport", lambda v: normalize.passport(*v.split(",")),
     ["123456789,GB", "123456789,RO", "123456788,GB"]),
    ("company", normalize.company_number, ["01234567", "SC012345", "NI012345", "01234568"]),
    ("bank", normalize.bank_account, ["123456 12345678", "123457 12345678", "123456 12345679"]),
    ("name", normalize.name_words, ["Ion Popescu", "Ioan Popescu", "Ion Popesku"]),
    ("dob", normalize.date_of_birth, ["1985-03-07", "1985-07-03", "1958-03-07"]),
]


@pytest.mark.parametrize(("case", "norm", "values"), DISTINCT, ids=[d[0] for d in DISTINCT])
def test_distinct_values_never_collide(case: str, norm: Norm, values: list[str]) -> None:
    outs = [norm(v) for v in values]
    for a, b in itertools.combinations(outs, 2):
        assert a != b


INVALID: list[tuple[str, Norm, str, str]] = [
    ("phone_letters", normalize.phone, "07700 ABC123", "wrong format"),
    ("phone_short", normalize.phone, "0770", "possible"),
    ("phone_short_stray_zero", normalize.phone, "07700 12", "possible"),
    ("phone_short_stray_zero_pl", lambda v: normalize.phone(v, "PL"), "07700 12", "possible"),
    ("phone_empty", normalize.phone, "  ", "empty"),
    ("email_no_at", normalize.email, "ion.example.com", "wrong format"),
    ("email_double_dot", normalize.email, "ion..pop@example.com", "dot"),
    ("vehicle_symbols", normalize.vehicle, "AB12*CDE", "wrong format"),
    ("postcode_uk", normalize.postcode, "12345", "UK postcode"),
    ("nino_prefix", normalize.nino, "GB123456A", "wrong format"),
    ("nino_suffix", normalize.nino, "QQ123456E", "wrong format"),
    ("passport_letters_only", lambda v: normalize.passport(v, "GB"), "ABCDEFG", "digits"),
    ("passport_country", lambda v: normalize.passport(v, "G1"), "123456789", "region"),
    ("iban_checksum", normalize.iban, "GB82 WEST 1234 5698 7654 33", "checksum"),
    ("bank_short", normalize.bank_account, "11-22-33 1234", "sort code"),
    ("company_prefix", normalize.company_number, "XX123456", "prefix"),
    ("company_zero", normalize.company_number, "00000000", "zeros"),
    ("name_digits", normalize.name_words, "Ion P0pescu", "no digits"),
    ("name_punct", normalize.name_words, "-- .", "letters"),
    ("dob_no_such_day", normalize.date_of_birth, "31/02/1985", "is not a real date"),
    ("dob_future", normalize.date_of_birth, "2999-01-01", "outside"),
    ("dob_us_order", normalize.date_of_birth, "1985/31/12", "month must be 1 to 12)"),
    ("dob_month_first", normalize.date_of_birth, "12/31/1985", "looks like month before day"),
    ("address_no_street", normalize.address, "12", "street"),
]


@pytest.mark.parametrize(("case", "norm", "value", "reason"), INVALID, ids=[i[0] for i in INVALID])
def test_invalid_values_rejected_with_reason(case: str, norm: Norm, value: str,
                                             reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        norm(value)
    assert reason in str(info.value)
    assert value.strip() == "" or value not in str(info.value)  # never echo the value


def test_non_uk_postcodes_are_kept_compact() -> None:
    assert normalize.postcode("4223", "AU") == "4223"
    assert normalize.postcode("010 011", "RO") == "010011"


def test_gb_iban_yields_its_sort_code_and_account() -> None:
    canonical = normalize.iban("GB82 WEST 1234 5698 7654 32")
    assert normalize.bank_from_gb_iban(canonical) == normalize.bank_account("12-34-56 98765432")


@pytest.mark.parametrize(("value", "country", "region", "e164"), [
    ("07700 900123", "PL", "GB", "+447700900123"),  # not possible in PL: a UK mobile
    ("07911123456", "RO", "GB", "+447911123456"),
    ("512 345 678", "PL", "PL", "+48512345678"),  # valid where the row says
    ("07911 123456", "DE", "DE", "+497911123456"),  # valid in DE: read as written
    ("+48 512 345 678", "GB", "GB", "+48512345678"),  # international: as written
    ("0048 512 345 678", "RO", "RO", "+48512345678"),
    ("06 1234 5678", "IT", "IT", "+390612345678"),  # Italy's leading zero is the number's
])
def test_phone_region_reads_uk_national_numbers_under_a_foreign_country(
        value: str, country: str, region: str, e164: str) -> None:
    assert normalize.phone_region(value, country) == region
    assert normalize.phone(value, region) == e164


def test_phone_region_leaves_an_impossible_number_to_fail() -> None:
    assert normalize.phone_region("07700 12", "PL") == "PL"
    assert normalize.phone_region("not a phone", "PL") == "PL"
    with pytest.raises(ValidationError):
        normalize.phone("07700 12", normalize.phone_region("07700 12", "PL"))
