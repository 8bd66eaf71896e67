"""The repeats the network exists for: one person, site or company at many members.

Real OPRF tokens (``inputs_for_mention`` then RFC 9497 evaluation under one key), matched
by the in-memory :class:`Matcher` that ``msin link`` uses; the coordinator's engine runs
the same core (``tests/coordinator/test_repeated_entities_grpc.py`` goes through gRPC).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from itertools import combinations

import pytest

from msin_fed.linkage import clusters
from msin_fed.linkage.core import entity_type
from msin_fed.linkage.matcher import Matcher, ScoredPair
from msin_fed.linkage.mentions import mention_from_row
from msin_fed.linkage.pipeline import oprf_tokenize
from msin_fed.oprf import derive_key_pair
from msin_fed.token_inputs import inputs_for_mention

SK, _PK = derive_key_pair(os.urandom(32), b"test repeated entities")

Row = dict[str, str]


def tokens(row: Row) -> list[tuple[str, bytes]]:
    mention, problems = mention_from_row({"record_id": "x", **row})
    assert mention is not None, problems
    inputs = inputs_for_mention(mention)
    return list(zip([i.kind for i in inputs], oprf_tokenize([i.data for i in inputs], SK), strict=True))


def match(records: Sequence[tuple[str, str, Row]]) -> list[ScoredPair[str]]:
    """Pairs among ``(record id, member, row)``s."""
    matcher: Matcher[str] = Matcher()
    for rid, member, row in records:
        matcher.add(rid, member, tokens(row))
    return matcher.pairs()


def pair_set(pairs: Sequence[ScoredPair[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted((p.left, p.right))) for p in pairs}  # type: ignore[misc]


def cross_member_pairs(records: Sequence[tuple[str, str, Row]]) -> set[tuple[str, str]]:
    return {
        tuple(sorted((a, b)))  # type: ignore[misc]
        for (a, ma, _x), (b, mb, _y) in combinations(records, 2)
        if ma != mb
    }


#: One perpetrator in six records at five members: NINO, name and phone in each, written
#: as each member writes them (member m2 holds two reports on him).
PERSON: list[tuple[str, str, Row]] = [
    ("p1", "m1", dict(given_name="Ștefan", family_name="Popescu", national_id="JG103759A",
                      phone="07700 900123")),
    ("p2", "m2", dict(given_name="STEFAN", family_name="POPESCU", national_id="JG 10 37 59 A",
                      phone="+44 7700 900123")),
    ("p3", "m2", dict(given_name="Stefan", family_name="Popescu", national_id="jg103759",
                      phone="(07700) 900123")),
    ("p4", "m3", dict(given_name="Popescu", family_name="Stefan", national_id="JG103759A",
                      phone="0044 7700 900123")),
    ("p5", "m4", dict(given_name="Stefan", family_name="Popescu", national_id="JG103759",
                      phone="07700900123", date_of_birth="1979-04-02")),
    ("p6", "m5", dict(given_name="Ştefan", family_name="Popescu", national_id="JG103759A",
                      phone="+447700900123", date_of_birth="02/04/1979")),
]

#: Six unrelated workers placed by one agency at five members: each gives the agency's
#: office landline and its address, and nothing else in common.
AGENCY_PHONE = ["01205 310555", "+44 1205 310555", "01205310555"]
AGENCY_ADDRESS = dict(street_address="Unit 4 Riverside Industrial Estate", postcode="PE21 7TB",
                      locality="Boston")
WORKERS: list[tuple[str, str, Row]] = [
    (f"w{i}", f"m{i % 5 + 1}", dict(given_name=given, family_name=family, date_of_birth=dob,
                                    phone=AGENCY_PHONE[i % 3], **AGENCY_ADDRESS))
    for i, (given, family, dob) in enumerate([
        ("Ion", "Radu", "1990-01-01"), ("Maria", "Nowak", "1985-07-12"),
        ("Andris", "Kalnins", "1992-11-30"), ("Minh", "Tran", "1988-03-05"),
        ("Arben", "Hoxha", "1995-09-19"), ("Oksana", "Kovalenko", "1983-12-24"),
    ])
]


def test_six_records_of_one_person_at_five_members_link_every_cross_member_pair() -> None:
    pairs = match(PERSON)
    assert pair_set(pairs) == cross_member_pairs(PERSON)
    assert len(pairs) == 14
    assert {entity_type(p.kinds) for p in pairs} == {"perpetrator"}


def test_six_workers_of_one_agency_sharing_only_its_landline_and_address_stay_apart() -> None:
    assert match(WORKERS) == []


def test_the_person_links_and_the_workers_stay_apart_in_one_network() -> None:
    # The same structure at the same time: the count of records is the same (six), the
    # difference is what else the holders share.
    pairs = pair_set(match(PERSON + WORKERS))
    assert pairs == cross_member_pairs(PERSON)


def test_the_person_still_links_when_his_phone_is_also_an_agency_line() -> None:
    # He answers on the agency's line, and so do six workers: the NINO and name carry him.
    person = [(rid, m, dict(row, phone=AGENCY_PHONE[0])) for rid, m, row in PERSON]
    assert pair_set(match(person + WORKERS)) == cross_member_pairs(PERSON)


SITE: list[tuple[str, str, Row]] = [
    ("s1", "m1", dict(site_name="Fen View Farm", postcode="PE21 8AA")),
    ("s2", "m2", dict(site_name="FEN VIEW FARM", postcode="pe218aa")),
    ("s3", "m3", dict(site_name="Fen View Farm", locality="Boston")),
    ("s4", "m4", dict(site_name="Fen Veiw Farm", postcode="PE21 8AA", locality="Boston")),  # typo
    ("s5", "m5", dict(site_name="The Fen View Farm", locality="BOSTON")),
]


def test_a_site_known_to_five_members_clusters_as_a_site() -> None:
    pairs = match(SITE)
    [cluster] = clusters((p.left, p.right) for p in pairs)
    assert cluster == {"s1", "s2", "s3", "s4", "s5"}
    assert {entity_type(p.kinds) for p in pairs} == {"site"}


def test_sites_of_one_name_in_other_districts_and_towns_stay_apart() -> None:
    others = [
        ("t1", "m1", dict(site_name="Manor Farm", postcode="PE21 8AA", locality="Boston")),
        ("t2", "m2", dict(site_name="Manor Farm", postcode="WR11 4TP", locality="Evesham")),
        ("t3", "m3", dict(site_name="Manor Farm", locality="Hereford")),
    ]
    assert match(others) == []


COMPANY: list[tuple[str, str, Row]] = [
    ("c1", "m1", dict(company_name="Greenfield Labour Services Ltd")),
    ("c2", "m2", dict(company_name="GREENFIELD LABOUR SERVICES LIMITED", postcode="PE21 7TB",
                      street_address="Unit 4 Riverside Estate")),
    # a typo in the name, no number: the same office address corroborates it
    ("c3", "m3", dict(company_name="Greenfeld Labour Services Limited", postcode="pe21 7tb",
                      street_address="Unit 4, Riverside Estate")),
    ("c4", "m4", dict(company_name="Greenfield Labour Services", company_number="01234567")),
]


def test_a_company_known_to_four_members_clusters_as_a_company() -> None:
    pairs = match(COMPANY)
    [cluster] = clusters((p.left, p.right) for p in pairs)
    assert cluster == {"c1", "c2", "c3", "c4"}
    assert {entity_type(p.kinds) for p in pairs} == {"company"}


def test_a_company_name_one_letter_off_alone_is_not_that_company() -> None:
    two = [("d1", "m1", dict(company_name="DG Services Ltd")), ("d2", "m2", dict(company_name="DR Services Ltd"))]
    assert match(two) == []


def test_a_site_name_at_another_postcode_of_the_district_is_another_site() -> None:
    two = [("b1", "m1", dict(site_name="Sparkle Car Wash", postcode="B10 9QA", locality="Birmingham")),
           ("b2", "m2", dict(site_name="SPARKLE CAR WASH", postcode="B10 8PE", locality="Birmingham"))]
    assert match(two) == []


def test_a_person_and_a_company_sharing_a_phone_are_not_one_entity() -> None:
    two = [("e1", "m1", dict(given_name="Ion", family_name="Radu", phone="01205 310555")),
           ("e2", "m2", dict(company_name="Eastfield Staffing Ltd", phone="+44 1205 310555"))]
    assert match(two) == []


def test_one_phone_given_by_people_of_different_names_is_not_their_identity() -> None:
    two = [("f1", "m1", dict(given_name="Florentina", family_name="Mindru", phone="07976 550825")),
           ("f2", "m2", dict(given_name="Andrzej", family_name="Dabrowski", phone="+447976550825"))]
    assert match(two) == []
    # ... while a typo in one name word keeps the other word's agreement
    same = [("g1", "m1", dict(given_name="Daniel", family_name="White", phone="01775026330")),
            ("g2", "m2", dict(given_name="Daniek", family_name="WHITE", phone="00441775026330"))]
    assert pair_set(match(same)) == {("g1", "g2")}


def test_companies_with_different_numbers_are_not_one_company() -> None:
    two = [
        ("d1", "m1", dict(company_name="Fresh Ltd", company_number="07654321")),
        ("d2", "m2", dict(company_name="Fresh Limited", company_number="01111111")),
    ]
    assert match(two) == []


@pytest.mark.parametrize("other", [
    # a one-typo name with a phone one digit off, no date of birth
    dict(given_name="Ion", family_name="Popesku", phone="07700 900124"),
    # swapped names, folded diacritics, a phone one digit off
    dict(given_name="POPESCU", family_name="Ion", phone="+44 7700 900124"),
    # a one-typo name at the same postcode and street
    dict(given_name="Ion", family_name="Popesku", postcode="PE21 8AA", street_address="1 High St"),
])
def test_a_one_typo_name_links_with_one_more_agreeing_identifier(other: Row) -> None:
    ion = dict(given_name="Ion", family_name="Popescu", phone="07700 900123",
               postcode="PE21 8AA", street_address="1 High Street")
    assert pair_set(match([("a", "m1", ion), ("b", "m2", other)])) == {("a", "b")}


def test_a_phone_one_digit_off_alone_or_with_another_name_is_no_match() -> None:
    ion = dict(given_name="Ion", family_name="Popescu", phone="07700 900123")
    assert match([("a", "m1", ion), ("b", "m2", dict(phone="07700 900124"))]) == []
    other = dict(given_name="Maria", family_name="Nowak", phone="07700 900124")
    assert match([("a", "m1", ion), ("b", "m2", other)]) == []


def test_one_trading_name_in_two_towns_names_neither_company() -> None:
    # Two companies trade as "Apex Staffing" in Boston and in Wisbech; mentions without a
    # number: one at each postcode and one giving the name alone.
    rows = [
        ("a1", "m1", dict(company_name="Apex Staffing Ltd", postcode="PE21 7TB")),
        ("a2", "m2", dict(company_name="APEX STAFFING LIMITED", postcode="pe217tb")),
        ("a3", "m3", dict(company_name="Apex Staffing", postcode="PE13 2QX")),
        ("a4", "m4", dict(company_name="Apex Staffing Ltd")),
    ]
    # The same name at the same postcode is still the Boston company; the name alone is
    # neither, since two companies at two postcodes hold it.
    assert pair_set(match(rows)) == {("a1", "a2")}
    # With one company alone holding the name, the name alone links its mentions.
    assert pair_set(match([rows[0], rows[3]])) == {("a1", "a4")}


def test_one_bank_account_given_by_people_of_different_names_is_not_their_identity() -> None:
    # Wages of two workers paid into their controller's account; no dates of birth.
    two = [("k1", "m1", dict(given_name="Florentina", family_name="Mindru", bank_account="20-00-00 55779911")),
           ("k2", "m2", dict(given_name="Andrzej", family_name="Dabrowski", bank_account="200000 55779911"))]
    assert match(two) == []
    # ... while one person's account links with a typo in one name word, or a nickname
    # sharing the first two letters of a word
    same = [("l1", "m1", dict(given_name="Daniel", family_name="White", bank_account="20-00-00 55779911")),
            ("l2", "m2", dict(given_name="Daniek", family_name="WHITE", bank_account="200000 55779911")),
            ("l3", "m3", dict(given_name="Dan", family_name="Whyte", bank_account="20 00 00 55779911"))]
    assert pair_set(match(same)) == {("l1", "l2"), ("l1", "l3"), ("l2", "l3")}


def test_one_plate_given_by_people_of_different_names_is_not_their_identity() -> None:
    # A minibus: the plate every worker it carries gives; no dates of birth.
    bus = [("v1", "m1", dict(given_name="Florentina", family_name="Mindru", vehicle_registration="KX19 ABC")),
           ("v2", "m2", dict(given_name="Andrzej", family_name="Dabrowski", vehicle_registration="kx19abc")),
           ("v3", "m3", dict(given_name="Tomasz", family_name="Nowak", vehicle_registration="KX19ABC",
                             date_of_birth="1990-03-04"))]
    assert match(bus) == []
    # ... while one person's car links with a typo in every name word (one of them at its
    # start: the first letters agree), or a nickname sharing a word's first two letters
    same = [("w1", "m1", dict(given_name="William", family_name="Khan", vehicle_registration="GY67 JKX")),
            ("w2", "m2", dict(given_name="iWlliam", family_name="Kahn", vehicle_registration="GY67JKX")),
            ("w3", "m3", dict(given_name="Will", family_name="Kahn", vehicle_registration="gy67jkx"))]
    assert pair_set(match(same)) == {("w1", "w2"), ("w1", "w3"), ("w2", "w3")}
