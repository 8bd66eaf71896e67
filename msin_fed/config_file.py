"""Reading a process's TOML configuration file, with one error for every way it can fail.

Each process (node, coordinator, key holder) validates its own keys; this module only
turns the file into a mapping, so a missing, unreadable or malformed file is reported
the same way everywhere: ``ConfigError(file, "file", reason)``.
"""

from __future__ import annotations

import logging
import os
import tomllib
from pathlib import Path
from typing import Any

from msin_fed.errors import ConfigError

__all__ = ["read_toml", "renamed"]

log = logging.getLogger("msin_fed.config")


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
