"""Coordinator benchmark: intake over real gRPC + TLS vs raw database inserts, and 1M-record matching.

    python bench/coordinator.py                       # full run (a few minutes)
    python bench/coordinator.py --records 100000      # smaller scale run
    python bench/coordinator.py --redaction-sample 0  # skip the Presidio intake run

Prints, per figure, the median of ``--repeat`` runs:

1. intake records/s through SubmitBatch on loopback with mutual TLS to ``msin coordinator
   serve`` running in its own process as deployed, matching on, each record ~8 tokens
   (batch signature, schema, epoch checks; batches of ``--batch`` from ``--members``
   concurrent clients), with the redaction verifier off, and separately with the real
   Presidio verifier on a sample;
2. the raw insert rate of the same records and tokens into the same kind of SQLite
   file (the store's own driver-level inserts, one transaction per batch), measured in
   the same run, and the ratio;
3. time and peak memory (ru_maxrss) to hold and match ``--records`` records from 20
   members through the in-process MatchEngine on SQLite.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import tomli_w
from msin_fed.coordinator.matching import RECORD_TOKEN_COLUMNS, TOKEN_COLUMNS, MatchEngine, prepare_tokens
from msin_fed.coordinator.store import (
    RECORD_COLUMNS,
    SharedStore,
    bulk_insert,
    record_tokens,
    tokens,
)

from msin_fed import pki
from msin_fed.model import ExploitationType, Grade, Region, Sector, SharedRecord, Tlp, Token
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import record_to_pb, sign_batch

KINDS = ("phone", "email", "vehicle", "name_dob", "name_phon_dob", "dob_postcode", "address", "name_lsh_dob")
NARRATIVES = (
    "<PERSON_1> collected <PERSON_2> and four others from the farm in a van before dawn.",
    "Workers at <LOCATION_1> said <PERSON_1> kept their passports and took wages for rent.",
    "A labour provider at <ADDRESS_1> housed twelve workers in one caravan; debts were claimed.",
)
GRADE = Grade.parse("2BP")


class TokenSource:
    """Random 64-byte tokens; a share ``p_shared`` drawn from a per-kind pool so records match."""

    def __init__(self, n_records: int, p_shared: float = 0.03, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.p = p_shared
        pool = max(10, int(n_records * p_shared / 2))
        self.pools = {k: [self.rng.randbytes(64) for _ in range(pool)] for k in KINDS}

    def tokens(self) -> tuple[Token, ...]:
        rng = self.rng
        return tuple(
            Token(k, rng.choice(self.pools[k]) if rng.random() < self.p else rng.randbytes(64), 1)
            for k in KINDS
        )


def random_id(rng: random.Random) -> str:
    """A record id as nodes make them ("r-" and a random UUID's hex): random, as the
    indexes see them in deployment, not in insertion order."""
    return "r-" + uuid.UUID(int=rng.getrandbits(128), version=4).hex


def submission_id(rng: random.Random) -> str:
    """A submission id as nodes make them (a random UUID)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_records(n: int, members: Sequence[str], source: TokenSource) -> list[SharedRecord]:
    return [
        SharedRecord(
            record_id=random_id(source.rng),
            member_id=members[i % len(members)],
            narrative=NARRATIVES[i % len(NARRATIVES)],
            tokens=source.tokens(),
            region=Region.SOUTH_WEST,
            sector=Sector.GROWING_PICKING,
            exploitation_type=ExploitationType.LABOUR_EXPLOITATION,
            month=f"2025-{1 + i % 12:02d}",
            grade=GRADE,
            tlp=Tlp.AMBER,
        )
        for i in range(n)
    ]


def raw_insert_rate(records: Sequence[SharedRecord], db: Path, batch: int) -> float:
    """Records/s inserting records and tokens (their rows in ``tokens`` and ``record_tokens``)
    through the store's driver-level inserts, no checks, no matching."""
    store = SharedStore(db)
    start = time.perf_counter()
    for i in range(0, len(records), batch):
        chunk = records[i : i + batch]
        with store.write() as conn:
            store.insert_records(conn, chunk)
            # The rows intake stores, built as its workers build them (prepare_tokens).
            prepared = [(r, prepare_tokens(r.record_id, r.member_id, r.tokens, 1)) for r in chunk]
            rows = [row for _r, p in prepared for row in p.rows]
            rows.sort(key=lambda row: row[5])  # in key order, as intake inserts them
            bulk_insert(conn, tokens, TOKEN_COLUMNS, rows)
            packed = [(r.record_id, r.member_id, p.packed) for r, p in prepared]
            bulk_insert(conn, record_tokens, RECORD_TOKEN_COLUMNS, packed)
    elapsed = time.perf_counter() - start
    store.close()
    return len(records) / elapsed


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


def _serve(root: Path, net: Network, batch: int, verify: bool) -> tuple[subprocess.Popen[str], int]:
    """Start ``msin coordinator serve`` in its own process, as deployed; (process, port)."""
    config = root / "coordinator.toml"
    config.write_text(
        tomli_w.dumps(
            {
                "server": {
                    "listen": "127.0.0.1:0",
                    "identity_dir": str(net.coordinator_dir),
                    "crl": str(net.crl),
                    "max_batch": max(batch, 1000),
                    # Intake throughput, not fairness, is measured: no per-member call rate.
                    "member_calls_per_second": 1_000_000,
                },
                "store": {"url": str(root / "intake.db")},
                "redaction": {"verify": verify},
                "audit": {"head_file": str(root / "audit.head")},
                "log": {"file": str(root / "coordinator.log")},
            }
        )
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "msin_fed.cli", "coordinator", "serve", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=(root / "coordinator.stderr").open("w"),
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "coordinator listening on port N" once it serves
    if "listening on port" not in line:
        proc.kill()
        raise SystemExit(f"the coordinator did not start: {line!r}")
    return proc, int(line.rsplit(" ", 1)[1])


def intake_rate(net: Network, root: Path, records: Sequence[SharedRecord], batch: int, verify: bool) -> float:
    """Records/s through SubmitBatch over loopback TLS to a separate coordinator process
    (one client thread per member; requests are built and signed before timing)."""
    by_member: dict[str, pki.Identity] = {m.name: m for m in net.members}
    requests: dict[str, list[bytes]] = {m.name: [] for m in net.members}
    per_member: dict[str, list[SharedRecord]] = {m: [] for m in requests}
    for r in records:
        per_member[r.member_id].append(r)
    id_rng = random.Random(len(records))
    for name, recs in per_member.items():
        key = by_member[name].signing_key
        for i in range(0, len(recs), batch):
            subs = [
                pb.Submission(submission_id=submission_id(id_rng), record=record_to_pb(r).SerializeToString())
                for r in recs[i : i + batch]
            ]
            signature = sign_batch(subs, key)
            requests[name].append(pb.SubmitBatchRequest(submissions=subs, signature=signature).SerializeToString())
    proc, port = _serve(root, net, batch, verify)
    try:
        channels = {m.name: pki.secure_channel(f"127.0.0.1:{port}", m, role="coordinator", name="sttg") for m in net.members}
        calls = {
            name: ch.unary_unary(
                "/msin.v1.Coordinator/SubmitBatch",
                request_serializer=None,
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
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        for ch in channels.values():
            ch.close()
    finally:
        proc.terminate()
        proc.wait(60)
    stored = SharedStore(root / "intake.db")
    n_stored = stored.count_records()
    stored.close()
    assert sum(acked.values()) == n_stored == len(records), (acked, n_stored, len(records))
    return len(records) / elapsed


def scale_run(n: int, members: int, batch: int, db: Path) -> tuple[float, int, int, int]:
    """Hold and match n records from ``members`` members; (seconds, peak RSS bytes, pairs, clusters).

    Records are generated as rows (generation is not timed); the timed part is storing the
    records and their tokens and matching them, batch by batch, as intake does.
    """
    source = TokenSource(n, p_shared=0.01, seed=11)
    rng = source.rng
    names = [f"m{i:02d}" for i in range(members)]
    columns = [c for c in RECORD_COLUMNS if c != "received_at"]  # the store adds it
    store = SharedStore(db)
    engine = MatchEngine(store, single_writer=True)  # as in the coordinator
    elapsed = 0.0
    for i in range(0, n, batch):
        rows, entries = [], []
        for j in range(i, min(i + batch, n)):
            rid, member = random_id(rng), names[j % members]
            row = {
                "record_id": rid, "member_id": member, "narrative": NARRATIVES[j % 3], "region": "TLK",
                "sector": "growing_picking", "exploitation_type": "labour_exploitation", "indicators": "",
                "month": f"2025-{1 + j % 12:02d}", "victims_band": "unknown", "grade": "2BP", "tlp": "AMBER",
                "time_sensitive": False, "epoch": 1, "shared_at": None,
            }  # fmt: skip
            rows.append(tuple(row[c] for c in columns))
            toks = [
                (k, rng.choice(source.pools[k]) if rng.random() < source.p else rng.randbytes(64))
                for k in KINDS
            ]
            entries.append((rid, member, toks))
        start = time.perf_counter()
        with store.write() as conn:
            store.insert_record_rows(conn, rows)
            engine.ingest(entries, conn)
        elapsed += time.perf_counter() - start
    n_pairs = sum(1 for _ in engine.pairs())
    n_clusters = len(engine.clusters())
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return elapsed, peak, n_pairs, n_clusters


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--records", type=int, default=1_000_000, help="records for the scale run (default 1M)"
    )
    parser.add_argument("--intake-records", type=int, default=20_000, help="records per intake run")
    parser.add_argument(
        "--redaction-sample", type=int, default=300, help="records through Presidio (0: skip)"
    )
    parser.add_argument("--batch", type=int, default=500, help="submissions per SubmitBatch")
    parser.add_argument("--members", type=int, default=4, help="member nodes submitting concurrently")
    parser.add_argument("--repeat", type=int, default=3, help="runs per intake figure (median)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="msin-bench-") as tmp:
        root = Path(tmp)
        net = Network(root, args.members)
        names = [m.name for m in net.members]
        intake, raw = [], []
        for rep in range(args.repeat):
            recs = make_records(args.intake_records, names, TokenSource(args.intake_records, seed=rep))
            run_dir = root / f"run{rep}"
            run_dir.mkdir()
            raw.append(raw_insert_rate(recs, run_dir / "raw.db", args.batch))
            intake.append(intake_rate(net, run_dir, recs, args.batch, verify=False))
        med_in, med_raw = statistics.median(intake), statistics.median(raw)
        print(
            f"intake over gRPC+mTLS, matching on, verifier off: {med_in:,.0f} records/s (median of {args.repeat})"
        )
        print(f"raw SQLite insert (records + tokens, no checks):  {med_raw:,.0f} records/s")
        print(f"ratio intake / raw insert: {med_in / med_raw:.0%}")
        if args.redaction_sample:
            recs = make_records(args.redaction_sample, names, TokenSource(args.redaction_sample, seed=99))
            run_dir = root / "presidio"
            run_dir.mkdir()
            rate = intake_rate(net, run_dir, recs, min(args.batch, 100), verify=True)
            print(
                f"intake with the Presidio redaction verifier on: {rate:,.0f} records/s ({len(recs)} records)"
            )
        if args.records:
            secs, peak, n_pairs, n_clusters = scale_run(args.records, 20, 5000, root / "scale.db")
            print(
                f"hold and match {args.records:,} records from 20 members: {secs:,.1f} s "
                f"({args.records / secs:,.0f} records/s), peak RSS {peak / 2**20:,.0f} MiB, "
                f"{n_pairs:,} matched pairs in {n_clusters:,} clusters"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
