"""Reading a process's TOML configuration file, with one error for every way it can fail.

Each process (node, coordinator, key holder) validates its own keys; this module only
turns the file into a mapping, so a missing, unreadable or malformed file is reported
the same way everywhere: ``ConfigError(file, "file", reason)``.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from msin_fed.errors import ConfigError

__all__ = ["address_problem", "read_toml", "renamed"]

log = logging.getLogger("msin_fed.config")

# A host name (letters, digits, dots, hyphens, underscores) or an IPv4 address; IPv6 goes
# in brackets: [::1]:50051.
_HOST = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,252})")
_V6 = re.compile(r"\[[0-9A-Fa-f:.]{2,45}(?:%[A-Za-z0-9_.\-]+)?\]")


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed contents of the TOML file at ``path``."""
    file = Path(path)
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(file), "file", f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(str(file), "file", "cannot be read (not UTF-8 text)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(file), "file", f"is not valid TOML ({exc})") from None


def address_problem(address: object, *, listen: bool) -> str | None:
    """What is wrong with a gRPC ``host:port`` address, or None if nothing.

    ``listen``: a server's own address, where port 0 asks for any free port; an address
    to dial needs a port from 1 to 65535.
    """
    if not isinstance(address, str) or not address:
        return "must be host:port"
    host, sep, port = address.rpartition(":")
    if not sep or not host:
        return f"must be host:port (got {address!r})"
    if not (_V6.fullmatch(host) or (_HOST.fullmatch(host) and ":" not in host)):
        return f"{host!r} is not a host name or address (IPv6 goes in brackets: [::1]:50051)"
    if not port.isascii() or not port.isdigit():
        return f"port {port!r} is not a number"
    low = 0 if listen else 1
    if not low <= int(port) <= 65535:
        return f"port {port} is out of range ({low} to 65535)"
    return None


def renamed(table: dict[str, Any], key: str, old_names: tuple[str, ...], source: str, prefix: str = "") -> Any:
    """The value of ``key`` in ``table``, also read under a deprecated old name (with a warning).

    Giving the key under both names is refused, so no file is read two ways.
    """
    found = [name for name in old_names if name in table]
    if not found:
        return table.get(key)
    old = found[0]
    if key in table or len(found) > 1:
        raise ConfigError(source, f"{prefix}{key}", f"give it once, as {key} (not also as {', '.join(found)})")
    log.warning(
        "%s: %s%s is deprecated; rename it %s%s (the one name of this setting everywhere)",
        source, prefix, old, prefix, key,
    )
    return table[old]
