"""Driver-level statements for the hot paths of intake and matching.

SQLAlchemy's per-row and per-parameter processing was the largest cost of intake, so
bulk inserts and chunked ``IN`` lookups go straight through the DBAPI cursor, inside the
caller's SQLAlchemy transaction. Values must already be driver types (str, int, bytes).
Table and column names come from :mod:`.schema`, never from input.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["CHUNK", "bulk_insert", "chunks", "executemany", "select_in"]

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
    """Insert rows through the driver: on SQLite many rows per INSERT statement, elsewhere
    executemany (psycopg pipelines it)."""
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
            cursor.executemany(head + one, list(rows))
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


def select_in(conn: Connection, sql: str, values: Iterable[Any], *, fetch: bool = True) -> list[tuple[Any, ...]]:
    """Run ``sql`` for ``values`` in chunks through the driver cursor. Every ``{0}`` in
    ``sql`` is the chunk's IN list. The rows, or nothing for statements that return none
    (``fetch=False``)."""
    mark = _mark(conn)
    uses = sql.count("{0}")
    out: list[tuple[Any, ...]] = []
    cursor = conn.connection.cursor()
    try:
        for chunk in chunks(list(values)):
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
