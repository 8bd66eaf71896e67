"""Fixtures for coordinator tests: signed records, stores on SQLite and PostgreSQL, a live server."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from msin_fed.coordinator.cases import case_metadata
from msin_fed.coordinator.config import CoordinatorConfig
from msin_fed.coordinator.server import CoordinatorServer
from msin_fed.coordinator.store import SharedStore, metadata

from msin_fed import pki
from msin_fed.model import ExploitationType, Grade, Region, Sector, SharedRecord, Tlp, Token
from msin_fed.oprf import derive_key_pair
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import record_to_pb, sign_batch

EPOCH = 1


def tok(kind: str, label: str, epoch: int = EPOCH) -> Token:
    """A deterministic stand-in for an OPRF token of ``label``."""
    return Token(kind, hashlib.sha512(f"{kind}:{label}".encode()).digest(), epoch)


#: The OPRF key of the wire tests' tokens: one random key per test run.
TOKEN_KEY, _TOKEN_PK = derive_key_pair(os.urandom(32), b"coordinator wire tests")


def row_tokens(row: dict[str, str], key: bytes = TOKEN_KEY) -> tuple[Token, ...]:
    """The real OPRF tokens (under ``key``) of one canonical mention row, as a node makes them."""
    from msin_fed.linkage.mentions import mention_from_row
    from msin_fed.linkage.pipeline import oprf_tokenize
    from msin_fed.token_inputs import inputs_for_mention

    mention, problems = mention_from_row({"record_id": "x", **row})
    assert mention is not None, problems
    inputs = inputs_for_mention(mention)
    values = oprf_tokenize([i.data for i in inputs], key)
    return tuple(Token(i.kind, v, EPOCH) for i, v in zip(inputs, values, strict=True))


def record(
    member: str,
    record_id: str,
    tokens: tuple[Token, ...] = (),
    narrative: str = "<PERSON_1> collected workers from the farm in a van.",
    grade: str = "1AP",
    time_sensitive: bool = False,
    month: str = "2025-03",
) -> SharedRecord:
    return SharedRecord(
        record_id=record_id,
        member_id=member,
        narrative=narrative,
        tokens=tokens,
        region=Region.SOUTH_WEST,
        sector=Sector.GROWING_PICKING,
        exploitation_type=ExploitationType.LABOUR_EXPLOITATION,
        month=month,
        grade=Grade.parse(grade),
        tlp=Tlp.AMBER,
        time_sensitive=time_sensitive,
    )


def submission(rec: SharedRecord, submission_id: str | None = None) -> pb.Submission:
    """The (unsigned) submission of ``rec``; :func:`signed_batch` signs a batch of them."""
    return pb.Submission(submission_id=submission_id or f"sub-{rec.record_id}", record=record_to_pb(rec).SerializeToString())


def signed_batch(identity: pki.Identity, *subs: pb.Submission) -> pb.SubmitBatchRequest:
    """A SubmitBatchRequest of ``subs`` signed with ``identity``'s record-signing key."""
    return pb.SubmitBatchRequest(submissions=list(subs), signature=sign_batch(subs, identity.signing_key))


def require_postgres() -> str:
    url = os.environ.get("MSIN_TEST_POSTGRES_URL", "")
    if not url:
        if os.environ.get("MSIN_REQUIRE_POSTGRES") == "1":
            pytest.fail("MSIN_REQUIRE_POSTGRES=1 but MSIN_TEST_POSTGRES_URL is not set")
        pytest.skip("MSIN_TEST_POSTGRES_URL not set (run scripts/pg_throwaway.sh start)")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SharedStore]:
    """An empty shared store on SQLite (a file) and on PostgreSQL."""
    if request.param == "sqlite":
        s = SharedStore(tmp_path / "shared.db")
    else:
        url = require_postgres()
        drop_postgres_store(url)
        s = SharedStore(url)
    yield s
    s.close()
    if request.param == "postgres":
        drop_postgres_store(url)


def drop_postgres_store(url: str) -> None:
    """Drop every table of the shared store and its migration record (a new store next)."""
    engine = sa.create_engine(url)
    try:
        metadata.drop_all(engine)
        case_metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def coordinator_identity(make_identity: Callable[[str, str], pki.Identity]) -> pki.Identity:
    return make_identity("coordinator", "sttg")


def make_config(tmp_path: Path, identity: pki.Identity, **overrides: Any) -> CoordinatorConfig:
    assert identity.directory is not None
    values: dict[str, Any] = {
        "identity_dir": identity.directory,
        "crl": identity.directory / "crl.pem",
        "crl_number_file": tmp_path / "crl.number",
        "store_url": str(tmp_path / "coordinator.db"),
        "listen": "127.0.0.1:0",
        "epoch": EPOCH,
        "verify_redaction": False,
        "grace_seconds": 5.0,
        "audit_head_file": tmp_path / "audit.head",
        "intake_workers": 0,  # checks in-process; test_intake_workers.py covers worker processes
    }
    values.update(overrides)
    return CoordinatorConfig(**values)


class Live:
    """A running coordinator and channels to it."""

    def __init__(self, server: CoordinatorServer) -> None:
        self.server = server
        self.port = server.port
        self._channels: list[grpc.Channel] = []

    def stub(self, identity: pki.Identity) -> pb_grpc.CoordinatorStub:
        channel = pki.secure_channel(f"127.0.0.1:{self.port}", identity, role="coordinator", name="sttg")
        self._channels.append(channel)
        return pb_grpc.CoordinatorStub(channel)

    def close(self) -> None:
        for c in self._channels:
            c.close()


@pytest.fixture
def live(tmp_path: Path, coordinator_identity: pki.Identity) -> Iterator[Live]:
    """A coordinator on loopback with mutual TLS, SQLite store, redaction check off."""
    with CoordinatorServer(make_config(tmp_path, coordinator_identity)) as server:
        handle = Live(server)
        yield handle
        handle.close()


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Start ``fn`` in a thread; the list receives its result or the exception it raised."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn())
        except BaseException as exc:
            out.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def lock_waits(conn: sa.Connection) -> dict[str, int]:
    """How many sessions of this database wait on a lock, by wait event (``advisory`` for
    the write lock, ``transactionid`` for another transaction's uncommitted rows)."""
    rows = conn.exec_driver_sql(
        "SELECT wait_event, count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' GROUP BY wait_event"
    ).all()
    return {str(event): int(n) for event, n in rows}
