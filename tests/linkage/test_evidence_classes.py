# ruff: noqa: RUF001  (mojibake is the test data)
"""Each class of messiness real multi-member exports have: a pair of that class links,
and a namesake (or near-namesake) pair of that class stays apart.

Run end to end through ``msin link``'s pipeline (CSV per member, normalisation, real
OPRF tokens under a fresh key, the one scoring core).
"""

from __future__ import annotations

from pathlib import Path

from mention_files import write_mentions

from msin_fed.linkage.pipeline import link_files
from msin_fed.model.registry import parse_mention
from msin_fed.token_inputs import inputs_for_mention

Row = dict[str, str]


def _linked(tmp_path: Path, a: list[Row], b: list[Row]) -> set[tuple[str, str]]:
    files = [write_mentions(tmp_path / "a.csv", a), write_mentions(tmp_path / "b.csv", b)]
    return {(p.left_id, p.right_id) for p in link_files(files).pairs}


def _person(rid: str, given: str, family: str, dob: str = "", **more: str) -> Row:
    return {"record_id": rid, "given_name": given, "family_name": family, "date_of_birth": dob, **more}


def test_nicknames_link_with_the_date_of_birth_and_namesakes_stay_apart(tmp_path: Path) -> None:
    a = [_person("a1", "Bill", "Harrison", "1979-11-04"), _person("a2", "Kasia", "Nowak", "1990-02-17"),
         _person("a3", "Gosho", "Petrov", "1984-06-30"), _person("a4", "William", "Moore", "1970-01-05"),
         _person("a5", "Sasho", "Georgiev", "1980-01-15")]
    b = [_person("b1", "William", "Harrison", "04/11/1979"), _person("b2", "Katarzyna", "Nowak", "17.02.1990"),
         _person("b3", "Georgi", "Petrov", "1984-06-30"), _person("b6", "Aleksandar", "Georgiev", "1980-01-15"),
         # namesakes: the canonical name on another day; another formal name on the same day
         _person("b4", "Kasia", "Nowak", "1991-02-17"), _person("b5", "Robert", "Moore", "1970-01-05")]
    assert _linked(tmp_path, a, b) == {("a1", "b1"), ("a2", "b2"), ("a3", "b3"), ("a5", "b6")}


def test_an_initial_links_to_the_full_name_only_with_the_date_of_birth(tmp_path: Path) -> None:
    """Already the existing kinds' work (``name_init_dob``, ``part_dob``, ``initials_dob``:
    nothing was added for initials); kept here as the class's check."""
    a = [_person("a1", "J.", "Kowalski", "1988-05-17"), _person("a2", "M", "Ionescu", "1975-09-02")]
    b = [_person("b1", "Jan", "Kowalski", "17/05/1988"),
         _person("b2", "Mihai", "Ionescu", "1976-09-02"),  # another year: a namesake
         _person("b3", "Piotr", "Kowalski", "1988-05-17")]  # another initial, same day
    assert _linked(tmp_path, a, b) == {("a1", "b1")}


def test_a_member_writing_month_first_is_read_so(tmp_path: Path) -> None:
    # Member a writes US dates throughout (its unambiguous ones say so).
    a = [_person("a1", "Ion", "Popescu", "03/07/1985"), _person("a2", "Ana", "Stan", "12/25/1970"),
         _person("a3", "Elena", "Marin", "04/30/1982"), _person("a4", "Radu", "Gashi", "01/13/1991")]
    b = [_person("b1", "Ion", "Popescu", "07/03/1985"),  # 7 March, day first: a1
         _person("b2", "Ana", "Stan", "25/12/1970"),
         _person("b3", "Ion", "Popescu", "03/07/1985")]  # 3 July: a namesake born another day
    assert _linked(tmp_path, a, b) == {("a1", "b1"), ("a2", "b2")}


def test_two_digit_years_link(tmp_path: Path) -> None:
    a = [_person("a1", "Tomasz", "Wojcik", "07/03/85"), _person("a2", "Vilma", "Jonaitis", "11.10.62")]
    b = [_person("b1", "Tomasz", "Wójcik", "1985-03-07"), _person("b2", "Vilma", "Jonaitis", "1963-10-11")]
    assert _linked(tmp_path, a, b) == {("a1", "b1")}


def test_an_ambiguous_date_read_both_ways_needs_more_than_the_name(tmp_path: Path) -> None:
    # One record only at each member: nothing says which way round its date is.
    swapped = [_person("a1", "Darius", "Kazlauskas", "03/07/1985", phone="07700 900461")]
    other = [_person("b1", "Darius", "Kazlauskas", "1985-03-07", phone="07700 900461")]
    assert _linked(tmp_path, swapped, other) == {("a1", "b1")}
    bare = [_person("a1", "Darius", "Kazlauskas", "03/07/1985")]
    assert _linked(tmp_path, bare, [_person("b1", "Darius", "Kazlauskas", "1985-03-07")]) == set()


