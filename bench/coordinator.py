"""Coordinator benchmark: intake over real gRPC + mutual TLS against a raw insert baseline, and scale.

    python bench/coordinator.py                                   # SQLite files, defaults
    python bench/coordinator.py --url postgresql+psycopg://u@h:p/db --processes 1 2 4
    python bench/coordinator.py --url ... --intake-records 0 --records 10000000 --members 50

``--url`` names a PostgreSQL database the bench may create sibling databases from (one
fresh database per run, dropped afterwards); without it every run gets a fresh SQLite file.

Prints, per figure, the median of ``--repeat`` runs:

1. intake records/s through SubmitBatch on loopback with mutual TLS to ``--processes`` N
   ``msin coordinator serve`` processes on one store, as deployed (members spread over
   them round-robin; matching on; ~8 tokens a record), with the redaction verifier on
   (the headline) and off. Narratives are redacted held-out corpus reports
   (``msin_fed.redaction.corpus``, split ``heldout``, a seed not tuned on) that the
   verifier passes, redacted before timing. Requests are built and signed before timing.
   With each, the CPU seconds per record of the coordinator processes (their intake
   workers included), of the database server and of the client. ``--compare-python PY``
   also runs intake (verified unless ``--no-verify-run``, and unverified) with coordinators
   started by another interpreter (another checkout's venv: the build before a change),
   interleaved in the same runs;
2. the raw insert rate of the same rows into the same schema in the same run (records,
   submission ids, token rows in key order and packed tokens): COPY on PostgreSQL (text
   and binary, the faster counts; binary encoded as intake encodes it), the store's own
   multi-row inserts on SQLite; one transaction per batch, rows built before timing; and
   the ratio of unverified intake to it (the median of each run's ratio, since the
   machine's speed drifts between runs);
3. with ``--records N``: time and peak memory to hold and match N records from
   ``--scale-members`` members through the coordinator's MatchEngine in this process
   (records and token rows through the store's bulk inserts, matching batch by batch
   as intake does, batches of 5,000); peak PSS of this process and, on PostgreSQL, of
   the server's processes, sampled every second. Progress goes to stderr.

On PostgreSQL each intake figure also shows the write lock (the part of intake that is
serial across processes, from each process's counters in its log): milliseconds held per
record, and the share of the run's wall time it was held (summed over the processes; the
Amdahl serial fraction of a saturated run, so at most 1/share times the throughput with any
number of processes). ``--lock-modes transaction serial-part`` runs each figure with the
lock held over the whole intake transaction (``MSIN_WRITE_LOCK=transaction``, how it was
before) and only over its serial part (the default), in the same run;
``--intake-transactions 1 2 auto`` runs each figure with one (the default), with two and
with "auto" intake transactions in flight per process (``store.intake_transactions``;
without the option none is written to the configuration, so each build runs its own
default).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import sqlalchemy as sa
import tomli_w
from msin_fed.coordinator.matching import MatchEngine, prepare_tokens
from msin_fed.coordinator.store import RECORD_COLUMNS, SharedStore, bulk_insert
from msin_fed.coordinator.store.postings import token_copy_columns
from msin_fed.coordinator.token_columns import TokenColumns

from bench._procs import MemorySampler, Tree, postmaster_of
from msin_fed import pki
from msin_fed.model import ExploitationType, Grade, Region, Sector, SharedRecord, Tlp, Token
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import record_to_pb, sign_batch

KINDS = ("phone", "email", "vehicle", "name_dob", "name_phon_dob", "dob_postcode", "address", "name_lsh_dob")
TOKEN_COLUMNS = ("record_id", "member_id", "kind", "value", "epoch", "key")
RECORD_TOKEN_COLUMNS = ("record_id", "member_id", "tokens")
SUBMISSION_COLUMNS = ("submission_id", "member_id", "record_id")
SCALE_NARRATIVES = (
    "<PERSON_1> collected <PERSON_2> and four others from the farm in a van before dawn.",
    "Workers at <LOCATION_1> said <PERSON_1> kept their passports and took wages for rent.",
    "A labour provider at <ADDRESS_1> housed twelve workers in one caravan; debts were claimed.",
)
GRADE = Grade.parse("2BP")
GiB = 2**30


#: Kinds a person keeps across every record of them (name and date of birth, and what is
#: made of them); the other kinds are contact details a record may or may not hold.
PERSON_KINDS = frozenset(("name_dob", "name_phon_dob", "name_lsh_dob", "dob_postcode"))


class TokenSource:
    """Random 64-byte tokens; a share ``p_shared`` of records are of people from a pool.

    The people are consistent, as real ones are: every record of one keeps its name and
    date of birth tokens and holds each contact detail (phone, e-mail, vehicle, address)
    with probability ``p_contact``, a fresh random one otherwise. A phone shared under a
    different name and date of birth is a disagreement to the matcher, so independent
    draws per kind would match nothing.
    """

    def __init__(self, n_records: int, p_shared: float = 0.03, seed: int = 7, p_contact: float = 0.6) -> None:
        self.rng = random.Random(seed)
        self.p = p_shared
        self.p_contact = p_contact
        pool = max(10, int(n_records * p_shared / 2))
        self.people = [{k: self.rng.randbytes(64) for k in KINDS} for _ in range(pool)]

    def pairs(self) -> list[tuple[str, bytes]]:
        rng = self.rng
        if rng.random() >= self.p:
            return [(k, rng.randbytes(64)) for k in KINDS]
        person = rng.choice(self.people)
        return [
            (k, person[k] if k in PERSON_KINDS or rng.random() < self.p_contact else rng.randbytes(64)) for k in KINDS
        ]


def random_id(rng: random.Random) -> str:
    """A record id as nodes make them: random, as the indexes see them in deployment."""
    return "r-" + uuid.UUID(int=rng.getrandbits(128), version=4).hex


def submission_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_records(n: int, members: Sequence[str], source: TokenSource, narratives: Sequence[str]) -> list[SharedRecord]:
    return [
        SharedRecord(
            record_id=random_id(source.rng),
            member_id=members[i % len(members)],
            narrative=narratives[i % len(narratives)],
            tokens=tuple(Token(k, v, 1) for k, v in source.pairs()),
            region=Region.SOUTH_WEST,
            sector=Sector.GROWING_PICKING,
            exploitation_type=ExploitationType.LABOUR_EXPLOITATION,
            month=f"2025-{1 + i % 12:02d}",
            grade=GRADE,
            tlp=Tlp.AMBER,
        )
        for i in range(n)
    ]


def clean_narratives(n: int, seed: int) -> list[str]:
    """Held-out corpus reports as the first pass redacts them, keeping those the
    coordinator's verifier passes (a refused one would fail its whole batch)."""
    from msin_fed.coordinator.server import load_verifier

    from msin_fed.errors import RedactionRefused
    from msin_fed.redaction import Redactor
    from msin_fed.redaction.corpus import generate

    docs = generate("heldout", n, seed)
    redacted = [r.text for r in Redactor().redact_many([(d.text, d.known) for d in docs])]
    verifier = load_verifier()
    out = []
    for text in redacted:
        try:
            verifier.verify(text)
        except RedactionRefused:
            continue
        out.append(text)
    return out


