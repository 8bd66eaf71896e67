"""Binary COPY rows encoded a column at a time store what psycopg's row-by-row COPY stores.

On a real PostgreSQL server: the same rows go into two tables of every type intake writes,
once through :func:`coordinator.store.pgcopy.encode` and once through psycopg's
``write_row``; the tables must read back equal. Values the encoder does not encode
exactly (a naive datetime, a number where text goes, ragged rows) leave the rows to
psycopg, and through ``bulk_insert`` PostgreSQL still refuses what it refused before.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msin_fed.coordinator.store import SharedStore, bulk_insert, pgcopy, submissions

from .conftest import require_postgres

pytestmark = pytest.mark.postgres

TYPES = ["varchar", "text", "bytea", "integer", "bigint", "float8", "boolean", "timestamp with time zone"]
DDL = "(a varchar(64), b text, c bytea, d integer, e bigint, f float8, g boolean, h timestamptz)"

ZONES = st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(-dt.timedelta(hours=8))])
rows_of = st.lists(
    st.tuples(
        st.none() | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=64),
        st.none() | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=300),
        st.none() | st.binary(max_size=80),
        st.none() | st.integers(-(2**31), 2**31 - 1),
        st.none() | st.integers(-(2**63), 2**63 - 1),
        st.none() | st.floats(allow_nan=False),
        st.none() | st.booleans(),
        st.none() | st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1), timezones=ZONES),
    ),
    min_size=1,
    max_size=40,
)


@pytest.fixture(scope="module")
def pg() -> Iterator[psycopg.Connection[Any]]:
    url = sa.engine.make_url(require_postgres()).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        for t in ("copy_bulk", "copy_rows"):
            conn.execute(f"DROP TABLE IF EXISTS {t}")
            conn.execute(f"CREATE TABLE {t} {DDL}")
        yield conn
        for t in ("copy_bulk", "copy_rows"):
            conn.execute(f"DROP TABLE {t}")


def _copy_both(conn: psycopg.Connection[Any], rows: list[tuple[Any, ...]]) -> None:
    data = pgcopy.encode(TYPES, rows, conn.info.encoding)
    assert data is not None
    with conn.cursor() as cur:
        cur.execute("TRUNCATE copy_bulk, copy_rows")
        with cur.copy("COPY copy_bulk FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(data)
        with cur.copy("COPY copy_rows FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(TYPES)
            for row in rows:
                copy.write_row(row)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows_of)
def test_bulk_encoded_rows_read_back_as_psycopgs(pg: psycopg.Connection[Any], rows: list[tuple[Any, ...]]) -> None:
    _copy_both(pg, rows)
    bulk = pg.execute("SELECT * FROM copy_bulk").fetchall()
    by_row = pg.execute("SELECT * FROM copy_rows").fetchall()
    assert Counter(bulk) == Counter(by_row) == Counter(rows)  # both hold exactly what was sent


def test_values_it_does_not_encode_exactly_are_left_to_psycopg() -> None:
    good = ("a", "b", b"c", 1, 2, 1.5, True, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert pgcopy.encode(TYPES, [good]) is not None
    for i, bad in [(7, dt.datetime(2025, 1, 1)), (0, 5), (3, 2**31), (3, True), (2, "c"), (6, 1), (5, 1)]:
        row = list(good)
        row[i] = bad
        assert pgcopy.encode(TYPES, [tuple(row)]) is None, (i, bad)
    assert pgcopy.encode(TYPES, [good, good[:-1]]) is None  # ragged
    assert pgcopy.encode([*TYPES, "jsonb"], [(*good, "{}")]) is None  # a type it does not know
    assert pgcopy.encode(TYPES, []) is None
    assert pgcopy.encode(["text"], [("é",)], "ascii") is None  # not encodable in the connection's encoding


def test_store_bulk_insert_still_refuses_what_postgresql_refuses() -> None:
    store = SharedStore(require_postgres())
    columns = ("submission_id", "member_id", "record_id")
    ids = ["pgcopy-s-1", "pgcopy-s-2"]
    try:
        with pytest.raises(psycopg.errors.IntegrityError), store.write() as conn:  # NULL where NOT NULL
            bulk_insert(conn, submissions, columns, [(ids[0], "tesco", "r-1"), (ids[1], None, "r-2")])
        with pytest.raises(psycopg.errors.DataError), store.write() as conn:  # longer than varchar(64)
            bulk_insert(conn, submissions, columns, [(ids[0], "m" * 65, "r-1")])
        with store.read() as conn:
            assert store.known_submissions(conn, ids) == {}  # nothing of either batch
        with store.write() as conn:
            bulk_insert(conn, submissions, columns, [(ids[0], "tésco", "r-1")])
        with store.read() as conn:
            assert store.known_submissions(conn, ids) == {ids[0]: ("tésco", "r-1")}
    finally:
        with store.write() as conn:
            conn.execute(sa.delete(submissions).where(submissions.c.submission_id.in_(ids)))
        store.close()