def test_ocr_confusions_in_identifiers_link_and_other_digits_do_not(tmp_path: Path) -> None:
    a = [{"record_id": "a1", "national_id": "JG 1O 37 59 A"}, {"record_id": "a2", "vehicle_registration": "KX1S ABC"},
         {"record_id": "a3", "passport_number": "5I2O45678", "country": "RO"},
         {"record_id": "a4", "national_id": "AB12O456C"}]
    b = [{"record_id": "b1", "national_id": "JG103759A"}, {"record_id": "b2", "vehicle_registration": "KX15 ABC"},
         {"record_id": "b3", "passport_number": "512045678"},
         {"record_id": "b4", "national_id": "AB129456C"}]  # a 9 where a4 has an O: another person
    assert _linked(tmp_path, a, b) == {("a1", "b1"), ("a2", "b2"), ("a3", "b3")}


def test_cyrillic_and_mojibake_names_link_to_their_latin_form(tmp_path: Path) -> None:
    a = [_person("a1", "Георги", "Димитров", "1980-01-02"), _person("a2", "Юлія", "Коваленко", "1993-08-21"),
         _person("a3", "Åukasz".replace("Å", "Å\x81"), "WiÅ›niewski", "1977-04-09"),
         _person("a4", "Георги", "Димитров", "1981-05-12")]
    b = [_person("b1", "Georgi", "Dimitrov", "02/01/1980"), _person("b2", "Yuliia", "Kovalenko", "1993-08-21"),
         _person("b3", "Łukasz", "Wiśniewski", "09.04.1977"),
         _person("b4", "Georgi", "Dimitrov", "1983-05-12")]  # another year: a namesake
    assert _linked(tmp_path, a, b) == {("a1", "b1"), ("a2", "b2"), ("a3", "b3")}


def test_a_site_known_by_postcode_at_one_member_and_town_at_another(tmp_path: Path) -> None:
    a = [{"record_id": "a1", "site_name": "Willow Brook Farm", "postcode": "LU1 5HY"},
         {"record_id": "a2", "site_name": "Hand Car Wash", "postcode": "LS9 3LX"}]
    b = [{"record_id": "b1", "site_name": "Willow Brook Farm", "locality": "Luton"},
         {"record_id": "b2", "site_name": "Hand Car Wash", "locality": "Bradford"}]  # another town
    assert _linked(tmp_path, a, b) == {("a1", "b1")}


def test_a_street_with_a_postcode_and_the_same_street_with_its_town_share_a_token() -> None:
    def kinds(row: Row) -> set[bytes]:
        mention = parse_mention(row).mention
        assert mention is not None
        return {i.data for i in inputs_for_mention(mention) if i.kind == "address"}

    with_postcode = kinds({"record_id": "a", "street_address": "12 High St", "postcode": "LS9 3LX"})
    with_town = kinds({"record_id": "b", "street_address": "12 High Street", "locality": "Leeds"})
    elsewhere = kinds({"record_id": "c", "street_address": "12 High Street", "locality": "York"})
    assert with_postcode & with_town and not with_postcode & elsewhere


def test_one_field_family_first_names_link_and_namesakes_stay_apart(tmp_path: Path) -> None:
    a = [{"record_id": "a1", "given_name": "Nguyễn Văn Hùng", "date_of_birth": "1990-04-12"},
         {"record_id": "a2", "given_name": "Kovács László", "date_of_birth": "1971-08-30"}]
    b = [_person("b1", "Hung", "NGUYEN", "12/04/1990"), _person("b2", "Laszlo", "Kovacs", "30.08.1971"),
         _person("b3", "Hung", "Nguyen", "1991-04-12"),  # another year: a namesake
         _person("b4", "Tuan", "Nguyen", "1990-04-12")]  # another given name, same day
    assert _linked(tmp_path, a, b) == {("a1", "b1"), ("a2", "b2")}


def test_a_mobile_from_home_written_without_its_prefix_links(tmp_path: Path) -> None:
    a = [_person("a1", "Ion", "Popescu", phone="0722 123 456"), _person("a2", "Jan", "Novák", phone="0912 345 678")]
    b = [_person("b1", "Ion", "Popescu", "1980-01-01", phone="+40 722 123 456"),
         _person("b2", "Jan", "Novák", "1975-05-05", phone="+421 912 345 679")]  # another number
    assert _linked(tmp_path, a, b) == {("a1", "b1")}