# ------------------------------------------------------------------ databases


class Databases:
    """A fresh store URL per run: a SQLite file under ``root``, or a new database on the
    PostgreSQL server of ``url`` (created from it, dropped at the end)."""

    def __init__(self, url: str | None, root: Path) -> None:
        self.url = url
        self.root = root
        self.made: list[str] = []

    @property
    def postgres(self) -> bool:
        return self.url is not None

    def _admin(self) -> tuple[str, str]:
        assert self.url is not None
        u = sa.engine.make_url(self.url)
        return u.set(drivername="postgresql").render_as_string(hide_password=False), u.database or ""

    def fresh(self, tag: str) -> str:
        if self.url is None:
            return str(self.root / f"{tag}.db")
        import psycopg

        dsn, base = self._admin()
        name = f"{base}_bench_{tag}_{os.getpid()}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return sa.engine.make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def dsn(self, url: str) -> str:
        return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def server(self) -> Tree | None:
        """The PostgreSQL server's process tree (the server runs on this host)."""
        if self.url is None:
            return None
        import psycopg

        dsn, _ = self._admin()
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
            assert row is not None
            return Tree(postmaster_of(int(row[0])))

    def settings(self) -> str:
        if self.url is None:
            return ""
        import psycopg

        names = ("shared_buffers", "work_mem", "max_wal_size", "fsync", "synchronous_commit", "wal_level")
        dsn, _ = self._admin()
        with psycopg.connect(dsn) as conn:
            rows = conn.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s) ORDER BY name", (list(names),)
            ).fetchall()
            version = conn.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {version[0] if version else '?'}: " + ", ".join(f"{n}={v}" for n, v in rows)

    def settle(self) -> None:
        """Drop the databases made so far and checkpoint, so that the next run does not pay
        for the last one's background writes (a run after another was 10-20% slower)."""
        self.drop_all()
        if self.url is None:
            return
        import psycopg

        dsn, _ = self._admin()
        with psycopg.connect(dsn, autocommit=True) as conn:
            try:
                conn.execute("CHECKPOINT")
            except psycopg.errors.InsufficientPrivilege:
                pass  # not a superuser: dropping the databases is most of it

    def drop_all(self) -> None:
        if self.url is None or not self.made:
            return
        import psycopg

        dsn, _ = self._admin()
        with psycopg.connect(dsn, autocommit=True) as conn:
            for name in self.made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()


