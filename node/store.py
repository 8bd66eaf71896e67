"""The node's secure store: one SQLite file, every piece of personal data AEAD-encrypted.

Layout (all ``data`` columns are XChaCha20-Poly1305 boxes whose associated data names
the table and row, so a box moved to another row fails to open):

* ``meta``: format, key kind (``argon2id`` or ``keyfile``), Argon2id salt and limits,
  the key check value, the inbox cursor.
* ``reports``: ``rid`` = keyed BLAKE2b of the report id; ``data`` = the report.
* ``lookup``: keyed BLAKE2b of each identifier's normalized forms -> ``rid``. Local
  lookups by identifier go through it; no identifier is ever stored in the clear.
* ``shares``: the opaque record id sent to the coordinator, its state, and (boxed) the
  local report id, submission id and TLP.
* ``outbox``: submissions and withdrawals not yet acknowledged, with retry state.
* ``inbox``: events from the coordinator, boxed, by cursor.
* ``token_cache``: keyed hash of a token input -> boxed token, per key epoch.
* ``intake``: staff suspicions from the console's intake form awaiting review, boxed
  (what the staff member chose to give, nothing else; never sent anywhere).
* ``checkpoints``: the coordinator's signed audit checkpoints that passed the checks
  (their events are in the inbox too), in the clear (they hold only numbers and hashes,
  and are evidence to hand to an auditor); ``refused_checkpoints`` those refused and why (a forged or contradicting one is evidence too). The pinned
  checkpoint key, when not configured, is ``meta.checkpoint_key`` (pinned on first use).

Every write is one SQLite transaction, so a crash at any point leaves either the old or
the new state: that is what makes the outbox safe to kill.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nacl.encoding import RawEncoder
from nacl.exceptions import CryptoError
from nacl.hash import blake2b
from nacl.secret import Aead

from msin_fed.checkpoint import Checkpoint, CheckpointKey, contradiction
from msin_fed.errors import CorruptStoreError, StoreError, ValidationError, WrongKeyError
from msin_fed.model import EntityMention, Identifier, IntelligenceReport
from msin_fed.private_files import owner_only

from .codec import report_from_bytes, report_to_bytes
from .keys import KdfParams, Passphrase, StoreKey, Subkeys, derive, master_key

__all__ = ["FORMAT", "OutboxItem", "SecureStore", "ShareState"]

FORMAT = b"msin-node-store/1"
_CHECK_PLAINTEXT = b"msin node store key check v1"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE reports (rid BLOB PRIMARY KEY, seq INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE lookup (term BLOB NOT NULL, rid BLOB NOT NULL, PRIMARY KEY (term, rid));
CREATE TABLE shares (
  record_id TEXT PRIMARY KEY, rid BLOB NOT NULL, state TEXT NOT NULL,
  data BLOB NOT NULL, updated REAL NOT NULL, note TEXT NOT NULL DEFAULT '');
CREATE INDEX shares_rid ON shares (rid);
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL, op_id TEXT NOT NULL UNIQUE,
  record_id TEXT NOT NULL, data BLOB NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_at REAL NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '');
CREATE TABLE inbox (cursor INTEGER PRIMARY KEY, kind TEXT NOT NULL, data BLOB NOT NULL,
  received REAL NOT NULL);
CREATE TABLE token_cache (term BLOB PRIMARY KEY, epoch INTEGER NOT NULL, data BLOB NOT NULL);
"""

# Added after the first format: created on open when missing (stores made before).
_CHECKPOINT_SCHEMA = """
CREATE TABLE IF NOT EXISTS checkpoints (
  number INTEGER PRIMARY KEY, entry_seq INTEGER NOT NULL, data TEXT NOT NULL, received REAL NOT NULL);
CREATE TABLE IF NOT EXISTS refused_checkpoints (
  id INTEGER PRIMARY KEY AUTOINCREMENT, cursor INTEGER NOT NULL, reason TEXT NOT NULL,
  data BLOB NOT NULL, received REAL NOT NULL);
"""

