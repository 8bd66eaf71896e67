"""A network of real processes with node consoles in front of two members' nodes, for the
browser tests: coordinator, three key holders, and for each member a ``msin node console``
process that also delivers and receives (it is the node process)."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp

from msin_fed.demo.network import LocalNetwork
from msin_fed.demo.processes import LOOPBACK, Process, free_port, run_cli
from msin_fed.web.server import start_console, wait_https

PASSWORD = "correct horse battery staple"


@dataclass
class ConsoleUser:
    """A console account and its TOTP secret."""

    name: str
    password: str
    secret: str

    def code(self, *, step_offset: int = 0) -> str:
        """A TOTP code for now (``step_offset`` steps later, since each code is accepted once)."""
        totp = pyotp.TOTP(self.secret)
        return totp.at(time.time() + step_offset * totp.interval)


@dataclass
class MemberConsole:
    """One member's console process, its address and its user."""

    member: str
    url: str
    process: Process
    user: ConsoleUser
    codes_used: set[str] = field(default_factory=set)

    def fresh_code(self) -> str:
        """A TOTP code not used before (waits for the next 30 s step when the current one was used)."""
        for offset in (0, 1, 2):
            code = self.user.code(step_offset=offset)
            if code not in self.codes_used:
                self.codes_used.add(code)
                return code
        raise AssertionError("no fresh TOTP code")


def add_user(config: Path, name: str, password: str = PASSWORD) -> ConsoleUser:
    """``msin node users add NAME --password-stdin``; the secret it prints."""
    done = subprocess.run(
        [sys.executable, "-m", "msin_fed.cli", "node", "users", "add", "--config", str(config), name,
         "--password-stdin"],
        input=password + "\n", capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    secret = lines[lines.index("  add it to an authenticator app (TOTP, 6 digits, 30 seconds) with this secret:") + 1].strip()
    return ConsoleUser(name, password, secret)


def start_network(root: Path, members: list[str]) -> LocalNetwork:
    """Coordinator and key holders started; nodes configured (not started)."""
    net = LocalNetwork(root, members=members)
    try:
        net.create_pki()
        net.deal_keys()
        net.configure_coordinator()
        net.configure_keyholders()
        net.start_coordinator()
        net.start_keyholders()
        for member in members:
            net.configure_node(member)
            net.node_cli(member, "init")
    except BaseException:
        net.stop()  # a step that failed leaves no process running for the rest of the session
        raise
    return net


def start_member_console(net: LocalNetwork, member: str, user_name: str) -> MemberConsole:
    """Create an account, start the member's console (as its node process) and wait for it."""
    slot = net.nodes[member]
    user = add_user(slot.config, user_name)
    port = free_port()
    proc: Any = start_console("node", slot.config, slot.directory / "console.log", listen=f"{LOOPBACK}:{port}")
    url = f"https://{LOOPBACK}:{port}"
    wait_https(url + "/sign-in", timeout=60, process=proc)
    return MemberConsole(member, url, proc, user)


def share_with_agent(net: LocalNetwork, member: str, reports: Path, mentions: Path | None) -> dict[str, Any]:
    """Import and share a file at a member with the demo agent (the console must not be running)."""
    return net.share_all(member, reports, mentions)


__all__ = ["PASSWORD", "ConsoleUser", "MemberConsole", "add_user", "run_cli", "share_with_agent",
           "start_member_console", "start_network"]
