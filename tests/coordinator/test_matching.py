"""MatchEngine in-process, on SQLite and PostgreSQL: pairs, frequency discount, clusters, withdrawal."""

from __future__ import annotations

import hashlib

import pytest
from msin_fed.coordinator.matching import MatchEngine
from msin_fed.coordinator.store import (
    SharedStore,
    pack_tokens,
    token_key,
    unpack_tokens,
)

from msin_fed.linkage.scoring import DEFAULT_MODEL
from msin_fed.model import Token

from .conftest import tok


@pytest.fixture(params=[False, True], ids=["lookup-all", "seen-keys-filter"])
def single_writer(request: pytest.FixtureRequest) -> bool:
    """Both engines: one looking up every new key, one skipping keys its filter never saw."""
    return bool(request.param)


def test_strong_token_matches_across_members_only(store: SharedStore, single_writer: bool) -> None:
    engine = MatchEngine(store, single_writer=single_writer)
    assert engine.ingest([("a1", "alpha", [tok("phone", "p1")])]) == []
    changes = engine.ingest([("a2", "alpha", [tok("phone", "p1")])])
    assert changes == []  # same member: no match
    changes = engine.ingest([("b1", "beta", [tok("phone", "p1"), tok("email", "e9")])])
    assert {c.view.record_id for c in changes} == {"a1", "a2", "b1"}
    assert all(c.change == "new" for c in changes)
    b1 = next(c.view for c in changes if c.view.record_id == "b1")
    assert b1.other_members == {"alpha"} and b1.kinds == {"phone"}
    pairs = list(engine.pairs())
    assert [(a, b) for a, b, _ in pairs] == [("a1", "b1"), ("a2", "b1")]
    expected = DEFAULT_MODEL.pair_score([("phone", 3)])
    assert all(abs(s - expected) < 1e-6 for _a, _b, s in pairs)
    [cluster] = engine.clusters()
    assert set(cluster.record_ids) == {"a1", "a2", "b1"} and cluster.members == ("alpha", "beta")


def test_weak_token_alone_is_no_match(store: SharedStore, single_writer: bool) -> None:
    engine = MatchEngine(store, single_writer=single_writer)
    engine.ingest([("a1", "alpha", [tok("name_dob", "x")]), ("b1", "beta", [tok("name_dob", "x")])])
    assert list(engine.pairs()) == []
    engine.ingest([("a2", "alpha", [tok("name_dob", "y"), tok("dob_postcode", "z"), tok("address", "q")])])
    changes = engine.ingest(
        [("b2", "beta", [tok("name_dob", "y"), tok("dob_postcode", "z"), tok("address", "q")])]
    )
    assert {c.view.record_id for c in changes} == {"a2", "b2"}


def test_frequent_token_is_down_weighted_and_does_not_chain(store: SharedStore, single_writer: bool) -> None:
    engine = MatchEngine(store, single_writer=single_writer)
    # A landline held by many members' records stops matching once it is common.
    n = _holders_that_stop_a_phone_matching()
    engine.ingest([(f"r{i}", f"m{i}", [tok("phone", "office")]) for i in range(n)])
    assert list(engine.pairs()) == []
    assert engine.clusters() == []


def test_frequency_increase_rescores_older_pairs(store: SharedStore, single_writer: bool) -> None:
    engine = MatchEngine(store, single_writer=single_writer)
    engine.ingest([("a", "m1", [tok("phone", "p")]), ("b", "m2", [tok("phone", "p")])])
    assert len(list(engine.pairs())) == 1
    n = _holders_that_stop_a_phone_matching()
    engine.ingest([(f"x{i}", f"n{i}", [tok("phone", "p")]) for i in range(n - 2)])
    assert list(engine.pairs()) == []  # n holders: the phone no longer identifies one entity


def test_withdraw_recomputes_pairs_and_clusters(store: SharedStore, single_writer: bool) -> None:
    engine = MatchEngine(store, single_writer=single_writer)
    engine.ingest([("a", "m1", [tok("phone", "p")]), ("b", "m2", [tok("phone", "p"), tok("email", "e")])])
    engine.ingest([("c", "m3", [tok("email", "e")])])
    [cluster] = engine.clusters()
    assert set(cluster.record_ids) == {"a", "b", "c"}
    changes = engine.withdraw("b")
    assert {(c.view.record_id, c.change) for c in changes} == {("a", "removed"), ("c", "removed")}
    assert list(engine.pairs()) == [] and engine.clusters() == []


