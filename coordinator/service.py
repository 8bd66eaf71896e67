"""The coordinator's domain operations, free of gRPC: intake, withdraw, alerts, queries.

Servicers (:mod:`.servicer`) convert protobuf to the arguments here and back; every
rule lives here: who may do what, intake checks, disclosure policy, events and audit.
Errors are :class:`~msin_fed.errors.MsinError` subclasses; :mod:`.servicer` maps them
to gRPC status codes in one place.

Logs carry types and counts only: never record ids, member ids, tokens or narratives.
"""

from __future__ import annotations

import datetime as _dt
import functools
import logging
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection

from msin_fed.errors import MsinError, RedactionRefused, ValidationError
from msin_fed.model import SharedRecord
from msin_fed.model.events import AlertEvent, Event, MatchChange, MatchEvent
from msin_fed.model.report import check_id
from msin_fed.wire import SignedPart

from .audit import AuditLog, AuditReport
from .fairness import Busy, CallRates, SharedCallRates, StreamSlots
from .insights import InsightConfig, Insights, compute_insights, month_window
from .insights._store import StoreSource
from .intake import (
    AccessDenied,
    BatchToCheck,
    Checked,
    IntakeWorkers,
    NarrativeVerifier,
    Submission,
    check_batch,
    check_submission_ids,
)
from .intake_copy import encode_checked
from .intake_flight import IntakeFlight, IntakeTransactions
from .matching import REMOVED, MatchBudgetExceeded, MatchEngine, MatchView
from .matching import MatchChange as MatchEngineChange
from .store import ActionRow, AlertRow, ClusterInfo, SharedStore
from .store.engine import kept_busy
from .token_columns import TokenColumns
from .views import ClusterDetail, ClusterFilter

__all__ = [
    "AccessDenied",
    "Ack",
    "Busy",
    "Caller",
    "ClusterDetail",
    "ClusterFilter",
    "CoordinatorService",
    "NarrativeVerifier",
    "NotFound",
    "Refused",
    "Submission",
]

log = logging.getLogger("msin_fed.coordinator")


class NotFound(MsinError):
    """The record or alert named does not exist (NOT_FOUND)."""


class Refused(MsinError):
    """The request is well formed but the state does not allow it (FAILED_PRECONDITION)."""


@dataclass(frozen=True)
class Caller:
    """Who is calling, from the TLS certificate (never from a request field)."""

    role: str
    name: str
    signing_public_key: bytes | None = None
    #: X25519 key case messages to the caller are sealed to (member, analyst, advisory).
    sealing_public_key: bytes | None = None
    #: The person an Advisory Group member's console acts for (``msin-person``): audited
    #: beside the certificate's name, while membership and quorum count certificates.
    #: (An analyst console's person is part of ``name`` already: "sttg-analyst/ann".)
    person: str = ""

    @property
    def actor(self) -> str:
        """Who did it, for the audit log: the name, with the person when one is named."""
        return f"{self.name}/{self.person}" if self.person else self.name


#: Most records stored in one group-commit transaction.
_GROUP_RECORDS = 4000
#: Tries of a group's transaction that failed for a reason other than one of its ids
#: stored meanwhile by another transaction (a deadlock, a serialisation failure).
_WRITE_ATTEMPTS = 3
_SUBMISSION_PARTS = attrgetter("submission_id", "record")
_as_submission = functools.partial(tuple.__new__, Submission)


@dataclass(eq=False)
class _Intake:
    """A checked batch waiting for the writer, and then its outcome."""

    caller: Caller
    batch: Sequence[SignedPart]
    fresh: list[tuple[int, SignedPart, Checked]]
    #: The batch's submission ids found stored before it was checked: (member, record id).
    known: dict[str, tuple[str, str]]
    acks: list[Ack] | None = None
    error: BaseException | None = None
    #: Taken from the queue into a writer's group.
    taken: bool = False

    @property
    def finished(self) -> bool:
        return self.acks is not None or self.error is not None

    def outcome(self) -> list[Ack]:
        if self.error is not None:
            raise self.error
        assert self.acks is not None
        return self.acks


class _OverBudget(Exception):
    """A batch of a group over the match step's budget: the group's transaction is rolled
    back and written again without it."""

    def __init__(self, job: _Intake, refusal: MatchBudgetExceeded) -> None:
        super().__init__(str(refusal))
        self.job = job
        self.refusal = refusal


