"""A hostile member against the match step's per-batch budget, on a real PostgreSQL.

The budget (``MatchEngine.max_batch_pairs``) counts the candidate pairs a batch gives the
match step, which runs under the write lock. The work of a pair is not one unit: scoring
weighs every token its two records share, so records that share many tokens make each
pair cost that many. Two hostile members stored 580 records in 208 blocks (each block's
records sharing one value, every record sharing 150 more tokens with all the others:
common, so they add no pairs, but every pair weighs them); one record of 208 tokens
then gave 91,520 candidate pairs, under the budget of 100,000, and held the write lock
61 s on the 2-core machine (12 s with no shared tokens besides the block's): every other
member's intake waited that long. The budget now counts the shared tokens the pairs
would weigh too (``max_batch_agreements``), checked before the lock and again under it.
The test plays it scaled down (budgets of a few thousand), so it runs in seconds.
"""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from msin_fed.coordinator.matching import MatchBudgetExceeded, MatchEngine, prepare_tokens
from msin_fed.coordinator.store import SharedStore, tokens

from .conftest import in_thread, require_postgres

# The conftest's store, on PostgreSQL only.
pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("store", ["postgres"], indirect=True)]

#: Block layout: alpha's groups x beta's groups, GROUP records each.
GA, GB, GROUP = 3, 2, 6


def _v(label: str) -> bytes:
    return hashlib.sha512(label.encode()).digest()


def _hostile(store: SharedStore, shared: int) -> list[tuple[str, bytes]]:
    """Store the two hostile members' blocks (as another process, under the default
    budgets), each record also holding ``shared`` tokens every hostile record holds; the
    trigger's tokens (one value per block)."""
    engine = MatchEngine(store)
    common = [("email", _v(f"common-{k}")) for k in range(shared)]

    def entry(member: str, rid: str, values: list[str]) -> tuple[str, str, list[tuple[str, bytes]]]:
        return rid, member, [("phone", _v(x)) for x in values] + common

    engine.ingest([entry("alpha", f"a-{i}-{k}", [f"blk-{i}-{j}" for j in range(GB)])
                   for i in range(GA) for k in range(GROUP)])
    engine.ingest([entry("beta", f"b-{j}-{k}", [f"blk-{i}-{j}" for i in range(GA)])
                   for j in range(GB) for k in range(GROUP)])
    return [("phone", _v(f"blk-{i}-{j}")) for i in range(GA) for j in range(GB)]


def _stored(store: SharedStore, record_id: str) -> int:
    """The record's token rows (the match engine stores tokens; intake stores the record)."""
    with store.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(tokens).where(tokens.c.record_id == record_id))
                   .scalar_one())


def test_a_batch_under_the_pair_budget_whose_pairs_share_many_tokens_is_refused_before_the_lock(
    store: SharedStore,
) -> None:
    # 6 blocks x (36 hostile pairs + 12 with the trigger) = 288 pairs, under 300; every
    # hostile pair shares 60 common tokens: about 13,000 shared tokens to weigh.
    engine = MatchEngine(store, max_batch_pairs=300, max_batch_agreements=3_000)
    trigger = _hostile(store, shared=60)
    by = {"t": prepare_tokens("t", "gamma", trigger, 1)}
    with pytest.raises(MatchBudgetExceeded) as refused:
        with store.write(serial=False) as conn:
            engine.stage_rows(conn, by)
            engine.check_budget(conn, by, [{"t"}])  # before the write lock
    assert str(refused.value).startswith("submissions:") and "tokens shared within its candidate pairs" in str(
        refused.value)
    # ... and through the whole ingest (which also bounds it again under the lock).
    with pytest.raises(MatchBudgetExceeded):
        engine.ingest([("t", "gamma", trigger)])
    assert _stored(store, "t") == 0


def test_the_same_batch_whose_pairs_share_only_their_block_value_is_taken(store: SharedStore) -> None:
    """The control: the same pairs, each sharing one token, are within both budgets."""
    engine = MatchEngine(store, max_batch_pairs=300, max_batch_agreements=3_000)
    trigger = _hostile(store, shared=0)
    engine.ingest([("t", "gamma", trigger)])
    assert _stored(store, "t") == len(trigger)
    assert any("t" in (a, b) for a, b, _s in engine.pairs())


def test_shared_tokens_committed_after_the_check_are_bounded_under_the_lock(store: SharedStore) -> None:
    """The budget is checked again under the lock, for rows committed after the check:
    the hostile records are stored between the trigger's check and its match step."""
    engine = MatchEngine(store, max_batch_pairs=300, max_batch_agreements=3_000)
    trigger = [("phone", _v(f"blk-{i}-{j}")) for i in range(GA) for j in range(GB)]
    by = {"t": prepare_tokens("t", "gamma", trigger, 1)}
    with pytest.raises(MatchBudgetExceeded):
        with store.write(serial=False) as conn:
            engine.stage_rows(conn, by)
            engine.check_budget(conn, by, [{"t"}])  # nothing stored yet: passes
            other = SharedStore(require_postgres())  # another process commits the hostile records
            thread, out = in_thread(lambda: _hostile(other, shared=60))
            thread.join(60)
            other.close()
            assert out and not isinstance(out[0], BaseException), out
            engine.match_rows(conn, by, [{"t"}])
    assert _stored(store, "t") == 0
