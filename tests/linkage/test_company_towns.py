"""A company placed by its town: the name in a town is a place, as its postcode is.

A mention written ``Apex Recruitment Ltd, Boston`` (no number, no postcode) is not the
only numbered company of that name when that company is known only at a Leeds postcode:
one trading name in two towns is two companies as far as anyone can tell. It is the one
known in Boston (a town its mentions give, or the town its postcode's district is written
with at its member) or in Leeds (the town its postcode's area is named after). Real rows
and real OPRF tokens; the in-memory :class:`Matcher` (``msin link``), the coordinator's
``MatchEngine`` over a real SQLite file, and ``msin link``'s pipeline over one CSV per
member for the learned district town.
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
from msin_fed.token_inputs import inputs_for_mention

LEEDS = ("l1", "m1", dict(company_name="Apex Recruitment Ltd", company_number="01234567", postcode="LS9 2EU"))


def _linked(records: Records, tmp_path: Path) -> set[tuple[str, str]]:
    """The pairs ``msin link``'s matcher finds; the coordinator's engine clusters alike."""
    m = matcher_of(records)
    clustered = sorted(m.clusters(), key=lambda c: (-len(c), min(c)))
    assert engine_clusters(records, tmp_path / f"shared-{len(list(tmp_path.iterdir()))}.db") == clustered
    return pair_set(m.pairs())


def test_a_company_named_with_a_town_only_is_not_the_same_named_company_known_in_another(tmp_path: Path) -> None:
    boston = ("b1", "m2", dict(company_name="Apex Recruitment Ltd", locality="Boston"))
    assert _linked([LEEDS, boston], tmp_path) == set()
    # nor is it when the numbered company's town is written with its postcode
    written = ("l2", "m1", dict(company_name="Apex Recruitment Ltd", company_number="01234567",
                                postcode="LS9 2EU", locality="Leeds"))
    assert _linked([written, boston], tmp_path) == set()


def test_a_company_named_with_a_town_is_the_same_named_company_known_there(tmp_path: Path) -> None:
    # Leeds: the town the numbered mention's postcode area is named after
    leeds = ("t1", "m2", dict(company_name="APEX RECRUITMENT LIMITED", locality="Leeds"))
    assert _linked([LEEDS, leeds], tmp_path) == {("l1", "t1")}
    # Boston: the town the numbered mention gives with its postcode
    known = ("k1", "m1", dict(company_name="Apex Recruitment Ltd", company_number="01234567",
                              postcode="PE21 7HQ", locality="Boston"))
    boston = ("b1", "m2", dict(company_name="Apex Recruitment", locality="BOSTON"))
    assert _linked([known, boston], tmp_path) == {("b1", "k1")}
    # and with both towns known, each town's mention is the one company known at both
    assert _linked([LEEDS, known, leeds, boston], tmp_path) == {("b1", "k1"), ("b1", "l1"), ("k1", "t1"), ("l1", "t1")}


def test_a_town_where_two_same_named_companies_may_be_names_neither(tmp_path: Path) -> None:
    # a phoenix: the same name under another number, known nowhere, may be the one in Leeds
    phoenix = ("p1", "m3", dict(company_name="Apex Recruitment Ltd", company_number="09876543"))
    leeds = ("t1", "m2", dict(company_name="Apex Recruitment", locality="Leeds"))
    assert _linked([LEEDS, phoenix, leeds], tmp_path) == set()
    # a mention at another Leeds postcode without a number may be another company there
    other = ("o1", "m3", dict(company_name="Apex Recruitment Ltd", postcode="LS6 1AB"))
    assert _linked([LEEDS, other, leeds], tmp_path) == set()


def test_two_postcodes_of_one_area_are_not_one_place_by_their_town(tmp_path: Path) -> None:
    # PE21 (Boston) and PE11 (Spalding) are both of the Peterborough area
    a = ("a1", "m1", dict(company_name="Fenway Harvest Ltd", postcode="PE21 7HQ"))
    b = ("a2", "m2", dict(company_name="Fenway Harvest Ltd", postcode="PE11 3AB"))
    assert _linked([a, b], tmp_path) == set()
    # while a mention in the area's town matches a company of one postcode there
    c = ("a3", "m3", dict(company_name="Fenway Harvest", locality="Peterborough"))
    assert _linked([a, c], tmp_path) == {("a1", "a3")}


def test_a_postcode_alone_meets_the_town_its_member_writes_the_district_with(tmp_path: Path) -> None:
    # member a writes PE21 with Boston on two addresses of its own; its company has a
    # number and a postcode only
    places = [{"record_id": "h1", "street_address": "12 Fydell Street", "postcode": "PE21 8AA", "locality": "Boston"},
              {"record_id": "h2", "street_address": "3 Main Ridge", "postcode": "PE21 6NN", "locality": "BOSTON"}]
    company = {"record_id": "a1", "company_name": "Apex Recruitment Ltd", "company_number": "01234567",
               "postcode": "PE21 7HQ"}
    b = [{"record_id": "b1", "company_name": "Apex Recruitment Ltd", "locality": "Boston"}]
    files = [write_mentions(tmp_path / "a.csv", [*places, company]), write_mentions(tmp_path / "b.csv", b)]
    assert {(p.left_id, p.right_id) for p in link_files(files).pairs} == {("a1", "b1")}
    # without the member's own evidence the postcode's area town (Peterborough) is all it has
    alone = [write_mentions(tmp_path / "a2.csv", [company]), write_mentions(tmp_path / "b2.csv", b)]
    assert link_files(alone).pairs == ()


def test_a_common_word_company_makes_no_town_token() -> None:
    mention, problems = mention_from_row({"record_id": "x", "company_name": "Recruitment Ltd", "locality": "Boston",
                                          "postcode": "PE21 7HQ"})
    assert mention is not None, problems
    kinds = {i.kind for i in inputs_for_mention(mention)}
    assert "company_postcode" in kinds
    assert not kinds & {"company", "company_locality"}
