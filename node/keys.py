"""The store key: from a passphrase (Argon2id) or from a key file, split into subkeys.

The master key never touches disk in a passphrase store; only the Argon2id salt and
parameters and a key check value (an AEAD box of a constant) are stored, so a wrong
passphrase is detected before any data is read or written.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.pwhash import argon2id

from msin_fed.errors import ConfigError, ValidationError
from msin_fed.private_files import read_private

__all__ = ["KEY_SIZE", "KeyFile", "Passphrase", "StoreKey", "Subkeys", "derive", "write_key_file"]

KEY_SIZE = 32


@dataclass(frozen=True, repr=False)
class Passphrase:
    """A passphrase; the store key is derived from it with Argon2id."""

    value: str = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or len(self.value) < 8:
            raise ValidationError("passphrase", "must be at least 8 characters")

    def __repr__(self) -> str:
        return "Passphrase(<hidden>)"


@dataclass(frozen=True)
class KeyFile:
    """A file holding a 32-byte random key (raw, or 64 hex characters)."""

    path: Path

    def read(self) -> bytes:
        """The key; ConfigError when the file is missing or holds no key."""
        try:
            data = read_private(self.path, "key_file")
        except FileNotFoundError:
            raise ConfigError(str(self.path), "key_file", "key file not found") from None
        except OSError as exc:
            raise ConfigError(str(self.path), "key_file", f"cannot be read ({exc.strerror})") from None
        if len(data) == KEY_SIZE:
            return data
        text = data.strip()
        if len(text) == 2 * KEY_SIZE:
            try:
                return bytes.fromhex(text.decode("ascii"))
            except (UnicodeDecodeError, ValueError):
                pass
        raise ConfigError(str(self.path), "key_file", "must hold a 32-byte key (raw or 64 hex characters)")


StoreKey = Passphrase | KeyFile | bytes


def write_key_file(path: str | os.PathLike[str]) -> KeyFile:
    """Create a new random key file (owner-only permissions); refuse to overwrite one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(str(target), "key_file", "already exists; refusing to overwrite a key") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(KEY_SIZE).hex().encode("ascii") + b"\n")
    return KeyFile(target)


@dataclass(frozen=True, repr=False)
class Subkeys:
    """Independent keys for record encryption and the keyed lookup index."""

    encryption: bytes
    index: bytes

    def __repr__(self) -> str:
        return "Subkeys(<hidden>)"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters stored with a passphrase store."""

    salt: bytes
    opslimit: int = argon2id.OPSLIMIT_INTERACTIVE
    memlimit: int = argon2id.MEMLIMIT_INTERACTIVE


def master_key(key: StoreKey, params: KdfParams | None) -> bytes:
    """The 32-byte master key for ``key`` (Argon2id for passphrases)."""
    if isinstance(key, Passphrase):
        if params is None:
            raise ValidationError("key", "a passphrase needs Argon2id parameters")
        return bytes(
            argon2id.kdf(KEY_SIZE, key.value.encode("utf-8"), params.salt, params.opslimit, params.memlimit)
        )
    if isinstance(key, KeyFile):
        return key.read()
    if isinstance(key, bytes) and len(key) == KEY_SIZE:
        return key
    raise ValidationError("key", "must be a Passphrase, a KeyFile or 32 raw bytes")


def derive(master: bytes) -> Subkeys:
    """Split the master key into domain-separated subkeys (keyed BLAKE2b)."""
    return Subkeys(
        encryption=blake2b(b"", digest_size=32, key=master, person=b"msin-node-enc", encoder=RawEncoder),
        index=blake2b(b"", digest_size=32, key=master, person=b"msin-node-idx", encoder=RawEncoder),
    )

