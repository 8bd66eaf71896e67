"""Defects a new user met (issue 18), against the real network of test_e2e: the real
coordinator and three key holders over mutual TLS on loopback, real node stores, the
real redactor, and ``msin node run`` as a real child process.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from msin_fed import pki
from msin_fed.errors import KeyHoldersUnavailable
from msin_fed.model.events import MatchChange, MatchEvent
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.threshold import deal, write_dealing

from .test_e2e import Network, _imported, _open, _write_config, network  # noqa: F401

pytestmark = pytest.mark.slow


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rewrite(cfg: Path, old: str, new: str) -> None:
    text = cfg.read_text()
    assert old in text
    cfg.write_text(text.replace(old, new))


def _until(condition: Callable[[], bool], sync: Callable[[], object], what: str, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        sync()


# ---------------------------------------------------------------- matches after withdraw


def test_withdrawn_share_shows_its_match_as_removed_and_reshare_shows_once(
    network: Network,  # noqa: F811
    tmp_path: Path,
    make_identity: Callable[[str, str], pki.Identity],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from msin_fed.cli import main

    a, cfg_a = _imported(network, tmp_path / "a", make_identity("member", "grower"), "WD-1")
    b, _ = _imported(network, tmp_path / "b", make_identity("member", "retailer"), "WD-2")
    with a, b:
        first = a.share("WD-1", tlp="AMBER")
        b.share("WD-2", tlp="AMBER")
        a.sync(timeout=0.3)
        b.sync(timeout=0.3)
        _until(lambda: bool(a.matches()), lambda: a.sync(timeout=0.3), "a's match")
        a.withdraw("WD-1")
        a.sync(timeout=0.5)
        assert a.shares()[0].state == "withdrawn"
        # The coordinator tells the owner too (not only the member it matched).
        _until(
            lambda: any(e.body.record_id == first.record_id and e.body.change == MatchChange.REMOVED
                        for _c, e, _t in a.events() if isinstance(e.body, MatchEvent)),
            lambda: a.sync(timeout=0.3), "the owner's REMOVED event",
        )
        # Our record is gone from the coordinator: its match is no longer active.
        assert a.matches() == []
        (old,) = a.matches(include_removed=True)
        assert (old.record_id, old.change, old.report_id) == (first.record_id, "removed", "WD-1")

        second = a.share("WD-1", tlp="AMBER")
        a.sync(timeout=0.3)
        _until(
            lambda: any(m.record_id == second.record_id for m in a.matches()),
            lambda: a.sync(timeout=0.3), "the new record's match",
        )
        active = a.matches()
        assert [m.record_id for m in active] == [second.record_id]
        changes = {m.record_id: m.change for m in a.matches(include_removed=True)}
        assert changes[first.record_id] == "removed" and changes[second.record_id] != "removed"
    capsys.readouterr()
    assert main(["node", "matches", "--config", str(cfg_a)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("WD-1")]
    assert len(lines) == 1 and "removed" not in lines[0], lines
    # The kinds matched read in plain English ("phone number"), not as token kind names.
    on = lines[0].split("; on ")[1].split("; cluster")[0]
    assert on != "-" and "_" not in on, lines[0]


# ---------------------------------------------------------------- --json of domain types


def test_alerts_json_carries_grade_and_tlp_as_text(
    network: Network,  # noqa: F811
    tmp_path: Path,
    make_identity: Callable[[str, str], pki.Identity],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from msin_fed.cli import main

    node, cfg = _imported(network, tmp_path, make_identity("member", "ngo"), "AL-1")
    with node:
        record = node.share("AL-1", tlp="AMBER")
        node.sync(timeout=0.3)
        node._get_stub().RaiseAlert(
            pb.RaiseAlertRequest(record_id=record.record_id, summary="Workers moved between farms at night"),
            timeout=10,
        )
        _until(lambda: bool(node.alerts()), lambda: node.sync(timeout=0.3), "the alert")
    capsys.readouterr()
    assert main(["node", "alerts", "--config", str(cfg), "--json"]) == 0
    (alert,) = [a for a in json.loads(capsys.readouterr().out) if a["own_report_id"] == "AL-1"]
    assert alert["grade"] == "2BP" and alert["tlp"] == "AMBER"
    assert re.match(r"\d{4}-\d\d-\d\dT", alert["received_at"])


def test_one_json_encoder_for_domain_types() -> None:
    import datetime as dt

    from msin_fed.jsonable import dumps, jsonable
    from msin_fed.model import Grade, Region, Tlp

    value = {"grade": Grade.parse("1AC"), "tlp": Tlp.AMBER_STRICT, "region": Region.SOUTH_WEST,
             "when": dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC), "kinds": ("phone", "email"),
             "path": Path("/x/y"), "raw": b"\x01\xff"}
    assert jsonable(value) == {
        "grade": "1AC", "tlp": "AMBER+STRICT", "region": Region.SOUTH_WEST.value,
        "when": "2024-05-01T12:00:00+00:00", "kinds": ["phone", "email"], "path": "/x/y", "raw": "01ff",
    }
    assert json.loads(dumps(value))["grade"] == "1AC"
    with pytest.raises(TypeError, match="object"):
        dumps({"x": object()})


# ---------------------------------------------------------------- unreachable coordinator


def test_share_and_sync_name_the_unreachable_coordinator(
    network: Network,  # noqa: F811
    tmp_path: Path,
    make_identity: Callable[[str, str], pki.Identity],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from msin_fed.cli import main

    node, cfg = _imported(network, tmp_path, make_identity("member", "agency"), "UN-1")
    node.close()
    dead = f"localhost:{_dead_port()}"
    _rewrite(cfg, network.address, dead)
    capsys.readouterr()
    assert main(["node", "share", "--config", str(cfg), "UN-1", "--tlp", "GREEN"]) == 0
    out = capsys.readouterr().out
    found = re.search(rf"pending \(coordinator unreachable at {dead} since (\d\d:\d\d)\)", out)
    assert found, out
    with _open(network, cfg) as again:
        (item,) = again.outbox()
        assert item.last_error.startswith(f"coordinator unreachable at {dead} since {found.group(1)}")
    assert main(["node", "sync", "--config", str(cfg), "--timeout", "0.3"]) == 1
    captured = capsys.readouterr()
    assert f"coordinator unreachable at {dead}" in captured.out + captured.err, captured


class _Forwarder:
    """A TCP port that forwards to ``target`` once opened: the coordinator 'coming back'."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port, self.target = port, target
        self._server: socket.socket | None = None

    def open(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        assert self._server is not None
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        if self._server is not None:
            self._server.close()


@contextmanager
def _running(cfg: Path) -> Iterator[subprocess.Popen[str]]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    child = subprocess.Popen(
        [sys.executable, "-m", "msin_fed.cli", "node", "run", "--config", str(cfg)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        yield child
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(5)


_LINES: dict[int, queue.Queue[str]] = {}


def _read_until(child: subprocess.Popen[str], pattern: str, timeout: float, seen: list[str]) -> str:
    assert child.stdout is not None
    stdout = child.stdout
    if child.pid not in _LINES:  # one reader thread per child: no line waits in a buffer
        _LINES[child.pid] = lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in iter(stdout.readline, "")], daemon=True).start()
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            line = _LINES[child.pid].get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(seen)}")


