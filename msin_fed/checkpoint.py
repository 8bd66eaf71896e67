"""Signed checkpoints of the coordinator's audit chain, as members hold and export them.

A checkpoint says "after entry ``entry_seq`` the chain's head hash was ``head``", signed
with the coordinator's Ed25519 *checkpoint key*. The coordinator sends each one to every
member in its event stream; members keep them (:mod:`msin_fed.node.store`), so a later
rewrite of the audit log (entries deleted at the end, an entry altered and every later
hash recomputed, the table emptied) no longer passes ``msin coordinator audit verify``
against what the members hold. The key is the coordinator's own, not its TLS key: STTG
runs the CA and could re-issue a certificate at will, so members pin the checkpoint key
itself (configured, or on first use) and refuse checkpoints under any other.

The signed bytes are a fixed layout (see :func:`signed_bytes`), not a protobuf
serialization, so any implementation checks the same bytes.

Rules a member applies to each new checkpoint (:func:`contradiction`): numbers go up,
heads never go backwards, and the same number or the same entry never names two heads.
"""

from __future__ import annotations

import datetime as _dt
import hmac
import itertools
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from msin_fed.errors import ConfigError, ValidationError
from msin_fed.private_files import read_private, write_private
from msin_fed.proto import coordinator_pb2 as pb

__all__ = [
    "Checkpoint",
    "CheckpointKey",
    "contradiction",
    "dump_checkpoints",
    "load_checkpoints",
    "load_or_create_signing_key",
    "merge_verified",
    "sign_checkpoint",
]

LABEL = b"msin.v1.AuditCheckpoint\x00"
HASH_SIZE = 32
SIGNATURE_SIZE = 64
#: Format of an exported checkpoints file (``msin node checkpoints --json``).
EXPORT_FORMAT = "msin-audit-checkpoints/1"


class CheckpointKey:
    """The coordinator's public checkpoint key (Ed25519, 32 bytes), as members pin it."""

    SIZE = 32

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, bytes) or len(raw) != self.SIZE:
            raise ValidationError("checkpoint.key", f"must be {self.SIZE} bytes (an Ed25519 public key)")
        self._raw = raw

    @classmethod
    def from_hex(cls, text: str, field: str = "checkpoint_key") -> CheckpointKey:
        """Parse the 64 hex digits printed by ``msin coordinator audit key``."""
        try:
            raw = bytes.fromhex(text.strip())
        except ValueError:
            raise ValidationError(field, "must be 64 hex digits (an Ed25519 public key)") from None
        if len(raw) != cls.SIZE:
            raise ValidationError(field, "must be 64 hex digits (an Ed25519 public key)")
        return cls(raw)

    def hex(self) -> str:
        """The key as 64 hex digits (public, safe to print)."""
        return self._raw.hex()

    def __bytes__(self) -> bytes:
        return self._raw

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CheckpointKey) and hmac.compare_digest(self._raw, other._raw)

    def __hash__(self) -> int:
        return hash(self._raw)

    def __repr__(self) -> str:
        return f"CheckpointKey({self._raw[:4].hex()}...)"


