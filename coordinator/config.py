"""Coordinator configuration: one TOML file, read with :mod:`tomllib`.

::

    [server]
    listen = "127.0.0.1:50051"       # host:port; port 0 picks a free one
    identity_dir = "identity"        # cert.pem, key.pem, ca.pem (relative to this file)
    crl = "ca/crl.pem"               # required to serve: the network CA's revocation list; every call
                                     # is refused while it is missing, bad, expired or rolled back
    crl_number_file = "crl.number"   # the highest CRL number seen (kept across restarts)
    max_message_bytes = 16777216     # request and response size limit
    max_batch = 1000                 # submissions per SubmitBatch
    workers = 64                     # gRPC worker threads (each open event stream holds one)
    intake_workers = 2               # processes checking submitted records, redaction verification
                                     # included (0: in the server's process; default: the core count
                                     # when verifying, else 0)
    max_streams = 48                 # open Subscribe streams at most (RESOURCE_EXHAUSTED beyond)
    member_streams = 4               # open Subscribe streams per member
    analyst_streams = 8              # streams kept for analysts: members never use these
    member_calls_per_second = 20     # unary calls per member (burst of 10x, then RESOURCE_EXHAUSTED)
    grace_seconds = 30               # SIGTERM: how long in-flight calls may finish

    [store]
    url = "coordinator.db"           # a SQLite file path, or a SQLAlchemy URL (postgresql+psycopg://...)
    idle_in_transaction_timeout = 60 # PostgreSQL: seconds a session may idle mid-transaction (0: off)
    statement_timeout = 0            # PostgreSQL: seconds one statement may run (0: off)
    keepalive = 30                   # PostgreSQL: seconds before the server probes a silent client (0: off)
    intake_transactions = 1          # PostgreSQL: intake transactions in flight per process (1, 2, or
                                     # "auto": 2 while this process serves the database alone, else 1)

    [tokens]
    epoch = 1                        # the one key epoch accepted; others are refused

    [policy]
    disclose_member_ids = false      # MatchEvent.other_member_ids filled only when true

    [redaction]
    verify = true                    # run the redaction verifier on narratives and summaries

    [smtp]                           # optional: e-mail alerts
    host = "localhost"
    port = 25
    from = "coordinator@example.org"
    to = ["alerts@example.org"]

    [audit]
    head_file = "audit.head"         # anchor of the audit chain, outside the database
    checkpoint_key = "checkpoint.key"  # Ed25519 seed signing checkpoints (made on first start)
    checkpoint_every = 100           # a signed checkpoint to every member every N entries...
    checkpoint_seconds = 60          # ...and every T seconds when entries were added

    [cases]                          # see docs/cases.md
    advisory_members = ["advisory-1", "advisory-2", "advisory-3", "advisory-4"]
                                     # certificate names (role advisory) of the Advisory Group
    quorum = 3                       # agreements a recommendation needs to be recorded
    network_name = "Modern Slavery Intelligence Network"   # in STIX exports of escalations

    [log]
    file = "coordinator.log"         # optional; stderr otherwise

Relative paths are resolved against the directory of the file. Anything invalid raises
:class:`~msin_fed.errors.ConfigError` naming the file, the key and the reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msin_fed.config_file import address_problem, read_toml
from msin_fed.errors import ConfigError

from .insights._config import InsightConfig
from .intake_flight import AUTO, IntakeTransactions
from .store.engine import SessionTimeouts

__all__ = ["CaseConfig", "CoordinatorConfig", "SmtpConfig", "default_intake_workers", "load_config"]


def default_intake_workers(verify: bool = True) -> int:
    """One checking process per core (at most 64) when narratives are verified, else none.

    With verification on, the residue scan is most of intake's CPU (about 0.35 ms of the
    0.65 ms per record of a 700-character narrative, bench/coordinator.py), and the writer
    mostly waits on the database, so every core checks. Without it the remaining checks
    (about 0.02 ms a record) cost less than sending the batch to a worker and its checked
    rows back (about 0.05 ms, most of it unpickling in the server), so the server checks."""
    if not verify:
        return 0
    return max(1, min(64, os.cpu_count() or 1))


@dataclass(frozen=True)
class SmtpConfig:
    """Where alert e-mails go."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    timeout: float = 10.0