def test_a_mistyped_iban_still_links_with_corroboration(tmp_path: Path) -> None:
    good, bad = "GB82WEST12345698765432", "GB82WEST12345698765482"  # one digit wrong
    place = {"street_address": "12 High St", "postcode": "PE21 8AA"}
    a = [{"record_id": "a1", "bank_account": bad, **place}]
    assert _linked(tmp_path, a, [{"record_id": "b1", "bank_account": good, **place}]) == {("a1", "b1")}
    # The address alone is no match: the account carried it.
    other = [{"record_id": "b1", "bank_account": "GB33BUKB20201555555555", **place}]
    assert _linked(tmp_path, a, other) == set()


def test_a_person_on_an_agency_line_links_by_whole_name_and_workers_do_not(tmp_path: Path) -> None:
    line, office = "01205 529651", "Unit 3 Riverside Industrial Estate"
    given = ["Ana", "Piotr", "Radu", "Elena", "Tomasz", "Mihai", "Vilma", "Darius", "Oksana", "Arben", "Lan",
             "Dritan", "Jonas", "Agata", "Bogdan", "Florin", "Gabriela", "Andris", "Janis", "Minh", "Thanh",
             "Besnik", "Ardit", "Fatima"]
    family = ["Stan", "Nowak", "Marin", "Dumitru", "Kowalski", "Gashi", "Jonaitis", "Kazlauskas", "Hoxha",
              "Berisha", "Krasniqi", "Petrauskas", "Kalnins", "Berzins", "Tran", "Pham", "Khan", "Ali",
              "Hussain", "Smith", "Jones", "Taylor", "Brown", "Wojcik"]
    workers = list(zip(given, family, strict=True))  # no worker shares a name word with another
    a = [_person("a1", "Ion", "Popescu", phone=line),
         *(_person(f"a{i}", g, f, phone=line, street_address=office, postcode="PE21 7TB")
           for i, (g, f) in enumerate(workers[:12], 2))]
    b = [_person("b1", "Ion", "Popescu", "1980-01-01", phone=line, street_address=office, postcode="PE21 7TB"),
         *(_person(f"b{i}", g, f, "1985-02-02", phone=line, street_address=office, postcode="PE21 7TB")
           for i, (g, f) in enumerate(workers[12:], 2))]
    assert _linked(tmp_path, a, b) == {("a1", "b1")}


def test_a_name_at_a_street_links_across_town_and_postcode(tmp_path: Path) -> None:
    a = [_person("a1", "Ion", "Popescu", street_address="12 High St", locality="Boston"),
         _person("a2", "Ana", "Stan", street_address="4 Mill Rd", locality="Leeds")]
    b = [_person("b1", "Ion", "Popescu", "1980-01-01", street_address="12 High Street", postcode="PE21 8AA",
                 locality="Boston"),
         _person("b2", "Ana", "Stan", "1980-01-01", street_address="9 Mill Road", locality="Leeds")]  # other street
    assert _linked(tmp_path, a, b) == {("a1", "b1")}


def test_junk_placeholders_link_nobody(tmp_path: Path) -> None:
    a = [{"record_id": f"a{i}", "given_name": g, "family_name": "N/A", "company_name": "N/A", "phone": "unknown"}
         for i, g in enumerate(["Ion", "Ana", "Radu"])]
    b = [{"record_id": f"b{i}", "given_name": g, "family_name": "unknown", "company_name": "unknown", "site_name": "-"}
         for i, g in enumerate(["Elena", "Piotr", "Mihai"])]
    assert _linked(tmp_path, a, b) == set()


def test_a_one_word_or_mistyped_name_links_by_date_of_birth_with_phone_or_address(tmp_path: Path) -> None:
    a = [_person("a1", "", "Kaanins", "1986-10-31", phone="+44 7716982278"),
         _person("a2", "", "Lewanodwski", "05.03.80", street_address="179 Albert St", postcode="PE21 7DL")]
    b = [_person("b1", "Ana", "Kalniņš", "1986-10-31", phone="07716 982278"),
         _person("b2", "Ioana", "Lewandowski", "1980-03-05", street_address="179 Albert Street", locality="Boston",
                 postcode="pe217dl"),
         # the same phone and the same house, another birthday: other people
         _person("b3", "Ana", "Kalniņš", "1987-10-31", phone="07716 982278"),
         _person("b4", "Ioana", "Lewandowski", "1981-03-05", street_address="179 Albert Street", postcode="PE21 7DL")]
    found = _linked(tmp_path, a, b)
    assert {("a1", "b1"), ("a2", "b2")} <= found
    assert ("a1", "b3") not in found and ("a2", "b4") not in found
