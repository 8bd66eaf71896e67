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
        held = P.tokens_of(conn, ["a", "zz"])
        assert held == {"a": P.HeldTokens("alpha", [P.StoredToken("phone", shared), P.StoredToken("email", alone)])}
        assert held["a"].tokens[1].kind == "email" and held["a"].member_id == "alpha"
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


@pytest.mark.postgres
def test_token_rows_are_read_back_by_the_number_of_the_transaction_that_stored_them(tmp_path: Path) -> None:
    url = require_postgres()
    drop_postgres_store(url)
    store = SharedStore(url)
    try:
        with store.write() as conn:
            assert P.last_write_number(conn) == 0
            first = P.next_write_number(conn)
            P.insert_postings(conn, [_row("a", "alpha", "phone", b"\x01" * 64)], [P.PackedTokens("a", "alpha", pack_tokens([("phone", b"\x01" * 64)]))], first)
        with store.write() as conn:
            second = P.next_write_number(conn)
            packed = pack_tokens([("phone", b"\x02" * 64), ("email", b"\x03" * 64)])
            P.insert_postings(conn, [], [P.PackedTokens("b", "beta", packed)], second)
        assert second > first
        with store.read() as conn:
            assert P.last_write_number(conn) == second
            keys, last = P.keys_stored_after(conn, 0)
            assert sorted(keys.tolist()) == sorted(token_key(v) for v in (b"\x01" * 64, b"\x02" * 64, b"\x03" * 64))
            assert last == second
            keys, last = P.keys_stored_after(conn, first)
            assert sorted(keys.tolist()) == sorted([token_key(b"\x02" * 64), token_key(b"\x03" * 64)]) and last == second
            keys, last = P.keys_stored_after(conn, second)
            assert keys.tolist() == [] and last == second
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
