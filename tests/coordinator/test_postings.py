"""The match engine's queries (store/postings.py) on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from msin_fed.coordinator.store import SharedStore, pack_tokens, token_key
from msin_fed.coordinator.store import postings as P
from msin_fed.coordinator.store.codec import packed_keys

from .conftest import drop_postgres_store, require_postgres


def _row(record: str, member: str, kind: str, value: bytes) -> P.TokenRow:
    return P.TokenRow(record, member, kind, value, 1, token_key(value))


def test_postings_count_by_key_then_by_value_and_are_removed_with_their_record(store: SharedStore) -> None:
    shared = b"\x11" * 64
    # Same 8-byte key, another value: counted together by key, apart by value.
    twin = b"\x11" * 8 + b"\x22" * 56
    alone = b"\x33" * 64
    rows = [
        _row("a", "alpha", "phone", shared),
        _row("b", "beta", "phone", shared),
        _row("c", "gamma", "phone", twin),
        _row("a", "alpha", "email", alone),
    ]
    with store.write() as conn:
        P.insert_postings(
            conn,
            sorted(rows, key=lambda r: r.key),
            [
                P.PackedTokens("a", "alpha", pack_tokens([("phone", shared), ("email", alone)])),
                P.PackedTokens("b", "beta", pack_tokens([("phone", shared)])),
            ],
        )
    key = token_key(shared)
    with store.read() as conn:
        assert P.key_counts(conn, [key, token_key(alone)]) == {key: 3}
        assert P.value_counts(conn, [key]) == {shared: 2}
        assert sorted(P.holders(conn, [key])) == [
            P.Holding(shared, "a", "alpha"), P.Holding(shared, "b", "beta"), P.Holding(twin, "c", "gamma"),
        ]
        # Both in one statement: the rows of keys 2 to `most` rows share, the keys above it.
        held_rows, many = P.holders_of_shared_keys(conn, [key, token_key(alone)], 3)
        assert sorted(held_rows) == sorted(P.holders(conn, [key])) and many == set()
        assert P.holders_of_shared_keys(conn, [key, token_key(alone)], 2) == ([], {key})
        held = P.tokens_of(conn, ["a", "zz"])
        assert held == {"a": P.HeldTokens("alpha", [P.StoredToken("phone", shared), P.StoredToken("email", alone)])}
        assert held["a"].tokens[1].kind == "email" and held["a"].member_id == "alpha"
        assert P.token_maps(conn, ["a", "zz"]) == {"a": ("alpha", {shared: "phone", alone: "email"})}
        assert sorted(P.all_keys(conn).tolist()) == sorted(r.key for r in rows)
    with store.write() as conn:
        P.delete_postings(conn, "a", [key, token_key(alone)])
    with store.read() as conn:
        assert P.key_counts(conn, [key]) == {key: 2}
        assert P.value_counts(conn, [key]) == {}
        assert P.tokens_of(conn, ["a", "b"]) == {"b": ("beta", [("phone", shared)])}


def test_pairs_and_cluster_ids_are_replaced_not_appended(store: SharedStore) -> None:
    ab = P.PairRow("a", "b", "alpha", "beta", 0.9, "phone")
    bc = P.PairRow("b", "c", "beta", "gamma", 0.7, "email,phone")
    with store.write() as conn:
        P.replace_pairs(conn, [], [ab, bc])
        P.replace_cluster_ids(conn, [], [("a", "k1"), ("b", "k1"), ("c", "k1")])
    with store.read() as conn:
        assert P.pairs_touching(conn, ["c"]) == {("b", "c"): bc}
        assert sorted(P.pair_edges(conn, ["b"])) == [P.Edge("a", "b"), P.Edge("b", "c")]
        assert P.all_pairs(conn) == [P.ScoredPair("a", "b", 0.9), P.ScoredPair("b", "c", 0.7)]
    rescored = ab._replace(score=0.95)
    with store.write() as conn:
        P.replace_pairs(conn, [("a", "b"), ("b", "c")], [rescored])  # b-c no longer matches
        P.replace_cluster_ids(conn, ["c"], [])
    with store.read() as conn:
        assert P.pairs_touching(conn, ["a", "b", "c"]) == {("a", "b"): rescored}
        assert P.cluster_ids(conn, ["a", "b", "c"]) == {"a": "k1", "b": "k1"}


def _packed(record: str, member: str, *values: bytes) -> P.PackedTokens:
    return P.PackedTokens(record, member, pack_tokens([("phone", v) for v in values]))


def _keys(*values: bytes) -> list[int]:
    return sorted(token_key(v) for v in values)


@pytest.mark.postgres
def test_token_rows_are_read_back_once_after_the_transaction_that_stored_them_commits(tmp_path: Path) -> None:
    # Three sessions: "early" begins and stores its rows first (the smaller transaction id)
    # but commits last; "late" stores and commits in between; a reader catches up each
    # time. The early one's rows must not be skipped for having an id below rows already
    # read, each row is read once, a rolled-back transaction's rows never, and the
    # reader's own rows are not read back.
    url = require_postgres()
    drop_postgres_store(url)
    store = SharedStore(url)
    one, two, three, four = (bytes([n]) * 64 for n in (1, 2, 3, 4))
    try:
        with store.engine.connect() as reader, store.engine.connect() as early_c, store.engine.connect() as late_c:
            with reader.begin():
                since = P.horizon(reader)
            early = early_c.begin()
            P.insert_postings(early_c, [], [_packed("e", "alpha", one)])
            with late_c.begin():
                P.insert_postings(late_c, [], [_packed("l", "beta", two)])
            with reader.begin():
                keys, since = P.keys_committed_since(reader, since)
            assert sorted(keys.tolist()) == _keys(two)  # early still in progress: pending
            assert since.pending  # its id is kept to read later
            with reader.begin():
                keys, since = P.keys_committed_since(reader, since)
            assert keys.tolist() == []  # late read once; early still pending
            early.commit()
            with reader.begin():
                keys, since = P.keys_committed_since(reader, since)
                P.insert_postings(reader, [], [_packed("own", "gamma", four)])
            assert sorted(keys.tolist()) == _keys(one)  # committed now: read, once
            doomed = late_c.begin()
            P.insert_postings(late_c, [], [_packed("x", "beta", three)])
            doomed.rollback()
            with reader.begin():
                keys, since = P.keys_committed_since(reader, since)
            assert keys.tolist() == []  # neither the rolled-back rows nor the reader's own
        with store.read() as conn:
            rows = conn.exec_driver_sql("SELECT count(*), count(xact) FROM record_tokens").one()
        assert tuple(rows) == (3, 3)  # every row numbered by its transaction's id
    finally:
        store.close()
        drop_postgres_store(url)


def test_packed_keys_are_the_keys_of_every_packed_value_in_order() -> None:
    # What a process reads back of another's rows to catch its filter up: the keys of
    # every value of every blob, as token_key gives them, whatever the kinds' lengths.
    rng = random.Random(3)
    kinds = ["phone", "email", "name_phon_dob", "x", "dob_postcode"]
    blobs, expected = [], []
    for _ in range(200):
        pairs = [(rng.choice(kinds), rng.randbytes(64)) for _ in range(rng.randrange(0, 9))]
        blobs.append(pack_tokens(pairs))
        expected.extend(token_key(v) for _k, v in pairs)
    got = packed_keys(blobs)
    assert got.dtype == np.int64 and got.tolist() == expected
    assert any(k < 0 for k in expected) and any(k > 0 for k in expected)  # both signs
    assert packed_keys([]).tolist() == []
    # A value under 8 bytes (only in-process callers make one) still gets token_key's key.
    short = [("phone", b"\x01\x02"), ("email", b"\xff" * 64)]
    assert packed_keys([pack_tokens(short)]).tolist() == [token_key(v) for _k, v in short]