# ------------------------------------------------------------------ raw baseline


def _rows(records: Sequence[SharedRecord]) -> tuple[Any, ...]:
    """The rows intake stores for ``records``: records, submissions, token rows (in key
    order, as intake sends them) and packed tokens; and the token rows as the columns
    intake encodes them from (:func:`.store.postings.token_copy_columns`)."""
    prepared = [(r, prepare_tokens(r.record_id, r.member_id, r.tokens, 1)) for r in records]
    recs = [SharedStore.record_values(r) for r in records]
    subs = [(str(uuid.uuid5(uuid.NAMESPACE_OID, r.record_id)), r.member_id, r.record_id) for r in records]
    toks = sorted((row for _r, p in prepared for row in p.rows), key=lambda row: row[5])
    packed = [(r.record_id, r.member_id, p.packed) for r, p in prepared]
    # The token rows as intake holds them too (columns, key order), for its binary encoding.
    cols = TokenColumns.from_records({r.record_id: p for r, p in prepared})
    order = np.argsort(cols.keys, kind="stable")
    columns = token_copy_columns(
        cols.record_ids, cols.member_ids, cols.owners(), cols.kinds, cols.values, cols.epochs, cols.keys, order
    )
    return recs, subs, toks, packed, columns


def raw_insert_rate(records: Sequence[SharedRecord], dbs: Databases, tag: str, batch: int) -> float:
    """Records/s writing the rows intake writes (records, submissions, tokens,
    record_tokens) for ``records`` into a fresh store's schema, one transaction per
    batch: COPY on PostgreSQL (the faster of text COPY and binary COPY, the binary data
    encoded as intake encodes it, :mod:`coordinator.store.copy_binary`), the store's
    multi-row inserts on SQLite. Rows are built before timing; no checks, no matching."""
    url = dbs.fresh(tag)
    store = SharedStore(url)  # the schema, indexes included
    batches = [_rows(records[i : i + batch]) for i in range(0, len(records), batch)]
    if not dbs.postgres:
        from msin_fed.coordinator.store import record_tokens, submissions, tokens

        start = time.perf_counter()
        for recs, subs, toks, packed, _columns in batches:
            with store.write() as conn:
                store.insert_record_rows(conn, recs)
                bulk_insert(conn, submissions, SUBMISSION_COLUMNS, subs)
                bulk_insert(conn, tokens, TOKEN_COLUMNS, toks)
                bulk_insert(conn, record_tokens, RECORD_TOKEN_COLUMNS, packed)
        elapsed = time.perf_counter() - start
        store.close()
        return len(records) / elapsed
    store.close()
    import datetime as dt

    import psycopg
    from msin_fed.coordinator.store import copy_binary

    now = dt.datetime.now(dt.UTC)
    tables = (
        ("records", RECORD_COLUMNS, (now,)), ("submissions", SUBMISSION_COLUMNS, ()),
        ("tokens", TOKEN_COLUMNS, ()), ("record_tokens", RECORD_TOKEN_COLUMNS, ()),
    )  # fmt: skip
    types = {name: _pg_column_types(url, name, columns) for name, columns, _extra in tables}
    rates = []
    # Text and binary COPY, each into a fresh copy of the schema: which is faster varies
    # with the load, and the baseline is the faster one.
    for binary in (False, True):
        url = dbs.fresh(f"{tag}{'b' if binary else 't'}")
        SharedStore(url).close()
        with psycopg.connect(dbs.dsn(url)) as conn:
            start = time.perf_counter()
            for batch_rows in batches:
                with conn.transaction(), conn.cursor() as cur:
                    for (name, columns, extra), rows in zip(tables, batch_rows[:4], strict=True):
                        sql = f"COPY {name} ({', '.join(columns)}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
                        with cur.copy(sql) as copy:
                            if binary and name == "tokens":  # from columns, as intake encodes them
                                data = copy_binary.encode_columns(
                                    len(rows), [(t, v, i) for t, (v, i) in zip(types[name], batch_rows[4], strict=True)]
                                )
                                assert data is not None, name
                                copy.write(data)
                                continue
                            if binary:
                                data = copy_binary.encode([row + extra for row in rows], types[name])
                                assert data is not None, name
                                copy.write(data)
                                continue
                            for row in rows:
                                copy.write_row(row + extra)
            rates.append(len(records) / (time.perf_counter() - start))
    return max(rates)


