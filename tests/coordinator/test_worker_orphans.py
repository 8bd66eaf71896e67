"""SIGKILL of the coordinator takes its intake worker processes (and multiprocessing's
resource tracker) with it: they used to stay alive, about 200 MB each, one set per kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from msin_fed import pki

pytestmark = pytest.mark.slow


def _ppids() -> dict[int, int]:
    """pid -> parent pid of every live process (zombies count as gone), from /proc."""
    out: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state not in ("Z", "X"):
            out[int(entry)] = int(ppid)
    return out


def _descendants(root: int) -> set[int]:
    table = _ppids()
    found: set[int] = set()
    frontier = {root}
    while frontier:
        children = {pid for pid, ppid in table.items() if ppid in frontier} - found
        found |= children
        frontier = children
    return found


def test_sigkill_of_the_coordinator_leaves_no_worker_alive(tmp_path: Path, coordinator_identity: pki.Identity) -> None:
    if not Path("/proc/self/stat").exists():
        pytest.fail("this test reads the process table from /proc (Linux)")
    assert coordinator_identity.directory is not None
    config = tmp_path / "coordinator.toml"
    config.write_text(
        "[server]\n"
        'listen = "127.0.0.1:0"\n'
        f'identity_dir = "{coordinator_identity.directory}"\n'
        f'crl = "{coordinator_identity.directory / "crl.pem"}"\n'
        "intake_workers = 2\n"
        f'[store]\nurl = "{tmp_path / "shared.db"}"\n'
        "[redaction]\nverify = false\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "msin_fed.cli", "coordinator", "serve", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    children: set[int] = set()
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        line = b""
        while time.monotonic() < deadline and b"listening on port" not in line:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                pytest.fail(f"the coordinator exited with {proc.returncode}")
        children = _descendants(proc.pid)
        assert len(children) >= 3, "two workers and the resource tracker"
        os.kill(proc.pid, signal.SIGKILL)  # the coordinator alone, not its process group
        proc.wait(10)
        deadline = time.monotonic() + 15
        alive = children
        while alive and time.monotonic() < deadline:
            time.sleep(0.2)
            alive = children & set(_ppids())
        assert not alive, f"{len(alive)} of {len(children)} child processes outlived the coordinator"
    finally:
        for pid in children | _descendants(proc.pid) | ({proc.pid} if proc.poll() is None else set()):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(10)
