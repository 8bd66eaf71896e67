"""How values are stored: the packed token blob, the token lookup key, record rows.

Pure functions, no database: the match engine and intake workers use them off the writer.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Iterable
from typing import Any

from msin_fed.model import ExploitationType, Grade, Indicator, Region, Sector, SharedRecord, Tlp

__all__ = ["aware", "pack_tokens", "record_of", "record_values", "token_key", "unpack_tokens"]


def pack_tokens(pairs: Iterable[tuple[str, bytes]]) -> bytes:
    """``(kind, value)`` pairs as one blob: per pair, a length byte and the kind (ASCII),
    a length byte and the value."""
    return b"".join([_kind_head(kind) + _LENGTH[len(value)] + value for kind, value in pairs])


@functools.cache
def _kind_head(kind: str) -> bytes:
    # A handful of kinds exist: their length byte and ASCII, made once each.
    k = kind.encode("ascii")
    return _LENGTH[len(k)] + k


#: The length byte of each length 0-255 (a longer kind or value cannot be packed: IndexError).
_LENGTH = tuple(bytes((n,)) for n in range(256))


def unpack_tokens(blob: bytes | memoryview) -> list[tuple[str, bytes]]:
    """The pairs :func:`pack_tokens` packed, in order."""
    data = bytes(blob)
    out: list[tuple[str, bytes]] = []
    i = 0
    while i < len(data):
        end = i + 1 + data[i]
        kind = data[i + 1 : end].decode("ascii")
        i = end + 1 + data[end]
        out.append((kind, data[end + 1 : i]))
    return out


def token_key(value: bytes) -> int:
    """The indexed lookup key of a token value (its first 8 bytes, signed big-endian)."""
    return int.from_bytes(value[:8], "big", signed=True)


def as_bytes(value: bytes | memoryview) -> bytes:
    """A stored binary value as bytes (SQLite returns bytes; psycopg may return memoryview)."""
    return value if type(value) is bytes else bytes(value)


def aware(value: _dt.datetime | None) -> _dt.datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite hands back naive ones)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=_dt.UTC)
    return value


def record_values(record: SharedRecord, epoch: int | None = None) -> tuple[Any, ...]:
    """The ``records`` row of a shared record without ``received_at``
    (:data:`.schema.RECORD_COLUMNS` order). ``epoch``: its tokens' key epoch when the
    record is given without them (intake holds tokens apart)."""
    return (
        record.record_id,
        record.member_id,
        record.narrative,
        record.region.value,
        record.sector.value,
        record.exploitation_type.value,
        ",".join(i.value for i in record.indicators),
        record.month,
        record.victims_band,
        str(record.grade),
        record.tlp.value,
        record.time_sensitive,
        record.epoch if epoch is None else epoch,
        record.shared_at,
    )


def record_of(row: Any) -> SharedRecord:
    """The shared record (without tokens) of a ``records`` row."""
    return SharedRecord(
        record_id=row.record_id,
        member_id=row.member_id,
        narrative=row.narrative,
        tokens=(),
        region=Region(row.region),
        sector=Sector(row.sector),
        exploitation_type=ExploitationType(row.exploitation_type),
        month=row.month,
        grade=Grade.parse(row.grade),
        tlp=Tlp(row.tlp),
        indicators=tuple(Indicator(i) for i in row.indicators.split(",") if i),
        victims_band=row.victims_band,
        time_sensitive=bool(row.time_sensitive),
        shared_at=aware(row.shared_at),
    )
