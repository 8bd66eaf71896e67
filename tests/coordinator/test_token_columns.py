"""A batch's token columns hold exactly each record's token rows, whatever is taken.

Intake keeps a batch's tokens as columns (``coordinator.token_columns.TokenColumns``);
the writer takes the records it stores (all of a batch, or those not stored meanwhile by
another process) and scoring reads a record's tokens from them. The reference is one
:func:`prepare_tokens` result per record.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from msin_fed.coordinator.matching import RecordTokens, prepare_tokens
from msin_fed.coordinator.token_columns import TokenColumns, TokenRef, one_record

_pairs = st.lists(
    st.tuples(st.sampled_from(["phone", "email", "vehicle"]), st.sampled_from([bytes([i]) * 64 for i in range(1, 5)])),
    max_size=6,
)
_batches = st.lists(st.tuples(st.sampled_from(["tesco", "asda"]), _pairs), min_size=1, max_size=8)


def _prepared(batch: list[tuple[str, list[tuple[str, bytes]]]], tag: str = "r") -> dict[str, RecordTokens]:
    return {f"{tag}-{i}": prepare_tokens(f"{tag}-{i}", mid, pairs, 1) for i, (mid, pairs) in enumerate(batch)}


@settings(max_examples=200, deadline=None, database=None)
@given(_batches, _batches, st.data())
def test_columns_hold_each_records_rows_through_take_and_gather(
    first: list[tuple[str, list[tuple[str, bytes]]]], second: list[tuple[str, list[tuple[str, bytes]]]], data: st.DataObject
) -> None:
    a, b = _prepared(first, "a"), _prepared(second, "b")
    cols_a, cols_b = TokenColumns.from_records(a), TokenColumns.from_records(b)
    for cols, prepared in ((cols_a, a), (cols_b, b)):
        for i, (rid, rec) in enumerate(prepared.items()):
            assert cols.rows_of(i) == rec.rows and cols.packed[i] == rec.packed
            held = cols.held(rid)
            want = {row.value: row.kind for row in rec.rows}
            assert held == ((rec.rows[0].member_id, want) if want else None)
    # Some records of each batch, in order, as the writer takes them after a re-read.
    pick_a = sorted(data.draw(st.sets(st.integers(0, len(a) - 1))))
    pick_b = sorted(data.draw(st.sets(st.integers(0, len(b) - 1))))
    refs = [TokenRef(cols_a, i) for i in pick_a] + [TokenRef(cols_b, i) for i in pick_b]
    taken = TokenColumns.gather(refs)
    expected = [list(a.values())[i] for i in pick_a] + [list(b.values())[i] for i in pick_b]
    assert taken.record_ids == [list(a)[i] for i in pick_a] + [list(b)[i] for i in pick_b]
    assert [taken.rows_of(i) for i in range(len(taken))] == [r.rows for r in expected]
    assert taken.packed == [r.packed for r in expected]
    assert taken.keys.tolist() == [row.key for r in expected for row in r.rows]
    assert len(taken.kinds) == len(taken.values) == len(taken.epochs) == int(taken.counts.sum())
    # A whole batch is taken as it is, not copied.
    assert TokenColumns.gather([TokenRef(cols_a, i) for i in range(len(a))]) is cols_a


def test_one_record_drops_repeated_tokens_as_prepare_tokens_does() -> None:
    pairs = [("phone", b"\x01" * 64), ("email", b"\x01" * 64), ("phone", b"\x01" * 64)]
    ref = TokenRef(one_record("r-1", "tesco", pairs, 1), 0)
    want = prepare_tokens("r-1", "tesco", pairs, 1)
    assert ref.rows == want.rows and ref.packed == want.packed
