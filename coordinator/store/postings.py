"""The match engine's queries: token postings, matched pairs and cluster ids.

This is the whole of what :class:`..matching.MatchEngine` reads and writes, as functions
over an open connection (inside the caller's transaction) returning named values
(:class:`TokenRow`, :class:`Holding`, :class:`HeldTokens`, :class:`PairRow`,
:class:`ScoredPair`, :class:`Edge`), so that scoring and clustering are pure functions
over what these return. Lookups go through ``tokens.key`` (an 8-byte prefix of the token
value; callers compare the full value) or a record id: each is a point or ``IN`` lookup
on one index, which is what lets ``tokens`` be partitioned by ``key`` and the rest by
record id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .codec import as_bytes, packed_keys, unpack_tokens
from .schema import cluster_of, pairs, record_tokens, tokens
from .sql import ColumnValues, bulk_insert, bulk_insert_columns, copy_encoded, executemany, select_in

__all__ = [
    "PAIR_COLUMNS",
    "TOKEN_COLUMNS",
    "Edge",
    "HeldTokens",
    "Holding",
    "Horizon",
    "PackedTokens",
    "PairRow",
    "ScoredPair",
    "StoredToken",
    "TokenRow",
    "all_keys",
    "all_pairs",
    "cluster_ids",
    "delete_postings",
    "holders",
    "holders_of_shared_keys",
    "horizon",
    "insert_packed",
    "insert_packed_columns",
    "insert_postings",
    "insert_token_columns",
    "insert_token_rows",
    "key_counts",
    "keys_committed_since",
    "pair_edges",
    "pairs_touching",
    "replace_cluster_ids",
    "replace_pairs",
    "token_copy_columns",
    "token_maps",
    "tokens_of",
    "value_counts",
]


class TokenRow(NamedTuple):
    """A ``tokens`` row: one token of one record (``key`` is :func:`.codec.token_key` of
    ``value``)."""

    record_id: str
    member_id: str
    kind: str
    value: bytes
    epoch: int
    key: int


#: Column order of a :class:`TokenRow` (its field names).
TOKEN_COLUMNS: tuple[str, ...] = TokenRow._fields


class PackedTokens(NamedTuple):
    """A ``record_tokens`` row: a record's tokens packed by :func:`.codec.pack_tokens`."""

    record_id: str
    member_id: str
    tokens: bytes


class StoredToken(NamedTuple):
    """One token of a record as stored: its kind and 64-byte value."""

    kind: str
    value: bytes


class HeldTokens(NamedTuple):
    """A record's member and its tokens (:func:`tokens_of`)."""

    member_id: str
    tokens: list[StoredToken]


class Holding(NamedTuple):
    """One record holding a token value (:func:`holders`)."""

    value: bytes
    record_id: str
    member_id: str


class PairRow(NamedTuple):
    """A matched pair as stored (``record_a < record_b``; ``kinds`` comma-separated)."""

    record_a: str
    record_b: str
    member_a: str
    member_b: str
    score: float
    kinds: str


#: Column order of a :class:`PairRow`.
PAIR_COLUMNS: tuple[str, ...] = PairRow._fields


class ScoredPair(NamedTuple):
    """A matched pair and its score (:func:`all_pairs`)."""

    record_a: str
    record_b: str
    score: float


class Edge(NamedTuple):
    """The two records of a stored pair (:func:`pair_edges`), ``record_a < record_b``."""

    record_a: str
    record_b: str


# ---------------------------------------------------------------------- token postings


def insert_postings(conn: Connection, rows: Sequence[TokenRow], packed: Sequence[PackedTokens]) -> None:
    """Store token rows and each record's packed tokens (:func:`insert_token_rows`,
    :func:`insert_packed`)."""
    insert_token_rows(conn, rows)
    insert_packed(conn, packed)


def insert_token_rows(conn: Connection, rows: Sequence[TokenRow]) -> None:
    """Store token rows. Rows sorted by key go into the key index in one sweep. Needs no
    write lock: what finds them is the match step, which holds it."""
    bulk_insert(conn, tokens, TOKEN_COLUMNS, rows)


