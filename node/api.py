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
from typing import Any, cast

import grpc
from nacl.signing import SigningKey

from msin_fed import canonical, pki
from msin_fed.checkpoint import Checkpoint, CheckpointKey, dump_checkpoints
from msin_fed.clients import Closing
from msin_fed.errors import (
    ConfigError,
    ImportValidationError,
    MsinError,
    RemoteError,
    RowError,
    ValidationError,
)
from msin_fed.failover import FailoverStub
from msin_fed.model import Grade, Identifier, IntelligenceReport, InvalidField, SharedRecord, Tlp
from msin_fed.model.events import AlertEvent, Event, MatchEvent
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.token_inputs import district_towns
from msin_fed.views import ActionInfo, ActionOutcome, call
from msin_fed.wire import event_from_pb

from .cases import MemberCases
from .config import NodeConfig
from .delivery import Backoff, DeliveryReport, deliver_due, describe_failure, pull_events, store_event
from .keys import KdfParams, StoreKey
from .share import PreviewRedactor, Redactor, SharePreview, Tokenizer, build_share, preview_share
from .store import SecureStore, ShareState
from .views import (
    ALREADY_SHARED,
    CANNOT_MATCH_WARNING,
    FAILED,
    REFUSED,
    SHARED,
    NodeStatus,
    OutboxEntry,
    ReportState,
    ShareOutcome,
)

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


