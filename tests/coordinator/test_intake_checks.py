"""Intake's bulk checks refuse exactly what the record-at-a-time checks refuse.

Intake checks a batch's tokens in bulk, as columns of the whole batch
(``coordinator.intake.check_records``), and falls back to a record at a time with the
tokens as plain tuples (``check_records_one_by_one``, ``msin_fed.wire.record_parts_from_bytes``)
to name the first problem of a refused batch. The reference here is the record-at-a-time
path with one ``Token`` object per token (``record_from_bytes``, then per token the epoch
and kind checks, ``prepare_tokens`` and ``record_values``): on fuzzed records, mangled
bytes and batches of valid records sharing and repeating tokens, all must accept the same
records with the same rows, and refuse the others with the same error class, field and
problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msin_fed.coordinator.intake import (
    AccessDenied,
    Checked,
    _check_in_bulk,
    check_records,
    check_records_one_by_one,
)
from msin_fed.coordinator.matching import prepare_tokens
from msin_fed.coordinator.store import SharedStore
from msin_fed.coordinator.store.codec import pack_tokens, unpack_tokens

from msin_fed.errors import MsinError, ValidationError
from msin_fed.linkage.scoring import token_kinds
from msin_fed.model.shared import valid_token_parts
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.wire import record_from_bytes, record_parts_from_bytes

from .test_wire_fuzz import KINDS, mutated_bytes, shared_records

CASES = settings(
    max_examples=1500, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip
EPOCH = 1


def _reference(member_id: str, epoch: int, items: Sequence[tuple[int, bytes]]) -> list[Checked]:
    """check_records as it was, one Token object per token."""
    out = []
    for i, data in items:
        where = f"submissions[{i}]"
        try:
            record = record_from_bytes(data)
        except ValidationError as exc:
            inner = exc.field if exc.field.startswith("record") else f"record.{exc.field}"
            raise ValidationError(f"{where}.{inner}", exc.problem) from None
        if record.member_id != member_id:
            raise AccessDenied(f"{where}.record.member_id is not the caller's member id")
        for t in record.tokens:
            if t.epoch != epoch:
                raise ValidationError(f"{where}.record.tokens", f"key epoch {t.epoch} is not the accepted epoch {epoch}")
            if t.kind not in token_kinds():
                raise ValidationError(f"{where}.record.tokens", "unknown token kind")
        out.append(
            Checked(
                record.record_id, record.member_id, SharedStore.record_values(record),
                prepare_tokens(record.record_id, record.member_id, record.tokens, epoch),
            )
        )  # fmt: skip
    return out


def _outcome(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except MsinError as exc:
        return (type(exc).__name__, str(exc))


#: Tokens near the edge of each rule: kinds of the wrong format or unknown, short values,
#: epochs out of range or other than the accepted one, alone or mixed in one record.
edge_tokens = st.lists(
    st.builds(
        pb.Token,
        kind=st.sampled_from(["phone", "email", "vehicle", "Phone", "x", "unknown_kind", ""]),
        value=st.sampled_from([b"\x01" * 64, b"\x02" * 64, b"\x03" * 63, b""]),
        epoch=st.sampled_from([1, 1, 2, 0, 2**32 - 1]),
    ),
    max_size=3,
)


@st.composite
def record_bytes(draw: st.DrawFn) -> bytes:
    msg = draw(shared_records(max_mutations=3))
    if draw(st.booleans()):
        del msg.tokens[:]
        msg.tokens.extend(draw(edge_tokens))
    data = msg.SerializeToString()
    return draw(mutated_bytes(data)) if draw(st.integers(0, 3)) == 0 else data


@CASES
@given(record_bytes())
def test_record_parts_are_record_from_bytes_without_the_token_objects(data: bytes) -> None:
    whole = _outcome(record_from_bytes, data)
    parts = _outcome(record_parts_from_bytes, data)
    if isinstance(whole, tuple):  # refused: the same error
        assert parts == whole
        return
    record, pairs, epoch = parts
    assert record == replace(whole, tokens=())
    assert pairs == [(t.kind, t.value) for t in whole.tokens]
    assert epoch == whole.epoch


@CASES
@given(st.lists(record_bytes(), min_size=1, max_size=4), st.sampled_from(["tesco", "asda"]), st.sampled_from([1, 2]))
def test_check_records_accepts_and_refuses_as_the_record_at_a_time_checks(
    datas: list[bytes], member_id: str, epoch: int
) -> None:
    items = list(enumerate(datas))
    expected = _outcome(_reference, member_id, epoch, items)
    got = _outcome(check_records, member_id, epoch, items, None)
    assert got == expected
    if not isinstance(got, tuple):
        for c in got:  # rows of the stored types (the record's epoch in its row)
            assert c.values[12] == (epoch if c.tokens.rows else None)


#: Tokens of a few values, so that a batch's records share tokens and repeat them.
pooled_tokens = st.lists(
    st.builds(pb.Token, kind=st.sampled_from(KINDS), value=st.sampled_from([bytes([i]) * 64 for i in range(1, 4)]),
              epoch=st.just(EPOCH)),
    max_size=12,
)  # fmt: skip


@st.composite
def valid_batches(draw: st.DrawFn) -> list[bytes]:
    """1-40 valid records (no token for some, repeated tokens for others), and maybe one
    of them broken (a field, its tokens or its bytes) somewhere in the batch."""
    msgs = draw(st.lists(shared_records(max_mutations=0), min_size=1, max_size=40))
    for msg in msgs:
        del msg.tokens[:]
        msg.tokens.extend(draw(pooled_tokens))
    datas = [m.SerializeToString() for m in msgs]
    if draw(st.booleans()):
        at = draw(st.integers(0, len(datas) - 1))
        datas[at] = draw(record_bytes())
    return datas


@settings(CASES, max_examples=400)
@given(valid_batches(), st.sampled_from(["tesco", "asda"]), st.sampled_from([1, 2]))
def test_batches_checked_in_bulk_are_checked_as_record_at_a_time(datas: list[bytes], member_id: str, epoch: int) -> None:
    items = [(i * 2 + 1, d) for i, d in enumerate(datas)]  # positions as in a batch with resends
    expected = _outcome(_reference, member_id, epoch, items)
    assert _outcome(check_records, member_id, epoch, items, None) == expected
    assert _outcome(check_records_one_by_one, member_id, epoch, items, None) == expected
    bulk = _outcome(_check_in_bulk, member_id, epoch, items, None)
    if isinstance(expected, tuple):  # refused: the bulk path refused it too, or left it to the other
        assert bulk is None or isinstance(bulk, tuple)
    else:  # accepted: by the bulk path itself, with the same rows
        assert bulk == expected


def test_the_bulk_path_takes_a_valid_batch_with_repeated_tokens() -> None:
    value = b"\x01" * 64
    msgs = []
    for i, toks in enumerate([[("phone", value), ("phone", value), ("email", value)], [], [("phone", value)]]):
        msg = pb.SharedRecord(
            record_id=f"r-{i}", member_id="tesco", narrative="n", region="TLK", sector="growing_picking",
            exploitation_type="labour_exploitation", month="2025-03", tlp=pb.TLP_AMBER,
            grade=pb.Grade(source=1, assessment=pb.ASSESSMENT_A, handling=pb.HANDLING_P),
            tokens=[pb.Token(kind=k, value=v, epoch=1) for k, v in toks],
        )  # fmt: skip
        msgs.append(msg.SerializeToString())
    checked = _check_in_bulk("tesco", 1, list(enumerate(msgs)), None)
    assert checked is not None
    assert [[(r.kind, r.value) for r in c.tokens.rows] for c in checked] == [
        [("phone", value), ("email", value)], [], [("phone", value)]
    ]
    assert unpack_tokens(checked[0].tokens.packed) == [("phone", value), ("email", value)]
    assert [c.values[12] for c in checked] == [1, None, 1]  # the epoch column: none without tokens


def test_valid_token_parts_refuses_each_broken_rule() -> None:
    ok = ("phone", b"\x01" * 64, 1)
    assert valid_token_parts([]) and valid_token_parts([ok, ok])
    for bad in (
        [("Phone", b"\x01" * 64, 1)],  # kind format
        [(b"phone", b"\x01" * 64, 1)],  # kind type
        [("phone", b"\x01" * 63, 1)],  # value size
        [("phone", "x" * 64, 1)],  # value type
        [("phone", b"\x01" * 64, 0)],  # epoch range
        [("phone", b"\x01" * 64, 2**32)],
        [ok, ("email", b"\x02" * 64, 2)],  # two epochs
        [ok] * 513,  # too many
    ):
        assert not valid_token_parts(bad), bad  # type: ignore[arg-type]


def test_packed_tokens_unpack_to_the_pairs() -> None:
    pairs = [(k, bytes([i]) * 64) for i, k in enumerate(sorted(token_kinds()))] + [("phone", b"")]
    assert unpack_tokens(pack_tokens(pairs)) == pairs
    with pytest.raises(IndexError):
        pack_tokens([("phone", b"x" * 256)])


def test_a_refused_record_among_good_ones_names_its_position() -> None:
    good = pb.SharedRecord(
        record_id="r-1", member_id="tesco", narrative="n", region="TLK", sector="growing_picking",
        exploitation_type="labour_exploitation", month="2025-03", tlp=pb.TLP_AMBER,
        grade=pb.Grade(source=1, assessment=pb.ASSESSMENT_A, handling=pb.HANDLING_P),
        tokens=[pb.Token(kind="phone", value=b"\x01" * 64, epoch=1)],
    )  # fmt: skip
    bad = pb.SharedRecord()
    bad.CopyFrom(good)
    bad.record_id = "r-2"
    bad.tokens[0].value = b"\x01" * 10
    items = [(0, good.SerializeToString()), (3, bad.SerializeToString())]
    with pytest.raises(ValidationError) as exc:
        check_records("tesco", 1, items, None)
    assert exc.value.field == "submissions[3].record.token.value"
    assert [c.record_id for c in check_records("tesco", 1, items[:1], None)] == ["r-1"]
