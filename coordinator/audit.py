"""Append-only, hash-chained audit log of intake, withdrawal, alerts and disclosures.

Each entry holds who (certificate role and name), what (an action name and counts or
types, never record ids, tokens, narratives or identifiers) and when. Its hash is
``SHA-256(prev_hash || seq || at || actor_role || actor || action || detail)``, so
altering any byte of an entry breaks its hash, and removing an entry breaks the chain
(sequence numbers are consecutive and each entry names its predecessor's hash).

Removing the *last* entries, or altering one and recomputing every later hash, leaves a
valid chain, so the chain is anchored twice: after each commit the coordinator writes the
head (sequence number and hash) to a small file outside the database
(``audit.head_file``), and a :class:`~.checkpoints.Checkpointer` signs checkpoints of the
head that every member keeps. The head file is the coordinator's own and it can rewrite
it; checkpoints held by members it cannot. :meth:`AuditLog.verify` checks the chain
against both, and refuses when it has neither.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from msin_fed.checkpoint import Checkpoint
from msin_fed.private_files import write_private

from .store import AuditEntry, SharedStore

if TYPE_CHECKING:
    from .checkpoints import Checkpointer

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
    """Result of :meth:`AuditLog.verify`: ``ok`` and, when not, where and what broke.

    ``seq`` is the first entry that no longer matches (None when the log cannot be
    checked at all); ``anchors`` says what an intact chain was checked against.
    """

    ok: bool
    entries: int
    problem: str = ""
    seq: int | None = None
    anchors: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"audit log intact: {self.entries} entries; {self.anchors}"
        return f"audit log damaged: {self.problem}"


def _range(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first}-{last}"


class AuditLog:
    """The audit chain in a :class:`SharedStore`, anchored in ``head_file`` and checkpoints."""

    def __init__(
        self,
        store: SharedStore,
        head_file: str | os.PathLike[str] | None,
        checkpointer: Checkpointer | None = None,
    ) -> None:
        self.store = store
        self.head_file = Path(head_file) if head_file is not None else None
        self.checkpointer = checkpointer

    def append(self, conn: Connection, actor_role: str, actor: str, action: str, detail: Detail) -> None:
        """Add an entry inside the caller's write transaction."""
        last = SharedStore.audit_head(conn)
        seq = 1 if last is None else last[0] + 1
        prev = GENESIS if last is None else last[1]
        at = _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")
        text = json.dumps(dict(detail), sort_keys=True, separators=(",", ":"))
        digest = _hash(prev, seq, at, actor_role, actor, action, text)
        SharedStore.insert_audit(conn, AuditEntry(seq, at, actor_role, actor, action, text, prev, digest))
        if self.head_file is not None:
            head_file = self.head_file
            # Keyed: a transaction of several entries (group commit) writes only its last.
            SharedStore.after_commit(conn, lambda: _write_head(head_file, seq, digest), key=head_file)
        if self.checkpointer is not None:
            self.checkpointer.after_entry(conn, seq, digest)

    def _read_head(self) -> tuple[int, str] | AuditReport | None:
        if self.head_file is None or not self.head_file.exists():
            return None
        try:
            head_seq_text, head_hash = self.head_file.read_text("ascii").split()
            return int(head_seq_text), head_hash
        except (ValueError, UnicodeDecodeError, OSError):
            return AuditReport(False, 0, f"head file {self.head_file} is unreadable")

    def verify(self, checkpoints: Sequence[Checkpoint] = ()) -> AuditReport:
        """Walk the chain; check it passes through every checkpoint and ends at the head.

        ``checkpoints`` must already be verified (signatures, consistency: see
        :func:`msin_fed.checkpoint.merge_verified`). Without a head file and without
        checkpoints nothing outside the database vouches for the chain's end: refused.
        """
        head = self._read_head()
        if isinstance(head, AuditReport):
            return head
        if head is None and not checkpoints:
            where = f"{self.head_file} is missing" if self.head_file is not None else "none is configured"
            return AuditReport(
                False,
                0,
                f"nothing to check the chain against: no head file ({where}) and no checkpoints given, "
                "so entries removed or rewritten cannot be detected; give --checkpoints FILE "
                "(exported by a member with 'msin node checkpoints --json')",
            )
        at_seq: dict[int, list[Checkpoint]] = {}
        for cp in checkpoints:
            at_seq.setdefault(cp.entry_seq, []).append(cp)
        matched: Checkpoint | None = None  # the latest checkpoint the chain has matched so far
        expected_seq, prev = 1, GENESIS
        count = 0
        with self.store.read() as conn:
            for row in SharedStore.audit_chain(conn):
                count += 1
                seq = row.seq
                if seq != expected_seq:
                    return AuditReport(
                        False,
                        count,
                        f"entry {expected_seq} is missing (the chain goes from entry {expected_seq - 1} to {seq})",
                        expected_seq,
                    )
                if row.prev_hash != prev:
                    return AuditReport(
                        False, count, f"entry {seq} does not follow entry {seq - 1} (its previous hash differs)", seq
                    )
                digest = _hash(prev, seq, row.at, row.actor_role, row.actor, row.action, row.detail)
                if digest != row.hash:
                    return AuditReport(False, count, f"entry {seq} altered: its hash does not match its content", seq)
                for cp in at_seq.get(seq, ()):
                    if cp.head != digest:
                        return AuditReport(False, count, _rewritten(seq, cp, matched), seq)
                    matched = cp
                prev, expected_seq = row.hash, seq + 1
        last = expected_seq - 1
        beyond = max(checkpoints, key=lambda c: c.entry_seq, default=None)
        if beyond is not None and beyond.entry_seq > last:
            return AuditReport(False, count, _cut(last, f"checkpoint {beyond.number}", beyond.entry_seq), last + 1)
        if head is not None:
            head_seq, head_hash = head
            if head_seq > last:
                return AuditReport(False, count, _cut(last, "the head file", head_seq), last + 1)
            if head_seq < last:
                return AuditReport(
                    False,
                    count,
                    f"the chain ends at entry {last} but the head file names entry {head_seq} "
                    "(entries were added without updating the head)",
                    head_seq + 1,
                )
            if head_hash != prev:
                return AuditReport(
                    False, count, f"entry {last} altered: its hash differs from the head file's", last
                )
        return AuditReport(True, count, anchors=_anchors(checkpoints, head, last, self.head_file))


