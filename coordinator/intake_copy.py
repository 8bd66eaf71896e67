"""A checked batch's rows encoded for PostgreSQL's binary ``COPY`` by the thread that
checked it, so that the writer only joins them.

A process's writer stores one group of batches at a time, and on PostgreSQL its time is
most of the process's intake time: encoding the ``tokens``, ``record_tokens`` and
``records`` rows of a batch of 500 was about a sixth of it. Encoded here (in the gRPC
thread, beside the checks, while the writer waits on the database), each row is one
bytes object; the writer sends them in its own order (token rows by key, records by id)
between the format's signature and trailer, with ``received_at`` appended to each record
row. The bytes are exactly those :func:`.store.copy_binary.encode_columns` gives for the
same rows (``tests/coordinator/test_intake_copy.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .intake import Checked
from .store import RECORD_COLUMNS, copy_binary
from .store.postings import TOKEN_COLUMNS
from .store.schema import record_tokens, records, tokens
from .store.sql import pg_types
from .token_columns import CopyRows, TokenColumns

__all__ = ["encode_checked", "encode_rows"]


def encode_checked(checked: Sequence[tuple[int, Checked]]) -> None:
    """Encode the rows of a batch checked in bulk (every record's tokens in one
    :class:`TokenColumns`, in order) into its columns' :attr:`TokenColumns.copy`; a batch
    checked otherwise is left for the writer to encode."""
    if not checked:
        return
    cols = checked[0][1].tokens.columns
    if len(cols) != len(checked) or any(
        c.tokens.columns is not cols or c.tokens.position != at for at, (_i, c) in enumerate(checked)
    ):
        return
    cols.copy = encode_rows(cols, [c.values for _i, c in checked])


def encode_rows(cols: TokenColumns, rows: Sequence[tuple[Any, ...]]) -> CopyRows | None:
    """The COPY rows of records ``rows`` (:func:`.store.codec.record_values`, without
    ``received_at``) and their tokens ``cols``, or None when one is not encoded here (a
    record without tokens has no ``record_tokens`` row; a type or value
    :mod:`.store.copy_binary` leaves to psycopg)."""
    n = len(cols)
    token_types = pg_types(tokens, TOKEN_COLUMNS)
    packed_types = pg_types(record_tokens, ("record_id", "member_id", "tokens"))
    record_types = pg_types(records, RECORD_COLUMNS)
    if (
        token_types is None
        or packed_types is None
        or record_types is None
        or len(rows) != n
        or not cols.counts.all()
        # received_at, the last column, is the writer's: each row counts it, the writer adds it.
        or set(map(len, rows)) != {len(record_types) - 1}
    ):
        return None
    owner = cols.owners()
    token_rows = copy_binary.encode_rows(
        len(cols.values),
        list(
            zip(
                token_types,
                (cols.record_ids, cols.member_ids, cols.kinds, cols.values, cols.epochs, cols.keys),
                (owner, owner, None, None, None, None),
                strict=True,
            )
        ),
    )
    packed_rows = copy_binary.encode_rows(
        n,
        list(
            zip(
                packed_types, (cols.record_ids, cols.member_ids, cols.packed), (None, None, None), strict=True
            )
        ),
    )
    record_rows = copy_binary.encode_rows(
        n,
        [
            (name, column, None)
            for name, column in zip(record_types[:-1], zip(*rows, strict=True), strict=True)
        ],
        fields=len(record_types),
    )
    if token_rows is None or packed_rows is None or record_rows is None:
        return None
    return CopyRows(token_rows, packed_rows, record_rows)
