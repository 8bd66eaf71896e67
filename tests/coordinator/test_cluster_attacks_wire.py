"""A hostile member trying to split a perpetrator's cluster with two records of his two
dates of birth (its records dating both sides, which ``core.cluster_records`` no longer
counts), played through the real coordinator: gRPC, mutual TLS, SQLite file, real OPRF
tokens, the crafted records sent after the honest ones (tests/linkage/test_cluster_attacks.py
plays the rest in the engine and ``msin link``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from msin_fed import pki
from msin_fed.proto import coordinator_pb2 as pb

from .conftest import Live, record, row_tokens, signed_batch, submission

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "linkage"))
from test_cluster_attacks import EACH_BIRTHDAY, TWO_BIRTHDAYS

MakeId = Callable[[str, str], pki.Identity]


def test_two_records_of_his_two_birthdays_do_not_split_his_cluster_over_the_wire(
    live: Live, make_identity: MakeId
) -> None:
    records = [*TWO_BIRTHDAYS, *EACH_BIRTHDAY]
    identities = {m: make_identity("member", m) for m in sorted({m for _r, m, _x in records})}
    stubs = {m: live.stub(i) for m, i in identities.items()}
    analyst = live.stub(make_identity("analyst", "sttg-analyst"))

    def send(rid: str, member: str, row: dict[str, str]) -> None:
        response = stubs[member].SubmitBatch(
            signed_batch(identities[member], submission(record(member, rid, row_tokens(row)))), timeout=10
        )
        assert [a.record_id for a in response.acks] == [rid]

    def shown() -> list[set[str]]:
        return [{r.record_id for r in c.records} for c in analyst.ListClusters(pb.ListClustersRequest(), timeout=5).clusters]

    for rid, member, row in TWO_BIRTHDAYS:
        send(rid, member, row)
    assert shown() == [{"a1", "b1"}]  # one person, matched by his phone and e-mail
    for rid, member, row in EACH_BIRTHDAY:
        send(rid, member, row)
    assert any({"a1", "b1"} <= c for c in shown()), shown()
