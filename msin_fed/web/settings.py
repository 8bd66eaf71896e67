"""The ``[console]`` table both consoles read: address, accounts file, session lengths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msin_fed.errors import ConfigError

from .server import DEFAULT_LISTEN, parse_listen

__all__ = ["ConsoleSettings", "check_tables", "console_settings", "required_text"]


@dataclass(frozen=True)
class ConsoleSettings:
    """Where a console listens, where its accounts are, and how long a session lasts (seconds)."""

    listen: str = DEFAULT_LISTEN
    users: Path = Path("console-users.db")
    session_idle: float = 15 * 60
    session_lifetime: float = 8 * 3600


def _number(table: dict[str, Any], key: str, default: float, source: str, low: float, high: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(source, f"console.{key}", f"must be a number from {low:g} to {high:g}")
    return float(value)


def console_settings(table: object, base: Path, source: str, *, listen: str | None = None) -> ConsoleSettings:
    """Validate a ``[console]`` table (relative paths from ``base``); ``listen`` overrides its address."""
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(source, "console", "must be a table")
    address = listen or table.get("listen", DEFAULT_LISTEN)
    if not isinstance(address, str):
        raise ConfigError(source, "console.listen", "must be a string host:port")
    parse_listen(address, source, "console.listen")
    users = table.get("users", "console-users.db")
    if not isinstance(users, str) or not users:
        raise ConfigError(source, "console.users", "must be a file name")
    idle = _number(table, "session_idle_minutes", 15, source, 1, 24 * 60) * 60
    hours = _number(table, "session_hours", 8, source, 0.1, 24 * 7) * 3600
    return ConsoleSettings(address, base / Path(users).expanduser(), idle, hours)


def check_tables(data: dict[str, Any], known: dict[str, set[str]], source: str) -> None:
    """Refuse a section or key of a console's TOML that ``known`` does not list."""
    for section, table in data.items():
        if section not in known:
            raise ConfigError(source, section, "unknown section")
        if not isinstance(table, dict):
            raise ConfigError(source, section, "must be a table")
        for key in table:
            if key not in known[section]:
                raise ConfigError(source, f"{section}.{key}", "unknown key")


def required_text(data: dict[str, Any], section: str, key: str, source: str) -> str:
    """A required non-empty string ``section.key``; ConfigError naming it otherwise."""
    value = data.get(section, {}).get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(source, f"{section}.{key}", "is required")
    return value
