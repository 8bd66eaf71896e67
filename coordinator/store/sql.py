"""Driver-level statements for the hot paths of intake and matching.

SQLAlchemy's per-row and per-parameter processing was the largest cost of intake, so
bulk inserts and ``IN`` lookups go straight through the DBAPI cursor, inside the
caller's SQLAlchemy transaction. Values must already be driver types (str, int, bytes).
Table and column names come from :mod:`.schema`, never from input.

On PostgreSQL rows go in by ``COPY`` and a lookup binds its values as one array
(``= ANY(%s)``): a pipelined executemany still runs one statement per row in the
server, which was three quarters of a coordinator's writing time there, and an ``IN``
list of 900 parameters is parsed and planned anew per chunk.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.engine import Connection

from . import copy_binary

__all__ = [
    "CHUNK", "ColumnValues", "bulk_insert", "bulk_insert_columns", "chunks", "copy_encoded", "executemany", "pg_types",
    "select_in",
]  # fmt: skip

#: Values bound in one multi-row INSERT on SQLite (the limit of SQLite before 3.32).
_SQLITE_VARIABLES = 999

#: Most values bound in one IN (...) clause (SQLite's limit is 32766; PostgreSQL 65535).
CHUNK = 900


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in slices of at most ``size``."""
    seq = list(items)
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def bulk_insert(
    conn: Connection, table: sa.TableClause, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert rows through the driver: on SQLite many rows per INSERT statement, on
    PostgreSQL one COPY."""
    if not rows:
        return
    unknown = set(columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"not columns of {table.name}: {sorted(unknown)}")
    sqlite = conn.dialect.paramstyle == "qmark"
    mark = _mark(conn)
    one = f"({', '.join([mark] * len(columns))})"
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "  # noqa: S608
    cursor = conn.connection.cursor()  # the DBAPI cursor, inside the same transaction
    try:
        if not sqlite:
            _copy(conn, cursor, table, columns, rows)
            return
        # SQLite: many rows per statement. executemany steps the statement once per row, and
        # Python's sqlite3 gives up and retakes the GIL at every step: with other threads
        # running (the coordinator's), each retake can wait, which cost intake ~15%.
        per = max(1, _SQLITE_VARIABLES // len(columns))
        full = head + ", ".join([one] * per)
        for i in range(0, len(rows), per):
            chunk = rows[i : i + per]
            sql = full if len(chunk) == per else head + ", ".join([one] * len(chunk))
            cursor.execute(sql, list(itertools.chain.from_iterable(chunk)))
    finally:
        cursor.close()


#: A column of :func:`bulk_insert_columns`: its values and which value each row takes
#: (None: one value per row); values a list, or an array (integers; a 2-D uint8 array for
#: bytes of one width).
ColumnValues = tuple[Sequence[Any] | npt.NDArray[Any], npt.NDArray[np.int64] | None]


def bulk_insert_columns(
    conn: Connection, table: sa.TableClause, names: Sequence[str], n: int, columns: Sequence[ColumnValues]
) -> None:
    """:func:`bulk_insert` of ``n`` rows given column by column: on PostgreSQL the binary
    COPY data is encoded from the columns (:func:`.copy_binary.encode_columns`), without a
    tuple per row; anything else gets the rows."""
    if not n:
        return
    if conn.dialect.paramstyle != "qmark":
        types = _pg_types(conn.dialect, table, tuple(names))
        cursor = conn.connection.cursor()
        raw = getattr(cursor, "_cursor", cursor)
        try:
            if types and raw.connection.info.encoding == "utf-8":
                data = copy_binary.encode_columns(
                    n, [(t, values, index) for t, (values, index) in zip(types, columns, strict=True)]
                )
                if data is not None:
                    sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
                    with raw.copy(sql) as copy:
                        copy.write(data)
                    return
        finally:
            cursor.close()
    bulk_insert(conn, table, names, list(zip(*(_per_row(values, index) for values, index in columns), strict=True)))


def copy_encoded(conn: Connection, table: sa.TableClause, names: Sequence[str], rows: Iterable[bytes]) -> bool:
    """COPY rows encoded ahead by :func:`.copy_binary.encode_rows` (as UTF-8 text): True
    once sent, False when this connection cannot take them (SQLite, or a session encoding
    other than UTF-8), for the caller to insert the rows itself."""
    if conn.dialect.paramstyle == "qmark":
        return False
    cursor = conn.connection.cursor()
    raw = getattr(cursor, "_cursor", cursor)
    try:
        if raw.connection.info.encoding != "utf-8":
            return False
        with raw.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(b"".join((copy_binary.SIGNATURE, *rows, copy_binary.TRAILER)))
        return True
    finally:
        cursor.close()


def _per_row(values: Sequence[Any] | npt.NDArray[Any], index: npt.NDArray[np.int64] | None) -> list[Any]:
    if isinstance(values, np.ndarray):
        picked = values if index is None else values[index]
        return [bytes(v) for v in picked] if picked.ndim == 2 else picked.tolist()
    return list(values) if index is None else list(map(values.__getitem__, index.tolist()))


_PG_DIALECT: sa.Dialect = psycopg_dialect()  # type: ignore[no-untyped-call]

#: SQLAlchemy's PostgreSQL type names that psycopg's registry knows by another name.
_PG_TYPE_ALIASES = {"float": "float8"}


def pg_types(table: sa.TableClause, columns: tuple[str, ...]) -> list[str] | None:
    """:func:`_pg_types` of the PostgreSQL dialect intake's stores use (to encode COPY rows
    before a connection is at hand)."""
    return _pg_types(_PG_DIALECT, table, columns)


@functools.cache
def _pg_types(dialect: sa.Dialect, table: sa.TableClause, columns: tuple[str, ...]) -> list[str] | None:
    """The PostgreSQL type of each column, by name, or None if one is unknown to psycopg."""
    from psycopg.postgres import types as registry

    names: list[str] = []
    for column in columns:
        sql_type = table.columns[column].type
        if isinstance(sql_type, sa.types.NullType):  # a lightweight sa.table() without types
            return None
        name = sql_type.compile(dialect=dialect).lower().split("(")[0].strip()
        name = _PG_TYPE_ALIASES.get(name, name)
        if registry.get(name) is None:
            return None
        names.append(name)
    return names


def _copy(conn: Connection, cursor: Any, table: sa.TableClause, columns: Sequence[str], rows: Sequence[Any]) -> None:
    """COPY in binary when every column's type is known (64-byte token values as bytes,
    not hex text: text formatting was a tenth of a writer's time), else in text. The
    binary data is encoded for all rows at once (:mod:`.copy_binary`) where it can be,
    and row by row by psycopg otherwise."""
    types = _pg_types(conn.dialect, table, tuple(columns))
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    raw = getattr(cursor, "_cursor", cursor)  # psycopg's cursor under SQLAlchemy's DBAPI wrapper
    with raw.copy(sql + (" (FORMAT BINARY)" if types else "")) as copy:
        if types:
            # Text goes in as UTF-8 in binary COPY only when that is the session's encoding.
            data = copy_binary.encode(rows, types) if raw.connection.info.encoding == "utf-8" else None
            if data is not None:
                copy.write(data)
                return
            copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def select_in(conn: Connection, sql: str, values: Iterable[Any], *, fetch: bool = True) -> list[tuple[Any, ...]]:
    """Run ``sql`` for ``values`` through the driver cursor. Every ``IN ({0})`` in ``sql``
    is an IN list of the values: chunks of them on SQLite, on PostgreSQL all at once as
    one array parameter (``= ANY(%s)``). The rows, or nothing for statements that return
    none (``fetch=False``)."""
    items = list(values)
    if not items:
        return []
    uses = sql.count("{0}")
    if uses != sql.count(" IN ({0})"):
        raise ValueError("every {0} must stand in an IN ({0}) clause")
    out: list[tuple[Any, ...]] = []
    cursor = conn.connection.cursor()
    if conn.dialect.paramstyle != "qmark":
        try:
            cursor.execute(sql.replace(" IN ({0})", " = ANY(%s)"), [items] * uses)
            if fetch:
                out.extend(cursor.fetchall())
        finally:
            cursor.close()
        return out
    mark = _mark(conn)
    try:
        for chunk in chunks(items):
            cursor.execute(sql.format(", ".join([mark] * len(chunk))), list(chunk) * uses)
            if fetch:
                out.extend(cursor.fetchall())
    finally:
        cursor.close()
    return out


def executemany(conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """executemany ``sql`` (``{mark}`` for each parameter) through the driver cursor."""
    if not rows:
        return
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(sql.format(mark=_mark(conn)), list(rows))
    finally:
        cursor.close()