@dataclass(frozen=True)
class CaseConfig:
    """Case rules of the ``[cases]`` configuration table."""

    #: Certificate names (role ``advisory``) of the Advisory Group's members.
    advisory_members: tuple[str, ...] = ("advisory-1", "advisory-2", "advisory-3", "advisory-4")
    #: Agreements a recommendation needs to be recorded.
    quorum: int = 3
    #: The network's name in STIX exports.
    network_name: str = "Modern Slavery Intelligence Network"

    def __post_init__(self) -> None:
        if len(set(self.advisory_members)) != len(self.advisory_members):
            raise ValueError("advisory_members names someone twice")
        if not 1 <= self.quorum <= max(1, len(self.advisory_members)):
            raise ValueError("quorum must be between 1 and the number of advisory_members")


@dataclass(frozen=True)
class CoordinatorConfig:
    """Validated coordinator settings (see the module docstring for the file format)."""

    identity_dir: Path
    store_url: str
    #: PostgreSQL session limits: a stopped coordinator's locks are released.
    store_timeouts: SessionTimeouts = field(default_factory=lambda: SessionTimeouts())
    #: PostgreSQL: intake transactions in flight in this process (2: one stores its rows
    #: while the other holds the write lock; "auto": 2 while it serves the database alone,
    #: else 1; see .intake_flight for why the default is 1).
    intake_transactions: IntakeTransactions = 1
    listen: str = "127.0.0.1:50051"
    #: The CRL; required (the server refuses to start without it). None only so that
    #: the error can name the key.
    crl: Path | None = None
    #: Where the highest CRL number seen is kept; None: in memory only.
    crl_number_file: Path | None = None
    epoch: int = 1
    disclose_member_ids: bool = False
    verify_redaction: bool = True
    max_message_bytes: int = 16 * 1024 * 1024
    max_batch: int = 1000
    workers: int = 64
    #: Processes checking submitted records; 0 checks in the server's process, None picks
    #: :func:`default_intake_workers` (none when narratives are not verified).
    intake_workers: int | None = None
    max_streams: int = 48
    member_streams: int = 4
    analyst_streams: int = 8
    member_calls_per_second: float = 20.0
    grace_seconds: float = 30.0
    smtp: SmtpConfig | None = None
    audit_head_file: Path | None = None
    #: Signs audit checkpoints sent to every member; None: no checkpoints (embedding/tests).
    audit_checkpoint_key: Path | None = None
    checkpoint_every: int = 100
    checkpoint_seconds: float = 60.0
    log_file: Path | None = None
    cases: CaseConfig = field(default_factory=lambda: CaseConfig())
    #: Publication rules of insights (GetInsights, ``msin coordinator report``).
    insights: InsightConfig = field(default_factory=lambda: InsightConfig())
    source: str = field(default="<config>", compare=False)


_KNOWN: dict[str, set[str]] = {
    "server": {
        "listen",
        "identity_dir",
        "crl",
        "crl_number_file",
        "max_message_bytes",
        "max_batch",
        "workers",
        "intake_workers",
        "max_streams",
        "member_streams",
        "analyst_streams",
        "member_calls_per_second",
        "grace_seconds",
    },
    "store": {"url", "idle_in_transaction_timeout", "statement_timeout", "keepalive", "intake_transactions"},
    "tokens": {"epoch"},
    "policy": {"disclose_member_ids"},
    "redaction": {"verify"},
    "smtp": {"host", "port", "from", "to", "timeout"},
    # Also read by `msin coordinator report|insights` (coordinator/insights/_config.py).
    "insights": {"min_records", "min_members", "window_months", "network_name", "lessons"},
    "audit": {"head_file", "checkpoint_key", "checkpoint_every", "checkpoint_seconds"},
    "log": {"file"},
    "cases": {"advisory_members", "quorum", "network_name"},
}


