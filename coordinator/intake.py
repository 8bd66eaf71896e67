"""Checking submitted records, in the coordinator's process or in worker processes.

A submitted batch's signature and submission ids are checked (:func:`check_batch`), then
each record not already stored is parsed and validated
(:func:`msin_fed.wire.record_parts_from_bytes`: the checks of ``record_from_bytes``,
with the tokens checked in bulk as tuples), its member id and tokens checked against the
caller and the accepted epoch, and its narrative re-verified by the redaction verifier
(:func:`check_records`). What survives is a :class:`Checked`:
the ``records`` row and the token rows, plain tuples and bytes that cross a process
boundary cheaply and go to the database as they are.

Why worker processes: the store's writes and matching run in one writer (SQLite has one),
and CPython runs one thread of Python at a time. With verification on, the residue scan
is most of intake's Python work, so :class:`IntakeWorkers` runs it in other processes,
on the narratives only (the other checks cost less than pickling their rows back); the
writer stores one batch while workers verify the next ones. Without verification no
workers run by default and the server's threads check. The server looks up which submission ids
are stored already (one indexed read) and checks or hands over the rest of the batch.
With ``intake_workers = 0`` everything runs in the server's process (tests, one-core hosts).
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import multiprocessing
import operator
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, NamedTuple

from msin_fed.errors import MsinError, ValidationError
from msin_fed.linkage.scoring import token_kinds
from msin_fed.wire import SignedPart, record_parts_from_bytes, verify_batch

from .intake_bulk import NarrativeVerifier, check_in_bulk
from .store import RECORD_COLUMNS, SharedStore
from .token_columns import TokenRef, one_record

__all__ = [
    "AccessDenied",
    "BatchToCheck",
    "Checked",
    "IntakeWorkers",
    "NarrativeVerifier",
    "Submission",
    "check_batch",
    "check_records",
    "check_submission_ids",
]

_KINDS = token_kinds()


class AccessDenied(MsinError):
    """The caller's role or member id does not allow this (PERMISSION_DENIED)."""


class Checked(NamedTuple):
    """A record that passed every intake check."""

    record_id: str
    member_id: str
    #: The ``records`` row without ``received_at`` (:data:`.store.RECORD_COLUMNS` order).
    values: tuple[Any, ...]
    #: Its tokens ready to store, in its batch's columns (built here rather than in the
    #: writer; the writer stores the columns of every record it takes at once).
    tokens: TokenRef


class Submission(NamedTuple):
    """One submission as received (the batch signature covers it). A ``pb.Submission``
    serves as well: intake reads only these two attributes."""

    submission_id: str
    record: bytes


_SUBMISSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}")


class BatchToCheck(NamedTuple):
    """A member's batch as received, and which of its submission ids are stored already
    (``owners``: id -> the member that sent it)."""

    member_id: str
    signing_key: bytes
    epoch: int
    submissions: Sequence[SignedPart]
    signature: bytes
    owners: Mapping[str, str]


def check_batch(batch: BatchToCheck, verifier: NarrativeVerifier | None) -> list[tuple[int, Checked]]:
    """Check a member's batch: its signature, submission ids and every submission not
    already stored; ``(position, Checked)`` of those, in order.

    Stored submission ids of the caller are resends (acknowledged, not checked again),
    another member's are refused. Raises the first problem found, naming the field.
    """
    member_id, signing_key, epoch, submissions, signature, owners = batch
    verify_batch(submissions, signature, signing_key)
    check_submission_ids(submissions)
    unseen: list[tuple[int, bytes]] = []
    for i, sub in enumerate(submissions):
        owner = owners.get(sub.submission_id)
        if owner is None:
            unseen.append((i, sub.record))
        elif owner != member_id:
            raise AccessDenied(f"submissions[{i}].submission_id belongs to another member")
    checked = check_records(member_id, epoch, unseen, verifier)
    record_ids = [c.record_id for c in checked]
    if len(set(record_ids)) != len(record_ids):
        raise ValidationError("submissions", "the same record_id appears twice")
    return [(i, c) for (i, _r), c in zip(unseen, checked, strict=True)]


def check_submission_ids(submissions: Sequence[SignedPart]) -> None:
    """Each submission id well formed, and none twice (ValidationError naming the first)."""
    ids = [s.submission_id for s in submissions]
    for i, sid in enumerate(ids):
        if not isinstance(sid, str) or not _SUBMISSION_ID.fullmatch(sid):
            raise ValidationError(f"submissions[{i}].submission_id", "missing or wrong format")
    if len(set(ids)) != len(ids):
        raise ValidationError("submissions", "the same submission_id appears twice")