def _pg_column_types(url: str, table: str, columns: Sequence[str]) -> list[str]:
    """PostgreSQL's type names of ``table``'s ``columns``, for binary COPY."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = dict(
                conn.execute(
                    sa.text("SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = :t"),
                    {"t": table},
                ).all()
            )
    finally:
        engine.dispose()
    return [found[c] for c in columns]


# ------------------------------------------------------------------ intake over gRPC


class Network:
    """A throwaway CA, a coordinator identity and member identities."""

    def __init__(self, root: Path, members: int) -> None:
        ca = pki.init_ca(root / "ca")
        self.crl = ca / "crl.pem"
        pki.issue(ca, "coordinator", "sttg", root / "coordinator")
        self.coordinator_dir = root / "coordinator"
        self.members = []
        for i in range(members):
            pki.issue(ca, "member", f"m{i:02d}", root / f"m{i:02d}")
            self.members.append(pki.load_identity(root / f"m{i:02d}"))


def _serve(
    run_dir: Path, net: Network, url: str, batch: int, verify: bool, workers: int | None, python: str,
    lock_mode: str = "serial-part", in_flight: int | str | None = None,
) -> tuple[subprocess.Popen[str], int]:
    """Start ``msin coordinator serve`` in its own process, as deployed; (process, port).
    It runs in ``run_dir`` so that ``python`` imports its own checkout, not the one in the
    current directory. ``lock_mode`` is its ``MSIN_WRITE_LOCK``; ``in_flight`` its
    ``store.intake_transactions`` (PostgreSQL only; None: the server's default)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    server: dict[str, object] = {
        "listen": "127.0.0.1:0",
        "identity_dir": str(net.coordinator_dir),
        "crl": str(net.crl),
        "max_batch": max(batch, 1000),
        # Intake throughput, not fairness, is measured: no per-member call rate.
        "member_calls_per_second": 1_000_000,
    }
    if workers is not None:
        server["intake_workers"] = workers
    config = run_dir / "coordinator.toml"
    config.write_text(
        tomli_w.dumps(
            {
                "server": server,
                "store": {"url": url, **({"intake_transactions": in_flight} if in_flight is not None else {})},
                "redaction": {"verify": verify},
                "audit": {"head_file": str(run_dir / "audit.head")},
                "log": {"file": str(run_dir / "coordinator.log")},
            }
        )
    )
    proc = subprocess.Popen(
        [python, "-m", "msin_fed.cli", "coordinator", "serve", "--config", str(config)],
        cwd=run_dir,
        stdout=subprocess.PIPE,
        stderr=(run_dir / "coordinator.stderr").open("w"),
        text=True,
        env={**os.environ, "MSIN_WRITE_LOCK": lock_mode},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "coordinator listening on port N" once it serves
    if "listening on port" not in line:
        proc.kill()
        raise SystemExit(f"the coordinator did not start: {line!r} (see {run_dir / 'coordinator.stderr'})")
    return proc, int(line.rsplit(" ", 1)[1])


@dataclass
class Intake:
    rate: float  # records/s
    cpu_coordinator: float  # CPU seconds per record, coordinator processes and their workers
    cpu_database: float  # the same, PostgreSQL's processes (0 on SQLite: inside the coordinator)
    cpu_client: float  # the same, this process (the member clients)
    lock_held: float = 0.0  # seconds per record the PostgreSQL write lock was held (all processes)
    lock_share: float = 0.0  # share of the run's wall time it was held (summed over processes)
    tx_share: float = 0.0  # share of the intake transactions' time the lock was held
    lock_cpu: float = 0.0  # CPU seconds per record of the writing threads while holding it


_COUNTERS = re.compile(
    r"intake counters: .* ([0-9.]+) s in them \(([0-9.]+) s CPU\), .* held ([0-9.]+) s \(([0-9.]+) s CPU\)"
)


def _lock_counters(log: Path) -> tuple[float, float, float, float]:
    """Seconds in intake transactions, their writing thread's CPU seconds, and the same
    two while holding the write lock, of the process whose log this is (its counters
    line, logged at shutdown); zeros when there is none."""
    found = list(_COUNTERS.finditer(log.read_text())) if log.exists() else []
    if not found:
        return 0.0, 0.0, 0.0, 0.0
    tx, tx_cpu, held, held_cpu = (float(x) for x in found[-1].groups())
    return tx, tx_cpu, held, held_cpu


def _requests(net: Network, records: Sequence[SharedRecord], batch: int) -> dict[str, list[bytes]]:
    by_member = {m.name: m for m in net.members}
    per_member: dict[str, list[SharedRecord]] = {m: [] for m in by_member}
    for r in records:
        per_member[r.member_id].append(r)
    id_rng = random.Random(len(records))
    out: dict[str, list[bytes]] = {m: [] for m in by_member}
    for name, recs in per_member.items():
        key = by_member[name].signing_key
        for i in range(0, len(recs), batch):
            subs = [
                pb.Submission(submission_id=submission_id(id_rng), record=record_to_pb(r).SerializeToString())
                for r in recs[i : i + batch]
            ]
            out[name].append(pb.SubmitBatchRequest(submissions=subs, signature=sign_batch(subs, key)).SerializeToString())
    return out


def intake_rate(
    net: Network, run_dir: Path, dbs: Databases, tag: str, records: Sequence[SharedRecord], batch: int,
    verify: bool, processes: int, workers: int | None, python: str = sys.executable, lock_mode: str = "serial-part",
    in_flight: int | str | None = None,
) -> Intake:
    """Records/s through SubmitBatch over loopback TLS to ``processes`` coordinator
    processes sharing one fresh store (one client thread per member, members spread over
    the processes round-robin)."""
    requests = _requests(net, records, batch)
    url = dbs.fresh(tag)
    # The schema, made once before the servers race to make it, by the build that serves
    # (a --compare-python build may be at an older revision).
    subprocess.run(
        [python, "-c", "import sys; from msin_fed.coordinator.store import SharedStore; SharedStore(sys.argv[1]).close()", url],
        check=True,
    )
    procs = [_serve(run_dir / f"p{i}", net, url, batch, verify, workers, python, lock_mode, in_flight) for i in range(processes)]
    server = dbs.server()
    try:
        names = [m.name for m in net.members]
        ports = {name: procs[i % processes][1] for i, name in enumerate(names)}
        channels = {
            m.name: pki.secure_channel(f"127.0.0.1:{ports[m.name]}", m, role="coordinator", name="sttg") for m in net.members
        }
        calls = {
            name: ch.unary_unary(
                "/msin.v1.Coordinator/SubmitBatch", request_serializer=None,
                response_deserializer=pb.SubmitBatchResponse.FromString,
            )
            for name, ch in channels.items()
        }
        for name in calls:  # handshake before timing
            pb_grpc.CoordinatorStub(channels[name]).ListMatches(pb.ListMatchesRequest(), timeout=60)
        acked = dict.fromkeys(requests, 0)

        def run(name: str) -> None:
            for req in requests[name]:
                acked[name] += len(calls[name](req, timeout=600).acks)

        threads = [threading.Thread(target=run, args=(n,)) for n in requests]
        trees = [Tree(p.pid) for p, _port in procs]
        cpu0 = (sum(t.cpu_seconds() for t in trees), server.cpu_seconds() if server else 0.0, time.process_time())
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        cpu1 = (sum(t.cpu_seconds() for t in trees), server.cpu_seconds() if server else 0.0, time.process_time())
        for ch in channels.values():
            ch.close()
    finally:
        for p, _port in procs:
            p.terminate()
        for p, _port in procs:
            p.wait(60)
    counters = [_lock_counters(run_dir / f"p{i}" / "coordinator.log") for i in range(processes)]
    tx, _tx_cpu, held, held_cpu = (sum(c[k] for c in counters) for k in range(4))
    stored = SharedStore(url)
    n_stored = stored.count_records()
    stored.close()
    assert sum(acked.values()) == n_stored == len(records), (acked, n_stored, len(records))
    n = len(records)
    return Intake(
        n / elapsed, (cpu1[0] - cpu0[0]) / n, (cpu1[1] - cpu0[1]) / n, (cpu1[2] - cpu0[2]) / n,
        held / n, held / elapsed, held / tx if tx else 0.0, held_cpu / n,
    )


# ------------------------------------------------------------------ scale


@dataclass
class Scale:
    records: int
    seconds: float
    peak_coordinator: int  # bytes, PSS of this process (the matching coordinator)
    peak_database: int  # bytes, PSS of the PostgreSQL server's processes (0 on SQLite)
    pairs: int
    clusters: int


def scale_run(n: int, members: int, dbs: Databases, batch: int = 5000) -> Scale:
    """Hold and match n records from ``members`` members (see the module docstring).

    Records are generated as rows per batch (not timed); the timed part is storing the
    records and their tokens and matching them, batch by batch, as intake does.
    """
    url = dbs.fresh("scale")
    source = TokenSource(n, p_shared=0.01, seed=11)
    rng = source.rng
    names = [f"m{i:02d}" for i in range(members)]
    columns = [c for c in RECORD_COLUMNS if c != "received_at"]  # the store adds it
    store = SharedStore(url)
    engine = MatchEngine(store, single_writer=True)  # as in the coordinator
    server = dbs.server()
    groups = {"coordinator": [Tree(os.getpid())], "database": [server] if server else []}
    elapsed = 0.0
    started = time.perf_counter()
    with MemorySampler(groups, interval=1.0) as mem:
        for i in range(0, n, batch):
            rows, entries = [], []
            for j in range(i, min(i + batch, n)):
                rid, member = random_id(rng), names[j % members]
                row = {
                    "record_id": rid, "member_id": member, "narrative": SCALE_NARRATIVES[j % 3], "region": "TLK",
                    "sector": "growing_picking", "exploitation_type": "labour_exploitation", "indicators": "",
                    "month": f"2025-{1 + j % 12:02d}", "victims_band": "unknown", "grade": "2BP", "tlp": "AMBER",
                    "time_sensitive": False, "epoch": 1, "shared_at": None,
                }  # fmt: skip
                rows.append(tuple(row[c] for c in columns))
                entries.append((rid, member, source.pairs()))
            start = time.perf_counter()
            with store.write() as conn:
                store.insert_record_rows(conn, rows)
                engine.ingest(entries, conn)
            elapsed += time.perf_counter() - start
            done = min(i + batch, n)
            if done % (batch * 20) == 0 or done == n:
                print(
                    f"  scale: {done:,} records in {elapsed:,.0f} s timed ({time.perf_counter() - started:,.0f} s wall), "
                    f"{done / elapsed:,.0f} records/s; peak PSS coordinator {mem.peak['coordinator'] / GiB:.2f} GiB, "
                    f"database {mem.peak['database'] / GiB:.2f} GiB; load {os.getloadavg()[0]:.1f}",
                    file=sys.stderr, flush=True,
                )
        n_pairs = sum(1 for _ in engine.pairs())
        n_clusters = len(engine.clusters())
    store.close()
    return Scale(n, elapsed, mem.peak["coordinator"], mem.peak["database"], n_pairs, n_clusters)


# ------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a PostgreSQL SQLAlchemy URL (default: SQLite files)")
    parser.add_argument("--records", type=int, default=0, help="records for the scale run (0: skip)")
    parser.add_argument("--scale-members", type=int, default=50, help="members of the scale run")
    parser.add_argument("--intake-records", type=int, default=20_000, help="records per intake run (0: skip)")
    parser.add_argument("--batch", type=int, default=500, help="submissions per SubmitBatch")
    parser.add_argument("--members", type=int, default=4, help="member nodes submitting concurrently")
    parser.add_argument("--processes", type=int, nargs="+", default=[1], help="coordinator processes (each a run)")
    parser.add_argument("--intake-workers", type=int, default=None, help="server.intake_workers (default: the server's)")
    parser.add_argument(
        "--lock-modes", nargs="+", default=["serial-part"], choices=["serial-part", "transaction"],
        help="PostgreSQL write lock over the serial part of intake (default) or the whole transaction (before)",
    )
    parser.add_argument(
        "--intake-transactions", nargs="+", type=lambda v: v if v == "auto" else int(v), default=[None],
        choices=[1, 2, "auto"],
        help="PostgreSQL: store.intake_transactions of the coordinators (each value a variant of every figure)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per intake figure (median)")
    parser.add_argument("--narratives", type=int, default=300, help="held-out corpus reports to redact for intake")
    parser.add_argument("--no-verify-run", action="store_true", help="skip the verifier-on intake runs")
    parser.add_argument(
        "--compare-python", help="also run intake with coordinators of this interpreter (another build)"
    )
    args = parser.parse_args(argv)

    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="msin-bench-") as tmp:
        root = Path(tmp)
        dbs = Databases(args.url, root)
        if dbs.postgres:
            print(dbs.settings())
        try:
            if args.intake_records:
                _intake(args, root, dbs)
            if args.records:
                s = scale_run(args.records, args.scale_members, dbs)
                print(
                    f"hold and match {s.records:,} records from {args.scale_members} members: {s.seconds:,.0f} s "
                    f"({s.records / s.seconds:,.0f} records/s); peak PSS coordinator {s.peak_coordinator / GiB:.2f} GiB"
                    + (f", PostgreSQL {s.peak_database / GiB:.2f} GiB" if dbs.postgres else "")
                    + f"; {s.pairs:,} matched pairs in {s.clusters:,} clusters"
                )
        finally:
            dbs.drop_all()
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


