"""Rows encoded for COPY by the checking thread (:mod:`msin_fed.coordinator.intake_copy`)
are byte for byte what the writer encodes for the same rows, and store what the
record-at-a-time checks make of the records."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
import sqlalchemy as sa
from msin_fed.coordinator.intake import BatchToCheck, Submission, check_batch, check_records_one_by_one
from msin_fed.coordinator.intake_copy import encode_checked
from msin_fed.coordinator.service import Caller, CoordinatorService
from msin_fed.coordinator.store import (
    RECORD_COLUMNS,
    SharedStore,
    copy_binary,
    record_tokens,
    records,
    tokens,
)
from msin_fed.coordinator.store.postings import TOKEN_COLUMNS, token_copy_columns
from msin_fed.coordinator.store.sql import pg_types
from msin_fed.coordinator.token_columns import TokenColumns

from msin_fed import pki
from msin_fed.model import Grade, Indicator
from msin_fed.wire import sign_batch

from .conftest import record, submission, tok


def _batch(member: str, prefix: str) -> list[Submission]:
    out = []
    for i in range(12):
        rec = record(
            member, f"{prefix}-{i:02d}", (*tuple(tok(k, f"{prefix}{i % 5}") for k in ("phone", "email", "vehicle")), tok("phone", "shared")), narrative=f"<PERSON_1> é {i} ✓ " * (i + 1), month=f"2025-{1 + i % 12:02d}",
            grade=("1AP", "2BP", "3CP")[i % 3], time_sensitive=bool(i % 2),
        )  # fmt: skip
        if i % 4 == 0:
            rec = dataclasses.replace(rec, shared_at=dt.datetime(2025, 3, 1, 12, i, tzinfo=dt.UTC))
        if i % 5 == 0:
            rec = dataclasses.replace(
                rec,
                grade=Grade.parse("2AP"),
                indicators=(Indicator.DECEPTION, Indicator.ABUSE_OF_VULNERABILITY),
            )
        msg = submission(rec)
        out.append(Submission(msg.submission_id, msg.record))
    return out


def _checked(identity: pki.Identity, prefix: str) -> list[tuple[int, object]]:
    subs = _batch(identity.name, prefix)
    batch = BatchToCheck(
        identity.name,
        bytes(identity.signing_key.verify_key),
        1,
        subs,
        sign_batch(subs, identity.signing_key),
        {},
    )
    checked = check_batch(batch, None)
    encode_checked(checked)
    return checked  # type: ignore[return-value]


def test_encoded_rows_are_the_writers_bytes_also_after_gathering(make_identity) -> None:  # type: ignore[no-untyped-def]
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    first, second = _checked(alpha, "a"), _checked(beta, "b")
    # Some records of each batch, as a writer's group takes them (duplicates left out).
    picked = [c for i, c in first if i % 3] + [c for i, c in second if i != 4]
    cols = TokenColumns.gather(c.tokens for c in picked)  # type: ignore[attr-defined]
    assert cols.copy is not None
    order = np.argsort(cols.keys, kind="stable")
    token_types = pg_types(tokens, TOKEN_COLUMNS)
    assert token_types is not None
    columns = token_copy_columns(
        cols.record_ids,
        cols.member_ids,
        cols.owners(),
        cols.kinds,
        cols.values,
        cols.epochs,
        cols.keys,
        order,
    )
    expected = copy_binary.encode_columns(
        len(order), [(t, v, i) for t, (v, i) in zip(token_types, columns, strict=True)]
    )
    sent = b"".join(
        (copy_binary.SIGNATURE, *map(cols.copy.tokens.__getitem__, order.tolist()), copy_binary.TRAILER)
    )
    assert sent == expected
    packed_types = pg_types(record_tokens, ("record_id", "member_id", "tokens"))
    assert packed_types is not None
    assert b"".join((copy_binary.SIGNATURE, *cols.copy.packed, copy_binary.TRAILER)) == copy_binary.encode(
        list(zip(cols.record_ids, cols.member_ids, cols.packed, strict=True)), packed_types
    )
    record_types = pg_types(records, RECORD_COLUMNS)
    assert record_types is not None
    now = dt.datetime.now(dt.UTC)
    field = copy_binary.timestamp_field(now)
    assert b"".join(
        (copy_binary.SIGNATURE, *(row + field for row in cols.copy.records), copy_binary.TRAILER)
    ) == (
        copy_binary.encode([(*c.values, now) for c in picked], record_types)  # type: ignore[attr-defined]
    )


@pytest.mark.postgres
def test_intake_on_postgres_stores_what_the_record_at_a_time_checks_make(make_identity, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from .conftest import require_postgres

    url = require_postgres()
    store = SharedStore(url)
    try:
        with store.write() as conn:
            for table in (
                "tokens",
                "record_tokens",
                "records",
                "submissions",
                "pairs",
                "cluster_of",
                "events",
                "audit",
            ):
                conn.execute(sa.text(f"DELETE FROM {table}"))
        alpha = make_identity("member", "alpha")
        service = CoordinatorService(store)
        subs = _batch("alpha", "a")
        caller = Caller("member", "alpha", bytes(alpha.signing_key.verify_key))
        service.submit_batch(caller, subs, sign_batch(subs, alpha.signing_key))
        reference = check_records_one_by_one("alpha", 1, [(i, s.record) for i, s in enumerate(subs)], None)
        with store.read() as conn:
            stored = {tuple(r[:-1]) for r in conn.execute(sa.select(records)).all()}
            stored_tokens = {
                tuple(r) for r in conn.execute(sa.select(*(tokens.c[n] for n in TOKEN_COLUMNS))).all()
            }
            stored_packed = {
                tuple(r)
                for r in conn.execute(
                    sa.select(record_tokens.c.record_id, record_tokens.c.member_id, record_tokens.c.tokens)
                ).all()
            }
        assert stored == {c.values for c in reference}
        assert stored_tokens == {tuple(row) for c in reference for row in c.tokens.rows}
        assert stored_packed == {(c.record_id, c.member_id, c.tokens.packed) for c in reference}
    finally:
        store.close()
