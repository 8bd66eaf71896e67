"""The bulk binary COPY encoder sends exactly what psycopg's ``write_row`` sends.

Rows of every column type intake writes (and NULLs, empty values, non-ASCII text,
extreme integers and times) are written to a real PostgreSQL both ways: the bytes
psycopg produces row by row (captured on their way to the server) must equal
:func:`coordinator.store.copy_binary.encode`'s, and the rows read back must be the rows
given. Values the encoder does not cover make it return None, so psycopg handles them.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msin_fed.coordinator.store import copy_binary
from psycopg.copy import LibpqWriter

from .conftest import require_postgres

pytestmark = pytest.mark.postgres

TYPES = [
    "varchar", "text", "bytea", "smallint", "integer", "bigint", "boolean", "float8", "timestamp with time zone",
]  # fmt: skip
TABLE = "CREATE TEMP TABLE t (a varchar, b text, c bytea, d smallint, e integer, f bigint, g boolean, h float8, i timestamptz)"

_times = st.datetimes(
    min_value=_dt.datetime(1, 1, 2), max_value=_dt.datetime(9999, 12, 30), timezones=st.sampled_from(
        [_dt.UTC, _dt.timezone(_dt.timedelta(hours=5, minutes=30)), _dt.timezone(-_dt.timedelta(hours=11))]
    ),
)  # fmt: skip
_text = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12)


def _nullable(s: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), s, s, s)


_rows = st.lists(
    st.tuples(
        _nullable(st.sampled_from(["tesco", "asda", "r-1", "ünï"]) | _text),
        _nullable(_text),
        _nullable(st.sampled_from([b"", b"\x00" * 64]) | st.binary(min_size=64, max_size=64) | st.binary(max_size=9)),
        _nullable(st.integers(-(2**15), 2**15 - 1)),
        _nullable(st.integers(-(2**31), 2**31 - 1)),
        _nullable(st.integers(-(2**63), 2**63 - 1)),
        _nullable(st.booleans()),
        _nullable(st.floats(allow_nan=False)),
        _nullable(_times),
    ),
    min_size=1,
    max_size=40,
)


class _Capture(LibpqWriter):
    """psycopg's writer to the server, keeping a copy of what it sends."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        super().__init__(cursor)
        self.sent = bytearray()

    def write(self, data: Any) -> None:
        self.sent += data
        super().write(data)


@pytest.fixture(scope="module")
def conn() -> Iterator[psycopg.Connection[Any]]:
    url = require_postgres().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(TABLE)
        yield c


def _psycopg_bytes(conn: psycopg.Connection[Any], rows: list[tuple[Any, ...]]) -> bytes:
    with conn.cursor() as cur:
        writer = _Capture(cur)
        with cur.copy("COPY t FROM STDIN (FORMAT BINARY)", writer=writer) as copy:
            copy.set_types(TYPES)
            for row in rows:
                copy.write_row(row)
    return bytes(writer.sent)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_rows)
def test_encode_is_byte_for_byte_psycopgs_row_by_row_copy(conn: psycopg.Connection[Any], rows: list[tuple[Any, ...]]) -> None:
    conn.execute("TRUNCATE t")
    expected = _psycopg_bytes(conn, rows)
    data = copy_binary.encode(rows, TYPES)
    assert data == expected
    with conn.cursor() as cur, cur.copy("COPY t FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(data)
    stored = conn.execute("SELECT * FROM t").fetchall()
    n = len(rows)
    assert stored[:n] == stored[n:]  # psycopg's rows, then the encoder's: the same
    assert [tuple(r) for r in stored[n:]] == rows


def test_postgresqls_own_type_names_encode_alike() -> None:
    row = ("a", "b", b"c", 1, 2, 3, True, 1.5, _dt.datetime(2025, 1, 1, tzinfo=_dt.UTC))
    internal = ["varchar", "text", "bytea", "int2", "int4", "int8", "bool", "float8", "timestamptz"]
    assert copy_binary.encode([row], internal) == copy_binary.encode([row], TYPES) is not None


def test_no_rows_is_an_empty_copy(conn: psycopg.Connection[Any]) -> None:
    assert copy_binary.encode([], TYPES) == _psycopg_bytes(conn, [])


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("text", "a\x00b"),  # PostgreSQL text cannot hold NUL: psycopg refuses it
        ("varchar", b"bytes"),
        ("bytea", "text"),
        ("bytea", bytearray(b"x")),
        ("integer", 2**31),  # out of range: psycopg raises its own error
        ("integer", True),  # a bool is not an integer here
        ("bigint", 1.5),
        ("boolean", 1),
        ("float8", 1),
        ("timestamp with time zone", _dt.datetime(2025, 1, 1)),  # naive
        ("timestamp with time zone", _dt.date(2025, 1, 1)),
        ("json", "{}"),  # a type the encoder does not know
    ],
)
def test_values_it_does_not_cover_are_left_to_psycopg(column: str, value: Any) -> None:
    assert copy_binary.encode([(value,)], [column]) is None
    assert copy_binary.encode([(None,), (value,)], [column]) is None


def test_rows_of_the_wrong_width_are_left_to_psycopg() -> None:
    assert copy_binary.encode([("a", "b"), ("c",)], ["text", "text"]) is None


@settings(max_examples=150, deadline=None, database=None)
@given(
    st.lists(st.tuples(st.sampled_from(["r-1", "r-22", "ünï"]), st.sampled_from(["tesco", "asda"])), min_size=1, max_size=6),
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["phone", "email"]), st.binary(min_size=64, max_size=64),
                  st.integers(-(2**31), 2**31 - 1), st.integers(-(2**63), 2**63 - 1)),
        min_size=1, max_size=30,
    ),
    st.sampled_from(["list", "array"]),
)  # fmt: skip
def test_columns_with_an_index_encode_as_their_rows(
    records: list[tuple[str, str]], tokens: list[tuple[int, str, bytes, int, int]], shape: str
) -> None:
    """encode_columns (record-level columns repeated by an index, values and numbers as
    arrays, rows in a given order) gives what encode gives for the rows it stands for."""
    import numpy as np

    tokens = [(r % len(records), *rest) for r, *rest in tokens]
    order = np.arange(len(tokens))[::-1].copy()
    owner = np.array([t[0] for t in tokens], dtype=np.int64)[order]
    kinds = [t[1] for t in tokens]
    values: Any = [t[2] for t in tokens]
    epochs = np.array([t[3] for t in tokens], dtype=np.int64)
    keys = np.array([t[4] for t in tokens], dtype=np.int64)
    if shape == "array":
        values = np.frombuffer(b"".join(values), dtype=np.uint8).reshape(len(tokens), 64)
    types = ["varchar", "varchar", "varchar", "bytea", "integer", "bigint"]
    rows = [
        (records[tokens[i][0]][0], records[tokens[i][0]][1], *tokens[i][1:]) for i in order.tolist()
    ]
    got = copy_binary.encode_columns(
        len(tokens),
        list(zip(types, [[r[0] for r in records], [r[1] for r in records], kinds, values, epochs, keys],
                 [owner, owner, order, order, order, order], strict=True)),
    )  # fmt: skip
    assert got is not None and got == copy_binary.encode(rows, types)
    # Out of an int4 column's range: left to psycopg, as encode leaves it.
    assert copy_binary.encode_columns(1, [("integer", np.array([2**31]), None)]) is None