# The staff intake queue (msin_fed.web): created on open when missing.
_INTAKE_SCHEMA = """
CREATE TABLE IF NOT EXISTS intake (id TEXT PRIMARY KEY, received REAL NOT NULL, data BLOB NOT NULL);
"""

#: EntityMention field each identifier kind goes in, for normalized lookup terms.
_MENTION_FIELD = {
    "phone": "phone", "email": "email", "vehicle": "vehicle", "nino": "nino",
    "national_id": "national_id", "passport": "passport", "iban": "bank",
    "bank_account": "bank", "company_number": "company_number", "person_name": "name",
    "date_of_birth": "date_of_birth", "address": "address", "site_name": "site",
}


@dataclass(frozen=True)
class ShareState:
    """What the node knows about one shared record."""

    record_id: str
    report_id: str
    submission_id: str
    tlp: str
    state: str  # pending, acknowledged, withdrawing, withdrawn, refused, withdraw_refused
    updated: float
    note: str = ""  # why the coordinator refused it, when it did


@dataclass(frozen=True, repr=False)
class OutboxItem:
    """One queued operation: ``op`` is ``submit`` (data = Submission bytes) or ``withdraw``."""

    seq: int
    op: str
    op_id: str
    record_id: str
    data: bytes
    attempts: int
    next_at: float
    #: Why the last attempt failed ("coordinator unreachable at HOST:PORT since HH:MM", or
    #: the status and its text); empty before the first failure. Never holds data.
    last_error: str = ""

    def __repr__(self) -> str:
        return f"OutboxItem(seq={self.seq}, op={self.op!r}, attempts={self.attempts})"


_OUTBOX_SELECT = "SELECT seq, op, op_id, record_id, data, attempts, next_at, last_error FROM outbox "


def _terms(identifier: Identifier) -> set[bytes]:
    """Normalized lookup forms of one identifier (before keyed hashing)."""
    compact = "".join(ch for ch in identifier.value.casefold() if ch.isalnum())
    terms = {f"raw:{identifier.kind}:{compact}".encode()}
    fld = _MENTION_FIELD.get(identifier.kind)
    if fld is not None:
        try:
            from msin_fed.token_inputs import inputs_for_mention

            mention = EntityMention(record_id="lookup", **{fld: identifier})  # type: ignore[arg-type]
            terms.update(i.data for i in inputs_for_mention(mention) if i.kind != "name_lsh_dob" and not i.filler)
        except (ValidationError, ImportError):
            pass
    return terms


