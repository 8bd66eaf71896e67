"""Schema migrations (Alembic, run when a store opens): new stores, stores of today's
schema and of older shapes upgrade in place; the SQLite store refuses a second process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from msin_fed.coordinator.audit import AuditLog
from msin_fed.coordinator.cases import case_metadata
from msin_fed.coordinator.matching import MatchEngine
from msin_fed.coordinator.store import SharedStore, metadata, record_tokens, tokens, unpack_tokens
from msin_fed.coordinator.store.migrate import current_revision, head_revision

from msin_fed import pki
from msin_fed.errors import StoreError

from .conftest import drop_postgres_store, record, tok

#: The tables of stores written before migrations existed.
BEFORE_MIGRATIONS = (
    "records", "submissions", "tokens", "record_tokens", "pairs", "cluster_of", "events", "alerts", "actions", "audit",
)
#: What stores written before this revision carry and nothing reads.
ORPHANS = {"ix_tokens_record_id", "ix_tokens_value", "ix_submissions_record_id"}


#: A record_tokens row as these tests compare it (without the transaction number).
_PACKED = (record_tokens.c.record_id, record_tokens.c.member_id, record_tokens.c.tokens)


def _indexes(engine: sa.Engine) -> set[str]:
    inspector = sa.inspect(engine)
    return {ix["name"] for t in inspector.get_table_names() for ix in inspector.get_indexes(t) if ix["name"]}


def _old_store(url: str) -> None:
    """A store as the code before migrations left it: ``create_all`` of this schema, the
    indexes older versions created and no ``alembic_version`` table."""
    engine = sa.create_engine(url)
    try:
        metadata.create_all(engine, tables=[metadata.tables[name] for name in BEFORE_MIGRATIONS])
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE INDEX ix_tokens_record_id ON tokens (record_id)")
            conn.exec_driver_sql("CREATE INDEX ix_tokens_value ON tokens (value)")
            conn.exec_driver_sql("CREATE INDEX ix_submissions_record_id ON submissions (record_id)")
    finally:
        engine.dispose()


def _forget_migrations(store: SharedStore) -> None:
    """Make the store look written before migrations: no version, no later tables."""
    with store.write() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
        for name in set(sa.inspect(conn).get_table_names()) - set(BEFORE_MIGRATIONS):
            conn.exec_driver_sql(f"DROP TABLE {name}")


def test_a_new_store_is_at_the_latest_revision_and_matches_the_schema(store: SharedStore) -> None:
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as conn:
        # What the migrations built is exactly what schema.py declares (tables, columns,
        # types, nullability, indexes): a change to one without the other fails here.
        everything = sa.MetaData()
        for table in [*metadata.tables.values(), *case_metadata.tables.values()]:
            table.to_metadata(everything)
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), everything)
    assert diff == []
    assert not (_indexes(store.engine) & ORPHANS)


def test_a_store_of_todays_schema_upgrades_in_place(store: SharedStore, tmp_path: Path) -> None:
    url = store.url
    store.close()
    if store.is_sqlite:
        Path(sa.engine.make_url(url).database or "").unlink()
    else:
        drop_postgres_store(url)
    _old_store(url)
    engine = sa.create_engine(url)
    assert ORPHANS <= _indexes(engine)
    assert current_revision(engine) is None
    # Data written the old way: records, tokens, audit; then the store opens.
    with engine.begin() as conn:
        conn.execute(
            tokens.insert(),
            [{"record_id": "r0", "member_id": "m", "kind": "phone", "value": b"\x01" * 64, "epoch": 1, "key": 1}],
        )
    engine.dispose()
    opened = SharedStore(url)
    try:
        assert current_revision(opened.engine) == head_revision()
        assert not (_indexes(opened.engine) & ORPHANS)
        with opened.read() as conn:
            # The old migration (record_tokens filled from tokens) ran as part of the baseline.
            assert [(r, unpack_tokens(t)) for r, _m, t in conn.execute(sa.select(*_PACKED))] == [
                ("r0", [("phone", b"\x01" * 64)])
            ]
        # And the store works: intake, matching and the audit chain on the upgraded schema.
        engine_ = MatchEngine(opened)
        rec = record("alpha", "a1", (tok("phone", "p"),))
        with opened.write() as conn:
            opened.insert_records(conn, [rec])
            engine_.ingest([("a1", "alpha", rec.tokens)], conn)
            AuditLog(opened, tmp_path / "audit.head").append(conn, "admin", "x", "test", {})
        changes = engine_.ingest([("b1", "beta", [tok("phone", "p")])])
        assert sorted(c.view.record_id for c in changes) == ["a1", "b1"]
        assert AuditLog(opened, tmp_path / "audit.head").verify().ok
    finally:
        opened.close()
    # Opening again is a no-op (already at the latest revision).
    again = SharedStore(url)
    assert current_revision(again.engine) == head_revision()
    again.close()


def test_a_store_from_before_record_tokens_is_filled_once_and_matches_as_before(store: SharedStore) -> None:
    engine = MatchEngine(store)
    engine.ingest([("a1", "alpha", [tok("phone", "p"), tok("email", "e")]), ("c1", "gamma", [tok("vehicle", "v")])])
    with store.read() as conn:
        before = {r: (m, sorted(unpack_tokens(t))) for r, m, t in conn.execute(sa.select(*_PACKED))}
    with store.write() as conn:  # as an earlier version left it: tokens only, no migrations
        conn.execute(record_tokens.delete())
    _forget_migrations(store)
    reopened = SharedStore(store.url)
    try:
        with reopened.read() as conn:
            after = {r: (m, sorted(unpack_tokens(t))) for r, m, t in conn.execute(sa.select(*_PACKED))}
        assert after == before and set(after) == {"a1", "c1"}
        # Matching reads the filled rows: b1 scores against a1's two tokens, then a1 withdraws.
        engine = MatchEngine(reopened)
        changes = engine.ingest([("b1", "beta", [tok("phone", "p"), tok("email", "e")])])
        assert {c.view.record_id: sorted(c.view.kinds) for c in changes} == {
            "a1": ["email", "phone"],
            "b1": ["email", "phone"],
        }
        assert [c.view.record_id for c in engine.withdraw("a1")] == ["b1"]
        with reopened.read() as conn:
            assert (
                conn.execute(
                    sa.select(sa.func.count()).select_from(tokens).where(tokens.c.record_id == "a1")
                ).scalar()
                == 0
            )
            assert sorted(conn.execute(sa.select(record_tokens.c.record_id)).scalars()) == ["b1", "c1"]
    finally:
        reopened.close()


def test_a_second_coordinator_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    first = SharedStore(path, serving=True)
    try:
        # Another process: refused, with the reason and the way out.
        probe = (
            "import sys\n"
            "from msin_fed.coordinator.store import SharedStore\n"
            "from msin_fed.errors import StoreError\n"
            "try:\n"
            f"    SharedStore({str(path)!r}, serving=True)\n"
            "except StoreError as exc:\n"
            "    print(exc); sys.exit(7)\n"
        )
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
        assert done.returncode == 7, done.stderr
        assert "in use by another coordinator process" in done.stdout and "PostgreSQL" in done.stdout
        # This process too (a second server on the same file in one process).
        with pytest.raises(StoreError, match="in use by another coordinator"):
            SharedStore(path, serving=True)
        # Readers (audit verify, insight reports) open it while it serves.
        reader = SharedStore(path)
        assert reader.count_records() == 0
        reader.close()
        assert (path.with_name("shared.db.lock").stat().st_mode & 0o077) == 0
    finally:
        first.close()
    # Released on close; and a process killed while holding it leaves no stale lock.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import time; from msin_fed.coordinator.store import SharedStore; "
            f"SharedStore({str(path)!r}, serving=True); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreError):
            SharedStore(path, serving=True)
    finally:
        holder.kill()
        holder.wait(30)
    SharedStore(path, serving=True).close()


def test_a_second_coordinator_serve_on_one_sqlite_store_exits_with_the_reason(
    tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    identity = make_identity("coordinator", "sttg")
    assert identity.directory is not None
    config = tmp_path / "coordinator.toml"
    config.write_text(
        f'[server]\nlisten = "127.0.0.1:0"\nidentity_dir = "{identity.directory}"\n'
        f'crl = "{identity.directory / "crl.pem"}"\nintake_workers = 0\n'
        f'[store]\nurl = "{tmp_path / "coordinator.db"}"\n[redaction]\nverify = false\n'
    )
    command = [sys.executable, "-m", "msin_fed.cli", "coordinator", "serve", "--config", str(config)]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert first.stdout is not None and "listening on port" in first.stdout.readline()
        second = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1
        assert "in use by another coordinator process" in second.stderr
        assert f"pid {first.pid}" in second.stderr
    finally:
        first.terminate()
        assert first.wait(60) == 0
