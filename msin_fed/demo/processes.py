"""Child processes of a local network: start, wait for health, stop, and read their logs.

Every process is a real ``python -m msin_fed.cli ...`` child with its own log file, so
the demo and the end-to-end tests exercise exactly what an operator runs. Only loopback
addresses are used.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from msin_fed import pki
from msin_fed.errors import MsinError
from msin_fed.private_files import owner_only

__all__ = ["LOOPBACK", "DemoError", "Process", "free_port", "run_cli", "wait_serving"]

LOOPBACK = "127.0.0.1"


class DemoError(MsinError):
    """A step of a local network failed; the message says which and why."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _cli_argv(args: Sequence[str], module: str = "msin_fed.cli") -> list[str]:
    return [sys.executable, "-m", module, *args]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    # Child processes talk to loopback only; a proxy must never see them.
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "grpc_proxy"):
        env.pop(var, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join("    | " + line for line in text[-lines:])


def run_cli(
    args: Sequence[str], log: Path, *, what: str, timeout: float = 120.0, module: str = "msin_fed.cli"
) -> str:
    """Run one ``msin`` command (or ``python -m module``) to completion; its stdout, or DemoError.

    Output (stdout and stderr) is appended to ``log``.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            _cli_argv(args, module), capture_output=True, text=True, timeout=timeout, env=_child_env(), check=False
        )
    except subprocess.TimeoutExpired:
        raise DemoError(f"{what} timed out after {timeout:.0f}s") from None
    with log.open("a") as handle:
        handle.write(f"$ {module} {' '.join(args)}\n{done.stdout}{done.stderr}(exit {done.returncode})\n")
    if done.returncode != 0:
        detail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-5:]
        raise DemoError(f"{what} failed (exit {done.returncode}): " + " / ".join(detail))
    return done.stdout


class Process:
    """One long-running ``msin`` child process with its log file."""

    def __init__(self, name: str, args: Sequence[str], log: Path, *, argv: Sequence[str] | None = None) -> None:
        """``args`` of ``msin``; or a whole ``argv`` (a test's own server script)."""
        self.name = name
        self.args = list(args)
        self.argv = list(argv) if argv is not None else _cli_argv(args)
        self.log = log
        self._popen: subprocess.Popen[bytes] | None = None
        self._stopped_on_purpose = False

    @property
    def pid(self) -> int | None:
        """Process id while it runs."""
        return self._popen.pid if self._popen is not None else None

    def start(self) -> Process:
        """Start the process (its output appended to the log file)."""
        if self.alive():
            return self
        self._stopped_on_purpose = False
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with owner_only(self.log).open("ab") as handle:
            handle.write(f"$ {' '.join(self.argv[1:])}\n".encode())
            handle.flush()
            self._popen = subprocess.Popen(
                self.argv, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=_child_env(), start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        """True while the process runs."""
        return self._popen is not None and self._popen.poll() is None

    def check_alive(self) -> None:
        """Raise DemoError (with the end of its log) when the process has exited by itself."""
        if self._popen is not None and not self._stopped_on_purpose and self._popen.poll() is not None:
            raise DemoError(
                f"{self.name} exited unexpectedly (exit {self._popen.returncode}); end of its log:\n"
                + _tail(self.log)
            )

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code."""
        if self._popen is None:
            return None
        self._stopped_on_purpose = True
        if self._popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self._popen.send_signal(signal.SIGTERM)
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self._popen.returncode

    def kill(self) -> None:
        """SIGKILL the process (a crash, as far as it can tell) and reap it."""
        self._stopped_on_purpose = True
        if self._popen is not None and self._popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self._popen.send_signal(signal.SIGKILL)
            self._popen.wait(10)

    def tail(self, lines: int = 15) -> str:
        """The last lines of the process's log, indented."""
        return _tail(self.log, lines)


def wait_serving(
    address: str,
    identity: pki.Identity,
    *,
    role: str,
    name: str,
    what: str,
    timeout: float = 30.0,
    process: Process | None = None,
    check: Callable[[grpc.Channel], None] | None = None,
) -> None:
    """Wait until the gRPC server ``role``/``name`` at ``address`` answers over mutual TLS.

    Uses standard health checking (overall status SERVING); a server without the health
    service counts as up once the TLS handshake and an UNIMPLEMENTED answer succeed.
    ``check`` may run an extra call that must succeed.
    """
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process is not None:
            process.check_alive()
        channel = pki.secure_channel(address, identity, role=role, name=name)
        try:
            stub = health_pb2_grpc.HealthStub(channel)
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2.0)
                up = reply.status == health_pb2.HealthCheckResponse.SERVING
                last = f"health status {reply.status}"
            except grpc.RpcError as exc:
                up = exc.code() == grpc.StatusCode.UNIMPLEMENTED
                last = f"{exc.code().name}"
            if up and check is not None:
                try:
                    check(channel)
                except grpc.RpcError as exc:
                    up, last = False, f"{exc.code().name}"
            if up:
                return
        finally:
            channel.close()
        time.sleep(0.2)
    raise DemoError(f"{what} at {address} did not become ready within {timeout:.0f}s ({last})")