def insert_token_columns(
    conn: Connection,
    record_ids: Sequence[str],
    member_ids: Sequence[str],
    owner: npt.NDArray[np.int64],
    kinds: Sequence[str],
    values: Sequence[bytes],
    epochs: npt.NDArray[np.int64],
    keys: npt.NDArray[np.int64],
    order: npt.NDArray[np.int64],
    encoded: Sequence[bytes] | None = None,
) -> None:
    """:func:`insert_token_rows` of rows given as columns, in the order ``order`` (of
    positions in the token columns): token ``i`` is of the record at ``owner[i]`` in
    ``record_ids`` and ``member_ids``; ``kinds``, ``values``, ``epochs`` and ``keys``
    hold one item per token. ``encoded``: the rows already encoded for COPY, one per
    token (:class:`..token_columns.CopyRows`), sent as they are where COPY takes them."""
    if encoded is not None and copy_encoded(conn, tokens, TOKEN_COLUMNS, map(encoded.__getitem__, order.tolist())):
        return
    columns = token_copy_columns(record_ids, member_ids, owner, kinds, values, epochs, keys, order)
    bulk_insert_columns(conn, tokens, TOKEN_COLUMNS, len(order), columns)


def token_copy_columns(
    record_ids: Sequence[str],
    member_ids: Sequence[str],
    owner: npt.NDArray[np.int64],
    kinds: Sequence[str],
    values: Sequence[bytes],
    epochs: npt.NDArray[np.int64],
    keys: npt.NDArray[np.int64],
    order: npt.NDArray[np.int64],
) -> list[ColumnValues]:
    """The ``tokens`` columns (:data:`TOKEN_COLUMNS` order) :func:`insert_token_columns`
    writes, each with the index that puts its rows in ``order``."""
    by_record = owner[order]
    return [(record_ids, by_record), (member_ids, by_record), (kinds, order), (values, order), (epochs, order), (keys, order)]


def insert_packed_columns(
    conn: Connection,
    record_ids: Sequence[str],
    member_ids: Sequence[str],
    packed: Sequence[bytes],
    encoded: Sequence[bytes] | None = None,
) -> None:
    """:func:`insert_packed` of rows given as columns (a record id, member id and packed
    tokens each); ``encoded``: the same rows encoded for COPY, sent as they are where COPY
    takes them."""
    if encoded is not None and copy_encoded(conn, record_tokens, PackedTokens._fields, encoded):
        return
    bulk_insert_columns(
        conn, record_tokens, PackedTokens._fields, len(record_ids), [(record_ids, None), (member_ids, None), (packed, None)]
    )


def insert_packed(conn: Connection, packed: Sequence[PackedTokens]) -> None:
    """Store each record's packed tokens. Needs no write lock: on PostgreSQL the column
    default numbers the rows by the storing transaction's id (``xact``), which is how other
    processes find them once it commits (:func:`keys_committed_since`)."""
    bulk_insert(conn, record_tokens, PackedTokens._fields, packed)


class Horizon(NamedTuple):
    """How far a process has read the token rows other transactions stored (PostgreSQL):
    every transaction numbered below ``xmax`` and not in ``pending`` had ended when it was
    read, and its rows, if it committed, were read. Those in ``pending`` (in progress then)
    and those from ``xmax`` on are still to read; ``mine`` are this process's own
    transactions among them, whose keys it added itself."""

    xmax: int
    pending: tuple[int, ...]
    mine: tuple[int, ...] = ()


def _horizon(snapshot: str, mine: Iterable[int] = ()) -> Horizon:
    """A :class:`Horizon` from ``pg_current_snapshot()`` as text (``xmin:xmax:xip,...``)."""
    _xmin, xmax, xip = snapshot.split(":")
    pending = tuple(int(x) for x in xip.split(",") if x)
    upper = int(xmax)
    own = set(mine)
    return Horizon(upper, tuple(x for x in pending if x not in own), tuple(sorted(x for x in own if x >= upper)))


def horizon(conn: Connection) -> Horizon:
    """The horizon of everything committed as of now (PostgreSQL), this transaction's id
    in ``mine``: read it before the rows it covers, so that rows committed in between are
    read twice, never missed."""
    snapshot, own = conn.exec_driver_sql(
        "SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned()::text::bigint"
    ).one()
    return _horizon(str(snapshot), () if own is None else (int(own),))


def keys_committed_since(conn: Connection, since: Horizon) -> tuple[npt.NDArray[np.int64], Horizon]:
    """The token keys of the rows that transactions beyond ``since`` committed (by any
    process other than this transaction), and the horizon now (PostgreSQL).

    One statement: its snapshot is both what the rows are read under and the new horizon
    (``pg_current_snapshot()`` is the statement's snapshot), so a transaction still in
    progress, whatever its id, stays pending until a later call sees it committed; one
    rolled back is never read. This transaction's own id joins ``mine`` (its caller adds
    its keys itself) and is never read back.
    """
    rows = conn.exec_driver_sql(
        "WITH s AS MATERIALIZED (SELECT pg_current_snapshot()::text AS snap,"
        " pg_current_xact_id()::text::bigint AS own)"
        " SELECT s.snap, s.own, r.tokens FROM s LEFT JOIN record_tokens r"
        " ON (r.xact >= %(xmax)s OR r.xact = ANY(%(pending)s::bigint[]))"
        " AND r.xact <> s.own AND r.xact <> ALL(%(mine)s::bigint[])",
        {"xmax": since.xmax, "pending": list(since.pending), "mine": list(since.mine)},
    ).all()
    snapshot, own = rows[0][0], int(rows[0][1])
    keys = packed_keys(packed for _s, _o, packed in rows if packed is not None)
    return keys, _horizon(snapshot, (*since.mine, own))


