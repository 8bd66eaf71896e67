"""The most repeated person, a site and a company through the real coordinator: gRPC,
mutual TLS, SQLite file.

Six records of one person at five members (NINO, name and phone each, written as each
member writes them) are shared with real OPRF tokens, side by side with six workers
placed by one agency who share only its landline and address. The coordinator must link
every cross-member pair of the person and none of the workers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from msin_fed.coordinator.matching import MatchEngine
from msin_fed.coordinator.store import SharedStore

from msin_fed import pki
from msin_fed.proto import coordinator_pb2 as pb

from .conftest import Live, record, row_tokens, signed_batch, submission

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "linkage"))
from test_repeated_entities import COMPANY, PERSON, SITE, WORKERS, cross_member_pairs

MakeId = Callable[[str, str], pki.Identity]


def test_six_records_at_five_members_link_through_the_coordinator(
    live: Live, make_identity: MakeId, tmp_path: Path
) -> None:
    members = sorted({m for _r, m, _x in PERSON + WORKERS})
    identities = {m: make_identity("member", m) for m in members}
    stubs = {m: live.stub(identities[m]) for m in members}
    for rid, member, row in PERSON + WORKERS:  # one submission at a time, as nodes send them
        response = stubs[member].SubmitBatch(
            signed_batch(identities[member], submission(record(member, rid, row_tokens(row)))), timeout=10
        )
        assert [a.record_id for a in response.acks] == [rid]

    analyst = live.stub(make_identity("analyst", "sttg-analyst"))
    [cluster] = analyst.ListClusters(pb.ListClustersRequest(), timeout=5).clusters
    assert {r.record_id for r in cluster.records} == {rid for rid, _m, _x in PERSON}
    assert cluster.members == 5 and cluster.kind == "perpetrator"
    for rid, member, _row in PERSON:
        [view] = stubs[member].ListMatches(pb.ListMatchesRequest(record_id=rid), timeout=5).matches
        assert view.other_members == 4, rid
    for rid, member, _row in WORKERS:
        assert not stubs[member].ListMatches(pb.ListMatchesRequest(record_id=rid), timeout=5).matches

    # Sites and companies cluster as what they are.
    for rid, member, row in SITE + COMPANY:
        stubs[member].SubmitBatch(
            signed_batch(identities[member], submission(record(member, rid, row_tokens(row)))), timeout=10
        )
    kinds = {
        frozenset(r.record_id for r in c.records): c.kind
        for c in analyst.ListClusters(pb.ListClustersRequest(), timeout=5).clusters
    }
    assert kinds == {
        frozenset(r for r, _m, _x in PERSON): "perpetrator",
        frozenset(r for r, _m, _x in SITE): "site",
        frozenset(r for r, _m, _x in COMPANY): "company",
    }

    # Every cross-member pair, not only a chain: read the coordinator's own database.
    store = SharedStore(tmp_path / "coordinator.db")
    try:
        person = {r for r, _m, _x in PERSON}
        found = {(a, b) for a, b, _s in MatchEngine(store).pairs() if a in person or b in person}
        assert found == cross_member_pairs(PERSON)
    finally:
        store.close()