def check_records(
    member_id: str, epoch: int, items: Sequence[tuple[int, bytes]], verifier: NarrativeVerifier | None
) -> list[Checked]:
    """Check ``(position in the batch, serialized record)`` items of one caller, in order.

    Raises the first problem found, naming the field as ``submissions[i].record...``.

    The batch is checked in bulk (:func:`_check_in_bulk`: its tokens as columns, in one
    pass); when anything in it is refused, it is checked again record by record
    (:func:`check_records_one_by_one`), which raises exactly the first problem in order.
    """
    try:
        checked = _check_in_bulk(member_id, epoch, items, verifier)
    except MsinError:
        checked = None
    if checked is None:
        return check_records_one_by_one(member_id, epoch, items, verifier)
    return checked


def check_records_one_by_one(
    member_id: str, epoch: int, items: Sequence[tuple[int, bytes]], verifier: NarrativeVerifier | None
) -> list[Checked]:
    """:func:`check_records` a record at a time (the reference the bulk path must agree
    with, and the path that names the first problem of a refused batch)."""
    out: list[Checked] = []
    for i, data in items:
        try:
            record, pairs, tokens_epoch = record_parts_from_bytes(data)
        except ValidationError as exc:
            inner = exc.field if exc.field.startswith("record") else f"record.{exc.field}"
            raise ValidationError(f"submissions[{i}].{inner}", exc.problem) from None
        if record.member_id != member_id:
            raise AccessDenied(f"submissions[{i}].record.member_id is not the caller's member id")
        # A record's tokens share one epoch (checked with them), so it is checked once.
        if tokens_epoch is not None and tokens_epoch != epoch:
            raise ValidationError(
                f"submissions[{i}].record.tokens", f"key epoch {tokens_epoch} is not the accepted epoch {epoch}"
            )
        if not _KINDS.issuperset([k for k, _v in pairs]):
            raise ValidationError(f"submissions[{i}].record.tokens", "unknown token kind")
        if verifier is not None and record.narrative:
            verifier.verify(record.narrative)  # RedactionRefused: types and positions only
        out.append(
            Checked(
                record.record_id,
                record.member_id,
                SharedStore.record_values(record, tokens_epoch),
                _record_tokens(record.record_id, record.member_id, pairs, epoch),
            )
        )
    return out


def _check_in_bulk(
    member_id: str, epoch: int, items: Sequence[tuple[int, bytes]], verifier: NarrativeVerifier | None
) -> list[Checked] | None:
    """:func:`check_records` of a batch whose records all pass, or None (or a MsinError)
    when one does not: the caller then checks it record by record for the exact error.

    The batch is checked as columns (:func:`.intake_bulk.check_in_bulk`): each record's
    fields and the tokens of the whole batch in one pass, the tokens kept as the batch's
    :class:`TokenColumns` (each record's :attr:`Checked.tokens` points into them).
    """
    got = check_in_bulk(member_id, epoch, items, verifier)
    if got is None:
        return None
    rows, columns = got
    n = len(rows)
    refs = map(_as_ref, zip(itertools.repeat(columns, n), range(n), strict=True))
    # tuple.__new__ from C: a NamedTuple's own __new__ per record cost more than the rest.
    return list(map(_as_checked, zip(map(_FIRST, rows), itertools.repeat(member_id, n), rows, refs, strict=True)))


_as_checked = functools.partial(tuple.__new__, Checked)
_as_ref = functools.partial(tuple.__new__, TokenRef)
_FIRST = operator.itemgetter(0)


def _record_tokens(record_id: str, member_id: str, pairs: list[tuple[str, bytes]], epoch: int) -> TokenRef:
    """A record's tokens from checked ``(kind, value)`` pairs of one epoch: each pair
    once, in order, without a Token object or a type test per token."""
    return TokenRef(one_record(record_id, member_id, pairs, epoch), 0)


_NARRATIVE = RECORD_COLUMNS.index("narrative")



# ---------------------------------------------------------------- worker processes

_worker_verifier: NarrativeVerifier | None = None


