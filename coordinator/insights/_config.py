"""Insight settings: the ``[insights]`` table of the coordinator's TOML configuration."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from msin_fed.config_file import read_toml
from msin_fed.errors import ConfigError
from msin_fed.model import Tlp

__all__ = ["NEVER_EXPORTED", "InsightConfig"]

#: Records and alerts under these TLPs never feed anything that leaves the analysts.
NEVER_EXPORTED: frozenset[Tlp] = frozenset({Tlp.RED, Tlp.AMBER_STRICT})


@dataclass(frozen=True)
class InsightConfig:
    """Publication rules and wording of insight reports.

    ``min_records`` and ``min_members`` are the small-cell rule: a published count below
    ``min_records`` records, or drawn from fewer than ``min_members`` members, is hidden.
    """

    min_records: int = 5
    min_members: int = 2
    window_months: int = 12
    network_name: str = "Modern Slavery Intelligence Network"
    #: Analysts' own lessons learned, added to the generated ones in reports.
    lessons: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not isinstance(self.min_records, int) or self.min_records < 1:
            raise ValueError("min_records must be a positive integer")
        if not isinstance(self.min_members, int) or self.min_members < 2:
            raise ValueError("min_members must be at least 2")
        if not isinstance(self.window_months, int) or not 1 <= self.window_months <= 120:
            raise ValueError("window_months must be between 1 and 120")
        if not isinstance(self.network_name, str) or not self.network_name.strip():
            raise ValueError("network_name must be non-empty text")

    @classmethod
    def from_mapping(cls, table: dict[str, Any], source: str = "<config>") -> InsightConfig:
        """Build from the ``[insights]`` table; unknown keys and bad values name the key."""
        known = {f.name for f in fields(cls)}
        for key in table:
            if key not in known:
                raise ConfigError(source, f"insights.{key}", "unknown setting")
        values = dict(table)
        if "lessons" in values:
            lessons = values["lessons"]
            if not isinstance(lessons, list) or not all(isinstance(x, str) for x in lessons):
                raise ConfigError(source, "insights.lessons", "must be a list of strings")
            values["lessons"] = tuple(lessons)
        try:
            return cls(**values)
        except (TypeError, ValueError) as exc:
            raise ConfigError(source, "insights", str(exc)) from None

    @classmethod
    def load(cls, path: str | Path | None) -> InsightConfig:
        """Read the ``[insights]`` table of a TOML file (defaults when ``path`` is None)."""
        if path is None:
            return cls()
        p = Path(path)
        data = read_toml(p)
        table = data.get("insights", {})
        if not isinstance(table, dict):
            raise ConfigError(str(p), "insights", "must be a table")
        return cls.from_mapping(table, str(p))