def _holders_that_stop_a_phone_matching() -> int:
    return next(
        f for f in range(3, 100) if not DEFAULT_MODEL.is_match(DEFAULT_MODEL.pair_score([("phone", f)]))
    )


def test_withdraw_restores_a_token_below_the_frequency_limit(store: SharedStore, single_writer: bool) -> None:
    engine = MatchEngine(store, single_writer=single_writer)
    n = _holders_that_stop_a_phone_matching()
    engine.ingest([(f"r{i}", f"m{i}", [tok("phone", "p")]) for i in range(n)])
    assert list(engine.pairs()) == []
    for i in range(n - 1, 1, -1):
        engine.withdraw(f"r{i}")
    assert [(a, b) for a, b, _ in engine.pairs()] == [("r0", "r1")]


def test_cluster_id_is_stable_when_a_record_joins(store: SharedStore, single_writer: bool) -> None:
    engine = MatchEngine(store, single_writer=single_writer)
    engine.ingest([("a", "m1", [tok("phone", "p")]), ("b", "m2", [tok("phone", "p"), tok("vehicle", "v")])])
    [before] = engine.clusters()
    engine.ingest([("c", "m3", [tok("vehicle", "v")])])
    [after] = engine.clusters()
    assert after.cluster_id == before.cluster_id and len(after.record_ids) == 3


def test_store_read_methods(store: SharedStore, single_writer: bool) -> None:
    from .conftest import record

    with store.write() as conn:
        store.insert_records(conn, [record("m1", "a"), record("m2", "b")])
    assert [r.record_id for r in store.iter_records()] == ["a", "b"]
    assert store.count_records() == 2
    assert store.actions() == [] and store.alerts() == []


def _prefixed(kind: str, prefix: bytes, label: str) -> Token:
    """A token whose value starts with ``prefix`` (tokens sharing an 8-byte prefix share a lookup key)."""
    return Token(kind, prefix + hashlib.sha512(label.encode()).digest()[: Token.SIZE - len(prefix)], 1)


def test_a_token_sharing_its_key_with_a_frequent_token_still_matches(store: SharedStore, single_writer: bool) -> None:
    engine = MatchEngine(store, single_writer=single_writer)
    prefix = b"\x01" * 8
    common = _prefixed("phone", prefix, "office")
    rare = _prefixed("phone", prefix, "mobile")
    assert token_key(common.value) == token_key(rare.value) and common.value != rare.value
    n = DEFAULT_MODEL.max_frequency + 5
    engine.ingest([(f"r{i}", f"m{i}", [common]) for i in range(n)])
    assert list(engine.pairs()) == []
    engine.ingest([("a", "alpha", [rare])])
    changes = engine.ingest([("b", "beta", [rare])])
    assert {(c.change, c.view.record_id) for c in changes} == {("new", "a"), ("new", "b")}
    assert [(a, b) for a, b, _ in engine.pairs()] == [("a", "b")]
    engine.withdraw("r0")  # the frequent token stays over the limit: nothing rescored
    assert [(a, b) for a, b, _ in engine.pairs()] == [("a", "b")]


def test_one_batch_merges_two_clusters_and_grows_a_third(store: SharedStore, single_writer: bool) -> None:
    engine = MatchEngine(store, single_writer=single_writer)
    engine.ingest(
        [
            ("a1", "m1", [tok("phone", "pa")]),
            ("a2", "m2", [tok("phone", "pa")]),
            ("b1", "m1", [tok("email", "eb")]),
            ("b2", "m2", [tok("email", "eb")]),
            ("b3", "m3", [tok("email", "eb")]),
            ("c1", "m1", [tok("vehicle", "vc")]),
            ("c2", "m2", [tok("vehicle", "vc")]),
        ]
    )
    ids = _cluster_ids(engine)
    assert len(set(ids.values())) == 3
    # x joins the a and b clusters; y joins c; z matches nothing.
    changes = engine.ingest(
        [
            ("x", "m4", [tok("phone", "pa"), tok("email", "eb")]),
            ("y", "m4", [tok("vehicle", "vc")]),
            ("z", "m4", [tok("phone", "zz")]),
        ]
    )
    after = _cluster_ids(engine)
    # The merged cluster keeps the id most of its records had (b's three over a's two).
    assert {after[r] for r in ("a1", "a2", "b1", "b2", "b3", "x")} == {ids["b1"]}
    assert after["c1"] == after["c2"] == after["y"] == ids["c1"]
    assert "z" not in after
    views = {c.view.record_id: c for c in changes}
    assert views["x"].change == "new" and views["x"].view.cluster_id == ids["b1"]
    assert views["y"].change == "new" and views["y"].view.cluster_id == ids["c1"]
    assert views["a1"].change == "updated" and views["a1"].view.other_members == {"m2", "m4"}
    assert "z" not in views


