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
        got = fn(*args)
    except MsinError as exc:
        return (type(exc).__name__, str(exc))
    if isinstance(got, list):  # the rows each record stores, however its tokens are held
        return [
            (c.record_id, c.member_id, c.values, [tuple(r) for r in c.tokens.rows], c.tokens.packed) for c in got
        ]
    return got


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
        for _rid, _mid, values, rows, _packed in got:  # the record's epoch in its row
            assert values[12] == (epoch if rows else None)


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


def _field(number: int, value: bytes | int) -> bytes:
    """One protobuf field: a varint for an int, length-delimited for bytes."""
    from msin_fed.coordinator.intake_bulk import _varint

    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    return _varint(number << 3 | 2) + _varint(len(value)) + value


#: A token's fields, encoded in any order, repeated, left out or with an unknown field.
token_fields = st.lists(
    st.one_of(
        st.tuples(st.just(1), st.sampled_from([b"phone", b"email", b"Phone", b"", b"\xff"])),
        st.tuples(st.just(2), st.sampled_from([b"\x01" * 64, b"\x02" * 63, b"\x03" * 65])),
        st.tuples(st.just(3), st.sampled_from([0, 1, 2, 2**32 - 1, 2**32, 128])),
        st.tuples(st.just(5), st.sampled_from([b"", b"x"])),
    ),
    max_size=5,
)
canonical_fields = st.builds(
    lambda kind, value, epoch: [(1, kind), (2, value), (3, epoch)],
    st.sampled_from([k.encode() for k in KINDS]), st.binary(min_size=64, max_size=64), st.sampled_from([1, 128]),
)  # fmt: skip


@CASES
@given(st.lists(st.one_of(canonical_fields, token_fields), max_size=6), st.sampled_from([1, 128]))
def test_tokens_read_from_their_bytes_are_the_parsed_tokens(tokens: list[list[tuple[int, Any]]], epoch: int) -> None:
    """Whenever the bulk check takes a record's tokens from their bytes, parsing the record
    gives exactly those tokens, each under the accepted epoch: a token in any other
    encoding is never taken that way."""
    from msin_fed.coordinator.intake_bulk import _read_canonical

    base = pb.SharedRecord(record_id="r-1", member_id="tesco", narrative="n", region="TLK").SerializeToString()
    data = base + b"".join(_field(4, b"".join(_field(n, v) for n, v in fields)) for fields in tokens)
    read = _read_canonical([(0, data)], epoch)
    if read is None:
        return
    _msgs, counts, kinds, values = read
    parsed = pb.SharedRecord.FromString(data)  # raises if the bytes were not a record
    assert counts == [len(parsed.tokens)]
    assert list(zip(kinds, values, strict=True)) == [(t.kind, t.value) for t in parsed.tokens]
    assert {t.epoch for t in parsed.tokens} <= {epoch}
    assert set(kinds) <= token_kinds() and {len(v) for v in values} <= {64}


def test_tokens_in_another_encoding_are_checked_as_parsed_tokens() -> None:
    """A valid record whose token fields come in another order is still taken in bulk
    (read as parsed tokens), with the rows of the record-at-a-time check."""
    from msin_fed.coordinator.intake_bulk import _read_canonical

    base = pb.SharedRecord(
        record_id="r-1", member_id="tesco", narrative="n", region="TLK", sector="growing_picking",
        exploitation_type="labour_exploitation", month="2025-03", tlp=pb.TLP_AMBER,
        grade=pb.Grade(source=1, assessment=pb.ASSESSMENT_A, handling=pb.HANDLING_P),
    ).SerializeToString()  # fmt: skip
    token = _field(3, 1) + _field(2, b"\x07" * 64) + _field(1, b"phone")
    items = [(0, base + _field(4, token))]
    assert _read_canonical(items, 1) is None
    expected = _outcome(_reference, "tesco", 1, items)
    assert not isinstance(expected, tuple) and expected[0][3][0][2:4] == ("phone", b"\x07" * 64)
    assert _outcome(_check_in_bulk, "tesco", 1, items, None) == expected


def test_vocabulary_names_and_labels_are_taken_in_bulk_as_record_at_a_time() -> None:
    """Vocabularies parse names and labels as well as codes: the bulk path stores the
    codes the record-at-a-time path stores, rather than leaving such batches to it."""
    msg = pb.SharedRecord(
        record_id="r-1", member_id="tesco", narrative="n", region="north east", sector="growing_picking",
        exploitation_type="labour_exploitation", month="2025-03", tlp=pb.TLP_AMBER, indicators=["Abuse of vulnerability"],
        grade=pb.Grade(source=1, assessment=pb.ASSESSMENT_A, handling=pb.HANDLING_P),
    )  # fmt: skip
    items = [(0, msg.SerializeToString())]
    expected = _outcome(_reference, "tesco", 1, items)
    assert not isinstance(expected, tuple) and expected[0][2][3] == "TLC" and expected[0][2][6] == "abuse_of_vulnerability"
    assert _outcome(_check_in_bulk, "tesco", 1, items, None) == expected
