"""A key holder logs each line once: to its log file when one is configured, else to
standard error. A real ``msin keyholder serve`` child process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from keyholder_net import ROSTERED, roster_of, signed, write_config

from msin_fed import pki


def _serve(config: Path, *extra: str) -> tuple[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    child = subprocess.Popen(
        [sys.executable, "-m", "msin_fed.cli", *extra, "keyholder", "serve", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        assert "msin keyholder: serving" in first, first + (child.stderr.read() if child.stderr else "")
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(5)
    assert child.returncode == 0, err
    return first + out, err


@pytest.mark.parametrize("verbose", [False, True])
def test_each_line_is_logged_once(
    tmp_path: Path, dealing_dir: Path, make_identity: Callable[[str, str], pki.Identity], verbose: bool
) -> None:
    identity = make_identity("keyholder", "kh1")
    assert identity.directory is not None
    roster = signed(roster_of([make_identity("member", m) for m in ROSTERED]))
    config = write_config(tmp_path, identity.directory, dealing_dir / "holder-1.share.json", roster=roster)
    out, err = _serve(config, *(["-v"] if verbose else []))
    logged = (tmp_path / "keyholder.log").read_text()
    assert logged.count("listening port=") == 1, logged
    # With a log file the log goes there only: nothing repeated on the console.
    assert "listening port=" not in out + err, out + err

    # Without a log file, -v logs to standard error, once.
    text = config.read_text()
    config.write_text("\n".join(line for line in text.splitlines() if not line.startswith("log_path")) + "\n")
    out, err = _serve(config, "-v")
    assert (out + err).count("listening port=") == 1, out + err