def _die_with_parent(parent: int, kernel_signal: bool) -> None:
    """End this worker as soon as ``parent`` (the coordinator) is gone, however it ended.

    A SIGKILLed coordinator runs no clean-up, and its workers (each holding a verifier of
    about 200 MB) would live on as orphans, with multiprocessing's resource tracker, which
    exits once no process holds its pipe. On Linux the kernel sends SIGKILL at once when
    the parent dies (PR_SET_PDEATHSIG); everywhere, a thread checks the parent pid each
    second, which also covers a parent that died before the prctl call.

    The kernel's signal follows the *thread* that started the worker, so it is asked for
    only when that was the main thread (``kernel_signal``): a pool made in a thread that
    ends before the server would otherwise lose its workers.
    """
    if kernel_signal and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still works
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _init_worker(verify: bool, parent: int, kernel_signal: bool) -> None:
    global _worker_verifier
    _die_with_parent(parent, kernel_signal)
    if verify:
        from .server import load_verifier

        _worker_verifier = load_verifier()


def _ready() -> None:
    """A no-op task: returns once a worker is up."""


def _warm() -> None:
    """Build the verifier's vocabularies (about 0.7 s of CPU), so that a worker's first
    batch costs no more than the next."""
    warm = getattr(_worker_verifier, "warm", None)
    if warm is not None:
        warm()


def _check_in_worker(batch: BatchToCheck, pairs: list[tuple[str, bytes]]) -> list[tuple[int, Checked]]:
    submissions = [Submission(sid, record) for sid, record in pairs]
    return check_batch(batch._replace(submissions=submissions), _worker_verifier)


def _verify_in_worker(narratives: list[str]) -> None:
    """Verify ``narratives`` in order; the first refusal is raised (RedactionRefused)."""
    verifier = _worker_verifier
    assert verifier is not None
    for text in narratives:
        verifier.verify(text)


#: Narratives per verification task: a batch is split into chunks of at least this many
#: so that one member's batch is verified on every worker at once, while each task still
#: carries enough work to amortise its round trip (about 0.1 ms against ~0.4 ms a text).
_CHUNK = 32


class IntakeWorkers:
    """A pool of ``n`` processes checking batches (each loads its own verifier if asked)."""

    def __init__(self, n: int, verify: bool) -> None:
        self.verify = verify
        # spawn, not fork: the server's gRPC threads must not be copied into children.
        self._pool = ProcessPoolExecutor(
            max_workers=n,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(verify, os.getpid(), threading.current_thread() is threading.main_thread()),
        )
        self.size = n
        # Start every worker now (and load its verifier), not on the first batch, from this
        # thread (see _die_with_parent).
        for f in [self._pool.submit(_ready) for _ in range(n)]:
            f.result()
        if verify:  # while idle, not waited for: serving starts as soon as they are up
            for _ in range(n):
                self._pool.submit(_warm)

    def check(self, batch: BatchToCheck) -> list[tuple[int, Checked]]:
        """:func:`check_batch` with the workers' verifier; its errors are raised here.

        With verification on, only the narratives cross to the workers: the other checks
        cost less here (about 0.03 ms a record) than pickling their checked rows back
        (about 0.04 ms), so the batch is checked here without the verifier and its
        narratives, in order, are verified in chunks spread over every worker. A batch
        that fails a check here is checked again whole in one worker with the verifier,
        as before, so a refused batch names exactly the problem :func:`check_batch`
        names (a narrative refused before the record that failed comes first).
        """
        if not self.verify:
            return self._check_whole(batch)
        try:
            checked = check_batch(batch, None)
        except MsinError:
            return self._check_whole(batch)
        texts = [narrative for _i, c in checked if (narrative := c.values[_NARRATIVE])]
        size = max(_CHUNK, -(-len(texts) // self.size))
        tasks = [self._pool.submit(_verify_in_worker, texts[at : at + size]) for at in range(0, len(texts), size)]
        for task in tasks:  # the first chunk's refusal is the batch's first
            task.result()
        return checked

    def _check_whole(self, batch: BatchToCheck) -> list[tuple[int, Checked]]:
        """:func:`check_batch` of the whole batch in a worker (MsinError pickles)."""
        pairs = [(s.submission_id, s.record) for s in batch.submissions]  # plain tuples pickle fastest
        in_transit = batch._replace(submissions=(), owners=dict(batch.owners))
        return self._pool.submit(_check_in_worker, in_transit, pairs).result()

    def close(self) -> None:
        """Stop the workers (after the checks under way)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
