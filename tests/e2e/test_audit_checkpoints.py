"""Audit checkpoints as the parties would meet them: a coordinator process signs the chain
head into its event stream, a member node over mutual TLS keeps the checkpoints, and the
coordinator's SQLite file is then tampered with the way STTG could (head file deleted or
rewritten, last entries deleted, an entry altered with every later hash recomputed, the
table emptied). ``msin coordinator audit verify`` said "intact" for each of those before
checkpoints existed; now each is named, and a checkpoint under another key is refused by
the node."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from msin_fed.coordinator.audit import GENESIS, _hash

from msin_fed import pki
from msin_fed.cli import main
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc

pytestmark = pytest.mark.slow

MakeId = Callable[[str, str], pki.Identity]


def _coordinator_toml(directory: Path, identity: pki.Identity, every: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "coordinator.toml"
    path.write_text(
        textwrap.dedent(
            f"""\
            [server]
            listen = "127.0.0.1:0"
            identity_dir = "{identity.directory}"
            crl = "{identity.directory / 'crl.pem'}"
            grace_seconds = 2
            intake_workers = 0

            [store]
            url = "shared.db"

            [redaction]
            verify = false

            [audit]
            head_file = "audit.head"
            checkpoint_key = "checkpoint.key"
            checkpoint_every = {every}
            checkpoint_seconds = 3600
            """
        )
    )
    return path


@contextmanager
def _serving(config: Path) -> Iterator[int]:
    """A coordinator process (``msin coordinator serve``); yields its port, stops it with SIGTERM."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "msin_fed.cli", "coordinator", "serve", "--config", str(config)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on port" in line, line
        yield int(line.rsplit(" ", 1)[1])
        proc.terminate()
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _audit_entries(port: int, member: pki.Identity, n: int) -> None:
    """``n`` audited calls (each ListMatches is one disclose_matches entry)."""
    channel = pki.secure_channel(f"localhost:{port}", member, role="coordinator", name="sttg")
    try:
        stub = pb_grpc.CoordinatorStub(channel)
        for _ in range(n):
            stub.ListMatches(pb.ListMatchesRequest(), timeout=10)
    finally:
        channel.close()


def _node_toml(directory: Path, member: pki.Identity, port: int, pin: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "node.toml"
    pin_line = f'checkpoint_key = "{pin}"' if pin else ""
    path.write_text(
        textwrap.dedent(
            f"""\
            [node]
            store = "node.db"
            key_file = "node.key"
            identity_dir = "{member.directory}"

            [coordinator]
            address = "localhost:{port}"
            name = "sttg"
            {pin_line}
            """
        )
    )
    return path


def _verify(config: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["coordinator", "audit", "verify", "--config", str(config), *extra])
    return code, capsys.readouterr().out


@dataclass
class Anchored:
    """A stopped coordinator whose 11 audit entries are checkpointed by a member."""

    config: Path
    db: Path
    head: Path
    node_config: Path
    exported: Path


@pytest.fixture
def anchored(
    tmp_path: Path, make_identity: MakeId, capsys: pytest.CaptureFixture[str]
) -> Anchored:
    # Checkpoints every 4 entries: 10 ListMatches -> checkpoints 1 (entry 4) and 2 (entry 8);
    # the node's own subscription adds a disclose_events entry, checkpointed at shutdown.
    config = _coordinator_toml(tmp_path / "coordinator", make_identity("coordinator", "sttg"), every=4)
    alpha = make_identity("member", "alpha")
    with _serving(config) as port:
        _audit_entries(port, alpha, 10)
        node_config = _node_toml(tmp_path / "alpha", alpha, port)
        assert main(["node", "init", "--config", str(node_config)]) == 0
        assert main(["node", "sync", "--config", str(node_config), "--timeout", "2"]) == 0
    capsys.readouterr()
    assert main(["node", "checkpoints", "--config", str(node_config), "--json"]) == 0
    exported = tmp_path / "alpha-checkpoints.json"
    exported.write_text(capsys.readouterr().out)
    held = json.loads(exported.read_text())["checkpoints"]
    assert [(c["number"], c["entry_seq"]) for c in held] == [(1, 4), (2, 8)]
    directory = config.parent
    return Anchored(config, directory / "shared.db", directory / "audit.head", node_config, exported)


def _sql(db: Path, statement: str, *args: object) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(statement, args)


def _count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0])