class SecureStore:
    """The encrypted SQLite store of one node. Thread-safe (one lock around the connection)."""

    def __init__(self, conn: sqlite3.Connection, keys: Subkeys, path: Path) -> None:
        self._conn = conn
        self._aead = Aead(keys.encryption)
        self._index_key = keys.index
        self._lock = threading.RLock()
        self.path = path

    # ------------------------------------------------------------------ open / create

    @classmethod
    def create(
        cls, path: str | os.PathLike[str], key: StoreKey, *, kdf: KdfParams | None = None
    ) -> SecureStore:
        """Create a new store at ``path``; refuses to overwrite an existing file."""
        target = Path(path)
        if target.exists():
            raise StoreError(f"{target} already exists; refusing to overwrite a store")
        target.parent.mkdir(parents=True, exist_ok=True)
        meta: dict[str, bytes] = {"format": FORMAT}
        params: KdfParams | None = None
        if isinstance(key, Passphrase):
            params = kdf or KdfParams(salt=secrets.token_bytes(16))
            meta.update(
                kind=b"argon2id",
                salt=params.salt,
                opslimit=str(params.opslimit).encode(),
                memlimit=str(params.memlimit).encode(),
            )
        else:
            meta["kind"] = b"keyfile"
        keys = derive(master_key(key, params))
        meta["check"] = Aead(keys.encryption).encrypt(_CHECK_PLAINTEXT, b"meta:check")
        tmp = target.with_name(target.name + ".creating")
        tmp.unlink(missing_ok=True)
        owner_only(tmp)  # before SQLite writes a byte (its journals take the file's mode)
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.executescript(_SCHEMA)
            conn.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
        finally:
            conn.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)  # the store appears whole or not at all
        return cls.open(target, key)

    @classmethod
    def open(cls, path: str | os.PathLike[str], key: StoreKey) -> SecureStore:
        """Open an existing store. Nothing is written until the key has been checked.

        Raises StoreError (no such store), CorruptStoreError (not a store / damaged),
        WrongKeyError (the key or passphrase does not open it), ConfigError (key file).
        """
        target = Path(path)
        if not target.is_file():
            raise StoreError(f"no node store at {target} (create one with 'msin node init')")
        try:
            conn = sqlite3.connect(
                f"file:{target}?mode=rw", uri=True, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error:
            raise CorruptStoreError(f"{target} cannot be opened as a node store") from None
        try:
            meta = cls._read_meta(conn, target)
            keys = cls._check_key(meta, key, target)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.executescript(_CHECKPOINT_SCHEMA)
            conn.executescript(_INTAKE_SCHEMA)
        except BaseException:
            conn.close()
            raise
        return cls(conn, keys, target)

    @staticmethod
    def _read_meta(conn: sqlite3.Connection, target: Path) -> dict[str, bytes]:
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                raise CorruptStoreError(f"{target} is damaged (SQLite integrity check failed)")
            rows = conn.execute("SELECT key, value FROM meta").fetchall()
        except sqlite3.DatabaseError:
            raise CorruptStoreError(
                f"{target} is not a node store or is damaged (not a readable SQLite database)"
            ) from None
        meta = {str(k): bytes(v) for k, v in rows}
        if meta.get("format") != FORMAT:
            raise CorruptStoreError(f"{target} is not a node store (unknown format)")
        return meta

    @staticmethod
    def _check_key(meta: dict[str, bytes], key: StoreKey, target: Path) -> Subkeys:
        kind = meta.get("kind", b"").decode()
        if kind == "argon2id":
            if not isinstance(key, Passphrase):
                raise WrongKeyError(f"{target} is protected by a passphrase, not a key file")
            try:
                params = KdfParams(
                    salt=meta["salt"],
                    opslimit=int(meta["opslimit"]),
                    memlimit=int(meta["memlimit"]),
                )
            except (KeyError, ValueError):
                raise CorruptStoreError(f"{target}: key derivation parameters are damaged") from None
            master = master_key(key, params)
        elif kind == "keyfile":
            if isinstance(key, Passphrase):
                raise WrongKeyError(f"{target} is protected by a key file, not a passphrase")
            master = master_key(key, None)
        else:
            raise CorruptStoreError(f"{target}: unknown key kind")
        keys = derive(master)
        try:
            plain = Aead(keys.encryption).decrypt(meta.get("check", b""), b"meta:check")
        except (CryptoError, ValueError, TypeError):
            what = "passphrase" if kind == "argon2id" else "key file"
            raise WrongKeyError(f"the {what} given does not open {target} (wrong key)") from None
        if plain != _CHECK_PLAINTEXT:
            raise CorruptStoreError(f"{target}: key check value is damaged")
        return keys

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    # ------------------------------------------------------------------ primitives

    def _seal(self, data: bytes, ad: str) -> bytes:
        return bytes(self._aead.encrypt(data, ad.encode()))

    def _open(self, box: bytes, ad: str) -> bytes:
        try:
            return bytes(self._aead.decrypt(bytes(box), ad.encode()))
        except CryptoError:
            raise CorruptStoreError(f"{self.path}: an encrypted row fails authentication (damaged or moved)") from None

    def _hash(self, label: bytes, data: bytes) -> bytes:
        return bytes(blake2b(label + b"\x00" + data, digest_size=32, key=self._index_key, encoder=RawEncoder))

    def _rid(self, report_id: str) -> bytes:
        return self._hash(b"report", report_id.encode())

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError:
                raise CorruptStoreError(f"{self.path} cannot be written (damaged or locked)") from None
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return list(self._conn.execute(sql, args).fetchall())
            except sqlite3.DatabaseError:
                raise CorruptStoreError(f"{self.path} cannot be read (damaged)") from None

    # ------------------------------------------------------------------ reports

    def has_report(self, report_id: str) -> bool:
        """True when a report with this id is stored."""
        return bool(self._query("SELECT 1 FROM reports WHERE rid = ?", (self._rid(report_id),)))

    def add_reports(self, reports: Sequence[IntelligenceReport]) -> None:
        """Store reports, all or none. ValidationError when an id is already stored."""
        with self._tx() as conn:
            seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM reports").fetchone()[0])
            for report in reports:
                rid = self._rid(report.report_id)
                if conn.execute("SELECT 1 FROM reports WHERE rid = ?", (rid,)).fetchone():
                    raise ValidationError("report_id", "a report with this id is already stored")
                seq += 1
                box = self._seal(report_to_bytes(report), "report:" + rid.hex())
                conn.execute("INSERT INTO reports VALUES (?, ?, ?)", (rid, seq, box))
                terms = {t for ident in report.identifiers() for t in _terms(ident)}
                conn.executemany(
                    "INSERT OR IGNORE INTO lookup VALUES (?, ?)",
                    [(self._hash(b"term", t), rid) for t in terms],
                )

    def get_report(self, report_id: str) -> IntelligenceReport:
        """The stored report; ValidationError when there is none with this id."""
        rid = self._rid(report_id)
        rows = self._query("SELECT data FROM reports WHERE rid = ?", (rid,))
        if not rows:
            raise ValidationError("report_id", "no stored report has this id")
        report = report_from_bytes(self._open(bytes(rows[0][0]), "report:" + rid.hex()))
        if report.report_id != report_id:
            raise CorruptStoreError(f"{self.path}: a report is stored under another id")
        return report

    def report_count(self) -> int:
        """How many reports are stored (reports are only ever added, so this versions them)."""
        return int(self._query("SELECT COUNT(*) FROM reports")[0][0])

    def reports(self) -> Iterator[IntelligenceReport]:
        """Every stored report, in the order they were added."""
        for rid, box in self._query("SELECT rid, data FROM reports ORDER BY seq"):
            yield report_from_bytes(self._open(bytes(box), "report:" + bytes(rid).hex()))

    def find(self, identifier: Identifier) -> list[str]:
        """Ids of the reports holding ``identifier`` (matched on normalized forms)."""
        hashes = [self._hash(b"term", t) for t in _terms(identifier)]
        marks = ",".join("?" * len(hashes))
        rids = self._query(f"SELECT DISTINCT rid FROM lookup WHERE term IN ({marks})", hashes)  # noqa: S608
        found = []
        for (rid,) in rids:
            rows = self._query("SELECT data FROM reports WHERE rid = ?", (rid,))
            if rows:
                report = report_from_bytes(self._open(bytes(rows[0][0]), "report:" + bytes(rid).hex()))
                found.append(report.report_id)
        return sorted(found)

    # ------------------------------------------------------------------ shares and outbox

    def _share_box(self, record_id: str, report_id: str, submission_id: str, tlp: str) -> bytes:
        payload = "\x1f".join((report_id, submission_id, tlp)).encode()
        return self._seal(payload, "share:" + record_id)

    def _share_from_row(self, row: tuple[Any, ...]) -> ShareState:
        record_id, state, box, updated, note = row
        report_id, submission_id, tlp = (
            self._open(bytes(box), "share:" + str(record_id)).decode().split("\x1f")
        )
        return ShareState(
            str(record_id), report_id, submission_id, tlp, str(state), float(updated), str(note)
        )

    def enqueue_share(
        self, report_id: str, record_id: str, submission_id: str, tlp: str, submission: bytes
    ) -> None:
        """Record a share and queue its submission in one transaction."""
        rid = self._rid(report_id)
        with self._tx() as conn:
            active = conn.execute(
                "SELECT 1 FROM shares WHERE rid = ? AND state IN ('pending', 'acknowledged')", (rid,)
            ).fetchone()
            if active:
                raise ValidationError("report_id", "this report is already shared (withdraw it first)")
            conn.execute(
                "INSERT INTO shares VALUES (?, ?, 'pending', ?, ?, '')",
                (record_id, rid, self._share_box(record_id, report_id, submission_id, tlp), time.time()),
            )
            conn.execute(
                "INSERT INTO outbox (op, op_id, record_id, data) VALUES ('submit', ?, ?, ?)",
                (submission_id, record_id, self._seal(submission, "outbox:" + submission_id)),
            )

    def enqueue_withdraw(self, report_id: str) -> ShareState:
        """Mark the report's active share withdrawing and queue the withdrawal.

        A submission still in the outbox is dropped, but the withdrawal is queued anyway:
        the submission may have reached the coordinator with its acknowledgement lost.
        """
        rid = self._rid(report_id)
        with self._tx() as conn:
            row = conn.execute(
                "SELECT record_id, state, data, updated, note FROM shares "
                "WHERE rid = ? AND state IN ('pending', 'acknowledged')",
                (rid,),
            ).fetchone()
            if row is None:
                raise ValidationError("report_id", "this report is not shared")
            share = self._share_from_row(row)
            conn.execute("DELETE FROM outbox WHERE op = 'submit' AND record_id = ?", (share.record_id,))
            conn.execute(
                "UPDATE shares SET state = 'withdrawing', updated = ? WHERE record_id = ?",
                (time.time(), share.record_id),
            )
            op_id = "withdraw:" + share.record_id
            conn.execute(
                "INSERT OR IGNORE INTO outbox (op, op_id, record_id, data) VALUES ('withdraw', ?, ?, ?)",
                (op_id, share.record_id, self._seal(b"", "outbox:" + op_id)),
            )
        return share

    def shares(self) -> list[ShareState]:
        """Every share the node has made, newest last."""
        rows = self._query("SELECT record_id, state, data, updated, note FROM shares ORDER BY updated")
        return [self._share_from_row(r) for r in rows]

    def share_of_record(self, record_id: str) -> ShareState | None:
        """The share behind one of our record ids (for mapping events back to reports)."""
        rows = self._query(
            "SELECT record_id, state, data, updated, note FROM shares WHERE record_id = ?", (record_id,)
        )
        return self._share_from_row(rows[0]) if rows else None

    def active_share(self, report_id: str) -> ShareState | None:
        """The report's share that is pending or acknowledged, if any."""
        rows = self._query(
            "SELECT record_id, state, data, updated, note FROM shares "
            "WHERE rid = ? AND state IN ('pending', 'acknowledged')",
            (self._rid(report_id),),
        )
        return self._share_from_row(rows[0]) if rows else None

    def due(self, now: float, limit: int = 50) -> list[OutboxItem]:
        """Queued operations whose next attempt is due, oldest first."""
        return self._outbox_items(
            self._query(_OUTBOX_SELECT + "WHERE next_at <= ? ORDER BY seq LIMIT ?", (now, limit))
        )

    def outbox(self) -> list[OutboxItem]:
        """Every queued operation, oldest first, with its attempts and last error."""
        return self._outbox_items(self._query(_OUTBOX_SELECT + "ORDER BY seq"))

    def _outbox_items(self, rows: list[tuple[Any, ...]]) -> list[OutboxItem]:
        return [
            OutboxItem(
                int(seq), str(op), str(op_id), str(rec),
                self._open(bytes(box), "outbox:" + str(op_id)),
                int(att), float(nxt), str(err),
            )
            for seq, op, op_id, rec, box, att, nxt, err in rows
        ]

    def pending_count(self) -> int:
        """How many operations wait in the outbox."""
        return int(self._query("SELECT COUNT(*) FROM outbox")[0][0])

    def acknowledge(self, items: Iterable[OutboxItem]) -> None:
        """Remove acknowledged operations and move their shares on, in one transaction."""
        now = time.time()
        with self._tx() as conn:
            for item in items:
                conn.execute("DELETE FROM outbox WHERE op_id = ?", (item.op_id,))
                new_state = "acknowledged" if item.op == "submit" else "withdrawn"
                old = "pending" if item.op == "submit" else "withdrawing"
                conn.execute(
                    "UPDATE shares SET state = ?, updated = ? WHERE record_id = ? AND state = ?",
                    (new_state, now, item.record_id, old),
                )

    def refuse(self, item: OutboxItem, reason: str) -> None:
        """Drop an operation the coordinator refused for good; the share records why.

        ``reason`` is the coordinator's status text, which never holds personal data.
        """
        with self._tx() as conn:
            conn.execute("DELETE FROM outbox WHERE op_id = ?", (item.op_id,))
            state = "refused" if item.op == "submit" else "withdraw_refused"
            conn.execute(
                "UPDATE shares SET state = ?, updated = ?, note = ? WHERE record_id = ?",
                (state, time.time(), reason[:500], item.record_id),
            )

    def defer(self, items: Iterable[OutboxItem], next_at: float, error: str) -> None:
        """Count a failed attempt and schedule the next one. ``error`` holds no data."""
        with self._tx() as conn:
            for item in items:
                conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? "
                    "WHERE op_id = ?",
                    (next_at, error[:200], item.op_id),
                )

    # ------------------------------------------------------------------ inbox

    def cursor(self) -> int:
        """The cursor of the last event stored (0 before the first)."""
        rows = self._query("SELECT value FROM meta WHERE key = 'cursor'")
        return int(bytes(rows[0][0]).decode()) if rows else 0

    def add_events(self, events: Sequence[tuple[int, str, bytes]]) -> None:
        """Store (cursor, kind, serialized event) and advance the cursor, in one transaction."""
        if not events:
            return
        with self._tx() as conn:
            for cur, kind, data in events:
                conn.execute(
                    "INSERT OR IGNORE INTO inbox VALUES (?, ?, ?, ?)",
                    (cur, kind, self._seal(data, f"inbox:{cur}"), time.time()),
                )
            self._advance(conn, max(c for c, _, _ in events))

    @staticmethod
    def _advance(conn: sqlite3.Connection, top: int) -> None:
        conn.execute(
            "INSERT INTO meta VALUES ('cursor', ?) ON CONFLICT(key) DO UPDATE SET value = "
            "CASE WHEN CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER) "
            "THEN excluded.value ELSE value END",
            (str(top).encode(),),
        )

    def events(self, kind: str | None = None) -> list[tuple[int, str, bytes]]:
        """Stored events (cursor, kind, serialized event), oldest first."""
        if kind is None:
            rows = self._query("SELECT cursor, kind, data FROM inbox ORDER BY cursor")
        else:
            rows = self._query("SELECT cursor, kind, data FROM inbox WHERE kind = ? ORDER BY cursor", (kind,))
        return [
            (int(c), str(k), self._open(bytes(d), f"inbox:{c}"))
            for c, k, d in rows
        ]

    # ------------------------------------------------------------------ audit checkpoints

    def checkpoint_key(self) -> CheckpointKey | None:
        """The checkpoint key pinned on first use (None before the first checkpoint)."""
        rows = self._query("SELECT value FROM meta WHERE key = 'checkpoint_key'")
        return CheckpointKey(bytes(rows[0][0])) if rows else None

    def add_checkpoint(
        self, cursor: int, data: bytes, checkpoint: Checkpoint | None, pinned: CheckpointKey | None, why: str = ""
    ) -> str | None:
        """Store a checkpoint event in the inbox, judge it, and advance the cursor, in one
        transaction.

        ``checkpoint`` is the parsed event (None when it did not parse: ``why`` says so);
        ``pinned`` the configured key, else the one pinned on first use is required.
        Returns None when kept in ``checkpoints`` (or already held), else why it was
        refused; a refused checkpoint is kept apart with the reason, as evidence.
        """
        with self._tx() as conn:
            # The inbox is the whole stream, as for every event; ``checkpoints`` the verified view.
            conn.execute(
                "INSERT OR IGNORE INTO inbox VALUES (?, ?, ?, ?)",
                (cursor, "checkpoint", self._seal(data, f"inbox:{cursor}"), time.time()),
            )
            reason: str | None = why or "unreadable"
            if checkpoint is not None:
                reason = self._judge(conn, checkpoint, pinned)
            if reason is not None:
                conn.execute(
                    "INSERT INTO refused_checkpoints (cursor, reason, data, received) VALUES (?, ?, ?, ?)",
                    (cursor, reason[:300], data, time.time()),
                )
            self._advance(conn, cursor)
        return reason

    def _judge(self, conn: sqlite3.Connection, cp: Checkpoint, pinned: CheckpointKey | None) -> str | None:
        row = conn.execute("SELECT value FROM meta WHERE key = 'checkpoint_key'").fetchone()
        stored = CheckpointKey(bytes(row[0])) if row else None
        # A configured key wins over the one pinned on first use (a rotation the member
        # confirmed out of band); with neither, the first checkpoint's own key is pinned.
        key = pinned or stored or cp.key
        try:
            cp.verify(key)
        except ValidationError as exc:
            return f"{exc.field}: {exc.problem}"
        # Held checkpoints agree with each other, so these few are all that can disagree.
        near = conn.execute(
            "SELECT data FROM checkpoints WHERE number = ? OR entry_seq = ? "
            "OR number = (SELECT MAX(number) FROM checkpoints WHERE number < ?) "
            "OR number = (SELECT MIN(number) FROM checkpoints WHERE number > ?)",
            (cp.number, cp.entry_seq, cp.number, cp.number),
        ).fetchall()
        held = [Checkpoint.from_json(json.loads(d)) for (d,) in near]
        if any(h.same_as(cp) for h in held):
            return None  # delivered again (a stream resumed from an older cursor)
        why = contradiction(cp, held)
        if why is not None:
            return why
        conn.execute(
            "INSERT INTO checkpoints VALUES (?, ?, ?, ?)",
            (cp.number, cp.entry_seq, json.dumps(cp.to_json()), time.time()),
        )
        if stored is None:  # trust on first use, over the mutually authenticated channel
            conn.execute("INSERT INTO meta VALUES ('checkpoint_key', ?)", (bytes(key),))
        return None

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint kept, by number."""
        rows = self._query("SELECT data FROM checkpoints ORDER BY number")
        return [Checkpoint.from_json(json.loads(d)) for (d,) in rows]

    def refused_checkpoints(self) -> list[tuple[int, str]]:
        """(cursor, reason) of every checkpoint event refused, oldest first."""
        rows = self._query("SELECT cursor, reason FROM refused_checkpoints ORDER BY id")
        return [(int(c), str(r)) for c, r in rows]

    # ------------------------------------------------------------------ token cache

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """Cached tokens of those cache ``keys`` (epoch || input) that are present.

        Implements :class:`msin_fed.tokenizer.TokenCache`; keys are stored only as keyed
        hashes, tokens only boxed.
        """
        out: dict[bytes, bytes] = {}
        for key in keys:
            term = self._hash(b"token", key)
            rows = self._query("SELECT data FROM token_cache WHERE term = ?", (term,))
            if rows:
                out[key] = self._open(bytes(rows[0][0]), "token:" + term.hex())
        return out

    def put_many(self, items: Mapping[bytes, bytes]) -> None:
        """Cache tokens by cache key (epoch || input)."""
        with self._tx() as conn:
            for key, token in items.items():
                term = self._hash(b"token", key)
                epoch = int.from_bytes(key[:4], "big")
                conn.execute(
                    "INSERT OR REPLACE INTO token_cache VALUES (?, ?, ?)",
                    (term, epoch, self._seal(token, "token:" + term.hex())),
                )

    # ------------------------------------------------------------------ staff intake queue

    def add_intake(self, data: bytes) -> str:
        """Queue one staff submission (opaque bytes, boxed); its random id."""
        item_id = secrets.token_hex(8)
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO intake VALUES (?, ?, ?)", (item_id, time.time(), self._seal(data, "intake:" + item_id))
            )
        return item_id

    def intake(self) -> list[tuple[str, float, bytes]]:
        """Queued staff submissions (id, time received, data), oldest first."""
        rows = self._query("SELECT id, received, data FROM intake ORDER BY received, id")
        return [(str(i), float(t), self._open(bytes(d), "intake:" + str(i))) for i, t, d in rows]

    def remove_intake(self, item_id: str) -> bool:
        """Delete a reviewed submission; False when there was none with that id."""
        with self._tx() as conn:
            return conn.execute("DELETE FROM intake WHERE id = ?", (item_id,)).rowcount > 0
