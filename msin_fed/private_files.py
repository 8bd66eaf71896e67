"""Files only their owner may read: stores, their journals, logs and audit anchors.

Every process of the network keeps something in files that others on the host must not
read (the coordinator's shared store and audit head, a node's encrypted store, a key
holder's usage counts, the logs of all three). The umask of whoever starts the process
decides a new file's mode otherwise, and the usual 022 makes them world-readable.

SQLite creates a database's ``-wal``, ``-shm`` and ``-journal`` files with the mode of the
database file itself, so creating that file owner-only first is enough for the rest.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

__all__ = ["OWNER_ONLY", "owner_only", "owner_only_log", "write_owner_only"]

#: rw------- : read and written by the owner only.
OWNER_ONLY = 0o600

_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def owner_only(path: str | os.PathLike[str], *, sqlite: bool = False) -> Path:
    """Create ``path`` empty and owner-only if missing, or narrow its mode to owner-only.

    With ``sqlite`` the database's journal files, when present, are narrowed too.
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


def write_owner_only(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (a temporary file, then a rename), owner-only."""
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    try:
        os.fchmod(fd, OWNER_ONLY)
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, target)


def owner_only_log(path: str | os.PathLike[str], fmt: str) -> logging.FileHandler:
    """A logging handler appending to ``path``, which is created (or narrowed) owner-only."""
    handler = logging.FileHandler(owner_only(path))
    handler.setFormatter(logging.Formatter(fmt))
    return handler
