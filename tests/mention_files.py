"""Writes one member's mentions as the canonical CSV ``msin link`` reads (tests only)."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from msin_fed.model.report import MENTION_COLUMNS


def write_mentions(path: Path, rows: Sequence[Mapping[str, str]]) -> Path:
    """``rows`` as a mentions CSV at ``path`` (absent columns empty); returns ``path``."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(MENTION_COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in MENTION_COLUMNS})
    return path
