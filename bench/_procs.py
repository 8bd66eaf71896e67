"""Process trees from /proc: CPU seconds and memory of the coordinator's and PostgreSQL's processes.

Linux only (the bench machine). ``Tree(pid)`` is a process and its descendants, found
afresh at every reading so intake workers started later count too. PSS (proportional set
size, ``/proc/PID/smaps_rollup``) counts a page shared by several processes once over all
of them, so the PSS of PostgreSQL's processes sums to its real footprint (shared buffers
once), where their RSS would count the buffers once per backend.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

__all__ = ["MemorySampler", "Tree", "postmaster_of"]

_TICK = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        out.setdefault(ppid, []).append(int(entry.name))
    return out


def _cpu(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _kib(pid: int, path: str, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Tree:
    """A process and its descendants."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def pids(self) -> list[int]:
        kids = _children()
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(kids.get(p, ()))
        return out

    def cpu_seconds(self) -> float:
        """User + system CPU of the processes alive now (since each started)."""
        return sum(_cpu(p) for p in self.pids())

    def rss_bytes(self) -> int:
        return 1024 * sum(_kib(p, "status", "VmRSS:") for p in self.pids())

    def pss_bytes(self) -> int:
        return 1024 * sum(_kib(p, "smaps_rollup", "Pss:") for p in self.pids())


def postmaster_of(backend_pid: int) -> int:
    """The PostgreSQL server process of a backend (``SELECT pg_backend_pid()``), on this host."""
    stat = Path(f"/proc/{backend_pid}/stat").read_text()
    return int(stat[stat.rindex(")") + 2 :].split()[1])


class MemorySampler:
    """Peak PSS of each named group of trees, sampled every ``interval`` seconds in a thread."""

    def __init__(self, groups: dict[str, Iterable[Tree]], interval: float = 1.0) -> None:
        self.groups = {k: list(v) for k, v in groups.items()}
        self.peak = dict.fromkeys(self.groups, 0)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def sample(self) -> None:
        for name, trees in self.groups.items():
            self.peak[name] = max(self.peak[name], sum(t.pss_bytes() for t in trees))

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