def delete_postings(conn: Connection, record_id: str, keys: Iterable[int]) -> None:
    """Remove a record's token rows (found through their keys) and its packed tokens."""
    executemany(
        conn,
        "DELETE FROM tokens WHERE key = {mark} AND record_id = {mark}",
        [(k, record_id) for k in sorted(set(keys))],
    )
    select_in(conn, "DELETE FROM record_tokens WHERE record_id IN ({0})", [record_id], fetch=False)


def tokens_of(conn: Connection, record_ids: Sequence[str]) -> dict[str, HeldTokens]:
    """record -> its member and tokens, for the records given that have tokens."""
    return {
        rid: HeldTokens(mid, [StoredToken(kind, value) for kind, value in unpack_tokens(packed)])
        for rid, mid, packed in select_in(
            conn, "SELECT record_id, member_id, tokens FROM record_tokens WHERE record_id IN ({0})", record_ids
        )
    }


def token_maps(conn: Connection, record_ids: Sequence[str]) -> dict[str, tuple[str, dict[bytes, str]]]:
    """record -> its member and its tokens as value -> kind, for the records given that have
    tokens: what scoring and clustering read, built straight from the packed pairs (under
    the write lock, for thousands of records a batch: a tuple per token, not a
    :class:`StoredToken`)."""
    return {
        rid: (mid, {value: kind for kind, value in unpack_tokens(packed)})
        for rid, mid, packed in select_in(
            conn, "SELECT record_id, member_id, tokens FROM record_tokens WHERE record_id IN ({0})", record_ids
        )
    }


def key_counts(conn: Connection, keys: Iterable[int]) -> dict[int, int]:
    """key -> token rows under it, for the keys given that two or more rows share."""
    return {
        int(k): int(n)
        for k, n in select_in(
            conn, "SELECT key, COUNT(*) FROM tokens WHERE key IN ({0}) GROUP BY key HAVING COUNT(*) >= 2", set(keys)
        )
    }


def member_counts(conn: Connection, keys: Iterable[int]) -> dict[int, list[int]]:
    """key -> its token rows counted by member, for the keys given (one indexed statement)."""
    out: dict[int, list[int]] = {}
    for k, n in select_in(conn, "SELECT key, COUNT(*) FROM tokens WHERE key IN ({0}) GROUP BY key, member_id", set(keys)):
        out.setdefault(int(k), []).append(int(n))
    return out


def value_counts(conn: Connection, keys: Iterable[int]) -> dict[bytes, int]:
    """value -> token rows holding it, for values under the keys given held two or more times."""
    return {
        as_bytes(v): int(n)
        for v, n in select_in(
            conn,
            "SELECT value, COUNT(*) FROM tokens WHERE key IN ({0}) GROUP BY value HAVING COUNT(*) >= 2",
            set(keys),
        )
    }


def holders(conn: Connection, keys: Iterable[int]) -> list[Holding]:
    """Every token row under the keys given, as who holds which value."""
    return [
        Holding(as_bytes(v), rid, mid)
        for v, rid, mid in select_in(
            conn, "SELECT value, record_id, member_id FROM tokens WHERE key IN ({0})", set(keys)
        )
    ]


