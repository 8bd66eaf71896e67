"""A coordinator logs each line once: to its log file when one is configured, else to
standard error. A real ``msin coordinator serve`` child process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from msin_fed import pki


def _config(tmp_path: Path, identity: pki.Identity, log: Path | None) -> Path:
    assert identity.directory is not None
    config = tmp_path / "coordinator.toml"
    config.write_text(
        "[server]\n"
        'listen = "127.0.0.1:0"\n'
        f'identity_dir = "{identity.directory}"\n'
        f'crl = "{identity.directory / "crl.pem"}"\n'
        "intake_workers = 0\n"
        f'[store]\nurl = "{tmp_path / "shared.db"}"\n'
        "[redaction]\nverify = false\n"
        + (f'[log]\nfile = "{log}"\n' if log else "")
    )
    return config


def _serve(config: Path) -> str:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    child = subprocess.Popen(
        [sys.executable, "-m", "msin_fed.cli", "-v", "coordinator", "serve", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        assert child.stdout is not None
        seen = ""
        while not seen.endswith("\n") or not seen.splitlines()[-1].startswith("coordinator listening on port"):
            line = child.stdout.readline()
            if not line:
                pytest.fail(f"the coordinator exited before listening: {seen}")
            seen += line
        child.send_signal(signal.SIGTERM)
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(5)
    assert child.returncode == 0, seen
    return seen + out


@pytest.mark.slow
def test_each_line_is_logged_once(tmp_path: Path, coordinator_identity: pki.Identity) -> None:
    log = tmp_path / "coordinator.log"
    console = _serve(_config(tmp_path, coordinator_identity, log))
    logged = log.read_text()
    assert logged.count("coordinator stopped") == 1, logged
    # With a log file the log goes there only: nothing repeated on the console.
    assert "coordinator stopped" not in console, console

    # Without a log file, -v logs to standard error, once.
    (tmp_path / "shared.db").unlink()
    console = _serve(_config(tmp_path, coordinator_identity, None))
    assert console.count("coordinator stopped") == 1, console
