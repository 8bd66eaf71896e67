"""PostgreSQL's binary COPY format, encoded a column at a time.

psycopg's ``Copy.write_row`` looks up and calls a dumper for every value of every row:
for intake's rows (a record, a submission and about eight token rows per record) that
was a sixth of a coordinator's CPU per record. Here each column is encoded by one list
comprehension over its values and the rows are joined into one buffer, which
``Copy.write`` sends as it is. The format: a signature, then per row a 16-bit field
count and per field a 32-bit length (-1 for NULL) and the value in the type's binary
send form; a 16-bit -1 ends the data.

:func:`encode` returns None when a type or a value is not one it encodes exactly as
psycopg would (a naive datetime, an int for a text column, an unlisted type), and the
caller then writes the rows through psycopg.
"""

from __future__ import annotations

import datetime as _dt
import struct
from collections.abc import Callable, Sequence
from itertools import chain, repeat
from typing import Any

__all__ = ["HEADER", "TRAILER", "encode"]

#: The binary COPY signature, flags (none) and header extension length (0).
HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
_NULL = b"\xff\xff\xff\xff"
_LEN = struct.Struct(">i").pack
_INT4 = struct.Struct(">ii").pack
_INT8 = struct.Struct(">iq").pack
_FLOAT8 = struct.Struct(">id").pack
_BOOL = {True: b"\x00\x00\x00\x01\x01", False: b"\x00\x00\x00\x01\x00"}
#: timestamptz is microseconds since this instant.
_PG_EPOCH = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)
_MICROSECOND = _dt.timedelta(microseconds=1)

_Column = Sequence[Any]


def _text(values: _Column, encoding: str) -> list[bytes]:
    out = []
    for v in values:
        if type(v) is not str:
            raise TypeError("not text")
        b = v.encode(encoding)
        out.append(_LEN(len(b)) + b)
    return out


def _bytea(values: _Column, _encoding: str) -> list[bytes]:
    if not all(type(v) is bytes for v in values):
        raise TypeError("not bytes")
    return [_LEN(len(v)) + v for v in values]


def _int4(values: _Column, _encoding: str) -> list[bytes]:
    if not all(type(v) is int for v in values):
        raise TypeError("not int")
    return [_INT4(4, v) for v in values]  # struct.error beyond 32 bits, as PostgreSQL refuses


def _int8(values: _Column, _encoding: str) -> list[bytes]:
    if not all(type(v) is int for v in values):
        raise TypeError("not int")
    return [_INT8(8, v) for v in values]


def _float8(values: _Column, _encoding: str) -> list[bytes]:
    if not all(type(v) is float for v in values):
        raise TypeError("not float")
    return [_FLOAT8(8, v) for v in values]


def _boolean(values: _Column, _encoding: str) -> list[bytes]:
    if not all(type(v) is bool for v in values):
        raise TypeError("not bool")
    return [_BOOL[v] for v in values]


def _timestamptz(values: _Column, _encoding: str) -> list[bytes]:
    out = []
    for v in values:
        if type(v) is not _dt.datetime or v.tzinfo is None or v.utcoffset() is None:
            raise TypeError("not an aware datetime")
        out.append(_INT8(8, (v - _PG_EPOCH) // _MICROSECOND))
    return out


_Encoder = Callable[[_Column, str], list[bytes]]
_ENCODERS: dict[str, _Encoder] = {
    "varchar": _text,
    "text": _text,
    "bytea": _bytea,
    "integer": _int4,
    "int4": _int4,
    "bigint": _int8,
    "int8": _int8,
    "float8": _float8,
    "boolean": _boolean,
    "bool": _boolean,
    "timestamp with time zone": _timestamptz,
    "timestamptz": _timestamptz,
}


def _nullable(encoder: _Encoder, values: _Column, encoding: str) -> list[bytes]:
    present = [v for v in values if v is not None]
    if len(present) == len(values):
        return encoder(values, encoding)
    encoded = iter(encoder(present, encoding))
    return [_NULL if v is None else next(encoded) for v in values]


def encode(types: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> bytes | None:
    """The binary COPY data (signature to trailer) of ``rows`` whose columns have the
    PostgreSQL ``types``, text in the connection's ``encoding`` (a Python codec name);
    None if a type or value is one to leave to psycopg."""
    encoders: list[_Encoder] = []
    for t in types:
        e = _ENCODERS.get(t)
        if e is None:
            return None
        encoders.append(e)
    if not rows:
        return None
    try:
        columns = list(zip(*rows, strict=True))
        if len(columns) != len(types):
            return None
        encoded = [_nullable(e, col, encoding) for e, col in zip(encoders, columns, strict=True)]
    except (TypeError, ValueError, OverflowError, struct.error):  # ValueError: ragged rows, unencodable text
        return None
    count = struct.pack(">h", len(types))
    return b"".join(chain((HEADER,), chain.from_iterable(zip(repeat(count), *encoded)), (TRAILER,)))
