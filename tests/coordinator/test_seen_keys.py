"""The Bloom filter of stored token keys: never a false "no", few false "maybe"s, and on
PostgreSQL true to what every process stored."""

from __future__ import annotations

import numpy as np
import pytest
from msin_fed.coordinator.matching import MatchEngine
from msin_fed.coordinator.seen_keys import SeenKeys
from msin_fed.coordinator.store import SharedStore

from .conftest import drop_postgres_store, require_postgres, tok


def _keys(seed: int, n: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(-(2**63), 2**63 - 1, size=n, dtype=np.int64)


def test_every_added_key_may_be_there_and_few_others_do() -> None:
    added, others = _keys(1, 50_000), _keys(2, 50_000)
    seen = SeenKeys(capacity=50_000)
    assert not seen.may_contain(added).any()
    seen.add(added[:25_000])
    seen.add(added[25_000:])
    assert seen.may_contain(added).all()
    assert seen.may_contain(others).mean() < 0.02
    assert seen.may_contain(np.array([], dtype=np.int64)).shape == (0,)


def test_built_from_existing_keys_and_grows_past_its_capacity() -> None:
    existing = _keys(3, 1000)
    seen = SeenKeys(existing.tolist(), capacity=1500)
    assert seen.may_contain(existing).all() and seen.count == 1000
    before = seen.size_bytes
    more = _keys(4, 20_000)
    for i in range(0, len(more), 1000):
        seen.add(more[i : i + 1000])
    assert seen.size_bytes > before and seen.count == 21_000
    assert seen.may_contain(existing).all() and seen.may_contain(more).all()
    assert seen.may_contain(_keys(5, 50_000)).mean() < 0.03


def test_keys_added_together_that_share_a_byte_are_all_kept() -> None:
    # A small filter (the 2**16-bit minimum) and one large add: thousands of the keys' bits
    # fall in the same bytes, which a plain fancy-indexed update would lose.
    seen = SeenKeys(capacity=100)
    keys = _keys(6, 5000)
    seen.add(keys)
    assert seen.may_contain(keys).all()


@pytest.mark.postgres
def test_engines_of_two_processes_on_one_postgresql_match_what_the_other_stored() -> None:
    """Each process keeps its own filter; one that skipped the keys the other stored since
    would call their tokens new and miss the match."""
    url = require_postgres()
    drop_postgres_store(url)
    first, second = SharedStore(url), SharedStore(url)  # two engines, two connection pools
    try:
        a, b = MatchEngine(first, single_writer=True), MatchEngine(second, single_writer=True)
        # Both build their filters now, each from what is stored at that moment.
        a.ingest([("a0", "alpha", [tok("email", "a0")])])
        b.ingest([("b0", "beta", [tok("email", "b0")])])
        # A token only the first process has stored since reaches the second.
        a.ingest([("a1", "alpha", [tok("phone", "p")])])
        assert sorted(c.view.record_id for c in b.ingest([("b1", "beta", [tok("phone", "p")])])) == ["a1", "b1"]
        # Several transactions of the second, then one of the first.
        b.ingest([("b2", "beta", [tok("vehicle", "v")])])
        b.ingest([("b3", "beta", [tok("email", "e")])])
        assert sorted(c.view.record_id for c in a.ingest([("a2", "alpha", [tok("vehicle", "v")])])) == ["a2", "b2"]
        # A rolled-back transaction of the first leaves no hole in the second's catching up.
        with pytest.raises(RuntimeError), first.write() as conn:
            a.ingest([("a3", "alpha", [tok("email", "e2")])], conn)
            raise RuntimeError("rolled back")
        b.ingest([("b4", "beta", [tok("phone", "q")])])
        assert sorted(c.view.record_id for c in a.ingest([("a4", "alpha", [tok("phone", "q")])])) == ["a4", "b4"]
        # A third process, started now, builds its filter from everything stored.
        third = SharedStore(url)
        try:
            c = MatchEngine(third)
            assert sorted(ch.view.record_id for ch in c.ingest([("c1", "gamma", [tok("email", "e")])])) == ["b3", "c1"]
            assert sorted(ch.view.record_id for ch in b.ingest([("b5", "beta", [tok("email", "e2")])])) == []
        finally:
            third.close()
        pairs = {(x, y) for x, y, _s in a.pairs()}
        assert pairs == {("a1", "b1"), ("a2", "b2"), ("a4", "b4"), ("b3", "c1")}
    finally:
        first.close()
        second.close()
        drop_postgres_store(url)
