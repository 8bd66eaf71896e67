"""Append-only, hash-chained audit log of intake, withdrawal, alerts and disclosures.

Each entry holds who (certificate role and name), what (an action name and counts or
types, never record ids, tokens, narratives or identifiers) and when. Its hash is
``SHA-256(prev_hash || seq || at || actor_role || actor || action || detail)``, so
altering any byte of an entry breaks its hash, and removing an entry breaks the chain
(sequence numbers are consecutive and each entry names its predecessor's hash).

Removing the *last* entries leaves a valid shorter chain, so after each commit the
coordinator also writes the head (sequence number and hash) to a small file outside the
database (``audit.head_file``); :func:`verify` compares the chain's end with it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .store import SharedStore, audit

__all__ = ["GENESIS", "AuditLog", "AuditReport"]

GENESIS = "0" * 64

Detail = Mapping[str, int | str | bool]


def _hash(prev: str, seq: int, at: str, role: str, actor: str, action: str, detail: str) -> str:
    h = hashlib.sha256()
    for part in (prev, str(seq), at, role, actor, action, detail):
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(4, "big"))
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True)
class AuditReport:
    """Result of :meth:`AuditLog.verify`: ``ok`` and, when not, where and what broke."""

    ok: bool
    entries: int
    problem: str = ""
    seq: int | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"audit log intact: {self.entries} entries"
        where = f" at entry {self.seq}" if self.seq is not None else ""
        return f"audit log damaged{where}: {self.problem}"


class AuditLog:
    """The audit chain in a :class:`SharedStore`, with its head anchored in ``head_file``."""

    def __init__(self, store: SharedStore, head_file: str | os.PathLike[str] | None) -> None:
        self.store = store
        self.head_file = Path(head_file) if head_file is not None else None

    def append(self, conn: Connection, actor_role: str, actor: str, action: str, detail: Detail) -> None:
        """Add an entry inside the caller's write transaction."""
        last = conn.execute(
            sa.select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)
        ).first()
        seq = 1 if last is None else int(last.seq) + 1
        prev = GENESIS if last is None else str(last.hash)
        at = _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")
        text = json.dumps(dict(detail), sort_keys=True, separators=(",", ":"))
        digest = _hash(prev, seq, at, actor_role, actor, action, text)
        conn.execute(
            audit.insert().values(
                seq=seq,
                at=at,
                actor_role=actor_role,
                actor=actor,
                action=action,
                detail=text,
                prev_hash=prev,
                hash=digest,
            )
        )
        if self.head_file is not None:
            head_file = self.head_file
            # Keyed: a transaction of several entries (group commit) writes only its last.
            SharedStore.after_commit(conn, lambda: _write_head(head_file, seq, digest), key=head_file)

    def verify(self) -> AuditReport:
        """Walk the chain and compare its end with the anchored head."""
        expected_seq, prev = 1, GENESIS
        count = 0
        with self.store.read() as conn:
            rows = conn.execute(sa.select(audit).order_by(audit.c.seq))
            for row in rows:
                count += 1
                seq = int(row.seq)
                if seq != expected_seq:
                    return AuditReport(False, count, f"entry {expected_seq} is missing", expected_seq)
                if row.prev_hash != prev:
                    return AuditReport(False, count, "does not follow the previous entry", seq)
                digest = _hash(prev, seq, row.at, row.actor_role, row.actor, row.action, row.detail)
                if digest != row.hash:
                    return AuditReport(False, count, "entry was altered (hash mismatch)", seq)
                prev, expected_seq = row.hash, seq + 1
        if self.head_file is not None and self.head_file.exists():
            try:
                head_seq_text, head_hash = self.head_file.read_text("ascii").split()
                head_seq = int(head_seq_text)
            except (ValueError, UnicodeDecodeError):
                return AuditReport(False, count, f"head file {self.head_file} is unreadable")
            if head_seq != count or head_hash != prev:
                return AuditReport(
                    False,
                    count,
                    f"chain ends at entry {count} but the head file names entry {head_seq}",
                    min(head_seq, count + 1),
                )
        return AuditReport(True, count)


def _write_head(path: Path, seq: int, digest: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{seq} {digest}\n", "ascii")
    os.replace(tmp, path)