class _Reader:
    def __init__(self, file: str, data: Mapping[str, Any], base: Path) -> None:
        self.file, self.data, self.base = file, data, base

    def fail(self, key: str, reason: str) -> ConfigError:
        return ConfigError(self.file, key, reason)

    def get(self, section: str, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        value = self.data.get(section, {}).get(key, default)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            and kind is not bool
            and bool not in (kind if isinstance(kind, tuple) else (kind,))
        ):
            raise self.fail(f"{section}.{key}", "has the wrong type")
        if not isinstance(value, kind):
            raise self.fail(f"{section}.{key}", "has the wrong type")
        return value

    def path(self, section: str, key: str, default: str | None = None) -> Path | None:
        value = self.get(section, key, str, default)
        if value is None:
            return None
        if not value.strip():
            raise self.fail(f"{section}.{key}", "is empty")
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.base / p)

    def positive(self, section: str, key: str, default: int) -> int:
        value = self.get(section, key, int, default)
        if value <= 0:
            raise self.fail(f"{section}.{key}", "must be a positive integer")
        return int(value)


def load_config(path: str | os.PathLike[str]) -> CoordinatorConfig:
    """Read and validate a coordinator configuration file."""
    file = str(path)
    data = read_toml(path)
    return config_from_mapping(data, Path(path).resolve().parent, file)