def _intake(args: argparse.Namespace, root: Path, dbs: Databases) -> None:
    net = Network(root, args.members)
    names = [m.name for m in net.members]
    narratives = clean_narratives(args.narratives, seed=90210)
    mean_len = sum(map(len, narratives)) / len(narratives)
    print(f"narratives: {len(narratives)} redacted held-out reports the verifier passes, {mean_len:.0f} characters on average")
    kind = "COPY" if dbs.postgres else "multi-row INSERT"
    # (label, verify, interpreter, lock mode, transactions in flight): the headline with the
    # verifier on, then off, then off with the build compared against; each in every lock
    # mode and number of intake transactions asked for.
    modes = args.lock_modes if dbs.postgres else ["serial-part"]
    flights = args.intake_transactions if dbs.postgres else [None]
    variants: list[tuple[str, bool, str, str, int | str | None]] = []
    for mode in modes:
        for flight in flights:
            over = (f", lock over {mode}" if len(modes) > 1 else "") + (
                f", intake_transactions {flight}" if len(flights) > 1 else ""
            )
            if not args.no_verify_run:
                variants.append(("verifier on " + over, True, sys.executable, mode, flight))
            variants.append(("verifier off" + over, False, sys.executable, mode, flight))
    if args.compare_python:
        if not args.no_verify_run:
            variants.append(("verifier on, --compare-python build", True, args.compare_python, modes[-1], flights[-1]))
        variants.append(("verifier off, --compare-python build", False, args.compare_python, modes[-1], flights[-1]))
    for n_proc in args.processes:
        results: dict[str, list[Intake]] = {label: [] for label, _v, _p, _m, _f in variants}
        raw: list[float] = []
        loads: list[float] = []
        for rep in range(args.repeat):
            recs = make_records(args.intake_records, names, TokenSource(args.intake_records, seed=rep), narratives)
            raw.append(raw_insert_rate(recs, dbs, f"raw{n_proc}_{rep}", args.batch))
            # In turn first, so that drift in the machine's speed hits each alike; each run on
            # a settled server (the one after another was 10-20% slower, whatever it ran).
            for k, (label, verify, python, mode, flight) in (
                list(enumerate(variants)) if rep % 2 == 0 else list(enumerate(variants))[::-1]
            ):
                dbs.settle()
                tag = f"in{n_proc}_{rep}_{k}"
                results[label].append(
                    intake_rate(
                        net, root / tag, dbs, tag, recs, args.batch, verify, n_proc, args.intake_workers, python, mode,
                        flight,
                    )
                )
            loads.append(os.getloadavg()[0])
            dbs.drop_all()
        med_raw = statistics.median(raw)
        print(f"\n{n_proc} coordinator process(es), {args.members} members, batches of {args.batch}, "
              f"{args.intake_records:,} records a run, median of {args.repeat} "
              f"(load average {min(loads):.1f} to {max(loads):.1f} after the runs):")
        for label, runs in results.items():
            rate = statistics.median(r.rate for r in runs)
            ratio = statistics.median(r.rate / b for r, b in zip(runs, raw, strict=True))
            fields = ("cpu_coordinator", "cpu_database", "cpu_client", "lock_held", "lock_share", "tx_share", "lock_cpu")
            cpu = [statistics.median(getattr(r, f) for r in runs) for f in fields]
            lock = (
                f"; write lock held {cpu[3] * 1e3:.3f} ms/record ({cpu[6] * 1e3:.3f} of it writer CPU), "
                f"{cpu[4]:.0%} of the run, {cpu[5]:.0%} of the intake transactions"
                if dbs.postgres else ""
            )
            print(f"  intake, {label}: {rate:,.0f} records/s ({ratio:.0%} of raw, per run "
                  f"{', '.join(f'{r.rate / b:.0%}' for r, b in zip(runs, raw, strict=True))}); CPU ms/record: "
                  f"coordinator {cpu[0] * 1e3:.3f}, database {cpu[1] * 1e3:.3f}, client {cpu[2] * 1e3:.3f}{lock}")
        print(f"  raw {kind} of the same rows: {med_raw:,.0f} records/s")

if __name__ == "__main__":
    sys.exit(main())
