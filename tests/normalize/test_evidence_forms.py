# ruff: noqa: RUF001, RUF003  (Cyrillic letters and mojibake are the test data)
"""Normalisation of the messiness real multi-member exports have: date conventions,
OCR confusions in identifiers, mojibake and Cyrillic in names, nicknames, postcode areas."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from msin_fed import names, normalize
from msin_fed.errors import ImportValidationError, ValidationError
from msin_fed.model.registry import date_order_of, parse_mention

TODAY = dt.date(2026, 6, 1)


def test_the_date_order_of_a_file_is_read_from_its_unambiguous_values() -> None:
    month_first = ["03/25/1985", "12/13/1970", "04/30/1980", "01/02/1990"]
    assert normalize.infer_date_order(month_first) == "mdy"
    assert normalize.infer_date_order(["25/03/1985", "13/12/1970", "30/04/1980", "01/02/1990"]) == "dmy"
    # Too few values, or a file that mixes both, keeps the UK convention.
    assert normalize.infer_date_order(["03/25/1985", "01/02/1990"]) == "dmy"
    assert normalize.infer_date_order([*month_first, "25/03/1985", "13/12/1970"]) == "dmy"
    assert normalize.infer_date_order(["1985-03-25", "19701213", "", "n/a"]) == "dmy"


def test_month_first_reading_and_two_digit_years() -> None:
    assert normalize.date_of_birth("03/07/1985", order="mdy") == "1985-03-07"
    assert normalize.date_of_birth("03/07/1985") == "1985-07-03"
    # A value that can only be day first is read so under either order.
    assert normalize.date_of_birth("25/03/1985", order="mdy") == "1985-03-25"
    assert normalize.date_of_birth("07/03/85", today=TODAY) == "1985-03-07"
    assert normalize.date_of_birth("07.03.05", today=TODAY) == "2005-03-07"
    # A century that would make the holder a small child is the previous one.
    assert normalize.date_of_birth("07-03-20", today=TODAY) == "1920-03-07"
    with pytest.raises(ValidationError, match="month before day"):
        normalize.date_of_birth("03/25/1985")
    with pytest.raises(ValueError):
        normalize.date_of_birth("03/07/1985", order="ymd")


def test_dates_with_the_month_in_words() -> None:
    for text in ("7 Mar 1985", "07-Mar-85", "March 7, 1985", "7th March 1985", "07 MAR 1985"):
        assert normalize.date_of_birth(text, today=TODAY) == "1985-03-07"
    assert normalize.date_of_birth("Sept 7 1985") == "1985-09-07"
    with pytest.raises(ValidationError, match="no such day"):
        normalize.date_of_birth("31 Feb 1985")
    with pytest.raises(ValidationError, match="wrong format"):
        normalize.date_of_birth("7 Foo 1985")
    with pytest.raises(ValidationError, match="outside 1900"):
        normalize.date_of_birth("7 Mar 1885")


def test_the_registry_reads_a_month_first_member_and_keeps_the_date_in_iso() -> None:
    rows = [{"record_id": f"r{i}", "given_name": "Ion", "family_name": "Popa", "date_of_birth": d}
            for i, d in enumerate(["03/25/1985", "12/13/1970", "04/30/1980", "03/07/1985"])]
    order = date_order_of(rows)
    assert order == "mdy"
    parsed = [parse_mention(r, date_order=order) for r in rows]
    assert [p.mention.date_of_birth.value for p in parsed if p.mention and p.mention.date_of_birth] == [
        "1985-03-25", "1970-12-13", "1980-04-30", "1985-03-07"]
    # Day first by default: the same row refuses the US-order value, kept as invalid.
    assert parse_mention(rows[0]).invalid[0].column == "date_of_birth"


def test_ninos_passports_and_plates_read_o_i_s_by_position() -> None:
    assert normalize.nino("AB 12 O4 56 C") == "AB120456"
    assert normalize.nino("ab1I34S6") == "AB113456"
    assert normalize.is_nino("JG1O3759A")
    assert normalize.nino_ocr("JG 1O 37 59 A") == "JG103759A"
    assert normalize.nino_ocr("not a nino") == "NOTANINO"
    with pytest.raises(ValidationError):
        normalize.nino("AB12X456C")  # X is no confusion of a digit
    assert normalize.passport("5I2O45678", "GB") == "GB:512045678"
    assert normalize.passport("AB1234S67", "PL") == "PL:AB1234567"  # the series letters stay
    assert normalize.passport("S12345678", "GB") == "GB:S12345678"  # before the digits: a letter
    assert normalize.vehicle("AB1O CDE") == "AB10CDE"
    assert normalize.vehicle("A8I2 CDE") == "A8I2CDE"  # fits no current mark either way
    assert normalize.vehicle("0B12 CD5") == "OB12CDS"
    assert normalize.vehicle("A123 BCD") == "A123BCD"  # a valid prefix mark is left alone
    assert normalize.vehicle("WA12345") == "WA12345"  # a foreign-looking mark is not forced


def test_mojibake_is_repaired_and_real_diacritics_are_left_alone() -> None:
    assert normalize.repair_text("È˜tefan WiÅ›niewski") == "Ștefan Wiśniewski"
    assert normalize.repair_text("Nguyá»…n") == "Nguyễn"
    assert normalize.repair_text("Å\x81ukasz") == "Łukasz"  # Latin-1 read: a control character
    for real in ("Ștefan", "Müller", "Ãlvaro", "São Paulo", "Zoë", "plain"):
        assert normalize.repair_text(real) == real
    assert normalize.fold("BÄ“rziÅ†Å¡") == normalize.fold("Bērziņš") == "berzins"
    assert normalize.name_words("Å\x81ukasz") == ("lukasz",)


def test_cyrillic_names_fold_to_their_passport_spelling() -> None:
    assert normalize.fold("Георги Димитров") == "georgi dimitrov"  # Bulgarian
    assert normalize.fold("Христо Щерев Мария") == "hristo shterev maria"
    assert normalize.fold("Юлія Коваленко") == "yuliia kovalenko"  # Ukrainian (і)
    assert normalize.fold("Олександр Гнатюк Їжакевич") == "oleksandr hnatiuk yizhakevych"
    assert normalize.fold("Алексей Хрущёв") == "aleksei khrushchev"  # Russian (ё): ICAO 9303
    assert normalize.fold("Ελένη") == "eleni"  # another script: anyascii
    assert normalize.name_words("ИВАНОВ") == ("ivanov",)


def test_nicknames_and_short_forms_meet_at_a_canonical_name() -> None:
    def meet(a: str, b: str) -> bool:
        return bool(set(names.name_keys(a)) & set(names.name_keys(b)))

    assert meet("bill", "william") and meet("bob", "robert") and meet("jim", "james")
    assert meet("kasia", "katarzyna") and meet("gosho", "georgi") and meet("mitko", "dimitar")
    assert meet("ionut", "ion") and meet("tomek", "tomasz") and meet("mo", "mohammed")
    assert not meet("william", "robert") and not meet("katarzyna", "malgorzata")
    assert names.name_keys("kowalski") == ()
    assert all(len(names.name_keys(w)) <= names.MAX_KEYS for w in ("al", "chris", "ann"))


def test_a_postcode_area_names_its_town() -> None:
    assert normalize.postcode_area_town("LS9 3LX") == "leeds"
    assert normalize.postcode_area_town("SE1 7PB") == "london"
    assert normalize.postcode_area_town("E1 6AN") == "london"
    assert normalize.postcode_area_town("G42 2FP") == "glasgow"
    assert normalize.postcode_area_town("QQ1 1AA") == ""
    assert normalize.postcode_area_town("75008") == ""


def test_a_node_import_infers_the_date_order_of_the_whole_import(tmp_path: Path) -> None:
    from msin_fed.canonical import parse_json, parse_mentions_csv

    path = tmp_path / "mentions.csv"
    path.write_text("record_id,given_name,family_name,date_of_birth\n"
                    "r1,Ion,Popa,03/25/1985\nr2,Ana,Stan,12/13/1970\nr3,Radu,Marin,04/30/1980\n"
                    "r4,Elena,Gashi,03/07/1985\n", encoding="utf-8")
    found = parse_mentions_csv(path)
    assert [m.date_of_birth.value for _line, m in found if m.date_of_birth] == [
        "1985-03-25", "1970-12-13", "1980-04-30", "1985-03-07"]
    reports = [{"report_id": f"R{i}", "entities": [{"given_name": "Ion", "family_name": "Popa",
                                                    "date_of_birth": d}]}
               for i, d in enumerate(["03/25/1985", "12/13/1970", "04/30/1980", "03/07/1985"])]
    doc = tmp_path / "reports.json"
    doc.write_text(json.dumps(reports), encoding="utf-8")
    with pytest.raises(ImportValidationError) as refused:  # the reports lack their other fields
        parse_json(doc, strict=True)
    assert not any(e.field.endswith("date_of_birth") for e in refused.value.errors)
