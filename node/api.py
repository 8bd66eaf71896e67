"""The embeddable node: one object over the secure store, sharing, outbox and inbox.

Typical use from a compliance tool (see docs/node.md)::

    from msin_fed.node import Node, load_config

    config = load_config("node.toml")
    with Node.open(config.store, key=config.store_key(), config=config) as node:
        node.import_file("reports.csv", "mentions.csv")
        node.share("CASE-17", tlp="AMBER", handling="P")
        node.sync()
        for match in node.matches():
            print(match.report_id, match.other_members, match.matched_kinds)
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, cast

import grpc
from nacl.signing import SigningKey

from msin_fed import canonical, pki
from msin_fed.checkpoint import Checkpoint, CheckpointKey, dump_checkpoints
from msin_fed.errors import (
    ConfigError,
    ImportValidationError,
    MsinError,
    RemoteError,
    RowError,
    ValidationError,
)
from msin_fed.model import Grade, Identifier, IntelligenceReport, InvalidField, SharedRecord, Tlp
from msin_fed.model.events import AlertEvent, Event, MatchEvent
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import event_from_pb

from .cases import MemberCases
from .config import NodeConfig
from .delivery import Backoff, DeliveryReport, deliver_due, describe_failure, pull_events, store_event
from .keys import KdfParams, StoreKey
from .share import PreviewRedactor, Redactor, SharePreview, Tokenizer, build_share, preview_share
from .store import OutboxItem, SecureStore, ShareState

__all__ = ["Alert", "ImportResult", "LocalMatch", "Node", "SyncReport"]

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class ImportResult:
    """What :meth:`Node.import_file` stored.

    ``report_ids`` in file order; ``warnings`` one per identifier value that failed
    validation and was stored with its report as an invalid field (file, line, field,
    problem; never the value); ``notes`` how the files were read (a semicolon or tab
    delimiter).
    """

    report_ids: tuple[str, ...]
    warnings: tuple[RowError, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LocalMatch:
    """A match on one of our shared records, mapped back to our own report."""

    report_id: str | None  # None when the record is no longer known locally
    record_id: str
    cluster_id: str
    other_members: int
    matched_kinds: tuple[str, ...]
    score: float
    change: str  # "new", "updated" or "removed"
    other_member_ids: tuple[str, ...]
    cursor: int
    received_at: _dt.datetime | None


@dataclass(frozen=True)
class Alert:
    """An alert to every member (no personal data), with our report when it is about ours."""

    alert_id: str
    summary: str
    region: str
    sector: str
    exploitation_type: str
    grade: Grade | None
    tlp: Tlp | None
    raised_by_role: str
    own_report_id: str | None
    cursor: int
    received_at: _dt.datetime | None


@dataclass(frozen=True)
class SyncReport:
    """What one sync did: outbox delivery and new inbox events."""

    delivery: DeliveryReport
    new_events: int


class Node:
    """A member node. Open with :meth:`open`; close (or use ``with``) when done."""

    def __init__(
        self,
        store: SecureStore,
        *,
        config: NodeConfig | None = None,
        identity: pki.Identity | None = None,
        redactor: Redactor | None = None,
        tokenizer: Tokenizer | None = None,
        coordinator: str | None = None,
        coordinator_name: str | None = None,
    ) -> None:
        self._store = store
        self._config = config
        self._identity = identity
        self._redactor = redactor
        self._tokenizer = tokenizer
        self._coordinator = coordinator or (config.coordinator if config else None)
        #: The coordinator's certificate name; only a coordinator-role certificate with it
        #: is accepted, so no other identity of the CA can take our records or forge events.
        self._coordinator_name = coordinator_name or (config.coordinator_name if config else None)
        self._channel: grpc.Channel | None = None
        self._stub: pb_grpc.CoordinatorStub | None = None
        self._lazy_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._backoff = Backoff(
            config.backoff_base if config else 1.0, config.backoff_cap if config else 300.0
        )
        self._poll = config.poll_interval if config else 5.0
        self._checkpoint_key = config.checkpoint_key if config else None
        self._stream: Any = None
        self._on_status: Callable[[str], None] | None = None
        self._own_tokenizer = False

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        key: StoreKey | None = None,
        config: NodeConfig | None = None,
        *,
        create: bool = False,
        kdf: KdfParams | None = None,
        identity: pki.Identity | None = None,
        redactor: Redactor | None = None,
        tokenizer: Tokenizer | None = None,
        coordinator: str | None = None,
        coordinator_name: str | None = None,
    ) -> Node:
        """Open the node's store (``create`` makes a new one).

        ``path`` and ``key`` default to the configuration's store and key. Redactor,
        tokenizer, identity and coordinator address and certificate name default to what
        the configuration names and are created only when first needed.
        """
        if path is None:
            if config is None:
                raise ValidationError("path", "give a store path or a configuration")
            path = config.store
        if key is None:
            if config is None:
                raise ValidationError("key", "give a store key or a configuration")
            key = config.store_key()
        store = SecureStore.create(path, key, kdf=kdf) if create else SecureStore.open(path, key)
        return cls(
            store,
            config=config,
            identity=identity,
            redactor=redactor,
            tokenizer=tokenizer,
            coordinator=coordinator,
            coordinator_name=coordinator_name,
        )

    def __enter__(self) -> Node:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop background work, close channels and the store."""
        self.stop()
        with self._lazy_lock:
            if self._channel is not None:
                self._channel.close()
                self._channel = None
            closer = getattr(self._tokenizer, "close", None)
            if callable(closer) and self._own_tokenizer:
                closer()
        self._store.close()

    # ------------------------------------------------------------------ lazily built parts

    def _need_config(self, key: str) -> NodeConfig:
        if self._config is None:
            raise ConfigError("<no configuration>", key, "is needed for this operation")
        return self._config

    @property
    def identity(self) -> pki.Identity:
        """The member identity (certificate, TLS key, Ed25519 signing key)."""
        with self._lazy_lock:
            if self._identity is None:
                config = self._need_config("node.identity_dir")
                if config.identity_dir is None:
                    raise ConfigError(config.source, "node.identity_dir", "is required to share")
                self._identity = pki.load_identity(config.identity_dir)
            if self._identity.role != "member":
                raise ConfigError("identity", "role", "the node needs a member certificate")
            return self._identity

    @property
    def member_id(self) -> str:
        """Our member id, as our certificate names it."""
        return self.identity.name

    def _signing_key(self) -> SigningKey:
        return self.identity.signing_key

    def _get_redactor(self) -> Redactor:
        with self._lazy_lock:
            if self._redactor is None:
                from msin_fed.redaction import Redactor as _Redactor  # type: ignore[attr-defined,unused-ignore]

                model = self._config.spacy_model if self._config else None
                self._redactor = _Redactor(spacy_model=model)
            return self._redactor

    def _get_tokenizer(self) -> Tokenizer:
        identity = self.identity
        with self._lazy_lock:
            if self._tokenizer is None:
                from msin_fed.threshold import load_public
                from msin_fed.tokenizer import HolderEndpoint
                from msin_fed.tokenizer import Tokenizer as _Tokenizer

                config = self._need_config("key_holders")
                if not config.holders:
                    raise ConfigError(config.source, "key_holders.holders", "is required to share")
                public = load_public(config.public) if config.public else None
                self._tokenizer = _Tokenizer(
                    [HolderEndpoint(h.name, h.address) for h in config.holders],
                    config.threshold,
                    identity,
                    cache=self._store,
                    public=public,
                )
                self._own_tokenizer = True
            return self._tokenizer

    def key_holder_usage(self) -> dict[str, Any]:
        """This member's own use of each configured key holder today, by holder name.

        Each value is a ``MemberUsage`` message (used, daily budget, reset time, the
        network-wide bound) or the :class:`~msin_fed.errors.RemoteError` of that holder.
        """
        from msin_fed.keyholder.usage_client import member_usage
        from msin_fed.tokenizer import HolderEndpoint

        config = self._need_config("key_holders")
        endpoints = [HolderEndpoint(h.name, h.address) for h in config.holders]
        return dict(member_usage(endpoints, self.identity))

    def _get_stub(self) -> pb_grpc.CoordinatorStub:
        identity = self.identity
        with self._lazy_lock:
            if self._stub is None:
                if not self._coordinator:
                    source = self._config.source if self._config else "<no configuration>"
                    raise ConfigError(source, "coordinator.address", "is required to deliver")
                if not self._coordinator_name:
                    source = self._config.source if self._config else "<no configuration>"
                    raise ConfigError(source, "coordinator.name", "is required to deliver")
                self._channel = pki.secure_channel(
                    self._coordinator, identity, role="coordinator", name=self._coordinator_name
                )
                self._stub = pb_grpc.CoordinatorStub(self._channel)  # type: ignore[no-untyped-call]
            return self._stub

    @property
    def cases(self) -> MemberCases:
        """This member's cases: messages with STTG, consent to contact, actions (docs/cases.md)."""
        self._get_stub()
        assert self._channel is not None
        return MemberCases(self._channel, self.identity, self.events)

    # ------------------------------------------------------------------ reports

    @property
    def store(self) -> SecureStore:
        """The secure store (for lookups; prefer the methods here)."""
        return self._store

    def add_report(self, report: IntelligenceReport) -> None:
        """Store one report (ValidationError when its id is already stored)."""
        if not isinstance(report, IntelligenceReport):
            raise ValidationError("report", "must be an IntelligenceReport")
        self._store.add_reports([report])

    def import_file(
        self,
        reports: str | os.PathLike[str],
        mentions: str | os.PathLike[str] | None = None,
        *,
        strict: bool = False,
    ) -> ImportResult:
        """Import a canonical CSV (+ mentions CSV) or JSON file; report fields all or nothing.

        Raises ImportValidationError listing every bad row by line and field (including
        reports whose id is already stored); nothing is written then. An identifier value
        that fails validation (a mistyped phone or NINO) does not refuse its report: it is
        stored with it as an :class:`~msin_fed.model.InvalidField`, listed in the result's
        ``warnings``, shown by :meth:`invalid_fields`, given to redaction as one of the
        record's own identifiers, and never tokenized or sent. ``strict`` refuses such an
        import instead, like any other bad field.
        """
        region = self._config.default_region if self._config else None
        loaded = canonical.load(reports, mentions, default_region=region, strict=strict)
        clashes = [
            loaded.error_for(r.report_id, "report_id", "a report with this id is already stored")
            for r in loaded.reports
            if self._store.has_report(r.report_id)
        ]
        if clashes:
            raise ImportValidationError(clashes)
        self._store.add_reports(loaded.reports)
        log.info("imported %d report(s), %d invalid identifier value(s) kept", len(loaded.reports),
                 len(loaded.warnings))
        return ImportResult(tuple(r.report_id for r in loaded.reports), loaded.warnings, loaded.notes)

    def invalid_fields(self, report_id: str | None = None) -> list[tuple[str, InvalidField]]:
        """``(report_id, field)`` for every stored identifier value that failed validation
        (of one report, or of all), the value in full: it is the member's own data, kept
        so it can be corrected, and never leaves the node."""
        reports = [self._store.get_report(report_id)] if report_id is not None else self._store.reports()
        return [(r.report_id, f) for r in reports for f in r.invalid_fields()]

    def report(self, report_id: str) -> IntelligenceReport:
        """One stored report."""
        return self._store.get_report(report_id)

    def reports(self) -> list[IntelligenceReport]:
        """Every stored report."""
        return list(self._store.reports())

    def find(self, identifier: Identifier) -> list[str]:
        """Ids of our reports holding ``identifier`` (normalized, through the keyed index)."""
        return self._store.find(identifier)

    # ------------------------------------------------------------------ sharing

    def share(self, report_id: str, tlp: Tlp | str, handling: str = "P") -> SharedRecord:
        """Share a report: redact (verified), tokenize, coarsen, grade, queue (signed per batch when sent).

        Returns the record exactly as it will leave the node. RedactionRefused blocks the
        share with the reason; the record then never reaches the outbox.
        """
        report = self._store.get_report(report_id)
        if self._store.active_share(report_id) is not None:
            raise ValidationError("report_id", "this report is already shared (withdraw it first)")
        built = build_share(
            report,
            member_id=self.member_id,
            tlp=tlp,
            handling=handling,
            redactor=self._get_redactor(),
            tokenizer=self._get_tokenizer(),
        )
        self._store.enqueue_share(
            report_id, built.record.record_id, built.submission_id, built.record.tlp.value, built.submission
        )
        log.info("share queued: %d token(s)", len(built.record.tokens))
        self._wake.set()
        return built.record

    def preview_share(self, report_id: str, tlp: Tlp | str | None = None, handling: str = "P") -> SharePreview:
        """What :meth:`share` would send for ``report_id``, computed here; nothing is sent.

        The narrative is redacted and scanned exactly as a share would (``residue`` says
        whether verification would refuse it), and the kinds of the blind tokens are
        listed, but no key holder is asked for a token and the coordinator is not
        contacted; the outbox is not touched. Needs no member identity.
        """
        report = self._store.get_report(report_id)
        redactor = self._get_redactor()
        if not (hasattr(redactor, "redact") and hasattr(redactor, "residue")):
            raise ConfigError("redactor", "preview", "the redactor must offer redact() and residue() to preview")
        preview = preview_share(report, tlp=tlp, handling=handling, redactor=cast(PreviewRedactor, redactor))
        log.info("share previewed: %d token kind(s), %d placeholder(s)", len(set(preview.token_kinds)),
                 len(preview.placeholders))
        return preview

    def withdraw(self, report_id: str) -> ShareState:
        """Withdraw the report's shared record at the coordinator (queued, delivered like shares)."""
        share = self._store.enqueue_withdraw(report_id)
        self._wake.set()
        return share

    def shares(self) -> list[ShareState]:
        """Every share made, with its delivery state."""
        return self._store.shares()

    def outbox_size(self) -> int:
        """Operations waiting for the coordinator's acknowledgement."""
        return self._store.pending_count()

    def outbox(self) -> list[OutboxItem]:
        """The operations waiting, oldest first; ``last_error`` says why the last attempt failed."""
        return self._store.outbox()

    @property
    def coordinator_address(self) -> str | None:
        """The coordinator's host:port, as configured."""
        return self._coordinator

    def key_holder_addresses(self) -> list[tuple[str, str]]:
        """(name, host:port) of each configured key holder."""
        return [(h.name, h.address) for h in self._config.holders] if self._config else []

    # ------------------------------------------------------------------ delivery and inbox

    def deliver(self) -> DeliveryReport:
        """Send what is due in the outbox once."""
        return deliver_due(
            self._store, self._get_stub(), signing_key=self._signing_key(), backoff=self._backoff,
            address=self._coordinator,
        )

    def receive(self, timeout: float = 1.0) -> int:
        """Read new events for up to ``timeout`` seconds; return how many were stored."""
        return pull_events(self._store, self._get_stub(), timeout=timeout, checkpoint_key=self._checkpoint_key)

    def sync(self, timeout: float = 1.0) -> SyncReport:
        """Deliver the outbox, then fetch events. Remote failures are deferred, not raised."""
        delivery = self.deliver()
        try:
            events = self.receive(timeout)
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else None
            details = str(exc.details() or "") if hasattr(exc, "details") else ""
            reason = describe_failure(code, details, self._coordinator)
            raise RemoteError(f"event subscription failed: {reason}", code.name if code else "UNKNOWN") from None
        if events:
            self._complete_reveals()
        return SyncReport(delivery, events)

    def _complete_reveals(self) -> None:
        """Send our reveal for proposals the other member has now agreed to (docs/cases.md)."""
        try:
            sent = self.cases.complete_reveals()
        except (MsinError, grpc.RpcError) as exc:  # retried at the next agreement or sync
            log.warning("cases: reveals not sent now (%s)", type(exc).__name__)
            return
        if sent:
            log.info("cases: %d reveal(s) sent after both members consented", sent)

    def start(self, on_status: Callable[[str], None] | None = None) -> None:
        """Deliver and receive in background threads until :meth:`stop`.

        ``on_status`` is called (from those threads) with one line when delivery or the
        event stream starts failing, with the reason, and when it recovers.
        """
        if self._threads:
            return
        self._stop.clear()
        self._on_status = on_status
        self._get_stub()
        for target, name in ((self._delivery_loop, "node-outbox"), (self._inbox_loop, "node-inbox")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop background threads (waits for them)."""
        self._stop.set()
        self._wake.set()
        stream = self._stream
        if stream is not None:
            stream.cancel()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []

    def _status(self, line: str) -> None:
        log.info("%s", line)
        if self._on_status is not None:
            self._on_status(line)

    def _delivery_loop(self) -> None:
        failing = False
        while not self._stop.is_set():
            try:
                report = self.deliver()
                if report.failed and not failing:
                    failing = True
                    self._status(f"delivery failing: {report.error}; {report.remaining} item(s) wait "
                                 "in the outbox, retrying")
                elif failing and not report.failed and (report.acknowledged or report.refused):
                    failing = False
                    self._status(f"delivery recovered: {report.acknowledged} delivered, "
                                 f"{report.remaining} left in the outbox")
            except Exception:  # keep the loop alive; the reason is logged without data
                log.exception("outbox delivery pass failed")
            self._wake.wait(self._poll)
            self._wake.clear()

    def _inbox_loop(self) -> None:
        attempts = 0
        failing = False
        while not self._stop.is_set():
            try:
                stub = self._get_stub()
                self._stream = stub.Subscribe(pb.SubscribeRequest(after_cursor=self._store.cursor()))
                for event in self._stream:
                    store_event(self._store, event, self._checkpoint_key)
                    attempts = 0
                    if failing:
                        failing = False
                        self._status("event stream recovered")
                    if event.WhichOneof("body") == "case" and event.case.kind == "contact_agreed":
                        self._complete_reveals()
            except grpc.RpcError as exc:
                if self._stop.is_set():
                    break
                code = exc.code() if hasattr(exc, "code") else None
                details = str(exc.details() or "") if hasattr(exc, "details") else ""
                log.info("inbox stream ended (%s); resuming", code.name if code else "UNKNOWN")
                if not failing and attempts >= 1:
                    failing = True
                    self._status(f"event stream failing: {describe_failure(code, details, self._coordinator)}; "
                                 "resuming")
            except Exception:
                log.exception("inbox stream failed")
            attempts += 1
            self._stop.wait(self._backoff.delay(min(attempts, 8)))

    # ------------------------------------------------------------------ audit checkpoints

    def checkpoints(self) -> list[Checkpoint]:
        """The coordinator's audit checkpoints kept, by number (see docs/coordinator.md)."""
        return self._store.checkpoints()

    def refused_checkpoints(self) -> list[tuple[int, str]]:
        """(cursor, reason) of each checkpoint refused: forged, or contradicting those kept."""
        return self._store.refused_checkpoints()

    def checkpoint_key(self) -> CheckpointKey | None:
        """The coordinator's checkpoint key this node checks against (configured or pinned)."""
        return self._checkpoint_key or self._store.checkpoint_key()

    def export_checkpoints(self) -> str:
        """The JSON an auditor gives ``msin coordinator audit verify --checkpoints``."""
        return dump_checkpoints(self.checkpoint_key(), self.checkpoints())

    # ------------------------------------------------------------------ matches and alerts

    def _report_of(self, record_id: str) -> str | None:
        share = self._store.share_of_record(record_id) if record_id else None
        return share.report_id if share is not None else None

    def events(self) -> Iterable[tuple[int, Event, _dt.datetime | None]]:
        """Every stored event (cursor, event, creation time), oldest first; an event this
        node cannot read (a malformed checkpoint kept as evidence) is left out."""
        for cursor, _kind, data in self._store.events():
            try:
                event = event_from_pb(pb.Event.FromString(data))
            except ValidationError:
                continue
            yield cursor, event, event.created_at

    def matches(self, *, include_removed: bool = False) -> list[LocalMatch]:
        """The current match state of each of our records, mapped to our reports.

        A withdrawn record's match is ``removed`` (shown only with ``include_removed``); a
        report shared again after a withdrawal has a new record and so its own entry.
        """
        latest: dict[str, LocalMatch] = {}
        for cursor, event, created in self.events():
            m = event.body
            if not isinstance(m, MatchEvent):
                continue
            latest[m.record_id] = LocalMatch(
                report_id=self._report_of(m.record_id),
                record_id=m.record_id,
                cluster_id=m.cluster_id,
                other_members=int(m.other_members),
                matched_kinds=tuple(m.matched_kinds),
                score=float(m.score),
                change=m.change.value if m.change.value != "unspecified" else "unknown",
                other_member_ids=tuple(m.other_member_ids),
                cursor=cursor,
                received_at=created,
            )
        # A record we withdrew has no match left, whatever the last event said (events
        # stored before the coordinator told owners so, or not yet received).
        withdrawn = {s.record_id for s in self._store.shares() if s.state == "withdrawn"}
        found = [
            replace(m, change="removed") if m.record_id in withdrawn and m.change != "removed" else m
            for m in latest.values()
        ]
        if not include_removed:
            found = [m for m in found if m.change != "removed"]
        return sorted(found, key=lambda m: m.cursor)

    def alerts(self) -> list[Alert]:
        """Every alert received, oldest first."""
        out: list[Alert] = []
        for cursor, event, created in self.events():
            a = event.body
            if not isinstance(a, AlertEvent):
                continue
            out.append(
                Alert(
                    alert_id=a.alert_id,
                    summary=a.summary,
                    region=a.region,
                    sector=a.sector,
                    exploitation_type=a.exploitation_type,
                    grade=a.grade,
                    tlp=a.tlp,
                    raised_by_role=a.raised_by_role,
                    own_report_id=self._report_of(a.own_record_id),
                    cursor=cursor,
                    received_at=created,
                )
            )
        return out

