"""PostgreSQL binary ``COPY`` data encoded column by column, for the intake's bulk writes.

psycopg's ``Copy.write_row`` formats one row at a time and calls a Python dumper for
every ``bytea`` value: for a batch of 500 records (4,000 token rows and 1,500 others)
it was the largest single cost of a coordinator's write step. Here each column is
encoded once for the whole batch (numbers and fixed-width bytes in numpy, text through a
table of its distinct values) and the rows are laid out with one numpy scatter per column.
The bytes are exactly those ``write_row`` sends (``tests/coordinator/test_copy_binary.py``
compares them); :func:`encode` returns None for anything it does not cover, and the
caller then uses ``write_row``, which raises psycopg's own errors for a bad value.

Format (PostgreSQL's "Binary Format" of COPY): a signature, per row an int16 field count
and per field an int32 length (-1 for NULL) and the value's bytes, and an int16 -1.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["SIGNATURE", "TRAILER", "TYPES", "Column", "encode", "encode_columns", "encode_rows", "timestamp_field"]

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
_NULL = b"\xff\xff\xff\xff"
_PG_EPOCH = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)
_MICROSECOND = _dt.timedelta(microseconds=1)

#: A column as one field (length header and value) per row: a list of bytes, or the
#: rows of an array of fixed-width fields.
_Encoded = list[bytes] | npt.NDArray[np.uint8]


def _length(n: int) -> bytes:
    return n.to_bytes(4, "big", signed=True)


def _by_value(column: Sequence[Any], field: Callable[[Any], bytes]) -> list[bytes]:
    """Each field through a table of the column's distinct values (member ids, kinds and
    vocabulary values repeat across a batch; a str or bytes keeps its hash)."""
    table = {v: _NULL if v is None else field(v) for v in set(column)}
    return list(map(table.__getitem__, column))


def _text_field(value: str) -> bytes:
    data = value.encode("utf-8")
    return _length(len(data)) + data


def _text(column: Sequence[Any]) -> _Encoded | None:
    distinct = set(column)
    if not set(map(type, distinct)) <= {str, type(None)}:
        return None
    # PostgreSQL text cannot hold NUL: psycopg's dumper refuses it, so leave that to it.
    if "\x00" in "".join(v for v in distinct if v is not None):
        return None
    return _by_value(column, _text_field)


def _fixed(values: npt.NDArray[Any], width: int) -> npt.NDArray[np.uint8]:
    """Fields of one width: a length header and ``width`` bytes each (``values``: one
    item, or one row of bytes, per field)."""
    n = values.shape[0]
    out = np.empty((n, 4 + width), dtype=np.uint8)
    out[:, :4] = np.frombuffer(_length(width), dtype=np.uint8)
    out[:, 4:] = values.view(np.uint8).reshape(n, width)
    return out


def _bytea(column: Sequence[Any] | npt.NDArray[Any]) -> _Encoded | None:
    if isinstance(column, np.ndarray):  # a value of one width per row
        if column.ndim != 2 or column.dtype != np.uint8:
            return None
        return _fixed(column, column.shape[1])
    kinds = set(map(type, column))
    if not kinds <= {bytes, type(None)}:
        return None
    widths = set(map(len, column)) if kinds == {bytes} else set()
    if len(widths) > 1:  # values of many sizes (packed tokens): rarely one twice
        return list(map(_bytea_field, column))
    if len(widths) != 1:
        return _by_value(column, _bytea_field)
    (width,) = widths
    joined = np.frombuffer(b"".join(column), dtype=np.uint8)
    return _fixed(joined.reshape(len(column), width), width)


def _bytea_field(value: bytes) -> bytes:
    return _length(len(value)) + value


def _numbers(kind: type, dtype: str, width: int) -> Callable[[Sequence[Any]], _Encoded | None]:
    """Columns of ints, bools or floats (exactly: a bool is not an int here, psycopg dumps
    it as a bool), in numpy; with NULLs, each distinct value once."""
    fmt = np.dtype(dtype)

    def field(value: Any) -> bytes:
        return _length(width) + np.array(value, dtype=fmt).tobytes()

    def encode(column: Sequence[Any] | npt.NDArray[Any]) -> _Encoded | None:
        if isinstance(column, np.ndarray):  # integers, range-checked here
            if kind is not int or column.dtype.kind not in "iu":
                return None
            info = np.iinfo(fmt)
            if len(column) and (int(column.min()) < info.min or int(column.max()) > info.max):
                return None
            return _fixed(column.astype(fmt), width)
        kinds = set(map(type, column))
        try:
            if kinds == {kind}:
                return _fixed(np.array(column, dtype=fmt), width)
            if kinds <= {kind, type(None)}:
                return _by_value(column, field)
        except OverflowError:  # out of the column's range: psycopg raises its own error
            return None
        return None

    return encode


def timestamp_field(value: _dt.datetime) -> bytes:
    """One ``timestamp with time zone`` field (length and value) of an aware datetime."""
    return _length(8) + ((value - _PG_EPOCH) // _MICROSECOND).to_bytes(8, "big", signed=True)


def _timestamptz(column: Sequence[Any]) -> _Encoded | None:
    distinct = set(column)
    # Aware datetimes only: psycopg reads a naive one in the session's time zone.
    if not all(v is None or (type(v) is _dt.datetime and v.utcoffset() is not None) for v in distinct):
        return None
    return _by_value(column, timestamp_field)


#: Encoders by type name: SQL's names (as :func:`.sql._pg_types` gives them) and
#: PostgreSQL's internal ones (``udt_name``), both known to psycopg's registry.
TYPES: dict[str, Callable[[Any], _Encoded | None]] = {
    "varchar": _text,
    "text": _text,
    "bytea": _bytea,
    "smallint": _numbers(int, ">i2", 2),
    "integer": _numbers(int, ">i4", 4),
    "bigint": _numbers(int, ">i8", 8),
    "boolean": _numbers(bool, "u1", 1),
    "float8": _numbers(float, ">f8", 8),
    "timestamp with time zone": _timestamptz,
}
TYPES.update(
    int2=TYPES["smallint"], int4=TYPES["integer"], int8=TYPES["bigint"], bool=TYPES["boolean"],
    timestamptz=TYPES["timestamp with time zone"],
)  # fmt: skip


def encode(rows: Sequence[Sequence[Any]], types: Sequence[str]) -> bytes | None:
    """The whole binary COPY data (signature to trailer) of ``rows`` with columns of
    ``types``, or None when a type or value is not one this module encodes."""
    width = len(types)
    if not rows:
        return SIGNATURE + TRAILER
    if set(map(len, rows)) != {width}:
        return None
    return encode_columns(len(rows), [(name, column, None) for name, column in zip(types, zip(*rows, strict=True), strict=True)])


#: A column given to :func:`encode_columns`: its type name, its values, and which value
#: each row takes (None: the values are the rows'). Values may be a list, or an array:
#: integers for a number column, a 2-D uint8 array (a value per row) for ``bytea``.
Column = tuple[str, Sequence[Any] | npt.NDArray[Any], npt.NDArray[np.int64] | None]


def encode_columns(n: int, columns: Sequence[Column]) -> bytes | None:
    """The whole binary COPY data of ``n`` rows given column by column, or None when a
    type or value is not one this module encodes.

    A column with an index holds each distinct value once (a record's id for each of its
    tokens' rows): it is encoded once per value and the fields repeated by the index, and
    neighbouring columns sharing one index are joined before they are repeated.
    """
    if not n:
        return SIGNATURE + TRAILER
    parts = _fields(n, columns, len(columns))
    if parts is None:
        return None
    return b"".join((SIGNATURE, *itertools.chain.from_iterable(zip(*parts, strict=True)), TRAILER))


def encode_rows(n: int, columns: Sequence[Column], fields: int | None = None) -> list[bytes] | None:
    """:func:`encode_columns` as one bytes object per row (its field count and fields),
    or None: rows encoded ahead of the COPY (off the writer) and joined in whatever order
    it sends them, between :data:`SIGNATURE` and :data:`TRAILER`. ``fields``: the field
    count each row declares, when the caller appends more fields to each (by default
    the columns given)."""
    if not n:
        return []
    parts = _fields(n, columns, len(columns) if fields is None else fields)
    if parts is None:
        return None
    return list(map(b"".join, zip(*parts, strict=True)))


def _fields(n: int, columns: Sequence[Column], width: int) -> list[Sequence[bytes]] | None:
    """Per piece of a row, that piece of every row (the field count, then runs of fields):
    row ``i`` is the ``i``-th item of each in turn."""
    if any(len(values if index is None else index) != n for _name, values, index in columns):
        return None
    # Each row: its field count, then its fields. Runs of fixed-width columns are merged
    # into one array and read back as one bytes object per row; the rows are then one
    # join over the columns' fields taken in turn (all of it in C).
    head = width.to_bytes(2, "big")
    parts: list[Sequence[bytes]] = []
    run: list[npt.NDArray[np.uint8]] = []
    pending: tuple[list[bytes], npt.NDArray[np.int64]] | None = None  # fields by an index, not yet repeated

    def emit(fields: Sequence[bytes]) -> None:
        if not parts:  # the field count, before the first field of each row
            parts.append([head] * n)
        parts.append(fields)

    def flush() -> None:
        nonlocal pending, run
        if pending is not None:
            fields, index = pending
            if not parts:  # the field count joined to the fields once per value
                fields = list(map(head.__add__, fields))
            parts.append(list(map(fields.__getitem__, index.tolist())))
            pending = None
        if run:
            emit(_row_bytes(run))
            run = []

    for name, values, index in columns:
        coder = TYPES.get(name)
        encoded = coder(values) if coder is not None else None
        if encoded is None:
            return None
        if isinstance(encoded, np.ndarray):
            if pending is not None:
                flush()
            run.append(encoded if index is None else encoded[index])
            continue
        if index is not None and not run and pending is not None and pending[1] is index:
            pending = (list(map(bytes.__add__, pending[0], encoded)), index)
            continue
        flush()
        if index is None:
            emit(encoded)
        else:
            pending = (list(encoded), index)
    flush()
    return parts


def _row_bytes(run: list[npt.NDArray[np.uint8]]) -> list[bytes]:
    block = np.ascontiguousarray(np.hstack(run) if len(run) > 1 else run[0])
    return block.view(f"V{block.shape[1]}").ravel().tolist()