def test_node_run_says_where_it_delivers_and_when_delivery_fails_and_recovers(
    network: Network,  # noqa: F811
    tmp_path: Path,
    make_identity: Callable[[str, str], pki.Identity],
) -> None:
    node, cfg = _imported(network, tmp_path, make_identity("member", "labourco"), "RUN-1")
    with node:
        record = node.share("RUN-1", tlp="GREEN")
    port = _dead_port()
    _rewrite(cfg, network.address, f"localhost:{port}")
    forwarder = _Forwarder(port, ("127.0.0.1", network.coordinator.port))
    seen: list[str] = []
    try:
        with _running(cfg) as child:  # no -v
            start = _read_until(child, r"running as labourco", 30, seen)
            assert f"coordinator localhost:{port}" in start
            for name, holder_port in network.holders:
                assert f"{name} localhost:{holder_port}" in start
            _read_until(child, rf"delivery failing: coordinator unreachable at localhost:{port}", 30, seen)
            forwarder.open()
            _read_until(child, r"delivery recovered", 60, seen)
            deadline = time.time() + 20
            while network.coordinator.store.get_record(record.record_id) is None and time.time() < deadline:
                time.sleep(0.2)
            assert network.coordinator.store.get_record(record.record_id) is not None
            child.send_signal(signal.SIGTERM)
            assert child.wait(15) == 0
    finally:
        forwarder.close()


# ---------------------------------------------------------------- key holders down


def test_key_holders_down_are_each_named_with_what_went_wrong(
    network: Network,  # noqa: F811
    tmp_path: Path,
    make_identity: Callable[[str, str], pki.Identity],
) -> None:
    node, cfg = _imported(network, tmp_path, make_identity("member", "retailer"), "KH-1")
    node.close()
    (name1, port1), (name2, port2), (name3, port3) = network.holders
    dead2, dead3 = _dead_port(), _dead_port()
    _rewrite(cfg, f"localhost:{port2}", f"localhost:{dead2}")
    _rewrite(cfg, f"localhost:{port3}", f"localhost:{dead3}")
    with _open(network, cfg) as again, pytest.raises(KeyHoldersUnavailable) as caught:
        again.share("KH-1", tlp="GREEN")
    text = str(caught.value)
    assert "no usable key holder" not in text
    assert f"{name2} unreachable at localhost:{dead2}" in text, text
    assert f"{name3} unreachable at localhost:{dead3}" in text, text
    assert text.startswith("1 of the 2 key holders needed gave a verified evaluation"), text

    # A holder off the pinned dealing is named with a bad proof, not as "unusable".
    other = write_dealing(deal(2, 3, epoch=1), tmp_path / "other-dealing")[0]
    _rewrite(cfg, f"localhost:{dead2}", f"localhost:{port2}")
    _rewrite(cfg, str(network.public), str(other))
    with _open(network, cfg) as again, pytest.raises(KeyHoldersUnavailable) as caught:
        again.share("KH-1", tlp="GREEN")
    text = str(caught.value)
    assert f"{name1} at localhost:{port1}: bad proof" in text, text
    assert f"{name2} at localhost:{port2}: bad proof" in text, text
    assert f"{name3} unreachable at localhost:{dead3}" in text, text

    # A member missing from the roster: each holder's refusal is named with its status.
    outsider, _ = _imported(network, tmp_path / "outsider", make_identity("member", "outsider"), "KH-2")
    with outsider, pytest.raises(KeyHoldersUnavailable) as caught:
        outsider.share("KH-2", tlp="GREEN")
    text = str(caught.value)
    assert f"{name1} at localhost:{port1} refused with PERMISSION_DENIED" in text, text
