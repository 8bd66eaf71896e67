"""Test doubles: a redactor replacing known values, and a minimal coordinator servicer.

The servicer is served over real gRPC with mutual TLS. It checks certificates and
signatures and dedupes by submission id like the real coordinator; the end-to-end tests
in test_e2e.py run against the real one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import grpc

from msin_fed import pki
from msin_fed.errors import ValidationError
from msin_fed.model import Identifier
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import record_from_bytes, verify_batch


@dataclass
class Redacted:
    text: str
    entities: tuple[str, ...] = ()


class ReplacingRedactor:
    """Replaces every known value (and its spaced/compact variants) with a placeholder."""

    def redact_verified(self, text: str, known: Sequence[Identifier | str]) -> Redacted:
        out = text
        for n, item in enumerate(known, start=1):
            value = item.value if isinstance(item, Identifier) else item
            words = [re.escape(w) for w in value.split()]
            pattern = r"\s*".join(words)
            out = re.sub(pattern, f"<{getattr(item, 'kind', 'NAME').upper()}_{n}>", out, flags=re.I)
            if isinstance(item, Identifier) and item.kind == "person_name":
                for w in value.split():
                    out = re.sub(re.escape(w), "<PERSON>", out, flags=re.I)
        return Redacted(out)


@dataclass
class FakeCoordinator(pb_grpc.CoordinatorServicer):
    records: dict[str, bytes] = field(default_factory=dict)
    submissions: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    events: dict[str, list[pb.Event]] = field(default_factory=dict)
    calls: int = 0
    fail_next: int = 0
    cond: threading.Condition = field(default_factory=threading.Condition)

    def SubmitBatch(self, request: pb.SubmitBatchRequest, context: grpc.ServicerContext) -> pb.SubmitBatchResponse:
        self.calls += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            context.abort(grpc.StatusCode.UNAVAILABLE, "try later")
        peer = pki.peer_of(context)
        acks = []
        with self.cond:
            try:
                verify_batch(request.submissions, request.signature, peer.signing_public_key or b"")
            except ValidationError as exc:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            for sub in request.submissions:
                try:
                    record = record_from_bytes(sub.record)
                except ValidationError as exc:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
                if record.member_id != peer.name:
                    context.abort(grpc.StatusCode.PERMISSION_DENIED, "member id")
                dup = sub.submission_id in self.submissions
                if not dup:
                    self.submissions[sub.submission_id] = record.record_id
                    self.records[record.record_id] = sub.record
                    self.owners[record.record_id] = peer.name
                acks.append(pb.Ack(submission_id=sub.submission_id, record_id=record.record_id, duplicate=dup))
        return pb.SubmitBatchResponse(acks=acks)

    def Withdraw(self, request: pb.WithdrawRequest, context: grpc.ServicerContext) -> pb.WithdrawResponse:
        with self.cond:
            gone = self.records.pop(request.record_id, None) is not None
        return pb.WithdrawResponse(withdrawn=gone)

    def push(self, member: str, body: pb.MatchEvent | pb.AlertEvent) -> None:
        with self.cond:
            log = self.events.setdefault(member, [])
            event = pb.Event(cursor=len(log) + 1)
            if isinstance(body, pb.MatchEvent):
                event.match.CopyFrom(body)
            else:
                event.alert.CopyFrom(body)
            log.append(event)
            self.cond.notify_all()

    def Subscribe(self, request: pb.SubscribeRequest, context: grpc.ServicerContext) -> Iterator[pb.Event]:
        member = pki.peer_of(context).name
        sent = int(request.after_cursor)
        while context.is_active():
            with self.cond:
                pending = [e for e in self.events.get(member, []) if e.cursor > sent]
                if not pending:
                    self.cond.wait(0.1)
                    continue
            for event in pending:
                yield event
                sent = event.cursor


@contextmanager
def serve(servicer: pb_grpc.CoordinatorServicer, identity: pki.Identity) -> Iterator[int]:
    server = grpc.server(ThreadPoolExecutor(max_workers=8))
    pb_grpc.add_CoordinatorServicer_to_server(servicer, server)
    port = server.add_secure_port("127.0.0.1:0", pki.server_credentials(identity))
    server.start()
    try:
        yield port
    finally:
        server.stop(0.5).wait()