class Node(Closing):
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
        self._failover: FailoverStub | None = None
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
        #: (report count, district towns) of the stored reports: reports are only added,
        #: so the count says when the towns must be learned again.
        self._towns: tuple[int, dict[str, str]] = (-1, {})

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

    def close(self) -> None:
        """Stop background work, close channels and the store."""
        self.stop()
        with self._lazy_lock:
            if self._channel is not None:
                self._channel.close()
                self._channel = None
            if self._failover is not None:
                self._failover.close()
                self._failover = None
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
                addresses = self._config.coordinator_addresses if self._config else ()
                if len(addresses) > 1 and self._coordinator == addresses[0]:
                    # Several coordinator processes: each call fails over to the next address.
                    failover = FailoverStub(addresses, identity, role="coordinator", name=self._coordinator_name)
                    self._failover = failover
                    self._stub = cast(pb_grpc.CoordinatorStub, failover)
                else:
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
            towns_of=self._district_towns(),
        )
        self._store.enqueue_share(
            report_id, built.record.record_id, built.submission_id, built.record.tlp.value, built.submission
        )
        log.info("share queued: %d token(s)", len(built.record.tokens))
        self._wake.set()
        return built.record

    def _district_towns(self) -> dict[str, str]:
        """The town each postcode district is written with in this member's stored
        reports (:func:`~msin_fed.token_inputs.district_towns`), as ``msin link`` learns
        it from a member's file: a site given by postcode only is then also known by the
        town the member's own addresses put its district in."""
        count = self._store.report_count()
        seen, towns = self._towns
        if seen != count:
            towns = district_towns(m for r in self._store.reports() for m in r.mentions)
            self._towns = (count, towns)
        return towns

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
        preview = preview_share(report, tlp=tlp, handling=handling, redactor=cast(PreviewRedactor, redactor),
                                towns_of=self._district_towns())
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


    # ------------------------------------------------------------------ at a glance

    def report_states(self) -> list[ReportState]:
        """Every stored report with its coarse facts and its latest share's state, in import order.

        Holds no narrative, identifier or reporter (what ``msin node reports`` prints).
        """
        latest: dict[str, ShareState] = {}
        for made in self._store.shares():  # oldest first: the last one per report wins
            latest[made.report_id] = made
        others = {m.record_id: m.other_members for m in self.matches()}
        out = []
        for r in self._store.reports():
            share = latest.get(r.report_id)
            out.append(
                ReportState(
                    report_id=r.report_id,
                    month=r.month,
                    region=r.region.value,
                    sector=r.sector.value,
                    exploitation_type=r.exploitation_type.value,
                    grade=str(r.grade),
                    time_sensitive=r.time_sensitive,
                    mentions=len(r.mentions),
                    share_state=share.state if share else "not shared",
                    record_id=share.record_id if share else None,
                    tlp=share.tlp if share else None,
                    note=share.note if share else "",
                    other_members=others.get(share.record_id, 0) if share else 0,
                )
            )
        return out

    def outbox(self) -> list[OutboxEntry]:
        """Operations waiting for the coordinator's acknowledgement, oldest first (no payloads)."""
        out = []
        for item in self._store.outbox():
            out.append(
                OutboxEntry(
                    seq=item.seq,
                    op=item.op,
                    record_id=item.record_id,
                    report_id=self._report_of(item.record_id),
                    attempts=item.attempts,
                    next_attempt=_dt.datetime.fromtimestamp(item.next_at, _dt.UTC) if item.next_at else None,
                    last_error=item.last_error,
                )
            )
        return out

    def status(self) -> NodeStatus:
        """Counts of reports, shares by state, outbox, inbox and checkpoints; no remote call.

        ``member_id`` is None when no member identity is configured.
        """
        try:
            member: str | None = self.member_id
        except (ConfigError, OSError, ValueError):
            member = None
        states: dict[str, int] = {}
        for share in self._store.shares():
            states[share.state] = states.get(share.state, 0) + 1
        queued = self._store.outbox()
        return NodeStatus(
            member_id=member,
            coordinator=self._coordinator,
            reports=sum(1 for _ in self._store.reports()),
            shares=dict(sorted(states.items())),
            outbox=len(queued),
            outbox_failing=sum(1 for item in queued if item.last_error),
            active_matches=len(self.matches()),
            alerts=len(self.alerts()),
            checkpoints=len(self.checkpoints()),
            refused_checkpoints=len(self.refused_checkpoints()),
            cursor=self._store.cursor(),
        )

    # ------------------------------------------------------------------ bulk share

    def share_many(
        self,
        report_ids: Iterable[str] | None,
        tlp: Tlp | str,
        handling: str = "P",
        *,
        progress: Callable[[int, int, ShareOutcome], None] | None = None,
    ) -> list[ShareOutcome]:
        """Share several reports (every stored report when ``report_ids`` is None), one outcome each.

        The redaction pipeline and the key-holder channels are loaded once for all of them.
        A report already shared (pending or acknowledged) is ``already_shared``; one whose
        narrative fails verification is ``refused`` with the residue's types and positions;
        a record that carries no token (a name alone never makes one) is shared with a
        ``warning`` that it cannot match. When the key holders cannot tokenize, the report
        and every later one are ``failed`` (nothing is queued for them). ``progress`` is
        called after each report with (done, total, outcome). Nothing is delivered here:
        call :meth:`deliver` or :meth:`sync` after.
        """
        from msin_fed.errors import KeyHoldersUnavailable, RedactionRefused, TokenError

        marking = Tlp.parse(tlp, "tlp") if isinstance(tlp, str) else tlp
        ids = [r.report_id for r in self._store.reports()] if report_ids is None else list(report_ids)
        outcomes: list[ShareOutcome] = []
        stopped = ""
        for i, report_id in enumerate(ids, 1):
            if stopped:
                outcome = ShareOutcome(report_id, FAILED, reason=f"not attempted: {stopped}")
            elif not self._store.has_report(report_id):
                outcome = ShareOutcome(report_id, FAILED, reason="no report with this id is stored")
            elif (active := self._store.active_share(report_id)) is not None:
                outcome = ShareOutcome(report_id, ALREADY_SHARED, record_id=active.record_id,
                                       reason=f"already shared ({active.state})")
            else:
                try:
                    record = self.share(report_id, tlp=marking, handling=handling)
                except RedactionRefused as exc:
                    found = ", ".join(f"{f.entity_type} at {f.start}-{f.end}" for f in exc.findings)
                    outcome = ShareOutcome(report_id, REFUSED, reason=f"redaction verification found residue: {found}")
                except (KeyHoldersUnavailable, TokenError) as exc:
                    stopped = f"tokens unavailable ({exc})"
                    outcome = ShareOutcome(report_id, FAILED, reason=stopped)
                except ValidationError as exc:
                    outcome = ShareOutcome(report_id, FAILED, reason=str(exc))
                else:
                    outcome = ShareOutcome(
                        report_id, SHARED, record_id=record.record_id, tokens=len(record.tokens),
                        warning="" if record.tokens else CANNOT_MATCH_WARNING,
                    )
            if outcome.warning:
                log.warning("share queued without any token: it cannot match")
            outcomes.append(outcome)
            if progress is not None:
                progress(i, len(ids), outcome)
        log.info("bulk share: %s", ", ".join(f"{s} {sum(o.status == s for o in outcomes)}"
                                             for s in (SHARED, REFUSED, ALREADY_SHARED, FAILED)))
        return outcomes

    # ------------------------------------------------------------------ alerts, actions, matches at the coordinator

    def _record_for(self, report_id: str) -> str:
        share = self._store.active_share(report_id)
        if share is None:
            if not self._store.has_report(report_id):
                raise ValidationError("report_id", "no report with this id is stored")
            raise ValidationError("report_id", "this report is not shared (share it first)")
        return share.record_id

    def raise_alert(self, report_id: str, summary: str) -> str:
        """Raise an alert to every member about our shared record of ``report_id``; the alert id.

        The record must be graded actionable and time-sensitive, and the summary holds no
        personal data (the coordinator checks it like a narrative: RemoteError
        FAILED_PRECONDITION naming the types found). The share must have reached the
        coordinator (RemoteError NOT_FOUND while it is still in the outbox).
        """
        if not summary.strip():
            raise ValidationError("summary", "is empty")
        record_id = self._record_for(report_id)
        request = pb.RaiseAlertRequest(record_id=record_id, summary=summary)
        stub = self._get_stub()
        reply = call(self._coordinator or "", "raising an alert", lambda: stub.RaiseAlert(request, timeout=30))
        return str(reply.alert_id)

    def record_action(
        self,
        outcome: ActionOutcome | str,
        *,
        report_id: str | None = None,
        alert_id: str | None = None,
        date: _dt.date | str | None = None,
    ) -> str:
        """Record at the coordinator what we did about a match on our report or about an alert
        (exactly one of ``report_id`` and ``alert_id``); the action id. ``date`` defaults to
        today (UTC). Actions feed the insights report's lessons learned."""
        from msin_fed.analyst import record_action

        if bool(report_id) == bool(alert_id):
            raise ValidationError("report_id", "give exactly one of a report and an alert")
        record_id = self._record_for(report_id) if report_id else None
        return record_action(self._get_stub(), self._coordinator or "", 30.0, outcome, record_id, alert_id, date)

    def actions(self, limit: int = 100) -> list[ActionInfo]:
        """The actions we recorded, newest first, as the coordinator holds them."""
        request = pb.ListActionsRequest(limit=limit)
        stub = self._get_stub()
        reply = call(self._coordinator or "", "listing actions", lambda: stub.ListActions(request, timeout=30))
        return [ActionInfo.from_pb(a) for a in reply.actions]

    def coordinator_matches(self, report_id: str | None = None) -> list[LocalMatch]:
        """The matches the coordinator holds now on our records (or on ``report_id``'s), asked
        directly rather than read from the inbox; ``change`` is "current" and ``cursor`` 0."""
        request = pb.ListMatchesRequest(record_id=self._record_for(report_id) if report_id else "")
        stub = self._get_stub()
        reply = call(self._coordinator or "", "listing matches", lambda: stub.ListMatches(request, timeout=30))
        return [
            LocalMatch(
                report_id=self._report_of(m.record_id),
                record_id=m.record_id,
                cluster_id=m.cluster_id,
                other_members=int(m.other_members),
                matched_kinds=tuple(m.matched_kinds),
                score=float(m.score),
                change="current",
                other_member_ids=tuple(m.other_member_ids),
                cursor=0,
                received_at=None,
            )
            for m in reply.matches
        ]
