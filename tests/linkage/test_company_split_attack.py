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
from test_poisoning_attacks import Records, _tokens

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
