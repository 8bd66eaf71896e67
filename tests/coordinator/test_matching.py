"""MatchEngine in-process, on SQLite and PostgreSQL: pairs, frequency discount, clusters, withdrawal."""

from __future__ import annotations

from msin_fed.coordinator.matching import MatchEngine
from msin_fed.coordinator.store import SharedStore

from msin_fed.linkage.scoring import DEFAULT_MODEL

from .conftest import tok


def test_strong_token_matches_across_members_only(store: SharedStore) -> None:
    engine = MatchEngine(store)
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


def test_weak_token_alone_is_no_match(store: SharedStore) -> None:
    engine = MatchEngine(store)
    engine.ingest([("a1", "alpha", [tok("name_dob", "x")]), ("b1", "beta", [tok("name_dob", "x")])])
    assert list(engine.pairs()) == []
    engine.ingest([("a2", "alpha", [tok("name_dob", "y"), tok("dob_postcode", "z"), tok("address", "q")])])
    changes = engine.ingest(
        [("b2", "beta", [tok("name_dob", "y"), tok("dob_postcode", "z"), tok("address", "q")])]
    )
    assert {c.view.record_id for c in changes} == {"a2", "b2"}


def test_frequent_token_is_down_weighted_and_does_not_chain(store: SharedStore) -> None:
    engine = MatchEngine(store)
    # A landline held by many members' records stops matching once it is common.
    n = _holders_that_stop_a_phone_matching()
    engine.ingest([(f"r{i}", f"m{i}", [tok("phone", "office")]) for i in range(n)])
    assert list(engine.pairs()) == []
    assert engine.clusters() == []


def test_frequency_increase_rescores_older_pairs(store: SharedStore) -> None:
    engine = MatchEngine(store)
    engine.ingest([("a", "m1", [tok("phone", "p")]), ("b", "m2", [tok("phone", "p")])])
    assert len(list(engine.pairs())) == 1
    n = _holders_that_stop_a_phone_matching()
    engine.ingest([(f"x{i}", f"n{i}", [tok("phone", "p")]) for i in range(n - 2)])
    assert list(engine.pairs()) == []  # n holders: the phone no longer identifies one entity


def test_withdraw_recomputes_pairs_and_clusters(store: SharedStore) -> None:
    engine = MatchEngine(store)
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


def test_withdraw_restores_a_token_below_the_frequency_limit(store: SharedStore) -> None:
    engine = MatchEngine(store)
    n = _holders_that_stop_a_phone_matching()
    engine.ingest([(f"r{i}", f"m{i}", [tok("phone", "p")]) for i in range(n)])
    assert list(engine.pairs()) == []
    for i in range(n - 1, 1, -1):
        engine.withdraw(f"r{i}")
    assert [(a, b) for a, b, _ in engine.pairs()] == [("r0", "r1")]


def test_cluster_id_is_stable_when_a_record_joins(store: SharedStore) -> None:
    engine = MatchEngine(store)
    engine.ingest([("a", "m1", [tok("phone", "p")]), ("b", "m2", [tok("phone", "p"), tok("vehicle", "v")])])
    [before] = engine.clusters()
    engine.ingest([("c", "m3", [tok("vehicle", "v")])])
    [after] = engine.clusters()
    assert after.cluster_id == before.cluster_id and len(after.record_ids) == 3


def test_store_read_methods(store: SharedStore) -> None:
    from .conftest import record

    with store.write() as conn:
        store.insert_records(conn, [record("m1", "a"), record("m2", "b")])
    assert [r.record_id for r in store.iter_records()] == ["a", "b"]
    assert store.count_records() == 2
    assert store.actions() == [] and store.alerts() == []
