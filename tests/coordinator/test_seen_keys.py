"""The Bloom filter of stored token keys: never a false "no", few false "maybe"s."""

from __future__ import annotations

import numpy as np
from msin_fed.coordinator.seen_keys import SeenKeys


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
