"""The node's store and key file are owner-only whatever the umask of whoever made them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from msin_fed.node.keys import write_key_file
from msin_fed.node.store import SecureStore

from .conftest import make_report


def test_store_key_and_journals_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        key = write_key_file(tmp_path / "node.key")
        store = SecureStore.create(tmp_path / "node.db", key)
        store.add_reports([make_report("R1")])
        store.close()
    finally:
        os.umask(old)
    files = sorted(p for p in tmp_path.iterdir() if p.is_file())
    assert {p.name for p in files} >= {"node.db", "node.key"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path.name} is {oct(stat.S_IMODE(path.stat().st_mode))}"
