"""``msin demo`` fails clearly and leaves nothing behind: no process, no directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from msin_fed.demo.processes import DemoError
from msin_fed.demo.run import run_demo

pytestmark = pytest.mark.slow


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline and int(entry.name) != os.getpid():
                found.append(int(entry.name))
    return found


def test_a_failing_step_is_named_and_everything_is_cleaned_up(tmp_path: Path) -> None:
    bad = tmp_path / "bad.reports.csv"
    bad.write_text("report_id,narrative,region,month\nX-1,Workers unpaid at a farm.,Atlantis,2026-13\n")
    lines: list[str] = []
    with pytest.raises(DemoError) as failed:
        run_demo(members=["alpha", "beta"], data=lambda _m: (bad, bad.with_suffix(".none")), out=lines.append)
    message = str(failed.value)
    assert "import and share at alpha" in message or "import and share at beta" in message
    root = lines[0].rsplit(" ", 1)[-1]
    assert root.startswith("/") and not Path(root).exists()
    assert _processes_mentioning(root) == []


def test_keep_refuses_a_directory_in_use(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    with pytest.raises(DemoError, match="not empty"):
        run_demo(keep=tmp_path, out=lambda _l: None)
