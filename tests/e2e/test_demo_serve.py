"""``msin demo --serve``: the network keeps running after the walkthrough, every address is
printed, and SIGINT (Ctrl-C) or SIGTERM stops every child process. A real ``msin demo``
child process and real signals."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_every_address_and_stops_cleanly(tmp_path: Path, stop_with: signal.Signals) -> None:
    root = tmp_path / "net"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    child = subprocess.Popen(
        [sys.executable, "-m", "msin_fed.cli", "demo", "--serve", "--keep", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True,
    )
    lines: list[str] = []
    try:
        assert child.stdout is not None
        # A thread reads, so that no line waits in a buffer while we wait on the pipe.
        got: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [got.put(x) for x in iter(child.stdout.readline, "")] and got.put(""),
                         daemon=True).start()
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                line = got.get(timeout=1.0)
            except queue.Empty:
                continue
            if not line:
                break
            lines.append(line)
            if line.startswith("serving until Ctrl-C"):
                break
        text = "".join(lines)
        assert "serving until Ctrl-C" in text, text[-3000:]
        pids = [int(p) for p in re.findall(r"\(pid (\d+)\)", text)]
        assert len(pids) == 1 + 3 + 3, text  # coordinator, three key holders, three nodes
        # Every address printed answers, and each process named is running.
        addresses = re.findall(r"^(?:coordinator|key holder \S+)\s+(127\.0\.0\.1:\d+)", text, re.M)
        assert len(addresses) == 4, text
        for address in addresses:
            host, port = address.rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=5):
                pass
        assert all(_alive(pid) for pid in pids)
        # The web consoles: one per member, the analyst's and three advisers' (the quorum), each
        # answering over HTTPS with its sign-in page, each with the demo account and a TOTP secret.
        consoles = re.findall(r"^(node console \S+|analyst console|Advisory Group console \S+) "
                              r"(https://127\.0\.0\.1:\d+/)  sign in as demo, "
                              r"password (\S+), TOTP secret ([A-Z2-7]+)$", text, re.M)
        assert len(consoles) == 3 + 1 + 3, text
        assert [c[0] for c in consoles][-3:] == [f"Advisory Group console advisory-{i}" for i in (1, 2, 3)]
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), urllib.request.ProxyHandler({}))
        for _what, url, _password, _secret in consoles:
            with opener.open(url + "sign-in", timeout=10) as answer:
                assert answer.status == 200 and b"Sign in" in answer.read()
        for path in re.findall(r"config (\S+?);", text):
            assert Path(path).is_file(), path
        for path in re.findall(r"identity (\S+)", text):
            assert (Path(path) / "cert.pem").is_file(), path
        # It keeps running after the walkthrough ...
        time.sleep(3)
        assert child.poll() is None and all(_alive(pid) for pid in pids)
        # ... until the signal, then every child ends and nothing is left behind.
        child.send_signal(stop_with)
        child.wait(60)
        time.sleep(0.5)
        rest = ""
        while not got.empty():
            rest += got.get()
        assert child.returncode == 0, text + rest
        assert "every process stopped" in rest, rest
        deadline = time.time() + 10
        while any(_alive(pid) for pid in pids) and time.time() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in pids if _alive(pid)]
        for _what, url, _password, _secret in consoles:  # the consoles stopped with the rest
            host, port = url[8:-1].rsplit(":", 1)
            with pytest.raises(OSError), socket.create_connection((host, int(port)), timeout=2):
                pass
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(10)