def test_withdrawal_splits_a_cluster_and_one_part_keeps_its_id(store: SharedStore, single_writer: bool) -> None:
    engine = MatchEngine(store, single_writer=single_writer)
    engine.ingest(
        [
            ("a1", "m1", [tok("phone", "pa")]),
            ("a2", "m2", [tok("phone", "pa")]),
            ("hub", "m3", [tok("phone", "pa"), tok("email", "eb")]),
            ("b1", "m1", [tok("email", "eb")]),
            ("b2", "m2", [tok("email", "eb")]),
            ("b4", "m4", [tok("email", "eb")]),
        ]
    )
    [before] = engine.clusters()
    assert len(before.record_ids) == 6
    changes = engine.withdraw("hub")
    after = _cluster_ids(engine)
    assert after["b1"] == after["b2"] == after["b4"] != after["a1"] == after["a2"]
    assert before.cluster_id in {after["a1"], after["b1"]}
    assert "hub" not in after
    by_record = {c.view.record_id: c for c in changes}
    assert set(by_record) == {"a1", "a2", "b1", "b2", "b4"}
    assert all(c.change == "updated" for c in changes)
    assert by_record["a1"].view.cluster_id == after["a1"]
    assert by_record["b4"].view.other_members == {"m1", "m2"}
    # Later batches keep both ids.
    engine.ingest([("a3", "m3", [tok("phone", "pa")]), ("b5", "m5", [tok("email", "eb")])])
    later = _cluster_ids(engine)
    assert later["a3"] == after["a1"] and later["b5"] == after["b1"]


def test_two_components_splitting_in_one_batch_get_distinct_ids(store: SharedStore, single_writer: bool) -> None:
    engine = MatchEngine(store, single_writer=single_writer)
    n = _holders_that_stop_a_phone_matching()
    # One cluster held together by a shared phone only; the phone turning common splits it
    # into the two vehicle pairs (vehicles, unlike e-mails, may differ without contradicting), which must not both keep the old id.
    engine.ingest(
        [
            ("p1", "m1", [tok("phone", "p"), tok("vehicle", "v1")]),
            ("p2", "m2", [tok("phone", "p"), tok("vehicle", "v1")]),
            ("q1", "m1", [tok("phone", "p"), tok("vehicle", "v2")]),
            ("q2", "m2", [tok("phone", "p"), tok("vehicle", "v2")]),
        ]
    )
    [before] = engine.clusters()
    assert len(before.record_ids) == 4
    engine.ingest([(f"x{i}", f"n{i}", [tok("phone", "p")]) for i in range(n)])
    after = _cluster_ids(engine)
    assert set(after) == {"p1", "p2", "q1", "q2"}
    assert after["p1"] == after["p2"] and after["q1"] == after["q2"] and after["p1"] != after["q1"]
    assert before.cluster_id in {after["p1"], after["q1"]}


def _cluster_ids(engine: MatchEngine) -> dict[str, str]:
    return {r: c.cluster_id for c in engine.clusters() for r in c.record_ids}




def test_packed_tokens_round_trip() -> None:
    pairs = [("phone", bytes(range(64))), ("name_dob", b"\x00" * 64), ("e", b"")]
    assert unpack_tokens(pack_tokens(pairs)) == pairs
    assert unpack_tokens(memoryview(pack_tokens(pairs))) == pairs
    assert unpack_tokens(pack_tokens([])) == []
