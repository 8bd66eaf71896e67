"""Intake's bulk check of a batch: its records and tokens as columns, without an object
per record or token.

:func:`check_in_bulk` accepts a batch only when every record passes every check that
:func:`msin_fed.wire.record_from_bytes` and intake make, and otherwise returns None (or
raises), so that :func:`.intake.check_records` checks it again a record at a time for the
exact first error. Accepting less than the record-at-a-time path is safe (that path takes
it); accepting more never is, so every test here holds only for what certainly passes
there (``tests/coordinator/test_intake_checks.py`` runs both on fuzzed batches).

Tokens. Each record is parsed as :data:`msin_fed.wire.SharedRecordTokenBytes` (the same
message with each token left as its serialized bytes), and a token is taken as it is
only when its bytes are exactly the canonical encoding of a known kind, a 64-byte value
and the accepted epoch (kind, value, epoch: fields 1, 2, 3 in order, each once). Those
bytes can only parse to that token, so no ``Token`` message, tuple or check per token is
needed: one slice each for the kind's head, the value and the epoch. A batch with any
other encoding is read as ``SharedRecord`` messages (one tuple per token).

Records. Each field is read as a column over the batch and checked as a set of its
distinct values (vocabularies, months, victims bands, grades and TLP markings once
each, as the record-at-a-time check parses them; ids, lengths and NUL in bulk), and the ``records`` rows are built from
the columns.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import operator
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from google.protobuf.message import DecodeError

from msin_fed.errors import MsinError
from msin_fed.linkage.scoring import token_kinds
from msin_fed.model import ExploitationType, Indicator, Region, Sector
from msin_fed.model.report import ID_PATTERN
from msin_fed.model.shared import MAX_NARRATIVE, MAX_TOKENS, MONTH_PATTERN, TOKEN_SIZE, VICTIM_BANDS
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.wire import SharedRecordTokenBytes, grade_from_pb, tlp_from_pb

from .store import pack_tokens
from .token_columns import TokenColumns

__all__ = ["NarrativeVerifier", "check_in_bulk"]

_KINDS = token_kinds()
_BANDS = frozenset(VICTIM_BANDS)
_GRADE_PARTS = operator.attrgetter("source", "assessment", "handling")
_FIELDS = operator.attrgetter(
    "record_id", "member_id", "narrative", "region", "sector", "exploitation_type", "indicators", "month",
    "victims_band", "grade", "tlp", "time_sensitive",
)  # fmt: skip

#: The canonical head of a token of each known kind: field 1 (the kind), then field 2's
#: tag and length (a 64-byte value).
_HEADS = {b"\x0a" + bytes((len(k),)) + k.encode("ascii") + b"\x12" + bytes((TOKEN_SIZE,)): k for k in _KINDS}


class NarrativeVerifier(Protocol):
    """What intake needs of :class:`msin_fed.redaction.Redactor`."""

    def verify(self, text: str) -> None:
        """Raise RedactionRefused when ``text`` still holds identifying residue."""


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _parse_each(items: Sequence[tuple[int, bytes]], message: Any) -> tuple[list[Any], list[int]] | None:
    """Each record parsed as ``message``, and its token count; None when one does not parse
    or holds more than MAX_TOKENS tokens."""
    msgs: list[Any] = []
    counts: list[int] = []
    for _i, data in items:
        msg = message()
        try:
            msg.ParseFromString(data)
        except DecodeError:
            return None
        n = len(msg.tokens)
        if n > MAX_TOKENS:
            return None
        msgs.append(msg)
        counts.append(n)
    return msgs, counts


def _read_canonical(
    items: Sequence[tuple[int, bytes]], epoch: int
) -> tuple[list[Any], list[int], list[str], list[bytes]] | None:
    """The records as messages, their token counts, and every token's kind and value,
    when every token is canonically encoded under ``epoch``; else None."""
    tail = b"\x18" + _varint(epoch)  # field 3, the epoch (never 0: proto3 would omit it)
    parsed = _parse_each(items, SharedRecordTokenBytes)
    if parsed is None:
        return None
    msgs, counts = parsed
    raws: list[bytes] = [t for m in msgs for t in m.tokens]
    if not raws:
        return msgs, counts, [], []
    cut = -(TOKEN_SIZE + len(tail))
    kinds = list(map(_HEADS.get, map(operator.itemgetter(slice(None, cut)), raws)))
    if None in kinds or set(map(operator.itemgetter(slice(-len(tail), None)), raws)) != {tail}:
        return None
    values = list(map(operator.itemgetter(slice(cut, -len(tail))), raws))
    return msgs, counts, kinds, values  # type: ignore[return-value]


def _read_parsed(
    items: Sequence[tuple[int, bytes]], epoch: int
) -> tuple[list[Any], list[int], list[str], list[bytes]] | None:
    """:func:`_read_canonical` of records parsed as ``SharedRecord`` (any encoding), the
    tokens checked as columns; None when one does not pass."""
    parsed = _parse_each(items, pb.SharedRecord)
    if parsed is None:
        return None
    msgs, counts = parsed
    parts = [(t.kind, t.value, t.epoch) for m in msgs for t in m.tokens]
    if not parts:
        return msgs, counts, [], []
    kinds, values, epochs = zip(*parts, strict=True)
    if set(epochs) != {epoch} or set(map(type, values)) != {bytes} or set(map(len, values)) != {TOKEN_SIZE}:
        return None
    # Known kinds (each of the token kind format), as exactly str.
    if not set(kinds) <= _KINDS or set(map(type, kinds)) != {str}:
        return None
    return msgs, counts, list(kinds), list(values)


def check_in_bulk(
    member_id: str, epoch: int, items: Sequence[tuple[int, bytes]], verifier: NarrativeVerifier | None
) -> tuple[list[tuple[Any, ...]], TokenColumns] | None:
    """The ``records`` rows (without ``received_at``) and the token columns of a batch
    whose records all pass, or None (or a MsinError from the verifier) when one may not:
    the caller then checks it record by record for the exact error."""
    if not 1 <= epoch < 2**32 or not ID_PATTERN.fullmatch(member_id):
        return None
    read = _read_canonical(items, epoch) or _read_parsed(items, epoch)
    if read is None:
        return None
    msgs, counts, kinds, values = read
    rows = _record_rows(msgs, member_id, epoch, counts)
    if rows is None:
        return None
    if verifier is not None:
        for row in rows:
            if row[2]:
                verifier.verify(row[2])
    return rows, _token_columns([r[0] for r in rows], member_id, counts, kinds, values, epoch)


def _record_rows(msgs: list[Any], member_id: str, epoch: int, counts: list[int]) -> list[tuple[Any, ...]] | None:
    """The records' rows (:func:`.store.codec.record_values` order), or None when a field
    of one may not pass ``SharedRecord``'s checks."""
    if not msgs:
        return []
    # Every field of every record in one C-level pass, then as columns.
    (
        record_ids, member_ids, narratives, regions, sectors, types, listed, months, bands, grade_msgs, tlp_values,
        sensitive,
    ) = map(list, zip(*map(_FIELDS, msgs), strict=True))  # fmt: skip
    if not all(map(ID_PATTERN.fullmatch, record_ids)) or set(member_ids) - {member_id}:
        return None
    if max(map(len, narratives)) > MAX_NARRATIVE or "\x00" in "".join(narratives):
        return None
    bands = [b or "unknown" for b in bands]
    if not set(bands) <= _BANDS or not all(map(MONTH_PATTERN.fullmatch, set(months))):
        return None
    try:  # each distinct value parsed once, as the record-at-a-time check parses it
        regions = _parsed(Region, "region", regions)
        sectors = _parsed(Sector, "sector", sectors)
        types = _parsed(ExploitationType, "exploitation_type", types)
        codes = {i: Indicator.parse(i, "indicators").value for i in set(itertools.chain.from_iterable(listed))}
        grades = _grades(grade_msgs)
        tlps = _tlps(tlp_values)
        shared_at = [m.shared_at.ToDatetime(_dt.UTC) if m.HasField("shared_at") else None for m in msgs]
    except (MsinError, ValueError, OverflowError):
        return None
    indicators = [",".join(map(codes.__getitem__, i)) for i in listed]
    epochs = [epoch if n else None for n in counts]
    return list(
        zip(
            record_ids, [member_id] * len(msgs), narratives, regions, sectors, types, indicators, months, bands,
            grades, tlps, sensitive, epochs, shared_at, strict=True,
        )
    )  # fmt: skip


