"""A whole network on one machine: CA, coordinator, key holders and member nodes.

:class:`LocalNetwork` lays out a directory, issues every certificate from a fresh CA,
deals the token key, writes one TOML configuration per process (the same format an
operator writes, see ``docs/config-examples``), and starts each service as a separate
``msin`` process on loopback with mutual TLS. It is what ``msin demo`` runs and what
the end-to-end tests drive, faults included (stop, SIGKILL and restart any process).

Layout of the network directory::

    ca/                       the network CA (ca.key 0600, crl.pem)
    ids/<name>/               one identity per process (cert.pem, key.pem 0600, ...)
    keys/                     the dealing: public.json, holder-<j>.share.json (0600);
                              roster-v<N>.json, each roster version the holders signed
    coordinator/              coordinator.toml, shared.db, coordinator.log
    keyholders/kh<j>/         keyholder.toml, keyholder.log, roster-signing.key (0600),
                              roster.json (the membership roster), usage.db (budgets)
    nodes/<member>/           node.toml, the member's secure store, node.log

Nothing here logs or prints identifiers: progress lines name steps, members and counts.
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
import tomli_w

from msin_fed import pki
from msin_fed.checkpoint import load_or_create_signing_key
from msin_fed.demo.processes import LOOPBACK, DemoError, Process, free_port, run_cli, wait_serving
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc

if TYPE_CHECKING:
    from msin_fed.node import Node

__all__ = [
    "ANALYST_NAME",
    "COORDINATOR_NAME",
    "KeyHolderSlot",
    "LocalNetwork",
    "NodeSlot",
    "Progress",
    "require_part",
    "wait_until",
]

COORDINATOR_NAME = "sttg-coordinator"
ANALYST_NAME = "sttg-analyst"
#: The Advisory Group's certificates (the coordinator's default ``[cases] advisory_members``).
ADVISORY_NAMES = ("advisory-1", "advisory-2", "advisory-3", "advisory-4")

Progress = Callable[[str], None]

#: part -> (module that must exist, who builds it)
_PARTS: dict[str, tuple[str, str]] = {
    "keyholder": ("msin_fed.cli.keyholder", "the key-holder service ('msin keyholder deal|serve')"),
    "coordinator": ("msin_fed.cli.coordinator", "the coordinator ('msin coordinator serve')"),
    "node": ("msin_fed.cli.node", "the member node ('msin node init|import|share|run|matches|alerts')"),
}


def require_part(part: str) -> None:
    """Fail clearly when a part of the network is not in this installation."""
    module, what = _PARTS[part]
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        raise DemoError(f"{what} is not available in this installation ({module} missing)")


def _write_toml(path: Path, data: Mapping[str, Any], header: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {header}\n" + tomli_w.dumps(dict(data)))
    return path


@dataclass
class KeyHolderSlot:
    """One key holder of the network."""

    index: int
    name: str
    address: str
    config: Path
    process: Process
    share_file: Path


@dataclass
class NodeSlot:
    """One member's node."""

    member: str
    config: Path
    process: Process
    directory: Path


