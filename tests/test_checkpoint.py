"""Checkpoint rules: signatures, the JSON export, contradictions, and where they are kept
(the coordinator's transactions, a node's store)."""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from msin_fed.coordinator.audit import AuditLog
from msin_fed.coordinator.checkpoints import Checkpointer
from msin_fed.coordinator.store import SharedStore, events
from msin_fed.node import KeyFile, SecureStore, write_key_file
from nacl.signing import SigningKey

from msin_fed.checkpoint import (
    Checkpoint,
    CheckpointKey,
    contradiction,
    dump_checkpoints,
    load_checkpoints,
    merge_verified,
    sign_checkpoint,
)
from msin_fed.errors import ValidationError
from msin_fed.proto import coordinator_pb2 as pb

KEY = SigningKey(bytes(range(32)))
PUBLIC = CheckpointKey(bytes(KEY.verify_key))
AT = _dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=_dt.UTC)


def cp(number: int, seq: int, head: str = "ab", key: SigningKey = KEY) -> Checkpoint:
    return sign_checkpoint(key, number, seq, (head * 32)[:64], AT)


def test_signature_covers_every_field_and_survives_the_wire_and_json() -> None:
    c = cp(3, 40)
    c.verify(PUBLIC)
    assert Checkpoint.from_pb(pb.AuditCheckpoint.FromString(c.to_pb().SerializeToString())) == c
    assert Checkpoint.from_json(json.loads(json.dumps(c.to_json()))) == c
    for field, value in (("number", 4), ("entry_seq", 41), ("head", "cd" * 32)):
        changed = Checkpoint(**{**vars(c), field: value})
        with pytest.raises(ValidationError, match="signature: does not verify"):
            changed.verify(PUBLIC)
    with pytest.raises(ValidationError, match=r"checkpoint\.key"):
        cp(3, 40, key=SigningKey(bytes(32))).verify(PUBLIC)


def test_malformed_checkpoints_name_the_field() -> None:
    msg = cp(1, 1).to_pb()
    msg.head_hash = b"short"
    with pytest.raises(ValidationError, match=r"checkpoint\.head_hash"):
        Checkpoint.from_pb(msg)
    msg = cp(1, 1).to_pb()
    msg.ClearField("signed_at")
    with pytest.raises(ValidationError, match=r"checkpoint\.signed_at"):
        Checkpoint.from_pb(msg)
    with pytest.raises(ValidationError, match=r"\[0\]\.signature"):
        Checkpoint.from_json({**cp(1, 1).to_json(), "signature": "zz"}, "f: checkpoints[0]")


def test_contradictions() -> None:
    held = [cp(1, 10, "aa"), cp(2, 20, "bb")]
    assert contradiction(cp(3, 30, "cc"), held) is None
    assert "checkpoint 2 was received before" in (contradiction(cp(2, 20, "cc"), held) or "")
    assert "entry 20 was checkpointed before" in (contradiction(cp(3, 20, "cc"), held) or "")
    assert "goes backwards" in (contradiction(cp(3, 15, "cc"), held) or "")
    assert contradiction(cp(3, 20, "bb"), held) is None  # a quiet period: the same head again


def test_merge_across_members_refuses_two_histories(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(dump_checkpoints(PUBLIC, [cp(1, 10, "aa"), cp(2, 20, "bb")]))
    b.write_text(dump_checkpoints(PUBLIC, [cp(2, 20, "bb"), cp(3, 30, "cc")]))
    merged = merge_verified([(str(a), load_checkpoints(a)), (str(b), load_checkpoints(b))], PUBLIC)
    assert [c.number for c in merged] == [1, 2, 3]
    b.write_text(dump_checkpoints(PUBLIC, [cp(2, 20, "ee")]))
    with pytest.raises(ValidationError, match="the coordinator signed two heads"):
        merge_verified([(str(a), load_checkpoints(a)), (str(b), load_checkpoints(b))], PUBLIC)
    b.write_text("not json")
    with pytest.raises(ValidationError, match="is not JSON"):
        load_checkpoints(b)


def test_checkpoints_in_a_group_commit_and_a_rolled_back_one(tmp_path: Path) -> None:
    store = SharedStore(tmp_path / "shared.db")
    checkpointer = Checkpointer(store, KEY, every=2, seconds=3600)
    log = AuditLog(store, tmp_path / "audit.head", checkpointer)
    with store.write() as conn:  # five entries in one transaction: checkpoints at 2 and 4
        for _ in range(5):
            log.append(conn, "member", "alpha", "intake", {"records": 1})
    assert checkpointer.last_number == 2
    with pytest.raises(RuntimeError), store.write() as conn:
        log.append(conn, "member", "alpha", "intake", {"records": 1})  # would be checkpoint 3
        raise RuntimeError("the batch failed")
    assert checkpointer.last_number == 2
    with store.write() as conn:
        log.append(conn, "member", "alpha", "intake", {"records": 1})  # entry 6 again: checkpoint 3
        log.append(conn, "member", "alpha", "intake", {"records": 1})
    assert checkpointer.last_number == 3
    tick = checkpointer.tick()  # the timer's: entry 7 is news
    assert tick is not None and (tick.number, tick.entry_seq) == (4, 7)
    assert checkpointer.tick() is None  # nothing new since
    with store.read() as conn:
        bodies = conn.execute(sa.select(events.c.body).where(events.c.kind == "checkpoint")).scalars().all()
    held = [Checkpoint.from_pb(pb.AuditCheckpoint.FromString(b)) for b in bodies]
    assert [(c.number, c.entry_seq) for c in held] == [(1, 2), (2, 4), (3, 6), (4, 7)]
    for c in held:
        c.verify(PUBLIC)
    assert log.verify(held).ok
    # A restarted coordinator goes on numbering from what its events hold.
    assert Checkpointer(store, KEY, every=2).last_number == 4
    store.close()


def test_node_store_keeps_refuses_and_pins(tmp_path: Path) -> None:
    write_key_file(tmp_path / "node.key")
    key = KeyFile(tmp_path / "node.key")
    store = SecureStore.create(tmp_path / "node.db", key)
    raw = b"event"
    assert store.add_checkpoint(1, raw, cp(1, 10, "aa"), None) is None  # pinned on first use
    assert store.checkpoint_key() == PUBLIC
    assert store.add_checkpoint(2, raw, cp(1, 10, "aa"), None) is None  # delivered again
    assert "another key" in (store.add_checkpoint(3, raw, cp(2, 20, key=SigningKey(bytes(32))), None) or "")
    assert "received before" in (store.add_checkpoint(4, raw, cp(1, 10, "bb"), None) or "")
    assert store.add_checkpoint(5, raw, cp(2, 20, "bb"), None) is None
    assert "goes backwards" in (store.add_checkpoint(6, raw, cp(3, 15, "cc"), None) or "")
    assert "unreadable" in (store.add_checkpoint(7, raw, None, None, "unreadable head") or "")
    assert [(c.number, c.entry_seq) for c in store.checkpoints()] == [(1, 10), (2, 20)]
    assert [c for c, _r in store.refused_checkpoints()] == [3, 4, 6, 7]
    assert store.cursor() == 7 and [c for c, _k, _d in store.events("checkpoint")] == list(range(1, 8))
    store.close()
    # A store made before checkpoints existed gets the tables on opening.
    with sqlite3.connect(tmp_path / "node.db") as conn:
        conn.execute("DROP TABLE checkpoints")
        conn.execute("DROP TABLE refused_checkpoints")
    reopened = SecureStore.open(tmp_path / "node.db", key)
    assert reopened.checkpoints() == []
    reopened.close()
