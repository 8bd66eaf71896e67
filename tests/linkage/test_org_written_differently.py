"""Companies and sites written differently at different members (issue 17), each class
linked, and the look-alike that is another company or site kept apart.

Real rows and real OPRF tokens; the in-memory :class:`Matcher` (``msin link``) and the
coordinator's ``MatchEngine`` over a real SQLite file for the clusters; the learned
district towns through ``msin link``'s pipeline (one CSV per member):

* long business words shortened (``Intl``, ``Agri Svcs``), diacritics and Cyrillic, ``&
  Sons`` / ``and Sons``, a number in the name with or without its leading zero;
* the trade dropped (``Wisniewski & Sons``) beside the same postcode, and not elsewhere;
  two agencies at one office whose names only begin alike stay two;
* a short name one typo off beside the same postcode, while initials one letter apart
  (``JK`` / ``JB``) are other agencies, at one office or anywhere;
* a site's postcode one character off in its last part is one site;
* a site known by its postcode at one member and by its town at another, when the first
  member's own data writes that postcode district with that town.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mention_files import write_mentions
from test_clusters import Records, engine_clusters, matcher_of
from test_repeated_entities import pair_set

from msin_fed.linkage.mentions import mention_from_row
from msin_fed.linkage.pipeline import link_files
from msin_fed.token_inputs import district_towns


def _all_pairs(ids: list[str]) -> set[tuple[str, str]]:
    return {(a, b) for i, a in enumerate(sorted(ids)) for b in sorted(ids)[i + 1 :]}


def _one_company(records: Records, tmp_path: Path) -> None:
    ids = [rid for rid, _m, _r in records]
    m = matcher_of(records)
    assert pair_set(m.pairs()) == _all_pairs(ids)
    assert m.clusters() == [set(ids)]
    assert engine_clusters(records, tmp_path / f"shared-{ids[0]}.db") == [set(ids)]


def _pairs(records: Records) -> set[tuple[str, str]]:
    return pair_set(matcher_of(records).pairs())


def test_shortened_words_diacritics_cyrillic_and_sons_are_one_company(tmp_path: Path) -> None:
    _one_company([
        ("w1", "m1", dict(company_name="Wiśniewski & Sons Agri Svcs Ltd")),
        ("w2", "m2", dict(company_name="WISNIEWSKI AND SONS AGRICULTURAL SERVICES")),
        ("w3", "m3", dict(company_name="Wisniewski and Sons Agric. Services Limited")),
    ], tmp_path)
    _one_company([
        ("d1", "m1", dict(company_name="Димитров Intl Haulage")),
        ("d2", "m2", dict(company_name="Dimitrov International Haulage Ltd")),
        ("d3", "m3", dict(company_name="Dimitrov Int'l. Haulage")),
    ], tmp_path)


def test_a_number_in_the_name_with_or_without_its_leading_zero_is_one_company(tmp_path: Path) -> None:
    _one_company([
        ("r1", "m1", dict(company_name="Route 01 Logistics Ltd")),
        ("r2", "m2", dict(company_name="Route 1 Logistics")),
    ], tmp_path)
    # another number is another company, even at one office
    assert _pairs([("n1", "m1", dict(company_name="Northway 2 Logistics", postcode="PE21 7HQ")),
                   ("n2", "m2", dict(company_name="Northway 3 Logistics Ltd", postcode="PE21 7HQ"))]) == set()


def test_the_trade_dropped_is_the_company_at_its_postcode_only(tmp_path: Path) -> None:
    _one_company([
        ("s1", "m1", dict(company_name="Wiśniewski & Sons Agricultural Services Ltd", postcode="PE21 8AA")),
        ("s2", "m2", dict(company_name="Wisniewski and Sons", postcode="PE21 8AA")),
        ("s3", "m3", dict(company_name="WISNIEWSKI & SONS LTD", postcode="pe218aa")),
    ], tmp_path)
    # without the postcode, or at another one, a shorter name is no evidence (the two
    # shorter ones are one name, and link as any name does)
    assert _pairs([("s1", "m1", dict(company_name="Wisniewski & Sons Agricultural Services", postcode="PE21 8AA")),
                   ("s2", "m2", dict(company_name="Wisniewski and Sons")),
                   ("s4", "m3", dict(company_name="Wisniewski and Sons", postcode="LS9 4HB"))]) == {("s2", "s4")}


def test_agencies_at_one_office_whose_names_begin_alike_stay_apart() -> None:
    office = dict(postcode="BD3 9UE", street_address="Suite 7, 162 Station Road")
    records: Records = [
        ("a1", "m1", dict(company_name="Apex Labour Services Ltd", **office)),
        ("a2", "m2", dict(company_name="Apex Labour Supply Ltd", **office)),
    ]
    assert _pairs(records) == set()
    # a mention of their common start there may be either of them: it links neither
    assert _pairs([*records, ("a3", "m3", dict(company_name="Apex Labour", postcode="BD3 9UE"))]) == set()


def test_a_short_name_one_typo_off_links_beside_its_postcode(tmp_path: Path) -> None:
    _one_company([
        ("t1", "m1", dict(company_name="Rapid Staffing LTD", postcode="PE21 7HQ", company_number="07420183")),
        ("t2", "m2", dict(company_name="Ripid Staffing LTD", postcode="PE21 7HQ")),
    ], tmp_path)
    _one_company([
        ("t3", "m3", dict(company_name="Apex Foods", postcode="WR11 2GT")),
        ("t4", "m4", dict(company_name="Apex Fods Ltd", postcode="WR11 2GT")),
    ], tmp_path)
    # the typo without the postcode on both sides is a name one typo off, no more
    assert _pairs([("t1", "m1", dict(company_name="Rapid Staffing LTD", postcode="PE21 7HQ")),
                   ("t2", "m2", dict(company_name="Ripid Staffing LTD"))]) == set()


def test_initials_one_letter_apart_are_other_agencies_at_one_office_or_anywhere() -> None:
    assert _pairs([("j1", "m1", dict(company_name="JK Staffing Ltd", postcode="LS9 6GF")),
                   ("j2", "m2", dict(company_name="JB Staffing Ltd", postcode="LS9 6GF"))]) == set()
    # a long name whose initials differ is no typo of it either
    assert _pairs([("p1", "m1", dict(company_name="P.A. Agriculture Ltd")),
                   ("p2", "m2", dict(company_name="GP Agriculture Limited", postcode="PE21 5AT"))]) == set()


def test_a_site_postcode_one_character_off_is_one_site(tmp_path: Path) -> None:
    _one_company([
        ("c1", "m1", dict(site_name="Carpathian Orchard Growers", postcode="PE13 2HY")),
        ("c2", "m2", dict(site_name="Carpathian Orchard Growers", postcode="PE13 2HQ", locality="Wisbech")),
        ("c3", "m3", dict(site_name="Carpathian Orchard Growers", postcode="PE13 2HX")),
    ], tmp_path)
    # the same name at a postcode further off in the district is another site
    assert _pairs([("f1", "m1", dict(site_name="Manor Farm", postcode="PE21 8AA")),
                   ("f2", "m2", dict(site_name="Manor Farm", postcode="PE21 3XY"))]) == set()


def _site(rid: str, name: str, **place: str) -> dict[str, str]:
    return {"record_id": rid, "site_name": name, **place}


def test_a_postcode_alone_meets_the_town_its_member_writes_the_district_with(tmp_path: Path) -> None:
    # member a writes PE21 with Boston on two addresses of its own; its site has a postcode only
    places = [{"record_id": "h1", "street_address": "12 Fydell Street", "postcode": "PE21 8AA", "locality": "Boston"},
              {"record_id": "h2", "street_address": "3 Main Ridge", "postcode": "PE21 6NN", "locality": "BOSTON"}]
    a = [*places, _site("a1", "Holly Willow House", postcode="PE21 2HD")]
    b = [_site("b1", "Holly Willow House", locality="Boston"),
         _site("b2", "Holly Willow House", locality="Spalding")]  # another town: another site
    files = [write_mentions(tmp_path / "a.csv", a), write_mentions(tmp_path / "b.csv", b)]
    assert {(p.left_id, p.right_id) for p in link_files(files).pairs} == {("a1", "b1")}
    # without the member's own evidence the postcode's area town (Peterborough) is all it has
    alone = [write_mentions(tmp_path / "a2.csv", [a[-1]]), write_mentions(tmp_path / "b2.csv", b)]
    assert link_files(alone).pairs == ()


def test_a_district_written_with_two_towns_learns_neither() -> None:
    rows = [dict(street_address="1 High Street", postcode="PE21 8AA", locality="Boston"),
            dict(street_address="2 High Street", postcode="PE21 8AB", locality="Skegness"),
            dict(street_address="3 High Street", postcode="PE11 1AA", locality="Lockwood, Spalding"),
            dict(street_address="4 High Street", postcode="PE11 1AB", locality="Spalding"),
            dict(site_name="Low Farm", postcode="LS9 4HB", locality="Leeds")]  # once: too little
    mentions = []
    for i, row in enumerate(rows):
        mention, problems = mention_from_row({"record_id": f"r{i}", **row})
        assert mention is not None, problems
        mentions.append(mention)
    assert district_towns(mentions) == {"PE11": "spalding"}
