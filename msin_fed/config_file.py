"""Reading a process's TOML configuration file, with one error for every way it can fail.

Each process (node, coordinator, key holder) validates its own keys; this module only
turns the file into a mapping, so a missing, unreadable or malformed file is reported
the same way everywhere: ``ConfigError(file, "file", reason)``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from msin_fed.errors import ConfigError

__all__ = ["read_toml"]


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