def _parsed(vocab: Any, name: str, column: list[str]) -> list[str]:
    """Each value's stored code (``vocab.parse``, once per distinct value)."""
    table = {v: vocab.parse(v, name).value for v in set(column)}
    return list(map(table.__getitem__, column))


def _grades(grades: list[Any]) -> list[str]:
    """Each grade's stored form; raises ValidationError for one that is not valid."""
    parts = list(map(_GRADE_PARTS, grades))
    table: dict[tuple[int, int, int], str] = {}
    for key, msg in zip(parts, grades, strict=True):
        if key not in table:
            table[key] = str(grade_from_pb(msg))
    return list(map(table.__getitem__, parts))


def _tlps(tlps: list[int]) -> list[str]:
    table = {v: tlp_from_pb(v).value for v in set(tlps)}
    return list(map(table.__getitem__, tlps))


def _token_columns(
    record_ids: list[str], member_id: str, counts: list[int], kinds: list[str], values: list[bytes], epoch: int
) -> TokenColumns:
    """The batch's :class:`TokenColumns`, from its token columns (kinds and values of every
    record in turn, ``counts`` of each record's)."""
    n_records = len(record_ids)
    member_ids = [member_id] * n_records
    if not values:
        none = np.zeros(0, dtype=np.int64)
        return TokenColumns(record_ids, member_ids, np.zeros(n_records, dtype=np.int64), [b""] * n_records, [], [], none, none)
    # The lookup key of a value is its first 8 bytes, big-endian and signed (token_key).
    keys = np.frombuffer(b"".join(values), dtype=">i8")[:: TOKEN_SIZE // 8].astype(np.int64)
    sizes = np.asarray(counts, dtype=np.int64)
    # A node may send a token twice: a record holds each (kind, value) once. Only a record
    # holding one key twice can repeat one, so only those are looked at in Python.
    owner = np.repeat(np.arange(n_records), sizes)
    order = np.lexsort((keys, owner))
    repeated = (np.diff(keys[order]) == 0) & (np.diff(owner[order]) == 0)
    suspects = set(owner[order][1:][repeated].tolist())
    if suspects:
        keep = np.ones(len(values), dtype=bool)
        ends = np.cumsum(sizes).tolist()
        for r in suspects:
            seen: set[tuple[str, bytes]] = set()
            for t in range(ends[r] - counts[r], ends[r]):
                pair = (kinds[t], values[t])
                if pair in seen:
                    keep[t] = False
                seen.add(pair)
        kept = np.flatnonzero(keep).tolist()
        kinds = list(map(kinds.__getitem__, kept))
        values = list(map(values.__getitem__, kept))
        keys = keys[keep]
        sizes = np.bincount(owner[keep], minlength=n_records).astype(np.int64)
    heads = {k: _packed_head(k) for k in set(kinds)}
    pieces = list(map(operator.add, map(heads.__getitem__, kinds), values))
    packed = []
    at = 0
    for count in sizes.tolist():
        packed.append(b"".join(pieces[at : at + count]))
        at += count
    epochs = np.full(len(values), epoch, dtype=np.int64)
    return TokenColumns(record_ids, member_ids, sizes, packed, kinds, values, epochs, keys)


def _packed_head(kind: str) -> bytes:
    """What :func:`.store.pack_tokens` writes before a 64-byte value of ``kind``."""
    return pack_tokens([(kind, b"")])[:-1] + bytes((TOKEN_SIZE,))