def holders_of_shared_keys(conn: Connection, keys: Iterable[int], most: int) -> tuple[list[Holding], set[int]]:
    """The token rows under the keys given that 2 to ``most`` rows share, as who holds which
    value, and the keys more than ``most`` rows share (their rows are not read): what
    :func:`key_counts` then :func:`holders` give, in one statement."""
    held: list[Holding] = []
    many: set[int] = set()
    if conn.dialect.name == "postgresql":
        # Counted and read per key by LATERAL subqueries (OFFSET 0 keeps the planner from
        # flattening the second into a join): index lookups per key whatever the table's
        # statistics say. Written as a join of a grouped count, planned on the statistics
        # of a table growing by thousands of rows a second, PostgreSQL chose sequential
        # scans of the whole token table, under the write lock, for every batch (20-70 ms
        # for 30-90 keys at 50,000-80,000 rows, growing with the store).
        sql = (
            "SELECT k.key, t.value, t.record_id, t.member_id FROM unnest(%s::bigint[]) AS k(key)"  # noqa: S608 (an int)
            " CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM tokens WHERE key = k.key) c"
            " LEFT JOIN LATERAL (SELECT value, record_id, member_id FROM tokens"
            f" WHERE key = k.key AND c.n <= {int(most)} OFFSET 0) t ON true WHERE c.n >= 2"
        )
        wanted = sorted(set(keys))
        if not wanted:
            return held, many
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql, [wanted])
            found = cursor.fetchall()
        finally:
            cursor.close()
    else:
        sql = (
            "SELECT c.key, t.value, t.record_id, t.member_id FROM"  # noqa: S608 (most: an int, no input)
            " (SELECT key, COUNT(*) AS n FROM tokens WHERE key IN ({0}) GROUP BY key HAVING COUNT(*) >= 2) c"
            f" LEFT JOIN tokens t ON t.key = c.key AND c.n <= {int(most)}"
        )
        found = select_in(conn, sql, set(keys))
    for key, value, rid, mid in found:
        if value is None:
            many.add(int(key))
        else:
            held.append(Holding(as_bytes(value), rid, mid))
    return held, many


def all_keys(conn: Connection) -> npt.NDArray[np.int64]:
    """Every stored key (with repeats), read in slices: 8M keys as Python tuples is GiBs."""
    parts = [np.zeros(0, dtype=np.int64)]
    cursor = conn.connection.cursor()
    try:
        cursor.execute("SELECT key FROM tokens")
        while chunk := cursor.fetchmany(1 << 16):
            parts.append(np.fromiter((k for (k,) in chunk), dtype=np.int64, count=len(chunk)))
    finally:
        cursor.close()
    return np.concatenate(parts)


# ---------------------------------------------------------------------- pairs


def pairs_touching(conn: Connection, record_ids: Iterable[str]) -> dict[tuple[str, str], PairRow]:
    """Stored pairs with either end among ``record_ids``, by (record_a, record_b)."""
    return {
        (a, b): PairRow(a, b, ma, mb, float(score), kinds)
        for a, b, ma, mb, score, kinds in select_in(
            conn,
            "SELECT record_a, record_b, member_a, member_b, score, kinds FROM pairs"
            " WHERE record_a IN ({0}) OR record_b IN ({0})",
            sorted(set(record_ids)),
        )
    }


def pair_edges(conn: Connection, record_ids: Iterable[str]) -> list[Edge]:
    """The stored pairs touching ``record_ids`` (a search frontier)."""
    return [
        Edge(a, b)
        for a, b in select_in(
            conn,
            "SELECT record_a, record_b FROM pairs WHERE record_a IN ({0}) OR record_b IN ({0})",
            sorted(set(record_ids)),
        )
    ]


def replace_pairs(conn: Connection, changed: Iterable[tuple[str, str]], rows: Sequence[PairRow]) -> None:
    """Delete the pairs ``changed`` names, then store ``rows`` (the ones that still match)."""
    gone = sorted(set(changed))
    if conn.dialect.name == "postgresql":
        if gone:  # one statement, not one per pair
            conn.exec_driver_sql(
                "DELETE FROM pairs p USING unnest(%s::text[], %s::text[]) AS d(a, b)"
                " WHERE p.record_a = d.a AND p.record_b = d.b",
                ([a for a, _b in gone], [b for _a, b in gone]),
            )
    else:
        executemany(conn, "DELETE FROM pairs WHERE record_a = {mark} AND record_b = {mark}", gone)
    bulk_insert(conn, pairs, PAIR_COLUMNS, rows)


def all_pairs(conn: Connection) -> list[ScoredPair]:
    """Every matched pair, ordered by its records."""
    rows = conn.execute(
        sa.select(pairs.c.record_a, pairs.c.record_b, pairs.c.score).order_by(pairs.c.record_a, pairs.c.record_b)
    ).all()
    return [ScoredPair(a, b, float(s)) for a, b, s in rows]


# ---------------------------------------------------------------------- clusters


def cluster_ids(conn: Connection, record_ids: Iterable[str]) -> dict[str, str]:
    """record -> cluster id, for the records given that are in a cluster."""
    return dict(
        select_in(conn, "SELECT record_id, cluster_id FROM cluster_of WHERE record_id IN ({0})", sorted(set(record_ids)))
    )


def replace_cluster_ids(conn: Connection, drop: Iterable[str], rows: Sequence[tuple[str, str]]) -> None:
    """Forget the cluster of every record in ``drop``, then store ``(record_id, cluster_id)`` rows."""
    select_in(conn, "DELETE FROM cluster_of WHERE record_id IN ({0})", sorted(set(drop)), fetch=False)
    bulk_insert(conn, cluster_of, ("record_id", "cluster_id"), rows)
