"""Outbox delivery and inbox subscription against the coordinator.

Delivery takes due outbox items oldest first, sends runs of submissions as one
``SubmitBatch`` signed as a whole with the member's signing key (the key bound to its
certificate) and withdrawals one by one, and removes an item only after the
coordinator acknowledged it. A failed call schedules the item again with exponential
backoff and jitter. Because submissions carry an idempotent submission id, the one
unavoidable race (the coordinator stored a batch, the node died before removing it)
ends in a re-send that the coordinator acknowledges as a duplicate.

The inbox stores each event with its cursor in one transaction, and resumes from the
stored cursor, so a dropped stream or a restart loses nothing and stores nothing twice.
Audit checkpoints are also judged (:meth:`SecureStore.add_checkpoint`): verified under the
pinned key and against those held, and kept, or kept as refused with the reason.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import grpc
from nacl.signing import SigningKey

from msin_fed.checkpoint import Checkpoint, CheckpointKey
from msin_fed.errors import ValidationError, peer_unreachable
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import sign_batch

from .store import OutboxItem, SecureStore

__all__ = ["Backoff", "DeliveryReport", "deliver_due", "describe_failure", "pull_events", "store_event"]

log = logging.getLogger(__name__)

#: Status codes that mean "this will never be accepted": the item is dropped as refused.
PERMANENT = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.PERMISSION_DENIED,
    }
)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: ``base * 2**attempts`` seconds, capped, with +-20% jitter."""

    base: float = 1.0
    cap: float = 300.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait before the next attempt after ``attempts`` failures."""
        raw = min(self.cap, self.base * (2 ** min(attempts, 30)))
        return float(raw * random.uniform(0.8, 1.2))


@dataclass
class DeliveryReport:
    """What one delivery pass did (counts only)."""

    acknowledged: int = 0
    duplicates: int = 0
    refused: int = 0
    failed: int = 0
    remaining: int = 0
    #: Why items were deferred in this pass (as kept in their ``last_error``); empty if none.
    error: str = ""


def describe_failure(
    code: grpc.StatusCode | None, details: str, address: str | None, *, since: str | None = None
) -> str:
    """The reason a call to the coordinator failed, in words (kept as an outbox item's last error).

    A coordinator that could not be reached reads "coordinator unreachable at HOST:PORT
    since HH:MM" (``since``: the time of the first failure, default now); any other
    failure is the status name and the coordinator's text (which holds no data).
    """
    name = code.name if code is not None else "UNKNOWN"
    where = address or "the configured address"
    if peer_unreachable(name, details):
        return f"coordinator unreachable at {where} since {since or time.strftime('%H:%M')}"
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return f"coordinator at {where} did not answer in time since {since or time.strftime('%H:%M')}"
    return f"{name}: {details}" if details else name


def _since(previous: str, reason: str) -> str | None:
    """The HH:MM of a failure already recorded with the same cause, to keep the first time."""
    head, _, _ = reason.rpartition(" since ")
    if head and previous.startswith(head + " since "):
        return previous[len(head) + 7 :][:5]
    return None


def _status(exc: grpc.RpcError) -> tuple[grpc.StatusCode | None, str]:
    code = exc.code() if hasattr(exc, "code") else None
    details = exc.details() if hasattr(exc, "details") else ""
    return code, str(details or "")


def _runs(items: Sequence[OutboxItem], max_batch: int) -> list[list[OutboxItem]]:
    """Consecutive submissions grouped (up to ``max_batch``); each withdrawal alone."""
    runs: list[list[OutboxItem]] = []
    for item in items:
        if item.op == "submit" and runs and runs[-1][0].op == "submit" and len(runs[-1]) < max_batch:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def deliver_due(
    store: SecureStore,
    stub: pb_grpc.CoordinatorStub,
    *,
    signing_key: SigningKey,
    backoff: Backoff = Backoff(),
    timeout: float = 30.0,
    max_batch: int = 50,
    now: float | None = None,
    on_acknowledged: Callable[[Sequence[OutboxItem]], None] | None = None,
    address: str | None = None,
) -> DeliveryReport:
    """Send every due outbox item once; stop at the first transient failure.

    ``address`` (the coordinator's host:port) is named in the reason kept for a failure.
    """
    report = DeliveryReport()
    items = store.due(time.time() if now is None else now)
    for position, run in enumerate(_runs(items, max_batch)):
        try:
            _send(store, stub, signing_key, run, timeout, report, backoff, on_acknowledged)
        except grpc.RpcError as exc:
            code, details = _status(exc)
            if code in PERMANENT and len(run) > 1:
                # The batch is all-or-nothing: find the one refused by sending singly.
                _send_singly(store, stub, signing_key, run, timeout, report, backoff, on_acknowledged, address)
                continue
            if code in PERMANENT:
                _refuse(store, run[0], code, details, report)
                continue
            if _over_budget(code, details):
                # The batch's own records are too costly to match at once (the coordinator's
                # per-batch budget): retrying it whole would stop every later record of this
                # member, so send its records singly; one over the budget alone waits
                # (another member's records it shares tokens with may be withdrawn), the
                # others go through.
                if len(run) == 1:
                    _defer(store, run, backoff, code, report, details, address)
                else:
                    _send_singly(store, stub, signing_key, run, timeout, report, backoff, on_acknowledged, address)
                continue
            rest = [i for r in _runs(items, max_batch)[position:] for i in r]
            _defer(store, rest, backoff, code, report, details, address)
            break
    report.remaining = store.pending_count()
    return report


def _over_budget(code: grpc.StatusCode | None, details: str) -> bool:
    """A refusal of the batch's records themselves for the match step's per-batch budget
    (RESOURCE_EXHAUSTED naming ``submissions``), not a limit on the caller (which names
    its setting and is waited out)."""
    return code == grpc.StatusCode.RESOURCE_EXHAUSTED and details.startswith("submissions:")


def _send_singly(
    store: SecureStore,
    stub: pb_grpc.CoordinatorStub,
    signing_key: SigningKey,
    run: list[OutboxItem],
    timeout: float,
    report: DeliveryReport,
    backoff: Backoff,
    on_acknowledged: Callable[[Sequence[OutboxItem]], None] | None,
    address: str | None,
) -> None:
    """Each of ``run`` on its own; one the coordinator cannot take now is deferred alone."""
    for item in run:
        try:
            _send(store, stub, signing_key, [item], timeout, report, backoff, on_acknowledged)
        except grpc.RpcError as exc:
            code, details = _status(exc)
            if code in PERMANENT:
                _refuse(store, item, code, details, report)
            else:
                _defer(store, [item], backoff, code, report, details, address)


def _send(
    store: SecureStore,
    stub: pb_grpc.CoordinatorStub,
    signing_key: SigningKey,
    run: list[OutboxItem],
    timeout: float,
    report: DeliveryReport,
    backoff: Backoff,
    on_acknowledged: Callable[[Sequence[OutboxItem]], None] | None,
) -> None:
    if run[0].op == "submit":
        submissions = [pb.Submission.FromString(i.data) for i in run]
        request = pb.SubmitBatchRequest(
            submissions=submissions,
            signature=sign_batch(submissions, signing_key),
        )
        response = stub.SubmitBatch(request, timeout=timeout)
        acked = {a.submission_id: a for a in response.acks}
        done = [i for i in run if i.op_id in acked]
        report.duplicates += sum(1 for a in response.acks if a.duplicate)
        missing = [i for i in run if i.op_id not in acked]
        if missing:  # never drop what was not acknowledged; try again later
            _defer(store, missing, backoff, grpc.StatusCode.DATA_LOSS, report,
                   "the coordinator did not acknowledge every submission", None)
    else:
        try:
            stub.Withdraw(pb.WithdrawRequest(record_id=run[0].record_id), timeout=timeout)
        except grpc.RpcError as exc:
            if _status(exc)[0] != grpc.StatusCode.NOT_FOUND:
                raise
        done = run
    if on_acknowledged is not None:
        on_acknowledged(done)
    store.acknowledge(done)
    report.acknowledged += len(done)
    log.info("outbox: %d acknowledged", len(done))


def _refuse(
    store: SecureStore,
    item: OutboxItem,
    code: grpc.StatusCode | None,
    details: str,
    report: DeliveryReport,
) -> None:
    name = code.name if code is not None else "UNKNOWN"
    store.refuse(item, f"{name}: {details}")
    report.refused += 1
    log.warning("outbox: coordinator refused a %s (%s)", item.op, name)


def _defer(
    store: SecureStore,
    items: Sequence[OutboxItem],
    backoff: Backoff,
    code: grpc.StatusCode | None,
    report: DeliveryReport,
    details: str = "",
    address: str | None = None,
) -> None:
    name = code.name if code is not None else "UNKNOWN"
    now = time.time()
    reason = describe_failure(code, details, address)
    for item in items:
        kept = describe_failure(code, details, address, since=_since(item.last_error, reason))
        store.defer([item], now + backoff.delay(item.attempts), kept)
        reason = kept
    report.failed += len(items)
    report.error = reason
    log.info("outbox: %d deferred after %s", len(items), name)


def pull_events(
    store: SecureStore,
    stub: pb_grpc.CoordinatorStub,
    *,
    timeout: float | None = 2.0,
    stop: threading.Event | None = None,
    checkpoint_key: CheckpointKey | None = None,
) -> int:
    """Store events after the stored cursor; return how many were new.

    With ``timeout`` the stream is read until that deadline (a sync); with None it is
    read until ``stop`` is set or the stream ends.
    """
    stream = stub.Subscribe(pb.SubscribeRequest(after_cursor=store.cursor()), timeout=timeout)
    stored = 0
    try:
        for event in stream:
            if stop is not None and stop.is_set():
                break
            store_event(store, event, checkpoint_key)
            stored += 1
    except grpc.RpcError as exc:
        if _status(exc)[0] != grpc.StatusCode.DEADLINE_EXCEEDED:
            raise
    finally:
        stream.cancel()
    return stored


def store_event(store: SecureStore, event: pb.Event, checkpoint_key: CheckpointKey | None = None) -> None:
    """Keep one event from the stream in the inbox; a checkpoint is judged and kept too."""
    kind = event.WhichOneof("body") or "unknown"
    if kind != "checkpoint":
        store.add_events([(int(event.cursor), kind, event.SerializeToString())])
        return
    checkpoint: Checkpoint | None = None
    why = ""
    try:
        checkpoint = Checkpoint.from_pb(event.checkpoint)
    except ValidationError as exc:
        why = f"{exc.field}: {exc.problem}"
    refused = store.add_checkpoint(int(event.cursor), event.SerializeToString(), checkpoint, checkpoint_key, why)
    if refused is not None:
        # Evidence against the coordinator (or someone posing as it): loud, but no data.
        log.warning("inbox: an audit checkpoint was refused and kept as evidence: %s", refused)