def _rewritten(seq: int, cp: Checkpoint, matched: Checkpoint | None) -> str:
    """An entry whose chain hash no longer matches a checkpoint (every hash recomputed)."""
    first = 1 if matched is None else matched.entry_seq + 1
    since = (
        "no earlier checkpoint to narrow it down"
        if matched is None
        else f"entries up to {matched.entry_seq} match checkpoint {matched.number}"
    )
    if first == seq:
        return f"entry {seq} altered: its hash differs from checkpoint {cp.number}'s chain ({since})"
    return (
        f"entry {seq} altered: its hash differs from checkpoint {cp.number}'s chain, so one of "
        f"{_range(first, seq)} was altered or replaced and the later hashes recomputed ({since})"
    )


def _cut(last: int, anchor: str, anchor_seq: int) -> str:
    if last == 0:
        return f"no audit entries but {anchor} names entry {anchor_seq}"
    return f"{_range(last + 1, anchor_seq)} missing: the chain ends at entry {last} but {anchor} names entry {anchor_seq}"


def _anchors(checkpoints: Sequence[Checkpoint], head: tuple[int, str] | None, last: int, head_file: Path | None) -> str:
    if not checkpoints:
        assert head is not None
        return (
            f"matches the head file (entry {head[0]}) only: the coordinator can rewrite that file, "
            "so check against members' checkpoints too (--checkpoints FILE)"
        )
    numbers = sorted({cp.number for cp in checkpoints})
    latest = max(checkpoints, key=lambda c: c.entry_seq)
    which = f"checkpoint {numbers[0]}" if len(numbers) == 1 else f"{len(numbers)} checkpoints ({numbers[0]}-{numbers[-1]})"
    text = f"matches {which}, the latest naming entry {latest.entry_seq}"
    if head is not None:
        return f"{text}, and the head file (entry {head[0]})"
    if latest.entry_seq < last:
        text += (
            f"; {_range(latest.entry_seq + 1, last)} after the latest checkpoint "
            f"have no anchor (no head file at {head_file})"
        )
    return text


def _write_head(path: Path, seq: int, digest: str) -> None:
    # Several coordinator processes on one database may share the head file, and their
    # after-commit writes can arrive out of order: under a lock, the head only moves forward.
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            held = int(path.read_text("ascii").split()[0])
        except (OSError, ValueError, IndexError, UnicodeDecodeError):
            held = 0
        if seq <= held:
            return
        write_private(path, f"{seq} {digest}\n".encode("ascii"))
    finally:
        os.close(fd)
