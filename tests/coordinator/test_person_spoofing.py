"""Play a console user forging the ``msin-person`` metadata to write someone else, or a
line of its own, into the audit log (a live coordinator, real mutual TLS, the real
SQLite audit table).

Whatever is sent, the audit entry must keep the certificate's role and name, the person
must be one plain account name after one ``/``, and no refused person may reach the log.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest

from msin_fed import pki
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc

from .conftest import Live

MakeId = Callable[[str, str], pki.Identity]

HOSTILE = [
    "sttg-analyst/ann",  # another certificate's person
    "ann/../root",
    "ann\nanalyst sttg-analyst disclose_audit",  # a forged second line
    "ann\r",
    "ann\x00bob",
    "ann\x1b[2J",
    "\u202eann",  # bidi override
    "ánn",
    "ANN",
    "x" * (1 << 20),  # 1 MiB
    " ann",
]


def _audit(tmp_path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(f"file:{tmp_path / 'coordinator.db'}?mode=ro", uri=True)
    try:
        return [(str(r), str(a)) for r, a in conn.execute("select actor_role, actor from audit")]
    finally:
        conn.close()


def _channel(live: Live, identity: pki.Identity) -> grpc.Channel:
    channel = pki.secure_channel(f"127.0.0.1:{live.port}", identity, role="coordinator", name="sttg")
    live._channels.append(channel)
    return channel


def _refused(call: Callable[[], object]) -> None:
    """The call is not served: the client cannot send such metadata, or the coordinator
    refuses it with a clear status (never INTERNAL or UNKNOWN)."""
    try:
        call()
    except grpc.RpcError as exc:
        if exc.code() == grpc.StatusCode.INTERNAL and exc.details() == "Invalid metadata":
            return  # the grpc library itself refuses to send a control or non-ASCII character
        assert exc.code() in {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED,
                              grpc.StatusCode.UNAVAILABLE}, (exc.code(), exc.details())
    else:
        raise AssertionError("a hostile person was accepted")


@pytest.mark.parametrize("person", HOSTILE, ids=lambda p: repr(p[:24]))
def test_a_hostile_person_never_reaches_the_audit_log(live: Live, make_identity: MakeId, tmp_path: Path,
                                                       person: str) -> None:
    analyst = pb_grpc.CoordinatorStub(_channel(live, make_identity("analyst", "sttg-analyst")))  # type: ignore[no-untyped-call]
    adviser = pb_grpc.CasesStub(_channel(live, make_identity("advisory", "advisory-1")))  # type: ignore[no-untyped-call]
    before = _audit(tmp_path)
    _refused(lambda: analyst.ListClusters(pb.ListClustersRequest(), timeout=10, metadata=(("msin-person", person),)))
    _refused(lambda: adviser.ListCases(pb.ListCasesRequest(), timeout=10, metadata=(("msin-person", person),)))
    assert _audit(tmp_path) == before
    # The coordinator still serves both certificates afterwards.
    analyst.ListClusters(pb.ListClustersRequest(), timeout=10, metadata=(("msin-person", "ann"),))
    assert _audit(tmp_path)[-1] == ("analyst", "sttg-analyst/ann")


def test_a_second_person_header_is_refused(live: Live, make_identity: MakeId, tmp_path: Path) -> None:
    # Two persons: the coordinator would have to guess who acted (and only check one).
    analyst = pb_grpc.CoordinatorStub(_channel(live, make_identity("analyst", "sttg-analyst")))  # type: ignore[no-untyped-call]
    for second in ("bob", "bob/x"):
        with pytest.raises(grpc.RpcError) as exc:
            analyst.ListClusters(pb.ListClustersRequest(), timeout=10,
                                 metadata=(("msin-person", "ann"), ("msin-person", second)))
        assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "msin-person" in str(exc.value.details())
    assert not any("ann" in a or "bob" in a for _r, a in _audit(tmp_path))


@pytest.mark.parametrize("role", ["member", "keyholder", "admin"])
def test_other_roles_cannot_name_a_person_even_a_well_formed_one(live: Live, make_identity: MakeId,
                                                                  tmp_path: Path, role: str) -> None:
    # A member calling with an analyst's person: the entry (if any) is its own name only.
    stub = pb_grpc.CoordinatorStub(_channel(live, make_identity(role, f"{role}-x")))  # type: ignore[no-untyped-call]
    try:
        stub.ListActions(pb.ListActionsRequest(), timeout=10, metadata=(("msin-person", "ann"),))
    except grpc.RpcError as exc:
        assert exc.code() == grpc.StatusCode.PERMISSION_DENIED
    assert not any("ann" in actor for _r, actor in _audit(tmp_path))


def test_certificate_and_person_stay_distinct_in_the_audit_log(live: Live, make_identity: MakeId,
                                                              tmp_path: Path) -> None:
    """An adviser naming the analyst's person is still recorded as the adviser's role and
    certificate; no certificate name holds "/", so the split is unambiguous."""
    adviser = pb_grpc.CasesStub(_channel(live, make_identity("advisory", "advisory-1")))  # type: ignore[no-untyped-call]
    adviser.ListCases(pb.ListCasesRequest(), timeout=10, metadata=(("msin-person", "ann"),))
    analyst = pb_grpc.CoordinatorStub(_channel(live, make_identity("analyst", "sttg-analyst")))  # type: ignore[no-untyped-call]
    analyst.ListClusters(pb.ListClustersRequest(), timeout=10, metadata=(("msin-person", "ann"),))
    rows = [(r, a) for r, a in _audit(tmp_path) if a.endswith("/ann")]
    assert ("analyst", "sttg-analyst/ann") in rows
    assert all((r, a) in {("analyst", "sttg-analyst/ann"), ("advisory", "advisory-1/ann")}
               for r, a in rows)
    with pytest.raises(ValueError):
        pki.issue(Path("/nonexistent"), "analyst", "sttg-analyst/ann", Path("/nonexistent/out"))
