"""Classes of false match the tuning confusers showed, and the company with several sites.

Real OPRF tokens of real rows, matched by the in-memory :class:`Matcher` (``msin link``),
and clustered by it and by the coordinator's ``MatchEngine`` over a real SQLite file:

* housemates giving the house's landline and address (one family name, or none in
  common; with dates of birth or without) are different people;
* the same person at that house still links; one mobile links an initial for a given
  name, or a typo in it, but not another given name;
* a company's mentions at two of its sites link when the number says they are one
  company; one trading name in two towns, with no number, stays two;
* a long company name with one typo links on its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_clusters import Records, engine_clusters, matcher_of
from test_repeated_entities import pair_set

HOUSE = dict(street_address="67 Chapel Street", postcode="PE11 1AG", phone="01775 567317")

#: A family at one house: one family name, the house's landline and address, their own
#: dates of birth (one without). Nothing but the family name is personal to any two.
FAMILY: Records = [
    ("f1", "m1", dict(given_name="Andris", family_name="Hoxha", date_of_birth="1971-08-30", **HOUSE)),
    ("f2", "m2", dict(given_name="Katarzyna", family_name="Hoxha", date_of_birth="1961-03-13", **HOUSE)),
    ("f3", "m3", dict(given_name="Dmytro", family_name="Hoxha", **HOUSE)),
    ("f4", "m4", dict(given_name="Yuliia", family_name="Hoxha", **HOUSE)),
]

#: Housemates of other names at one house, one without a date of birth.
HOUSEMATES: Records = [
    ("h1", "m1", dict(given_name="Yuliia", family_name="Georgiev", date_of_birth="1971-02-11", **HOUSE)),
    ("h2", "m2", dict(given_name="Sarah", family_name="Pham", **HOUSE)),
    ("h3", "m3", dict(given_name="Tomas", family_name="Marin", date_of_birth="1976-06-26", **HOUSE)),
]

#: One of the family known again at another member, as that member writes him; and a
#: report of "D. Hoxha" with the landline, who may be any of the family.
ANDRIS_AGAIN: Records = [
    ("f5", "m5", dict(given_name="ANDRIS", family_name="HOXHA", date_of_birth="30/08/1971", **HOUSE)),
    ("f6", "m6", dict(given_name="D.", family_name="Hoxha", phone="+44 1775 567317")),
]


def test_a_family_sharing_the_house_landline_and_address_is_not_one_person(tmp_path: Path) -> None:
    m = matcher_of(FAMILY)
    assert pair_set(m.pairs()) == set()
    assert m.clusters() == []
    assert engine_clusters(FAMILY, tmp_path / "shared.db") == []


def test_housemates_of_other_names_are_not_one_person(tmp_path: Path) -> None:
    m = matcher_of(HOUSEMATES)
    assert pair_set(m.pairs()) == set()
    assert engine_clusters(HOUSEMATES, tmp_path / "shared.db") == []


def test_the_same_person_at_that_house_still_links(tmp_path: Path) -> None:
    records = FAMILY + HOUSEMATES + ANDRIS_AGAIN
    m = matcher_of(records)
    # Andris by name and date of birth; "D. Hoxha" with a landline eight people give
    # (the family counts as four: nothing but one family name joins them) links no one.
    assert pair_set(m.pairs()) == {("f1", "f5")}
    assert m.clusters() == [{"f1", "f5"}]
    assert engine_clusters(records, tmp_path / "shared.db") == [{"f1", "f5"}]


def test_one_mobile_links_an_initial_but_not_another_given_name() -> None:
    mobile = "07700 900456"
    jan = ("j1", "m1", dict(given_name="Jan", family_name="Kowalski", phone=mobile))
    initial = ("j2", "m2", dict(given_name="J.", family_name="Kowalski", phone=mobile))
    brother = ("j3", "m3", dict(given_name="Piotr", family_name="Kowalski", phone=mobile))
    # The initial has no two letters to disagree with; Piotr's start is not Jan's, and
    # with no date of birth or postcode nothing else says they are one man.
    assert pair_set(matcher_of([jan, initial]).pairs()) == {("j1", "j2")}
    assert pair_set(matcher_of([jan, brother]).pairs()) == set()
    # One typo in the given name keeps its start: the same man.
    typo = ("j4", "m4", dict(given_name="Jam", family_name="Kowalski", phone=mobile))
    assert pair_set(matcher_of([jan, typo]).pairs()) == {("j1", "j4")}


#: One labour company with branches in two towns: the number (once without its leading
#: zero) at both, and mentions without it at each branch's postcode.
BRANCHES: Records = [
    ("b1", "m1", dict(company_name="Fenland Workforce Solutions Ltd", company_number="04209490",
                      postcode="PE21 7SQ")),
    ("b2", "m2", dict(company_name="FENLAND WORKFORCE SOLUTIONS LIMITED", postcode="PE21 7SQ")),
    ("b3", "m3", dict(company_name="Fenland Workforce Solutions", company_number="4209490",
                      postcode="LS9 2EU")),
    ("b4", "m4", dict(company_name="Fenland Workforce Solutions Limited", postcode="LS9 2EU")),
    ("b5", "m5", dict(company_name="Fenland Workforce Solutions Ltd")),
]

#: One trading name in two towns, no number given anywhere: two companies as far as
#: anyone can tell, each known at two members.
TWO_TOWNS: Records = [
    ("t1", "m1", dict(company_name="Harvest Labour Services", postcode="SL1 8JW")),
    ("t2", "m2", dict(company_name="HARVEST LABOUR SERVICES", postcode="SL1 8JW")),
    ("t3", "m3", dict(company_name="Harvest Labour Services", postcode="BD3 4LT")),
    ("t4", "m4", dict(company_name="Harvest Labour Services Ltd", postcode="BD3 4LT")),
]


def test_a_company_with_two_sites_is_one_company(tmp_path: Path) -> None:
    m = matcher_of(BRANCHES)
    pairs = pair_set(m.pairs())
    assert ("b1", "b3") in pairs  # the number, with and without its leading zero
    assert ("b2", "b4") in pairs  # two sites of a company the number showed has both
    expected = [{"b1", "b2", "b3", "b4", "b5"}]
    assert m.clusters() == expected
    assert engine_clusters(BRANCHES, tmp_path / "shared.db") == expected


def test_one_trading_name_in_two_towns_without_a_number_stays_two(tmp_path: Path) -> None:
    m = matcher_of(TWO_TOWNS)
    assert pair_set(m.pairs()) == {("t1", "t2"), ("t3", "t4")}
    expected = [{"t1", "t2"}, {"t3", "t4"}]
    assert m.clusters() == expected
    assert engine_clusters(TWO_TOWNS, tmp_path / "shared.db") == expected


def test_a_long_company_name_with_one_typo_links_on_its_own(tmp_path: Path) -> None:
    records: Records = [
        ("c1", "m1", dict(company_name="Northway Labour Services Ltd")),
        ("c2", "m2", dict(company_name="Northway Labur Services Limited")),
        ("c3", "m3", dict(company_name="Northway Staffing Ltd")),  # another company
    ]
    m = matcher_of(records)
    assert pair_set(m.pairs()) == {("c1", "c2")}
    assert engine_clusters(records, tmp_path / "shared.db") == [{"c1", "c2"}]


def test_a_phoenix_known_nowhere_leaves_its_predecessors_postcode_ambiguous(tmp_path: Path) -> None:
    # The new company's number is given without a postcode: a mention without a number
    # at the old company's postcode may be of either, so it links to neither; the old
    # company's mentions still link by their number.
    records: Records = [
        ("p1", "m1", dict(company_name="Golden Personnel Ltd", company_number="07311256", postcode="PE21 3HY")),
        ("p2", "m2", dict(company_name="GOLDEN PERSONNEL LIMITED", postcode="PE21 3HY")),
        ("p3", "m3", dict(company_name="Golden Personnel", company_number="12549134")),
        ("p4", "m4", dict(company_name="Golden Personnel Ltd", company_number="7311256")),
    ]
    m = matcher_of(records)
    assert pair_set(m.pairs()) == {("p1", "p4")}
    assert engine_clusters(records, tmp_path / "shared.db") == [{"p1", "p4"}]
    # Without the new company, the postcode names the old one.
    assert pair_set(matcher_of([r for r in records if r[0] != "p3"]).pairs()) == {
        ("p1", "p2"), ("p1", "p4"), ("p2", "p4")}


def test_a_typo_of_a_name_two_companies_hold_is_as_ambiguous_as_the_name(tmp_path: Path) -> None:
    typo = ("t5", "m5", dict(company_name="Harvest Labur Services Ltd"))
    records = [*TWO_TOWNS, typo]
    assert pair_set(matcher_of(records).pairs()) == {("t1", "t2"), ("t3", "t4")}
    assert engine_clusters(records, tmp_path / "shared.db") == [{"t1", "t2"}, {"t3", "t4"}]
    # Held by one company only, the same typo is that company.
    assert pair_set(matcher_of([*TWO_TOWNS[:2], typo]).pairs()) == {("t1", "t2"), ("t1", "t5"), ("t2", "t5")}