@dataclass(frozen=True)
class Checkpoint:
    """One signed checkpoint. ``head`` is the entry's hash as the audit log writes it (hex)."""

    number: int
    entry_seq: int
    head: str
    signed_at: _dt.datetime
    key: CheckpointKey
    signature: bytes

    def __post_init__(self) -> None:
        if self.number < 1:
            raise ValidationError("checkpoint.number", "must be 1 or more")
        if self.entry_seq < 1:
            raise ValidationError("checkpoint.entry_seq", "must be 1 or more")
        try:
            head = bytes.fromhex(self.head)
        except ValueError:
            head = b""
        if len(head) != HASH_SIZE or self.head != head.hex():
            raise ValidationError("checkpoint.head_hash", f"must be {HASH_SIZE} bytes")
        if self.signed_at.tzinfo is None:
            raise ValidationError("checkpoint.signed_at", "must carry a time zone")
        if len(self.signature) != SIGNATURE_SIZE:
            raise ValidationError("checkpoint.signature", f"must be {SIGNATURE_SIZE} bytes")

    def verify(self, key: CheckpointKey) -> None:
        """Raise ValidationError unless ``key`` signed exactly this checkpoint."""
        if self.key != key:
            raise ValidationError("checkpoint.key", "is another key than the coordinator's checkpoint key expected")
        try:
            VerifyKey(bytes(key)).verify(signed_bytes(self), self.signature)
        except BadSignatureError:
            raise ValidationError("checkpoint.signature", "does not verify (forged or altered)") from None

    def same_as(self, other: Checkpoint) -> bool:
        """Whether both say the same thing (signature aside: Ed25519 signatures are
        deterministic, but a checkpoint is what it states)."""
        return (self.number, self.entry_seq, self.head, self.key) == (
            other.number,
            other.entry_seq,
            other.head,
            other.key,
        )

    # -------------------------------------------------------------- wire and JSON

    def to_pb(self) -> pb.AuditCheckpoint:
        """The protobuf form sent in the event stream."""
        msg = pb.AuditCheckpoint(
            number=self.number,
            entry_seq=self.entry_seq,
            head_hash=bytes.fromhex(self.head),
            key=bytes(self.key),
            signature=self.signature,
        )
        msg.signed_at.FromMicroseconds(_micros(self.signed_at))
        return msg

    @classmethod
    def from_pb(cls, msg: pb.AuditCheckpoint) -> Checkpoint:
        """Parse (not verify) a received checkpoint; ValidationError naming the bad field."""
        if not msg.HasField("signed_at"):
            raise ValidationError("checkpoint.signed_at", "is missing")
        if len(msg.head_hash) != HASH_SIZE:
            raise ValidationError("checkpoint.head_hash", f"must be {HASH_SIZE} bytes")
        at = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC) + _dt.timedelta(microseconds=msg.signed_at.ToMicroseconds())
        return cls(
            int(msg.number),
            int(msg.entry_seq),
            bytes(msg.head_hash).hex(),
            at,
            CheckpointKey(bytes(msg.key)),
            bytes(msg.signature),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON object (numbers, hex strings, an ISO time)."""
        return {
            "number": self.number,
            "entry_seq": self.entry_seq,
            "head_hash": self.head,
            "signed_at": self.signed_at.isoformat(timespec="microseconds"),
            "key": self.key.hex(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, item: Any, where: str = "checkpoint") -> Checkpoint:
        """Parse one object of an exported file; ValidationError naming where and what."""
        if not isinstance(item, dict):
            raise ValidationError(where, "must be an object")
        try:
            number, seq = item["number"], item["entry_seq"]
            head, at, key, sig = item["head_hash"], item["signed_at"], item["key"], item["signature"]
        except KeyError as exc:
            raise ValidationError(f"{where}.{exc.args[0]}", "is missing") from None
        if not (isinstance(number, int) and isinstance(seq, int)) or isinstance(number, bool) or isinstance(seq, bool):
            raise ValidationError(f"{where}.number", "number and entry_seq must be integers")
        if not all(isinstance(x, str) for x in (head, at, key, sig)):
            raise ValidationError(where, "head_hash, signed_at, key and signature must be strings")
        try:
            signed_at = _dt.datetime.fromisoformat(at)
        except ValueError:
            raise ValidationError(f"{where}.signed_at", "is not an ISO 8601 time") from None
        try:
            signature = bytes.fromhex(sig)
        except ValueError:
            raise ValidationError(f"{where}.signature", "is not hex") from None
        try:
            return cls(number, seq, head, signed_at, CheckpointKey.from_hex(key, f"{where}.key"), signature)
        except ValidationError as exc:
            raise ValidationError(exc.field.replace("checkpoint", where, 1), exc.problem) from None


def _micros(at: _dt.datetime) -> int:
    delta = at - _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def signed_bytes(cp: Checkpoint) -> bytes:
    """What the signature covers (layout documented on ``AuditCheckpoint`` in the proto)."""
    return b"".join(
        (
            LABEL,
            cp.number.to_bytes(8, "big"),
            cp.entry_seq.to_bytes(8, "big"),
            bytes.fromhex(cp.head),
            _micros(cp.signed_at).to_bytes(8, "big", signed=True),
            bytes(cp.key),
        )
    )


def sign_checkpoint(
    key: SigningKey, number: int, entry_seq: int, head: str, signed_at: _dt.datetime
) -> Checkpoint:
    """Sign a checkpoint of the chain head ``head`` (hex) at entry ``entry_seq``."""
    at = signed_at.astimezone(_dt.UTC)
    public = CheckpointKey(bytes(key.verify_key))
    unsigned = Checkpoint(number, entry_seq, head, at, public, bytes(SIGNATURE_SIZE))
    signature = bytes(key.sign(signed_bytes(unsigned)).signature)
    return Checkpoint(number, entry_seq, head, at, public, signature)


def contradiction(new: Checkpoint, held: Iterable[Checkpoint]) -> str | None:
    """Why ``new`` contradicts checkpoints already held (None when it does not).

    ``held`` need only hold those that can contradict it, when the held ones agree with
    each other: any of the same number or entry, and the nearest lower and higher numbers.
    A duplicate of a held checkpoint is not a contradiction; the caller skips it.
    """
    for old in held:
        if old.number == new.number and not old.same_as(new):
            return f"checkpoint {new.number} was received before with another head"
        if old.entry_seq == new.entry_seq and old.head != new.head:
            return f"entry {new.entry_seq} was checkpointed before (checkpoint {old.number}) with another head"
        if old.number < new.number and old.entry_seq > new.entry_seq:
            return (
                f"goes backwards: checkpoint {new.number} names entry {new.entry_seq}, "
                f"before entry {old.entry_seq} of checkpoint {old.number}"
            )
        if old.number > new.number and old.entry_seq < new.entry_seq:
            return (
                f"goes backwards: checkpoint {new.number} names entry {new.entry_seq}, "
                f"after entry {old.entry_seq} of the later checkpoint {old.number}"
            )
    return None


def merge_verified(sources: Sequence[tuple[str, Sequence[Checkpoint]]], key: CheckpointKey) -> list[Checkpoint]:
    """Every checkpoint of every source, each checked under ``key``, all agreeing; by number.

    ValidationError names the source and checkpoint: a bad signature (forged, or another
    key) or two checkpoints that contradict each other (the coordinator signed two
    histories). Duplicates across sources (members hold the same checkpoints) count once.
    """
    by_number: dict[int, tuple[str, Checkpoint]] = {}
    for name, checkpoints in sources:
        for cp in checkpoints:
            where = f"{name}: checkpoint {cp.number}"
            try:
                cp.verify(key)
            except ValidationError as exc:
                raise ValidationError(f"{where} {exc.field.removeprefix('checkpoint.')}", exc.problem) from None
            seen = by_number.get(cp.number)
            if seen is None:
                by_number[cp.number] = (name, cp)
            elif not seen[1].same_as(cp):
                raise ValidationError(where, f"differs from checkpoint {cp.number} in {seen[0]}: the coordinator signed two heads")
    ordered = [by_number[n] for n in sorted(by_number)]
    for (_a, older), (name, newer) in itertools.pairwise(ordered):
        why = contradiction(newer, [older])
        if why is not None:
            raise ValidationError(f"{name}: checkpoint {newer.number}", f"{why}: the coordinator signed two histories")
    return [cp for _n, cp in ordered]


# ------------------------------------------------------------------ files


def dump_checkpoints(key: CheckpointKey | None, checkpoints: Sequence[Checkpoint]) -> str:
    """The JSON export a member hands to whoever verifies the coordinator's audit log."""
    return json.dumps(
        {
            "format": EXPORT_FORMAT,
            "pinned_key": key.hex() if key is not None else None,
            "checkpoints": [cp.to_json() for cp in checkpoints],
        },
        indent=2,
    )


def load_checkpoints(path: str | os.PathLike[str]) -> list[Checkpoint]:
    """Read an exported checkpoints file; ValidationError naming the file and the field."""
    file = Path(path)
    try:
        data = json.loads(file.read_text("utf-8"))
    except OSError as exc:
        raise ValidationError(str(file), f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(str(file), "is not JSON (expected the output of 'msin node checkpoints --json')") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ValidationError(f"{file}: format", f"must be {EXPORT_FORMAT!r}")
    items = data.get("checkpoints")
    if not isinstance(items, list):
        raise ValidationError(f"{file}: checkpoints", "must be a list")
    return [Checkpoint.from_json(item, f"{file}: checkpoints[{i}]") for i, item in enumerate(items)]


def load_or_create_signing_key(path: Path, *, create: bool) -> SigningKey:
    """The coordinator's checkpoint signing key (a raw 32-byte seed, mode 0600).

    With ``create`` a missing file is made (first start); otherwise ConfigError.
    """
    try:
        seed = read_private(path, "audit.checkpoint_key")
    except FileNotFoundError:
        if not create:
            raise ConfigError(str(path), "audit.checkpoint_key", "the checkpoint key file does not exist") from None
        key = SigningKey.generate()
        write_private(path, bytes(key))
        return key
    except OSError as exc:
        raise ConfigError(str(path), "audit.checkpoint_key", f"cannot be read ({exc.strerror})") from None
    if len(seed) != 32:
        raise ConfigError(str(path), "audit.checkpoint_key", "must hold a 32-byte Ed25519 seed")
    return SigningKey(seed)