@dataclass
class IntakeStats:
    """Counters of this process's SubmitBatch calls: how many, their submissions, and their
    wall seconds from arrival to answer, summed (calls served at once each count whole)."""

    requests: int = 0
    submissions: int = 0
    seconds: float = 0.0


_SubmitBatch = Callable[["CoordinatorService", Caller, Sequence[SignedPart], bytes], "list[Ack]"]


def _timed(method: _SubmitBatch) -> _SubmitBatch:
    """Count each call of ``method`` in :attr:`CoordinatorService.intake_stats`."""

    @functools.wraps(method)
    def timed(self: CoordinatorService, caller: Caller, batch: Sequence[SignedPart], signature: bytes) -> list[Ack]:
        started = time.perf_counter()
        try:
            return method(self, caller, batch, signature)
        finally:
            stats = self.intake_stats
            stats.requests += 1
            stats.submissions += len(batch)
            stats.seconds += time.perf_counter() - started

    return timed


class Ack(NamedTuple):
    """Acknowledgement of one submission (a tuple: one per record, built by the writer)."""

    submission_id: str
    record_id: str
    duplicate: bool


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Outcomes of RecordAction (the names of msin.v1.ActionOutcome).
OUTCOMES = frozenset(
    {
        "ACTION_INVESTIGATED",
        "ACTION_REMEDIATED_WITH_SUPPLIER",
        "ACTION_REFERRED_TO_LAW_ENFORCEMENT",
        "ACTION_REFERRED_TO_GLAA",
        "ACTION_VICTIMS_SUPPORTED",
        "ACTION_NO_FURTHER_ACTION",
    }
)