def _rewrite_from(db: Path, seq: int, detail: str) -> tuple[int, str]:
    """What STTG can do to its own file: change entry ``seq`` and recompute every later hash."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT seq, at, actor_role, actor, action, detail FROM audit ORDER BY seq"
        ).fetchall()
        prev = GENESIS
        for s, at, role, actor, action, text in rows:
            if s == seq:
                text = detail
            digest = _hash(prev, s, at, role, actor, action, text)
            conn.execute(
                "UPDATE audit SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?", (text, prev, digest, s)
            )
            prev = digest
    return rows[-1][0], prev


def test_checkpoints_reach_the_member_and_verify_the_intact_chain(
    anchored: Anchored, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _verify(anchored.config, capsys, "--checkpoints", str(anchored.exported))
    assert code == 0, out
    n = _count(anchored.db)
    assert f"intact: {n} entries" in out and "2 checkpoints (1-2)" in out and f"head file (entry {n})" in out
    capsys.readouterr()
    assert main(["node", "checkpoints", "--config", str(anchored.node_config)]) == 0
    listing = capsys.readouterr().out
    assert "checkpoint 2: entry 8" in listing and "REFUSED" not in listing


def test_head_deleted_and_last_entries_deleted(anchored: Anchored, capsys: pytest.CaptureFixture[str]) -> None:
    anchored.head.unlink()
    _sql(anchored.db, "DELETE FROM audit WHERE seq >= 7")
    code, out = _verify(anchored.config, capsys)
    assert code == 1 and "nothing to check the chain against" in out and "intact" not in out
    code, out = _verify(anchored.config, capsys, "--checkpoints", str(anchored.exported))
    assert code == 1
    assert "entries 7-8 missing: the chain ends at entry 6 but checkpoint 2 names entry 8" in out


def test_entry_altered_and_later_hashes_recomputed(
    anchored: Anchored, capsys: pytest.CaptureFixture[str]
) -> None:
    last, head = _rewrite_from(anchored.db, 6, '{"matches":3}')
    anchored.head.write_text(f"{last} {head}\n")  # the head file is STTG's too
    code, out = _verify(anchored.config, capsys)
    assert code == 0 and f"head file (entry {last}) only" in out  # all the coordinator's own file can say
    code, out = _verify(anchored.config, capsys, "--checkpoints", str(anchored.exported))
    assert code == 1
    assert "entry 8 altered: its hash differs from checkpoint 2's chain" in out
    assert "entries 5-8" in out and "entries up to 4 match checkpoint 1" in out
    anchored.head.unlink()
    code, out = _verify(anchored.config, capsys, "--checkpoints", str(anchored.exported))
    assert code == 1 and "entry 8 altered" in out


def test_empty_table(anchored: Anchored, capsys: pytest.CaptureFixture[str]) -> None:
    anchored.head.unlink()
    _sql(anchored.db, "DELETE FROM audit")
    code, out = _verify(anchored.config, capsys)
    assert code == 1 and "intact" not in out
    code, out = _verify(anchored.config, capsys, "--checkpoints", str(anchored.exported))
    assert code == 1 and "no audit entries but checkpoint 2 names entry 8" in out


def test_altered_export_and_another_key_are_refused_by_verify(
    anchored: Anchored, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(anchored.exported.read_text())
    data["checkpoints"][1]["entry_seq"] = 6  # a member (or anyone) editing what it holds
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    code, out = _verify(anchored.config, capsys, "--checkpoints", str(edited))
    assert code == 1 and "checkpoint 2 signature: does not verify" in out
    (anchored.config.parent / "checkpoint.key").write_bytes(bytes(32))  # STTG swapping its key
    code, out = _verify(anchored.config, capsys, "--checkpoints", str(anchored.exported))
    assert code == 1 and "checkpoint 1 key: is another key than the coordinator's checkpoint key" in out


def test_node_refuses_a_checkpoint_under_another_key(
    tmp_path: Path, make_identity: MakeId, capsys: pytest.CaptureFixture[str]
) -> None:
    """A coordinator (the genuine identity: STTG holds the CA) re-signing history with a
    new checkpoint key is refused by a node that pinned the first key."""
    sttg, beta = make_identity("coordinator", "sttg"), make_identity("member", "beta")
    genuine = _coordinator_toml(tmp_path / "genuine", sttg, every=2)
    capsys.readouterr()
    assert main(["coordinator", "audit", "key", "--config", str(genuine)]) == 0
    pin = capsys.readouterr().out.strip()
    with _serving(genuine) as port:
        _audit_entries(port, beta, 4)  # checkpoints 1 and 2 (cursors 1 and 2)
        node_config = _node_toml(tmp_path / "beta", beta, port, pin=pin)
        assert main(["node", "init", "--config", str(node_config)]) == 0
        assert main(["node", "sync", "--config", str(node_config), "--timeout", "2"]) == 0
    forger = _coordinator_toml(tmp_path / "forger", sttg, every=2)  # new store, new key
    with _serving(forger) as port:
        _audit_entries(port, beta, 8)  # checkpoints 1-4; the node resumes after cursor 2
        _node_toml(tmp_path / "beta", beta, port, pin=pin)
        assert main(["node", "sync", "--config", str(node_config), "--timeout", "2"]) == 0
    capsys.readouterr()
    assert main(["node", "checkpoints", "--config", str(node_config)]) == 1
    listing = capsys.readouterr().out
    assert listing.count("REFUSED") == 2 and "checkpoint.key: is another key" in listing
    assert f"checkpoint key: {pin}" in listing
    assert [line.split(":")[0] for line in listing.splitlines() if line.startswith("checkpoint ")][1:] == [
        "checkpoint 1",
        "checkpoint 2",
    ]


def test_a_checkpoint_reaches_a_live_stream(
    tmp_path: Path, make_identity: MakeId, capsys: pytest.CaptureFixture[str]
) -> None:
    """Checkpoints are pushed as they are signed, not only found on resuming."""
    config = _coordinator_toml(tmp_path / "coordinator", make_identity("coordinator", "sttg"), every=3)
    gamma = make_identity("member", "gamma")
    with _serving(config) as port:
        channel = pki.secure_channel(f"localhost:{port}", gamma, role="coordinator", name="sttg")
        got: list[pb.Event] = []
        stream = pb_grpc.CoordinatorStub(channel).Subscribe(pb.SubscribeRequest(), timeout=20)

        def read() -> None:
            for event in stream:
                got.append(event)
                stream.cancel()
                break

        reader = threading.Thread(target=read)
        reader.start()
        _audit_entries(port, gamma, 3)
        reader.join(20)
        channel.close()
    [event] = got
    assert event.WhichOneof("body") == "checkpoint"
    assert (event.checkpoint.number, event.checkpoint.entry_seq) == (1, 3)
    assert len(event.checkpoint.signature) == 64
