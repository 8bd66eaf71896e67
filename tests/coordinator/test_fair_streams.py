"""One member cannot lock the others or the analyst out of the coordinator (real server, mutual TLS).

A stream that gets in stays open until its deadline (DEADLINE_EXCEEDED, no events); one
refused ends at once RESOURCE_EXHAUSTED with the limit named.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from msin_fed.coordinator.server import CoordinatorServer

from msin_fed import pki
from msin_fed.proto import coordinator_pb2 as pb

from .conftest import Live, make_config

MakeId = Callable[[str, str], pki.Identity]


def _outcome(live: Live, who: pki.Identity, wait: float = 1.0) -> grpc.StatusCode:
    """DEADLINE_EXCEEDED: the stream was admitted and waited for events; else the refusal."""
    stream = live.stub(who).Subscribe(pb.SubscribeRequest(), timeout=wait)
    try:
        for _event in stream:
            pass
    except grpc.RpcError as exc:
        return exc.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


@contextlib.contextmanager
def _hold(live: Live, who: pki.Identity, n: int) -> Iterator[list[grpc.RpcError]]:
    """Open ``n`` streams as ``who`` and keep them open; yields the refusals they got."""
    streams = [live.stub(who).Subscribe(pb.SubscribeRequest(), timeout=60) for _ in range(n)]
    refusals: list[grpc.RpcError] = []

    def drain(stream: object) -> None:
        try:
            for _event in stream:  # type: ignore[attr-defined]
                pass
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.CANCELLED:
                refusals.append(exc)

    threads = [threading.Thread(target=drain, args=(s,), daemon=True) for s in streams]
    for t in threads:
        t.start()
    time.sleep(1.0)  # every stream has been admitted or refused by now
    try:
        yield refusals
    finally:
        for s in streams:
            s.cancel()
        for t in threads:
            t.join(5)


def test_sixty_streams_from_one_member_do_not_lock_out_the_others(
    live: Live, make_identity: MakeId
) -> None:
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    analyst = make_identity("analyst", "sttg-analyst")
    with _hold(live, alpha, 60) as refusals:
        assert len(refusals) == 56  # 4 streams per member by default
        assert {r.code() for r in refusals} == {grpc.StatusCode.RESOURCE_EXHAUSTED}
        assert "per member (server.member_streams)" in (refusals[0].details() or "")
        assert _outcome(live, beta) == grpc.StatusCode.DEADLINE_EXCEEDED
        assert _outcome(live, analyst) == grpc.StatusCode.DEADLINE_EXCEEDED
        assert _outcome(live, alpha, 0.5) == grpc.StatusCode.RESOURCE_EXHAUSTED
    # Slots come back once the server sees the streams gone (within its 1 s event poll).
    deadline = time.monotonic() + 10
    while live.server.service.streams.counts().members and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _outcome(live, alpha, 0.5) == grpc.StatusCode.DEADLINE_EXCEEDED


def test_the_analyst_reserve_survives_members_filling_their_share(
    tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId
) -> None:
    # 12 streams (16 workers - 4), 4 kept for analysts: two members fill the other 8.
    config = make_config(tmp_path, coordinator_identity, workers=16, member_streams=4, analyst_streams=4)
    with CoordinatorServer(config) as server:
        live = Live(server)
        a, b, c = (make_identity("member", n) for n in ("alpha", "beta", "gamma"))
        with _hold(live, a, 4) as ra, _hold(live, b, 4) as rb:
            assert ra == [] and rb == []
            stream = live.stub(c).Subscribe(pb.SubscribeRequest(), timeout=5)
            with pytest.raises(grpc.RpcError) as exc:
                next(iter(stream))
            assert exc.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "kept for analysts" in (exc.value.details() or "")
            assert _outcome(live, make_identity("analyst", "sttg-analyst")) == grpc.StatusCode.DEADLINE_EXCEEDED
        live.close()


def test_one_member_calling_fast_is_limited_alone(
    tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId
) -> None:
    config = make_config(tmp_path, coordinator_identity, member_calls_per_second=1.0)
    with CoordinatorServer(config) as server:
        live = Live(server)
        alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
        stub = live.stub(alpha)
        codes = []
        for _ in range(12):  # a burst of 10 is allowed, then 1 a second
            try:
                stub.ListMatches(pb.ListMatchesRequest(), timeout=5)
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as exc:
                codes.append(exc.code())
                details = exc.details() or ""
        assert codes[:10] == [grpc.StatusCode.OK] * 10
        assert grpc.StatusCode.RESOURCE_EXHAUSTED in codes[10:]
        assert "server.member_calls_per_second" in details and "retry in" in details
        live.stub(beta).ListMatches(pb.ListMatchesRequest(), timeout=5)  # beta is not slowed
        live.close()