@dataclass
class LocalNetwork:
    """A network of real processes in ``root`` (see the module docstring for the layout)."""

    root: Path
    members: Sequence[str]
    holders: int = 3
    threshold: int = 2
    epoch: int = 1
    progress: Progress = field(default=lambda _msg: None)
    #: The coordinator's store: None for SQLite in ``coordinator/shared.db``, or a
    #: SQLAlchemy URL (``postgresql+psycopg://...``).
    store_url: str | None = None
    coordinator_address: str = ""
    #: The coordinator's audit checkpoint key (hex), pinned in every node's configuration.
    checkpoint_key: str = ""
    coordinator_process: Process | None = None
    keyholders: list[KeyHolderSlot] = field(default_factory=list)
    nodes: dict[str, NodeSlot] = field(default_factory=dict)
    #: Web console processes (``msin demo --serve``), stopped first.
    consoles: list[Process] = field(default_factory=list)

    # ------------------------------------------------------------------ layout

    @property
    def ca_dir(self) -> Path:
        """The network CA's directory."""
        return self.root / "ca"

    @property
    def keys_dir(self) -> Path:
        """The dealing: ``public.json`` and one share file per key holder."""
        return self.root / "keys"

    def identity_dir(self, name: str) -> Path:
        """Where the identity of process ``name`` lives."""
        return self.root / "ids" / name

    def identity(self, name: str) -> pki.Identity:
        """The loaded identity of process ``name``."""
        return pki.load_identity(self.identity_dir(name))

    @property
    def logs(self) -> list[Path]:
        """Every log file of the network."""
        return sorted(p for p in self.root.rglob("*.log") if p.is_file())

    def processes(self) -> list[Process]:
        """Every long-running process, coordinator first."""
        procs = [self.coordinator_process] if self.coordinator_process else []
        procs += [k.process for k in self.keyholders]
        procs += [n.process for n in self.nodes.values()]
        procs += self.consoles
        return procs

    # ------------------------------------------------------------------ set-up

    def create_pki(self) -> None:
        """A fresh CA and one certificate per process (coordinator, analyst, holders, members)."""
        pki.init_ca(self.ca_dir)
        pki.issue(self.ca_dir, "coordinator", COORDINATOR_NAME, self.identity_dir(COORDINATOR_NAME))
        pki.issue(self.ca_dir, "analyst", ANALYST_NAME, self.identity_dir(ANALYST_NAME))
        for j in range(1, self.holders + 1):
            pki.issue(self.ca_dir, "keyholder", f"kh{j}", self.identity_dir(f"kh{j}"))
        for member in self.members:
            pki.issue(self.ca_dir, "member", member, self.identity_dir(member))
        for name in ADVISORY_NAMES:
            pki.issue(self.ca_dir, "advisory", name, self.identity_dir(name))
        self.progress(
            f"network CA created; {2 + self.holders + len(self.members) + len(ADVISORY_NAMES)} certificates issued "
            f"(coordinator, analyst, {self.holders} key holders, {len(self.members)} members, "
            f"{len(ADVISORY_NAMES)} Advisory Group members)"
        )

    def deal_keys(self) -> None:
        """Deal the epoch's token key into one share per key holder (``msin keyholder deal``)."""
        require_part("keyholder")
        run_cli(
            ["keyholder", "deal", "--threshold", str(self.threshold), "--holders", str(self.holders),
             "--epoch", str(self.epoch), "--out", str(self.keys_dir)],
            self.root / "deal.log", what="dealing the token key",
        )
        if not (self.keys_dir / "public.json").is_file():
            raise DemoError("dealing the token key wrote no public.json")
        self.progress(f"token key dealt: {self.threshold} of {self.holders} key holders, epoch {self.epoch}")

    # ------------------------------------------------------------------ coordinator

    def configure_coordinator(self) -> Path:
        """Write the coordinator's configuration (SQLite store)."""
        require_part("coordinator")
        directory = self.root / "coordinator"
        self.coordinator_address = f"{LOOPBACK}:{free_port()}"
        # Made now, not at first start, so that members pin it from the start (as a real
        # member would, from `msin coordinator audit key`) instead of on first use.
        checkpoint_key = directory / "checkpoint.key"
        signing = load_or_create_signing_key(checkpoint_key, create=True)
        self.checkpoint_key = bytes(signing.verify_key).hex()
        config = {
            "server": {
                "listen": self.coordinator_address,
                "identity_dir": str(self.identity_dir(COORDINATOR_NAME)),
                "crl": str(self.ca_dir / "crl.pem"),
                "grace_seconds": 5,
                # One checking process, not one per core: each loads its own redaction
                # pipeline before the coordinator serves, and this one machine also runs the
                # key holders and every node.
                "intake_workers": 1,
            },
            "store": {"url": self.store_url or str(directory / "shared.db")},
            "tokens": {"epoch": self.epoch},
            "policy": {"disclose_member_ids": False},
            # Checkpoints far more often than the defaults, so that a demo of a minute
            # leaves every member holding several.
            "audit": {
                "head_file": str(directory / "audit.head"),
                "checkpoint_key": str(checkpoint_key),
                "checkpoint_every": 5,
                "checkpoint_seconds": 1,
            },
            "log": {"file": str(directory / "coordinator.log")},
        }
        path = _write_toml(directory / "coordinator.toml", config, "demo coordinator")
        self.coordinator_process = Process(
            "coordinator", ["coordinator", "serve", "--config", str(path)], directory / "coordinator.out.log"
        )
        return path

    def start_coordinator(self, timeout: float = 60.0) -> None:
        """Start (or restart) the coordinator and wait until it serves (it loads the redaction
        pipeline first: tens of seconds on a loaded two-core machine)."""
        if self.coordinator_process is None:
            self.configure_coordinator()
        assert self.coordinator_process is not None
        self.coordinator_process.start()
        wait_serving(
            self.coordinator_address, self.identity(ANALYST_NAME),
            role="coordinator", name=COORDINATOR_NAME, what="coordinator",
            timeout=timeout, process=self.coordinator_process,
        )

    # ------------------------------------------------------------------ key holders

    def keyholder_dir(self, index: int) -> Path:
        """Key holder ``kh<index>``'s directory."""
        return self.root / "keyholders" / f"kh{index}"

    def configure_keyholders(self) -> None:
        """Write one configuration per key holder, then sign and install the roster.

        Each holder gets its own roster-signing key; every configuration pins all of
        them, with the dealing's threshold as the roster's.
        """
        require_part("keyholder")
        from msin_fed.keyholder.roster import write_signing_key

        pins: dict[str, str] = {}
        for j in range(1, self.holders + 1):
            key_file = self.keyholder_dir(j) / "roster-signing.key"
            pins[f"kh{j}"] = bytes(write_signing_key(key_file)).hex()
        for j in range(1, self.holders + 1):
            directory = self.keyholder_dir(j)
            address = f"{LOOPBACK}:{free_port()}"
            share = self.keys_dir / f"holder-{j}.share.json"
            config = {
                "listen": address,
                "identity_dir": str(self.identity_dir(f"kh{j}")),
                "crl": str(self.ca_dir / "crl.pem"),
                "share_files": [str(share)],
                "rate_limit_per_second": 5000,
                "burst": 50000,
                "usage_db": str(directory / "usage.db"),
                "log_path": str(directory / "keyholder.log"),
                "roster": {
                    "file": str(directory / "roster.json"),
                    "threshold": self.threshold,
                    "signing_key": str(directory / "roster-signing.key"),
                    "signers": pins,
                },
            }
            path = _write_toml(directory / "keyholder.toml", config, f"demo key holder {j}")
            process = Process(f"key holder kh{j}", ["keyholder", "serve", "--config", str(path)],
                              directory / "keyholder.out.log")
            self.keyholders.append(KeyHolderSlot(j, f"kh{j}", address, path, process, share))
        self.install_roster(self.members)

    def install_roster(
        self, members: Sequence[str], *, version: int = 1, signers: Sequence[int] | None = None,
        daily_budget: int | None = None,
    ) -> None:
        """Sign a roster of ``members`` (by their certificates) and install it at every holder.

        ``signers`` are the holder indices that sign (default: the first ``threshold``).
        Raises the holders' refusal (RosterRefused) if they do not accept it.
        """
        from msin_fed.keyholder import install_roster, load_config
        from msin_fed.keyholder.roster import (
            DEFAULT_DAILY_BUDGET,
            Roster,
            SignedRoster,
            guesses_per_day,
            load_signing_key,
            members_from_certificates,
            write_signed_roster,
        )
        from msin_fed.keyholder.usage import UsageStore

        entries = members_from_certificates(
            (m, (self.identity_dir(m) / "cert.pem").read_bytes()) for m in members
        )
        budget = daily_budget or DEFAULT_DAILY_BUDGET
        signed = SignedRoster(Roster(version, budget, entries))
        chosen = list(signers) if signers is not None else list(range(1, self.threshold + 1))
        for j in chosen:
            signed = signed.signed_by(f"kh{j}", load_signing_key(self.keyholder_dir(j) / "roster-signing.key"))
        proposal = write_signed_roster(signed, self.keys_dir / f"roster-v{version}.json")
        for slot in self.keyholders:
            config = load_config(slot.config)
            usage = UsageStore(config.usage_db)
            try:
                install_roster(proposal, config.roster, usage)
            finally:
                usage.close()
        self.progress(
            f"membership roster v{version} of {len(entries)} members signed by {len(chosen)} of "
            f"{self.holders} key holders; at most {guesses_per_day(budget, self.holders, self.threshold)} "
            "guesses per member per day across the network"
        )

    def start_keyholder(self, slot: KeyHolderSlot, timeout: float = 60.0) -> None:
        """Start (or restart) one key holder and wait until it serves."""
        slot.process.start()
        wait_serving(slot.address, self.identity(self.members[0]), role="keyholder", name=slot.name,
                     what=slot.process.name,
                     timeout=timeout, process=slot.process)

    def start_keyholders(self) -> None:
        """Start every key holder, then wait for each."""
        if not self.keyholders:
            self.configure_keyholders()
        for slot in self.keyholders:
            slot.process.start()
        for slot in self.keyholders:
            self.start_keyholder(slot)
        self.progress(f"{len(self.keyholders)} key holders serving on loopback (mutual TLS)")

    # ------------------------------------------------------------------ nodes

    def configure_node(self, member: str) -> NodeSlot:
        """Write one member node's configuration (and a random store key file, 0600)."""
        require_part("node")
        from msin_fed.node.keys import write_key_file

        directory = self.root / "nodes" / member
        directory.mkdir(parents=True, exist_ok=True)
        key_file = directory / "store.key"
        if not key_file.exists():
            write_key_file(key_file)
        coordinator = {"address": self.coordinator_address, "name": COORDINATOR_NAME}
        if self.checkpoint_key:  # pinned, as `msin coordinator audit key` printed it
            coordinator["checkpoint_key"] = self.checkpoint_key
        config: dict[str, Any] = {
            "node": {
                "store": str(directory / "node.db"),
                "key_file": str(key_file),
                "identity_dir": str(self.identity_dir(member)),
            },
            # A network of key holders only (no coordinator started) gets no [coordinator].
            **({"coordinator": coordinator} if self.coordinator_address else {}),
            "key_holders": {
                "threshold": self.threshold,
                "public": str(self.keys_dir / "public.json"),
                "holders": [{"name": k.name, "address": k.address} for k in self.keyholders],
            },
            # A demo on loopback: retry quickly rather than politely.
            "delivery": {"backoff_base": 0.2, "backoff_cap": 2.0, "poll_interval": 0.5},
        }
        path = _write_toml(directory / "node.toml", config, f"demo node of member {member}")
        # -v: the node logs progress (types and counts, never identifiers) at INFO.
        process = Process(f"node {member}", ["-v", "node", "run", "--config", str(path)], directory / "node.out.log")
        slot = NodeSlot(member, path, process, directory)
        self.nodes[member] = slot
        return slot

    def node_cli(self, member: str, *args: str, timeout: float = 120.0) -> str:
        """Run ``msin node ARGS --config <member's config>``; its stdout."""
        slot = self.nodes[member]
        return run_cli(
            ["node", *args, "--config", str(slot.config)], slot.directory / "node.cli.log",
            what=f"'msin node {args[0]}' for {member}", timeout=timeout,
        )

    def share_all(self, member: str, reports: Path, mentions: Path | None, *, tlp: str = "AMBER",
                  timeout: float = 120.0) -> dict[str, Any]:
        """Import a file into a member's node and share every report (queued in its outbox).

        Runs :mod:`msin_fed.demo.agent` as a separate process (the node must not be
        running at the same time); returns the agent's JSON summary.
        """
        slot = self.nodes[member]
        args = ["--config", str(slot.config), str(reports)] + ([str(mentions)] if mentions else [])
        out = run_cli([*args, "--tlp", tlp], slot.directory / "agent.log", what=f"import and share at {member}",
                      timeout=timeout, module="msin_fed.demo.agent")
        summary: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return summary

    def open_node(self, member: str) -> Node:
        """Open a member's node store in this process, to read what its node received."""
        from msin_fed.node import Node, load_config

        return Node.open(config=load_config(self.nodes[member].config))

    # ------------------------------------------------------------------ analyst

    def configure_analyst(self) -> Path:
        """Write the analyst's configuration (``msin analyst --config``, :class:`msin_fed.analyst.AnalystClient`)."""
        config = {
            "analyst": {"identity_dir": str(self.identity_dir(ANALYST_NAME))},
            "coordinator": {"address": self.coordinator_address, "name": COORDINATOR_NAME},
        }
        return _write_toml(self.root / "analyst" / "analyst.toml", config, "demo analyst")

    def analyst_stub(self) -> tuple[grpc.Channel, pb_grpc.CoordinatorStub]:
        """A channel and coordinator stub with the analyst's certificate."""
        channel = pki.secure_channel(
            self.coordinator_address, self.identity(ANALYST_NAME), role="coordinator", name=COORDINATOR_NAME
        )
        return channel, pb_grpc.CoordinatorStub(channel)  # type: ignore[no-untyped-call]

    def list_clusters(self, limit: int = 100) -> list[pb.Cluster]:
        """The clusters as STTG's analyst sees them (ListClusters)."""
        channel, stub = self.analyst_stub()
        try:
            reply = stub.ListClusters(pb.ListClustersRequest(limit=limit), timeout=15)
        except grpc.RpcError as exc:
            raise DemoError(f"analyst ListClusters failed: {exc.code().name}: {exc.details()}") from None
        finally:
            channel.close()
        return list(reply.clusters)

    def raise_alert_as_analyst(self, record_id: str, summary: str) -> str:
        """Raise an alert on a shared record with the analyst's certificate; the alert id."""
        channel, stub = self.analyst_stub()
        try:
            reply = stub.RaiseAlert(pb.RaiseAlertRequest(record_id=record_id, summary=summary), timeout=15)
        except grpc.RpcError as exc:
            raise DemoError(f"analyst RaiseAlert failed: {exc.code().name}: {exc.details()}") from None
        finally:
            channel.close()
        return str(reply.alert_id)

    # ------------------------------------------------------------------ lifetime

    def check_alive(self) -> None:
        """Raise DemoError naming any process that has died."""
        for proc in self.processes():
            proc.check_alive()

    def stop(self) -> None:
        """Stop every process: consoles and nodes first, then key holders, then the coordinator."""
        for console in self.consoles:
            console.stop()
        for slot in self.nodes.values():
            slot.process.stop()
        for k in self.keyholders:
            k.process.stop()
        if self.coordinator_process is not None:
            self.coordinator_process.stop()


def wait_until(
    condition: Callable[[], bool], *, timeout: float, what: str, every: float = 0.3,
    network: LocalNetwork | None = None,
) -> None:
    """Poll ``condition`` until true; DemoError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if network is not None:
            network.check_alive()
        if condition():
            return
        if time.monotonic() > deadline:
            raise DemoError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)
