"""Helpers for the end-to-end tests: signed submissions, raw store queries, waiting."""

from __future__ import annotations

import contextlib
import datetime as _dt
import secrets
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from msin_fed import pki
from msin_fed.model import ExploitationType, Grade, Region, Sector, SharedRecord, Tlp, Token
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.wire import record_to_pb, sign_batch

NARRATIVE = "A labour provider withheld wages from <PERSON_1> and kept workers' passports at a packhouse."


def new_submission(identity: pki.Identity, *, epoch: int = 1, token: bytes | None = None) -> pb.Submission:
    """One valid submission of a fresh record by ``identity`` (a member); :func:`signed_batch` signs."""
    record = SharedRecord(
        record_id=f"r-{uuid.uuid4().hex}",
        member_id=identity.name,
        narrative=NARRATIVE,
        tokens=(Token("phone", token or secrets.token_bytes(64), epoch),),
        region=Region.EAST_MIDLANDS,
        sector=Sector.PACKHOUSE,
        exploitation_type=ExploitationType.LABOUR_EXPLOITATION,
        month="2026-05",
        grade=Grade.parse("2BP"),
        tlp=Tlp.AMBER,
        shared_at=_dt.datetime.now(_dt.UTC),
    )
    return pb.Submission(submission_id=str(uuid.uuid4()), record=record_to_pb(record).SerializeToString())


def signed_batch(identity: pki.Identity, submissions: list[pb.Submission]) -> pb.SubmitBatchRequest:
    """A SubmitBatchRequest of ``submissions`` signed with ``identity``'s record-signing key."""
    return pb.SubmitBatchRequest(submissions=submissions, signature=sign_batch(submissions, identity.signing_key))


def query(db: Path | str, sql: str) -> list[tuple[object, ...]]:
    """Rows of a read-only query on an SQLite file, or on a database by SQLAlchemy URL."""
    if isinstance(db, str):
        import sqlalchemy as sa

        engine = sa.create_engine(db)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(sa.text(sql))]
        finally:
            engine.dispose()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the test PostgreSQL server (MSIN_TEST_POSTGRES_URL); dropped after.

    Skips when no server is configured, unless MSIN_REQUIRE_POSTGRES=1.
    """
    import os

    import pytest
    import sqlalchemy as sa

    url = os.environ.get("MSIN_TEST_POSTGRES_URL", "")
    if not url:
        if os.environ.get("MSIN_REQUIRE_POSTGRES") == "1":
            pytest.fail("MSIN_REQUIRE_POSTGRES=1 but MSIN_TEST_POSTGRES_URL is not set")
        pytest.skip("MSIN_TEST_POSTGRES_URL not set (run scripts/pg_throwaway.sh start)")
    name = f"msin_e2e_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield str(sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def eventually(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> None:
    """Wait for ``condition``; fail the test naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


REPORT_HEADER = ["report_id", "narrative", "region", "sector", "exploitation_type", "month", "grade",
                 "indicators", "victims_count", "time_sensitive", "reporter"]
MENTION_HEADER = ["record_id", "given_name", "family_name", "date_of_birth", "phone", "vehicle_registration"]


def write_reports(directory: Path, prefix: str, phones: list[str], *, urgent: int | None = None) -> tuple[Path, Path]:
    """A member's import files: one report per phone number, the phone in its narrative.

    Report ``urgent`` (an index) is graded 1AP and time-sensitive, so an alert may be raised on it.
    """
    import csv

    directory.mkdir(parents=True, exist_ok=True)
    reports, mentions = directory / f"{prefix}.reports.csv", directory / f"{prefix}.mentions.csv"
    with reports.open("w", newline="") as rh, mentions.open("w", newline="") as mh:
        rw, mw = csv.writer(rh), csv.writer(mh)
        rw.writerow(REPORT_HEADER)
        mw.writerow(MENTION_HEADER)
        for i, phone in enumerate(phones):
            rid = f"{prefix}-{i + 1}"
            hot = i == urgent
            rw.writerow([
                rid,
                f"Workers at a packhouse said their wages are collected by a driver on {phone}, "
                "who keeps part of them against a travel debt.",
                "TLF", "packhouse", "labour_multiple_exploiters", "2026-05", "1AP" if hot else "2BP",
                "withholding_of_wages;debt_bondage", "4", "true" if hot else "false", "Site visit",
            ])
            mw.writerow([rid, "", "", "", phone, ""])
    return reports, mentions
