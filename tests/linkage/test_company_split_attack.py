"""A hostile member splitting a company's mentions with one crafted record of public-looking
facts (played by ``attack3``, session 8, through the coordinator's ``MatchEngine`` with real
OPRF tokens). Open: each is ``xfail(strict=True)`` and stated in docs/security.md.

``company_prefix`` and ``company_near_postcode`` link a short form (``Wisniewski & Sons``)
or a typo (``Ripid Staffing``) to a name at one postcode only while no other company there
has a name of that start or one typo off: they are counted among the companies holding
them. So one crafted record of a third name at that postcode (``Wisniewski & Sons
Haulage``, ``Rupid Staffing``), with no number, makes the short form or the typo one that
two companies could be, and the two members' mentions of the agency stand apart. Closing
it needs a company known from one member's record alone not to count as the second
company, which honest data (two agencies at one address, each known to one member) needs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from msin_fed.coordinator.matching import MatchEngine
from msin_fed.coordinator.store import SharedStore

from msin_fed.linkage.scoring import DEFAULT_MODEL

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_poisoning_attacks import Records, Row, _tokens

POSTCODE = "PE21 7HQ"
AGENCIES: dict[str, Records] = {
    "a short form": [("a1", "m1", dict(company_name="Wisniewski & Sons Agricultural Services Ltd", postcode=POSTCODE)),
                     ("a2", "m2", dict(company_name="Wisniewski & Sons", postcode=POSTCODE))],
    "a typo": [("a1", "m1", dict(company_name="Ripid Staffing Ltd", postcode=POSTCODE)),
               ("a2", "m2", dict(company_name="Rapid Staffing Ltd", postcode=POSTCODE))],
}
CRAFTED = {
    "a short form": dict(company_name="Wisniewski & Sons Haulage Ltd", postcode=POSTCODE),
    "a typo": dict(company_name="Rupid Staffing Ltd", postcode=POSTCODE),
}


def _clusters(records: Records, path: Path) -> list[set[str]]:
    store = SharedStore(path)
    try:
        engine = MatchEngine(store, DEFAULT_MODEL)
        for rid, member, row in records:
            engine.ingest([(rid, member, _tokens(row))])
        return [set(c.record_ids) for c in engine.clusters()]
    finally:
        store.close()


@pytest.mark.parametrize("label", sorted(AGENCIES))
def test_the_two_mentions_link_before_the_attack(tmp_path: Path, label: str) -> None:
    assert _clusters(AGENCIES[label], tmp_path / "base.db") == [{"a1", "a2"}]


@pytest.mark.parametrize("label", sorted(AGENCIES))
@pytest.mark.xfail(strict=True, reason="residual: one record of a third name of that start (or one typo off) at the "
                                       "postcode makes the short form or the typo two companies' (docs/security.md)")
def test_one_crafted_record_at_the_postcode_does_not_split_the_agency(tmp_path: Path, label: str) -> None:
    clusters = _clusters([*AGENCIES[label], ("h", "hostile", CRAFTED[label])], tmp_path / "after.db")
    assert any({"a1", "a2"} <= c for c in clusters), clusters


#: A company's name with a place, known to two members, and the record that splits the two
#: (attack5, session 9): a company known by one trading name at two places is two
#: companies as far as anyone can tell (``core._companies``), so one record of the name at
#: another place leaves a mention that gives no place, or gives only the town, naming neither.
NAME = "Fenland Harvest Labour Ltd"
ELSEWHERE: dict[str, tuple[Records, Row]] = {
    "a mention of the name alone, the name in another town": (
        [("a1", "m1", dict(company_name=NAME, company_number="07654321", postcode="PE13 2AB")),
         ("a2", "m2", dict(company_name=NAME))],
        dict(company_name=NAME, locality="Spalding")),
    "a mention of the name alone, the name at another postcode": (
        [("a1", "m1", dict(company_name=NAME, postcode="PE13 2AB")), ("a2", "m2", dict(company_name=NAME))],
        dict(company_name=NAME, postcode="PE11 1AA")),
    "a mention in its town, the name at another postcode of the town": (
        [("a1", "m1", dict(company_name=NAME, postcode="PE13 2AB", locality="Wisbech")),
         ("a2", "m2", dict(company_name=NAME, locality="Wisbech"))],
        dict(company_name=NAME, postcode="PE13 9ZZ", locality="Wisbech")),
}


@pytest.mark.parametrize("label", sorted(ELSEWHERE))
def test_the_company_links_before_the_record_elsewhere(tmp_path: Path, label: str) -> None:
    assert _clusters(ELSEWHERE[label][0], tmp_path / "base.db") == [{"a1", "a2"}]


@pytest.mark.parametrize("label", sorted(ELSEWHERE))
@pytest.mark.xfail(strict=True, reason="residual: one record of the name at another place makes it a name two "
                                       "companies trade under, so a mention without that place names neither "
                                       "(docs/security.md)")
def test_one_record_of_the_name_elsewhere_does_not_split_the_company(tmp_path: Path, label: str) -> None:
    records, crafted = ELSEWHERE[label]
    clusters = _clusters([*records, ("h", "hostile", crafted)], tmp_path / "after.db")
    assert any({"a1", "a2"} <= c for c in clusters), clusters


#: Two companies of one trading name in two towns, each known to two members.
TWO_TOWNS: Records = [
    ("a1", "m1", dict(company_name=NAME, locality="Wisbech")),
    ("a2", "m2", dict(company_name=NAME, postcode="PE13 2AB", locality="Wisbech")),
    ("b1", "m3", dict(company_name=NAME, locality="Spalding")),
    ("b2", "m4", dict(company_name=NAME, postcode="PE11 1AA", locality="Spalding")),
]


def test_the_two_companies_of_one_name_stand_apart_before_the_attack(tmp_path: Path) -> None:
    assert sorted(sorted(c) for c in _clusters(TWO_TOWNS, tmp_path / "base.db")) == [["a1", "a2"], ["b1", "b2"]]


@pytest.mark.xfail(strict=True, reason="residual: a locality of two parts is two places the company may be known "
                                       "by, as for sites (docs/security.md)")
def test_one_record_of_the_name_in_both_towns_does_not_join_the_two_companies(tmp_path: Path) -> None:
    """As one record of a site's name with "Boston, Spalding" joins the site of each town
    (``test_poisoning_new_rules.py``): a company's name with "Wisbech, Spalding"."""
    crafted = ("h", "hostile", dict(company_name=NAME, locality="Wisbech, Spalding"))
    clusters = _clusters([*TWO_TOWNS, crafted], tmp_path / "after.db")
    assert not any({"a1", "b1"} <= c for c in clusters), clusters
