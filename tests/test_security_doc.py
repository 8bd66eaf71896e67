"""Every test that docs/security.md names exists, so the threat model cannot cite a test
that was renamed or removed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"


def _cited() -> list[tuple[str, str | None]]:
    """(file, test name or None) for every backticked test reference in the doc.

    A reference is ``tests/x.py``, ``tests/x.py::name``, or ``::name`` after one of
    those in the same table cell (the file carried over)."""
    cited: list[tuple[str, str | None]] = []
    for line in DOC.read_text().splitlines():
        current: str | None = None
        for ref in re.findall(r"`((?:tests/[\w/]+\.py)?(?:::\w+)?)`", line):
            path, _, name = ref.partition("::")
            if path:
                current = path
            if current is None:
                continue
            cited.append((current, name or None))
    return cited


def test_every_cited_test_exists() -> None:
    cited = _cited()
    assert len(cited) > 30
    for path, name in cited:
        source = ROOT / path
        assert source.is_file(), path
        if name is not None:
            assert re.search(rf"^\s*def {name}\(", source.read_text(), re.M), f"{path}::{name}"