class CoordinatorService:
    """Intake, matching, events, alerts, withdrawal, queries and audit over one store."""

    def __init__(
        self,
        store: SharedStore,
        *,
        epoch: int = 1,
        verifier: NarrativeVerifier | None = None,
        audit: AuditLog | None = None,
        disclose_member_ids: bool = False,
        max_batch: int = 1000,
        on_alert: Callable[[AlertEvent], None] | None = None,
        max_streams: int = 48,
        workers: IntakeWorkers | None = None,
        member_streams: int = 4,
        analyst_streams: int = 8,
        member_calls_per_second: float = 20.0,
        insights: InsightConfig | None = None,
        intake_transactions: IntakeTransactions = 1,
    ) -> None:
        self.store = store
        #: Publication rules of GetInsights (the configuration's ``[insights]`` table).
        self.insight_config = insights or InsightConfig()
        # On SQLite the seen-keys filter is valid because this process alone writes tokens
        # (the store's lock); on PostgreSQL the engine keeps it in step with other processes.
        self.engine = MatchEngine(store, epoch=epoch, single_writer=store.single_process)
        self.epoch = epoch
        self.verifier = verifier
        #: Processes checking submitted records; None: check in this process.
        self.workers = workers
        self.audit = audit or AuditLog(store, None)
        self.disclose_member_ids = disclose_member_ids
        self.max_batch = max_batch
        self.on_alert = on_alert
        self._new_events = threading.Condition()
        self._closing = False
        self._generation = 0
        #: Fair shares: one member cannot hold every stream slot or worker.
        self.streams = StreamSlots(max_streams, member_streams, analyst_streams)
        self.call_rates: CallRates | SharedCallRates = (
            CallRates(member_calls_per_second)
            if store.single_process
            else SharedCallRates(store, member_calls_per_second)  # one budget across processes
        )
        #: Called with each subscriber as its stream opens (cases note its sealing key).
        self.on_subscribe: Callable[[Caller], None] | None = None
        #: Called inside the transaction that deleted a withdrawn record (cases drop their link).
        self.on_withdrawn: Callable[[Connection, str], None] | None = None
        self._intake_cv = threading.Condition()
        self._intake_queue: deque[_Intake] = deque()
        #: Intake transactions in flight, and how many may be at once (``intake_transactions``,
        #: PostgreSQL only): with two, one group stores its rows while the other holds the
        #: write lock (see _commit and .intake_flight).
        self._writers = 0
        self.intake_flight = IntakeFlight(store, intake_transactions)
        #: The thread whose group is storing its rows before the write lock (one at a time).
        self._staging: int | None = None
        #: SubmitBatch calls of this process (see :meth:`intake_summary`).
        self.intake_stats = IntakeStats()

    def intake_summary(self) -> str:
        """One line for the log: this process's intake calls, and how long its intake
        transactions waited for and held the PostgreSQL write lock (the part of intake
        that is serial across processes), in counts and seconds only."""
        calls = self.intake_stats
        tx = self.store.write_stats.get("intake")
        line = f"intake counters: {calls.requests} calls, {calls.submissions} submissions, {calls.seconds:.3f} s in calls"
        if tx is not None:
            line += (
                f"; {tx.transactions} transactions ({tx.committed} committed), {tx.seconds:.3f} s in them "
                f"({tx.cpu_seconds:.3f} s CPU), write lock waited {tx.lock_wait_seconds:.3f} s, "
                f"held {tx.lock_held_seconds:.3f} s ({tx.lock_held_cpu_seconds:.3f} s CPU)"
            )
        return line

    # ------------------------------------------------------------------ intake

    @_timed
    def submit_batch(self, caller: Caller, batch: Sequence[SignedPart], signature: bytes) -> list[Ack]:
        """Check the batch signature and every submission, then store the whole batch (or
        nothing) and match it."""
        if caller.role != "member":
            raise AccessDenied("only member nodes submit records")
        if not batch:
            raise ValidationError("submissions", "is empty")
        if len(batch) > self.max_batch:
            raise ValidationError("submissions", f"too many in one batch (at most {self.max_batch})")
        if caller.signing_public_key is None:
            raise AccessDenied("the caller's certificate carries no record-signing key")
        # One tuple per submission: intake reads each one's two fields many times over, and
        # each read of a protobuf field builds a new object.
        batch = list(map(_as_submission, map(_SUBMISSION_PARTS, batch)))
        check_submission_ids(batch)  # before they reach a query (the signature is checked next)
        with self.store.read() as conn:
            known = self.store.known_submissions(conn, [s.submission_id for s in batch])
        owners = {sid: owner for sid, (owner, _r) in known.items()}
        to_check = BatchToCheck(caller.name, caller.signing_public_key, self.epoch, batch, signature, owners)
        try:
            if self.workers is not None:
                checked = self.workers.check(to_check)
            else:
                checked = check_batch(to_check, self.verifier)
        except RedactionRefused as exc:
            log.info("redaction verification refused a narrative: %d finding(s)", len(exc.findings))
            raise
        if not self.store.is_sqlite:
            encode_checked(checked)  # here rather than in the writer (see .intake_copy)
        return self._commit(_Intake(caller, batch, [(i, batch[i], c) for i, c in checked], known))

    # Group commit: batches checked concurrently (several members sending at once) are
    # stored in one transaction. A transaction's cost grows far slower than its size (the
    # token index is touched in one sweep, one commit), so under load the writer keeps up;
    # alone, a batch is written by itself as soon as the writer is free. Each batch keeps
    # its own checks, acknowledgements, errors and audit entry.
    #
    # With ``intake_transactions=2`` (PostgreSQL) two groups are in flight: the next group
    # is taken as soon as the one before has stored its rows and waits for (or holds) the
    # write lock, so storing a group's rows, a third of a transaction's time, overlaps the
    # serial part of the previous one instead of adding to it, as across two processes.
    # Taking the next group only then (one storing at a time) keeps groups as large as
    # the pause lets them grow. The cost: the storing competes with the lock's holder for
    # the GIL and the cores, so the lock is held longer per record, which bounds how far
    # several processes scale (docs/coordinator.md, "Measurements").

    def _commit(self, job: _Intake) -> list[Ack]:
        with self._intake_cv:
            self._intake_queue.append(job)
        while True:
            allowed = self.intake_flight.allowed()  # outside the lock: "auto" may count processes
            with self._intake_cv:
                while not job.finished and (job.taken or self._writers >= allowed or self._staging is not None):
                    self._intake_cv.wait()
                if job.finished:
                    return job.outcome()
                self._writers += 1
                group: list[_Intake] = []
                self._staging = threading.get_ident()
                size = 0
                while self._intake_queue and (not group or size + len(self._intake_queue[0].fresh) <= _GROUP_RECORDS):
                    group.append(self._intake_queue.popleft())
                    group[-1].taken = True
                    size += len(group[-1].fresh)
            try:
                self._write_group(group)
            finally:
                with self._intake_cv:
                    self._writers -= 1
                    if self._staging == threading.get_ident():
                        self._staging = None
                    self._intake_cv.notify_all()

    def _staged(self) -> None:
        """This thread's group has stored its rows: the next group may store its own."""
        with self._intake_cv:
            if self._staging == threading.get_ident():
                self._staging = None
                self._intake_cv.notify_all()

    def _write_group(self, group: list[_Intake]) -> None:
        # First on what the batches' own lookups found (no re-read); if a submission or
        # record id turns out to be stored after all (a concurrent resend, a record shared
        # again without withdrawing), the database refuses the insert (after waiting for
        # the transaction that stored it, if still open) and the group is written again
        # after reading which ids are stored. The rows go in before the write lock
        # (``serial=False``), so another process may store the same id meanwhile. Each such
        # conflict is one of the group's ids committed elsewhere, known from the re-read on,
        # so there is a try per id: a member lining up commits of its own ids at other
        # processes cannot exhaust the tries and fail the other members' batches of the
        # group. Other failures worth a retry (a deadlock) get a few tries.
        conflicts = sum(len(job.batch) + len(job.fresh) for job in group)
        attempt = 0
        while True:
            reread = attempt > 0
            attempt += 1
            try:
                with self.store.write(serial=False, label="intake") as conn:
                    acks, refused = self._store_group(conn, group, reread)
            except _OverBudget as over:
                # Rolled back whole: that batch is refused, the others are written again.
                over.job.error = over.refusal
                group = [job for job in group if job is not over.job]
                if not group:
                    return
                attempt -= 1
                continue
            except BaseException as exc:
                if self.store.is_conflict(exc) and conflicts > 0:
                    conflicts -= 1
                    continue
                if attempt < _WRITE_ATTEMPTS and self.store.is_retryable(exc):
                    continue
                for job in group:  # nothing of the group was stored; each caller hears why
                    job.error = exc
                return
            for job in group:
                if job in refused:
                    job.error = refused[job]
                else:
                    job.acks = acks[job]
            return

    def _store_group(
        self, conn: Connection, group: list[_Intake], reread: bool
    ) -> tuple[dict[_Intake, list[Ack]], dict[_Intake, MsinError]]:
        known: dict[str, tuple[str, str]] = {}
        taken: set[str] = set()
        if reread:
            known = self.store.known_submissions(conn, [s.submission_id for job in group for s in job.batch])
            taken = self.store.existing_record_ids(conn, [r.record_id for job in group for _i, _s, r in job.fresh])
        else:
            for job in group:
                known.update(job.known)
        refused: dict[_Intake, MsinError] = {}
        accepted: list[tuple[_Intake, list[tuple[int, SignedPart, Checked]]]] = []
        for job in group:
            try:
                fresh = self._admit(job, known, taken)
            except MsinError as exc:
                refused[job] = exc
                continue
            for _i, sub, r in fresh:
                known[sub.submission_id] = (job.caller.name, r.record_id)
                taken.add(r.record_id)
            accepted.append((job, fresh))
        records = [r for _job, fresh in accepted for _i, _s, r in fresh]
        # The tokens of every record taken, as one batch of columns (no object per token).
        by_record = TokenColumns.gather(r.tokens for r in records)
        # Before the write lock: rows no other writer reads until this transaction commits.
        # Unique ids in sorted order, so that two transactions storing some of the same ids
        # wait for each other in one order (the second fails once the first commits, and
        # retries) instead of deadlocking.
        by_id = sorted(range(len(records)), key=[r.record_id for r in records].__getitem__)
        encoded = by_record.copy
        self.store.insert_record_rows(
            conn,
            [records[i].values for i in by_id],
            None if encoded is None else list(map(encoded.records.__getitem__, by_id)),
        )
        self.store.insert_submissions(
            conn,
            sorted(
                (s.submission_id, job.caller.name, r.record_id) for job, fresh in accepted for _i, s, r in fresh
            ),
        )
        self.engine.stage_rows(conn, by_record)
        batches = [{r.record_id for _i, _s, r in fresh} for _job, fresh in accepted]
        try:
            # A batch that would keep the write lock too long is refused before it.
            self.engine.check_budget(conn, by_record, batches)
            self._staged()
            # The serial part: the match step takes the write lock (events and audit need it).
            changes = self.engine.match_rows(conn, by_record, batches)
        except MatchBudgetExceeded as exc:
            raise _OverBudget(accepted[exc.batch][0], exc) from None
        # Building the events and audit entries is Python between statements under the lock
        # as well: keep the session busy through it (a large batch outlasts the idle limit).
        with kept_busy(conn):
            self._match_events(conn, changes)
            changed = {c.view.record_id for c in changes}
            acks: dict[_Intake, list[Ack]] = {}
            for job, fresh in accepted:
                own = {s.submission_id: r.record_id for _i, s, r in fresh}
                detail: dict[str, int | str | bool] = {
                    "records": len(fresh),
                    "duplicates": len(job.batch) - len(fresh),
                    "match_events": len(changes),
                }
                if len(accepted) > 1:
                    # Changes to older records cannot be told apart by batch: each entry counts
                    # its own records' and names the transaction's total.
                    detail["match_events"] = sum(1 for r in own.values() if r in changed)
                    detail["match_events_in_transaction"] = len(changes)
                    detail["batches_in_transaction"] = len(accepted)
                self.audit.append(conn, job.caller.role, job.caller.name, "intake", detail)
                acks[job] = [
                    Ack(s.submission_id, own.get(s.submission_id) or known[s.submission_id][1], s.submission_id not in own)
                    for s in job.batch
                ]
        if changes:
            self.store.after_commit(conn, self._notify)
        log.info(
            "intake: %d stored, %d duplicate, %d match changes, %d batch(es)",
            len(records),
            sum(len(job.batch) for job, _f in accepted) - len(records),
            len(changes),
            len(accepted),
        )
        return acks, refused

    @staticmethod
    def _admit(
        job: _Intake, known: dict[str, tuple[str, str]], taken: set[str]
    ) -> list[tuple[int, SignedPart, Checked]]:
        """The job's submissions still to store; AccessDenied or Refused if it may not be."""
        for i, sub in enumerate(job.batch):
            owner = known.get(sub.submission_id)
            if owner is not None and owner[0] != job.caller.name:
                raise AccessDenied(f"submissions[{i}].submission_id belongs to another member")
        fresh = [f for f in job.fresh if f[1].submission_id not in known]
        for i, _s, r in fresh:
            if r.record_id in taken:
                raise Refused(f"submissions[{i}].record.record_id is already shared (withdraw it first)")
        return fresh

    def _verify_text(self, where: str, text: str) -> None:
        if self.verifier is None or not text:
            return
        try:
            self.verifier.verify(text)
        except RedactionRefused as exc:
            log.info("redaction verification refused %s: %d finding(s)", where, len(exc.findings))
            raise RedactionRefused(exc.findings) from None

    # ------------------------------------------------------------------ withdraw

    def withdraw(self, caller: Caller, record_id: str) -> bool:
        """Delete one record, its tokens and matches; True if it was there."""
        check_id("record_id", record_id)  # before it reaches a query or the audit log
        with self.store.write() as conn:
            owner = self.store.owner_of(record_id, conn)
            if owner is None:
                # Nothing held, nothing changed, nothing disclosed: acknowledged without an
                # audit entry, so that repeated no-op calls cannot grow the audit log.
                log.info("withdraw: nothing held under that id")
                return False
            if caller.role != "admin" and not (caller.role == "member" and caller.name == owner):
                raise AccessDenied("only the owning member or an admin may withdraw a record")
            # The owner hears that its own record's match is gone too, not only the
            # members it matched: otherwise its inbox shows the match as still active.
            own = self.engine.views([record_id], conn).get(record_id)
            changes = self.engine.withdraw(record_id, conn)
            if own is not None:
                changes = [*changes, MatchEngineChange(REMOVED, own)]
            withdrawn = self.store.delete_record(conn, record_id)
            if withdrawn and self.on_withdrawn is not None:
                self.on_withdrawn(conn, record_id)
            self._match_events(conn, changes)
            if changes:
                self.store.after_commit(conn, self._notify)
            self.audit.append(
                conn,
                caller.role,
                caller.name,
                "withdraw",
                {"withdrawn": withdrawn, "match_events": len(changes)},
            )
        log.info("withdraw: withdrawn=%s, %d match changes", withdrawn, len(changes))
        return withdrawn

    # ------------------------------------------------------------------ events

    def _match_event(self, view: MatchView, change: MatchChange) -> MatchEvent:
        others = sorted(view.other_members)
        removed = change == MatchChange.REMOVED
        return MatchEvent(
            record_id=view.record_id,
            cluster_id=view.cluster_id,
            other_members=0 if removed else len(others),
            matched_kinds=() if removed else tuple(sorted(view.kinds)),
            score=0.0 if removed else view.score,
            change=change,
            other_member_ids=tuple(others) if self.disclose_member_ids and not removed else (),
        )

    def _match_events(self, conn: Connection, changes: Sequence[MatchEngineChange]) -> None:
        rows = [
            (c.view.member_id, None, self._match_event(c.view, MatchChange(c.change)))
            for c in changes
        ]
        self.store.append_events(conn, rows)

    def admit(self, caller: Caller) -> None:
        """Count one call of ``caller`` against its member's call rate (Busy beyond it)."""
        if caller.role == "member":
            self.call_rates.take(caller.name)

    def _notify(self) -> None:
        with self._new_events:
            self._generation += 1
            self._new_events.notify_all()

    def notify(self) -> None:
        """Wake subscribers: events were committed outside the service (audit checkpoints)."""
        self._notify()

    def close(self) -> None:
        """Wake every subscriber so that streams end (server shutdown)."""
        self._closing = True
        self._notify()

    def events(
        self, caller: Caller, after: int, is_active: Callable[[], bool], poll: float = 1.0
    ) -> Iterator[Event]:
        """The caller's events after ``after``, then new ones as they come, until inactive."""
        if caller.role not in ("member", "analyst", "advisory"):
            raise AccessDenied("only members, analysts and the Advisory Group subscribe")
        if not 0 <= after < 2**63:
            # Cursors are 64-bit signed integers in the store (BIGINT); none is higher.
            raise ValidationError("after_cursor", "out of range (at most 2^63 - 1)")
        subscriber = caller.name if caller.role == "member" else f"({caller.role})"
        if self.on_subscribe is not None:
            self.on_subscribe(caller)
        self.streams.acquire(caller.role, caller.name)
        cursor = after
        delivered = 0
        try:
            while is_active() and not self._closing:
                generation = self._generation
                batch = self.store.events_after(subscriber, cursor)
                if not batch:
                    with self._new_events:
                        if generation == self._generation and not self._closing:
                            self._new_events.wait(poll)
                    continue
                for stored in batch:
                    event = stored.event
                    cursor = event.cursor
                    if isinstance(event.body, AlertEvent) and (caller.role != "member" or stored.owner != caller.name):
                        event = replace(event, body=replace(event.body, own_record_id=""))
                    delivered += 1
                    yield event
        finally:
            self.streams.release(caller.role, caller.name)
            if delivered:
                with self.store.write() as conn:
                    self.audit.append(
                        conn, caller.role, caller.name, "disclose_events", {"events": delivered}
                    )

    # ------------------------------------------------------------------ alerts

    def raise_alert(self, caller: Caller, record_id: str, summary: str) -> str:
        """Raise an alert to every member about an actionable, time-sensitive record."""
        if caller.role not in ("member", "analyst"):
            raise AccessDenied("only members and analysts raise alerts")
        if not summary.strip():
            raise ValidationError("summary", "is empty")
        if len(summary) > 2000:
            raise ValidationError("summary", "is too long (at most 2000 characters)")
        if "\x00" in summary:
            raise ValidationError("summary", "must not contain NUL characters")
        if record_id:
            check_id("record_id", record_id)
        record = self.store.get_record(record_id) if record_id else None
        if record is None:
            raise NotFound("no such record")
        if caller.role == "member" and record.member_id != caller.name:
            raise AccessDenied("a member may raise alerts on its own records only")
        if not (record.grade.actionable and record.time_sensitive):
            raise Refused("the record is not graded actionable and time-sensitive")
        self._verify_text("summary", summary)
        alert_id = uuid.uuid4().hex
        body = AlertEvent(
            alert_id=alert_id,
            summary=summary,
            region=record.region.value,
            sector=record.sector.value,
            exploitation_type=record.exploitation_type.value,
            grade=record.grade,
            tlp=record.tlp,
            raised_by_role=caller.role,
            own_record_id=record.record_id,
        )
        with self.store.write() as conn:
            self.store.insert_alert(
                conn, AlertRow(alert_id, record_id, summary, caller.role, _dt.datetime.now(_dt.UTC))
            )
            self.store.append_events(conn, [("*", record.member_id, body)])
            self.audit.append(conn, caller.role, caller.name, "alert", {"tlp": record.tlp.value})
            self.store.after_commit(conn, self._notify)
        log.info("alert raised by %s", caller.role)
        if self.on_alert is not None:
            public = replace(body, own_record_id="")
            try:
                self.on_alert(public)
            except Exception as exc:  # e-mail is best effort; the alert stands
                log.warning("alert e-mail failed: %s", type(exc).__name__)
        return alert_id

    # ------------------------------------------------------------------ queries

    def list_matches(self, caller: Caller, record_id: str = "") -> list[MatchEvent]:
        """Matches on the caller's own records, as disclosure policy allows."""
        if caller.role != "member":
            raise AccessDenied("only members list their matches")
        if record_id:
            check_id("record_id", record_id)
            owner = self.store.owner_of(record_id)
            if owner is None:
                raise NotFound("no such record")
            if owner != caller.name:
                raise AccessDenied("a member may read matches on its own records only")
            ids = [record_id]
        else:
            ids = self._own_matched(caller.name)
        views = self.engine.views(ids)
        out = [self._match_event(views[r], MatchChange.UNSPECIFIED) for r in sorted(views)]
        with self.store.write() as conn:
            self.audit.append(conn, caller.role, caller.name, "disclose_matches", {"matches": len(out)})
        return out

    def _own_matched(self, member_id: str) -> list[str]:
        return self.store.matched_record_ids(member_id)

    def list_clusters(
        self, caller: Caller, limit: int = 100, filters: ClusterFilter | None = None
    ) -> tuple[list[ClusterInfo], dict[str, SharedRecord]]:
        """Whole clusters with their records, largest first (analysts only).

        ``filters`` keep the clusters every set condition holds for; ``limit`` applies after.
        """
        if caller.role != "analyst":
            raise AccessDenied("only analysts list clusters")
        if not 0 <= limit <= 10_000:
            raise ValidationError("limit", "out of range (0 for the default of 100, at most 10000)")
        limit = limit or 100
        if filters is None or filters.is_empty():
            clusters = self.store.clusters(limit)
            records = self.store.records_by_id([r for c in clusters for r in c.record_ids])
        else:
            filters.check()
            clusters, records = [], {}
            for cluster in self.store.clusters():
                if not filters.admits_cluster(cluster):
                    continue
                recs = self.store.records_by_id(cluster.record_ids)
                if not filters.admits_records(recs.values()):
                    continue
                clusters.append(cluster)
                records.update(recs)
                if len(clusters) >= limit:
                    break
        with self.store.write() as conn:
            self.audit.append(
                conn,
                caller.role,
                caller.name,
                "disclose_clusters",
                {"clusters": len(clusters), "records": len(records)},
            )
        return clusters, records

    def get_cluster(self, caller: Caller, cluster_id: str) -> ClusterDetail:
        """One cluster with its records, their alerts and the actions about them (analysts only)."""
        if caller.role != "analyst":
            raise AccessDenied("only analysts read clusters")
        if not cluster_id:
            raise ValidationError("cluster_id", "is empty")
        cluster = self.store.cluster(cluster_id)
        if cluster is None:
            raise NotFound("no such cluster")
        records = self.store.records_by_id(cluster.record_ids)
        received = self.store.received_at(cluster.record_ids)
        alerts = self.store.alerts(record_ids=cluster.record_ids)
        actions = self.store.actions(record_ids=cluster.record_ids, alert_ids=[a.alert_id for a in alerts])
        with self.store.write() as conn:
            self.audit.append(
                conn, caller.role, caller.name, "disclose_cluster", {"records": len(records), "alerts": len(alerts)}
            )
        return ClusterDetail(cluster, records, received, alerts, actions)

    def list_alerts(
        self, caller: Caller, limit: int = 100, record_id: str = ""
    ) -> list[tuple[AlertRow, SharedRecord | None]]:
        """Alerts newest first, each with its record while it is still shared (analysts only)."""
        if caller.role != "analyst":
            raise AccessDenied("only analysts list alerts (members receive them as events)")
        rows = self.store.alerts(record_ids=[record_id] if record_id else None)
        rows = list(reversed(rows))[: limit or 100]
        records = self.store.records_by_id(sorted({r.record_id for r in rows}))
        with self.store.write() as conn:
            self.audit.append(conn, caller.role, caller.name, "disclose_alerts", {"alerts": len(rows)})
        return [(r, records.get(r.record_id)) for r in rows]

    def list_actions(
        self, caller: Caller, limit: int = 100, record_id: str = "", alert_id: str = ""
    ) -> list[ActionRow]:
        """Recorded actions newest first: all for analysts, the caller's own for members."""
        if caller.role not in ("member", "analyst"):
            raise AccessDenied("only members and analysts list actions")
        rows = self.store.actions(
            member_id=caller.name if caller.role == "member" else None,
            record_ids=[record_id] if record_id else None,
            alert_ids=[alert_id] if alert_id else None,
        )
        return list(reversed(rows))[: limit or 100]

    def audit_view(self, caller: Caller, after_seq: int = 0, limit: int = 100) -> tuple[list[Any], AuditReport, int]:
        """Audit entries after ``after_seq`` (oldest first), the whole chain's verification
        and the head's sequence number (analysts only)."""
        if caller.role != "analyst":
            raise AccessDenied("only analysts read the audit log")
        if limit > 1000:
            raise ValidationError("limit", "is too large (at most 1000 entries a call)")
        report = self.audit.verify()
        entries = self.store.audit_entries(after_seq, limit or 100)
        return entries, report, self.store.audit_head_seq()

    def insights(self, caller: Caller, month: str, window_months: int = 0) -> Insights:
        """The insights report's suppressed aggregates for ``month`` (analysts only).

        Exactly what ``msin coordinator report`` publishes under the configured small-cell
        rule; ``window_months`` 0 keeps the configured window.
        """
        if caller.role != "analyst":
            raise AccessDenied("only analysts read insights")
        if not 0 <= window_months <= 120:
            raise ValidationError("window_months", "out of range (0 for the configured window, 1 to 120)")
        month_window(month, 1)  # ValidationError naming "month" when it is not YYYY-MM
        config = self.insight_config
        if window_months:
            config = replace(config, window_months=window_months)
        ins = compute_insights(StoreSource(self.store), month, config)
        with self.store.write() as conn:
            self.audit.append(
                conn, caller.role, caller.name, "disclose_insights",
                {"months": len(ins.window), "suppressed": sum(t.suppressed for t in ins.tables.values())},
            )
        return ins

    # ------------------------------------------------------------------ actions

    def record_action(self, caller: Caller, record_id: str, alert_id: str, outcome: str, date: str) -> str:
        """Store what a member did about a match on its record or about an alert, or what
        STTG (an analyst) did about any shared record or alert."""
        if caller.role not in ("member", "analyst"):
            raise AccessDenied("only members and analysts record actions")
        if bool(record_id) == bool(alert_id):
            raise ValidationError("record_id", "set exactly one of record_id and alert_id")
        if record_id:
            check_id("record_id", record_id)
        else:
            check_id("alert_id", alert_id)
        if outcome not in OUTCOMES:
            raise ValidationError("outcome", "missing or unknown outcome")
        try:
            if not _DATE.fullmatch(date):
                raise ValueError
            _dt.date.fromisoformat(date)
        except ValueError:
            raise ValidationError("date", "wrong format (expected YYYY-MM-DD)") from None
        if record_id:
            owner = self.store.owner_of(record_id)
            if owner is None:
                raise NotFound("no such record")
            if caller.role == "member" and owner != caller.name:
                raise AccessDenied("a member records actions on its own records only")
        elif not self.store.alert_exists(alert_id):
            raise NotFound("no such alert")
        action_id = uuid.uuid4().hex
        with self.store.write() as conn:
            self.store.insert_action(
                conn,
                ActionRow(
                    action_id,
                    caller.name,
                    record_id or None,
                    alert_id or None,
                    outcome,
                    date,
                    _dt.datetime.now(_dt.UTC),
                ),
            )
            self.audit.append(conn, caller.role, caller.name, "action", {"outcome": outcome})
        return action_id