def config_from_mapping(data: Mapping[str, Any], base: Path, file: str = "<config>") -> CoordinatorConfig:
    """Validate an already-parsed configuration (``base``: directory for relative paths)."""
    r = _Reader(file, data, base)
    for section, value in data.items():
        if section not in _KNOWN:
            raise r.fail(section, "unknown section")
        if not isinstance(value, Mapping):
            raise r.fail(section, "must be a table")
        for key in value:
            if key not in _KNOWN[section]:
                raise r.fail(f"{section}.{key}", "unknown key")

    identity_dir = r.path("server", "identity_dir")
    if identity_dir is None:
        raise r.fail("server.identity_dir", "is required")
    listen = r.get("server", "listen", str, "127.0.0.1:50051")
    if problem := address_problem(listen, listen=True):
        raise r.fail("server.listen", problem)

    url = r.get("store", "url", str, "coordinator.db")
    if not url.strip():
        raise r.fail("store.url", "is empty")
    if "://" not in url:
        p = Path(url).expanduser()
        url = str(p if p.is_absolute() else base / p)
    elif not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise r.fail("store.url", "must be a SQLite path/URL or a postgresql URL")

    limits: dict[str, float] = {}
    defaults_ = SessionTimeouts()
    for key, name in (
        ("idle_in_transaction_timeout", "idle_in_transaction"),
        ("statement_timeout", "statement"),
        ("keepalive", "keepalive"),
    ):
        value = r.get("store", key, (int, float), getattr(defaults_, name))
        if not 0 <= value <= 86400:
            raise r.fail(f"store.{key}", "must be between 0 and 86400 seconds")
        limits[name] = float(value)
    store_timeouts = SessionTimeouts(**limits)
    intake_transactions = r.get("store", "intake_transactions", (int, str), 1)
    if intake_transactions not in (1, 2, AUTO):
        raise r.fail("store.intake_transactions", 'must be 1, 2 or "auto"')

    epoch = r.get("tokens", "epoch", int, 1)
    if not 1 <= epoch < 2**32:
        raise r.fail("tokens.epoch", "must be a positive 32-bit integer")

    smtp: SmtpConfig | None = None
    if "smtp" in data:
        host_ = r.get("smtp", "host", str)
        sender = r.get("smtp", "from", str)
        to = r.get("smtp", "to", (list, str))
        if not host_:
            raise r.fail("smtp.host", "is required when [smtp] is present")
        if not sender or "@" not in sender:
            raise r.fail("smtp.from", "must be an e-mail address")
        recipients = (to,) if isinstance(to, str) else tuple(to or ())
        if not recipients or not all(isinstance(x, str) and "@" in x for x in recipients):
            raise r.fail("smtp.to", "must list one or more e-mail addresses")
        port_ = r.get("smtp", "port", int, 25)
        if not 0 < port_ <= 65535:
            raise r.fail("smtp.port", "must be a TCP port")
        timeout = r.get("smtp", "timeout", (int, float), 10.0)
        smtp = SmtpConfig(host_, port_, sender, recipients, float(timeout))

    intake_workers = r.get("server", "intake_workers", int)  # None: the server picks
    if intake_workers is not None and not 0 <= intake_workers <= 64:
        raise r.fail("server.intake_workers", "must be between 0 and 64")

    # Required to serve (CoordinatorServer refuses to start without it), not to read the
    # store: `msin coordinator report` and `audit verify` use the same file.
    crl = r.path("server", "crl")

    max_streams = r.positive("server", "max_streams", 48)
    member_streams = r.positive("server", "member_streams", 4)
    analyst_streams = r.get("server", "analyst_streams", int, 8)
    if not 0 <= analyst_streams < max_streams:
        raise r.fail("server.analyst_streams", "must be at least 0 and below server.max_streams")
    if member_streams > max_streams - analyst_streams:
        raise r.fail("server.member_streams", "must leave analyst_streams free within max_streams")
    rate = r.get("server", "member_calls_per_second", (int, float), 20.0)
    if rate <= 0:
        raise r.fail("server.member_calls_per_second", "must be positive")

    grace = r.get("server", "grace_seconds", (int, float), 30.0)
    if grace < 0:
        raise r.fail("server.grace_seconds", "must not be negative")

    checkpoint_seconds = r.get("audit", "checkpoint_seconds", (int, float), 60.0)
    if checkpoint_seconds <= 0:
        raise r.fail("audit.checkpoint_seconds", "must be positive")

    defaults = CaseConfig()
    advisory = r.get("cases", "advisory_members", list, list(defaults.advisory_members))
    if not all(isinstance(a, str) and a.strip() for a in advisory):
        raise r.fail("cases.advisory_members", "must list certificate names")
    try:
        cases = CaseConfig(
            tuple(advisory),
            r.positive("cases", "quorum", defaults.quorum),
            r.get("cases", "network_name", str, defaults.network_name),
        )
    except ValueError as exc:
        raise r.fail("cases.quorum" if "quorum" in str(exc) else "cases.advisory_members", str(exc)) from None

    return CoordinatorConfig(
        identity_dir=identity_dir,
        store_url=url,
        store_timeouts=store_timeouts,
        intake_transactions=intake_transactions,
        listen=listen,
        crl=crl,
        crl_number_file=r.path("server", "crl_number_file", "crl.number"),
        epoch=int(epoch),
        disclose_member_ids=bool(r.get("policy", "disclose_member_ids", bool, False)),
        verify_redaction=bool(r.get("redaction", "verify", bool, True)),
        max_message_bytes=r.positive("server", "max_message_bytes", 16 * 1024 * 1024),
        max_batch=r.positive("server", "max_batch", 1000),
        workers=r.positive("server", "workers", 64),
        intake_workers=intake_workers,
        max_streams=max_streams,
        member_streams=member_streams,
        analyst_streams=int(analyst_streams),
        member_calls_per_second=float(rate),
        grace_seconds=float(grace),
        smtp=smtp,
        audit_head_file=r.path("audit", "head_file", "audit.head"),
        audit_checkpoint_key=r.path("audit", "checkpoint_key", "checkpoint.key"),
        checkpoint_every=r.positive("audit", "checkpoint_every", 100),
        checkpoint_seconds=float(checkpoint_seconds),
        log_file=r.path("log", "file"),
        cases=cases,
        insights=InsightConfig.from_mapping(dict(data.get("insights", {})), file),
        source=file,
    )
