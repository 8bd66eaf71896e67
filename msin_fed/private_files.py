"""Files only their owner may read: private keys, stores and their journals, logs, anchors.

Every secret the project keeps on disk (TLS and CA keys, Ed25519 seeds, the node's store
key, key holders' shares, roster-signing and checkpoint keys) is written with
:func:`write_private` and read with :func:`read_private`. A key file that group or
others can access is refused rather than used, with the command that fixes it: a key
someone else could have copied is no longer a secret, and saying so at once is better
than finding out later.

Stores, logs and the audit head are not keys but must not be world-readable either (the
coordinator's shared store and audit head, a node's encrypted store, a key holder's usage
counts, the logs of all three): :func:`owner_only` creates such a file 0600 before anything
writes to it, whatever the umask of whoever started the process, and :func:`owner_only_log`
opens a log that way. SQLite creates a database's ``-wal``, ``-shm`` and ``-journal`` files
with the mode of the database file itself, so creating that file owner-only first is
enough for the rest.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from msin_fed.errors import ConfigError

__all__ = ["OWNER_ONLY", "check_private", "owner_only", "owner_only_log", "read_private", "write_private"]

#: rw------- : read and written by the owner only.
OWNER_ONLY = 0o600

_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def check_private(path: str | os.PathLike[str], setting: str) -> None:
    """ConfigError naming ``setting`` when ``path`` is open to group or others (any of 0o077)."""
    target = Path(path)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return  # the caller reports a missing file in its own words
    if os.name == "posix" and mode & 0o077:
        raise ConfigError(
            str(target), setting,
            f"is a private key file open to group or others (mode {mode:04o}); "
            f"make it owner-only with: chmod 600 {target}",
        )


def read_private(path: str | os.PathLike[str], setting: str) -> bytes:
    """The bytes of a private key file, after :func:`check_private` (OSError as usual)."""
    check_private(path, setting)
    return Path(path).read_bytes()


def write_private(path: str | os.PathLike[str], data: bytes, *, overwrite: bool = True) -> None:
    """Write a secret owner-only (0600) from the first byte, whatever the umask.

    Written to a temporary file and renamed, so an existing file with looser permissions
    is replaced rather than kept as it was. ``overwrite=False`` refuses an existing file
    (FileExistsError).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite and target.exists():
        raise FileExistsError(str(target))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600)
        if overwrite:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # fails if the file appeared meanwhile
            os.unlink(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def owner_only(path: str | os.PathLike[str], *, sqlite: bool = False) -> Path:
    """Create ``path`` empty and owner-only if missing, or narrow its mode to owner-only.

    With ``sqlite`` the database's journal files, when present, are narrowed too. The
    folder must exist (a mistyped path is not created).
    """
    target = Path(path)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT, OWNER_ONLY)
    try:
        os.fchmod(fd, OWNER_ONLY)
    finally:
        os.close(fd)
    if sqlite:
        for suffix in _SQLITE_SIDECARS:
            side = target.with_name(target.name + suffix)
            if side.exists():
                os.chmod(side, OWNER_ONLY)
    return target


def owner_only_log(path: str | os.PathLike[str], fmt: str) -> logging.FileHandler:
    """A logging handler appending to ``path``, which is created (or narrowed) owner-only."""
    handler = logging.FileHandler(owner_only(path))
    handler.setFormatter(logging.Formatter(fmt))
    return handler
