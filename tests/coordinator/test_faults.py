"""Faults found by trying to break the coordinator: each refusal is a clear status naming
the field, never UNKNOWN or INTERNAL with a library's text, and nothing is half stored."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.timestamp_pb2 import Timestamp
from msin_fed.coordinator.server import SERVICE_NAME, CoordinatorServer, open_log
from msin_fed.coordinator.store import SharedStore, audit, records

from msin_fed import pki
from msin_fed.errors import ConfigError, StoreError
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.wire import record_to_pb

from .conftest import Live, make_config, record, require_postgres, signed_batch, submission, tok

MakeId = Callable[[str, str], pki.Identity]


@pytest.fixture
def live_any(
    store: SharedStore, tmp_path: Path, coordinator_identity: pki.Identity
) -> Iterator[Live]:
    """A coordinator on loopback over the ``store`` fixture's SQLite file or PostgreSQL."""
    with CoordinatorServer(make_config(tmp_path, coordinator_identity), store=store) as server:
        handle = Live(server)
        yield handle
        handle.close()


def _refusal(call: Callable[[], object]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as excinfo:
        call()
    return excinfo.value


def _count(store: SharedStore, table: sa.Table) -> int:
    with store.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


# ------------------------------------------------------------------ ports


def test_a_taken_port_is_an_error_at_start(
    live: Live, tmp_path: Path, coordinator_identity: pki.Identity
) -> None:
    # gRPC sets SO_REUSEPORT by default: a second server would bind the same port and
    # silently take a share of the first one's calls.
    address = f"127.0.0.1:{live.port}"
    second = tmp_path / "second"
    second.mkdir()
    with pytest.raises(ConfigError) as excinfo:
        CoordinatorServer(make_config(second, coordinator_identity, listen=address))
    assert excinfo.value.key == "server.listen"
    assert address in str(excinfo.value) and "in use" in str(excinfo.value)


# ------------------------------------------------------------------ bad values


def test_nul_in_a_narrative_is_invalid_argument(live_any: Live, make_identity: MakeId) -> None:
    # PostgreSQL text cannot hold NUL: the driver's error became UNKNOWN and the node
    # retried the record for ever.
    member = make_identity("member", "tesco")
    stub = live_any.stub(member)
    msg = record_to_pb(record("tesco", "r-nul", (tok("phone", "a"),)))
    msg.narrative = "a van\x00 at the farm"  # what a node of another build could send
    bad = pb.Submission(submission_id="sub-nul", record=msg.SerializeToString())
    good = record("tesco", "r-good", (tok("phone", "b"),))
    err = _refusal(lambda: stub.SubmitBatch(signed_batch(member, submission(good), bad), timeout=10))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "submissions[1].record.narrative" in err.details() and "NUL" in err.details()
    assert _count(live_any.server.store, records) == 0  # the good one of the batch neither
    stub.SubmitBatch(signed_batch(member, submission(good)), timeout=10)
    assert _count(live_any.server.store, records) == 1


def test_nul_in_an_alert_summary_is_invalid_argument(live_any: Live, make_identity: MakeId) -> None:
    member = make_identity("member", "tesco")
    stub = live_any.stub(member)
    stub.SubmitBatch(
        signed_batch(member, submission(record("tesco", "r-1", grade="1AP", time_sensitive=True))), timeout=10
    )
    err = _refusal(lambda: stub.RaiseAlert(pb.RaiseAlertRequest(record_id="r-1", summary="x\x00y"), timeout=10))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details().startswith("summary:")


def test_a_cursor_beyond_the_database_integer_is_invalid_argument(live_any: Live, make_identity: MakeId) -> None:
    stub = live_any.stub(make_identity("member", "tesco"))
    for cursor in (2**63, 2**64 - 1):
        err = _refusal(lambda c=cursor: list(stub.Subscribe(pb.SubscribeRequest(after_cursor=c), timeout=10)))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert err.details().startswith("after_cursor:")


@pytest.mark.parametrize(
    ("seconds", "nanos"),
    [(2**62, 0), (-(2**62), 0), (0, 2_000_000_000), (253402300800, 0)],  # the last is year 10000
)
def test_an_out_of_range_shared_at_is_invalid_argument(
    live_any: Live, make_identity: MakeId, seconds: int, nanos: int
) -> None:
    member = make_identity("member", "tesco")
    stub = live_any.stub(member)
    msg = record_to_pb(record("tesco", "r-when"))
    msg.shared_at.CopyFrom(Timestamp(seconds=seconds, nanos=nanos))
    sub = pb.Submission(submission_id="sub-when", record=msg.SerializeToString())
    err = _refusal(lambda: stub.SubmitBatch(signed_batch(member, sub), timeout=10))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details().startswith("submissions[0].record.shared_at:")
    assert _count(live_any.server.store, records) == 0


@pytest.mark.parametrize(
    ("method", "payload"),
    [
        ("SubmitBatch", b"\xff\xff\xff\xff"),
        ("SubmitBatch", b"\x0a\x05ab"),  # a length running past the end
        ("Withdraw", b"\x0a\x02\xc3\x28"),  # a string field that is not UTF-8
        ("Subscribe", b"\x08"),
    ],
)
def test_a_garbage_message_is_invalid_argument(
    live: Live, make_identity: MakeId, method: str, payload: bytes
) -> None:
    channel = pki.secure_channel(
        f"127.0.0.1:{live.port}", make_identity("member", "tesco"), role="coordinator", name="sttg"
    )
    path = f"/{SERVICE_NAME}/{method}"
    with channel:
        if method == "Subscribe":
            call = channel.unary_stream(path)
            err = _refusal(lambda: list(call(payload, timeout=10)))
        else:
            err = _refusal(lambda: channel.unary_unary(path)(payload, timeout=10))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details().startswith("request:")


def test_withdraw_bounds_the_record_id(live: Live, make_identity: MakeId) -> None:
    stub = live.stub(make_identity("member", "tesco"))
    for rid in ("r" * (1 << 20), "r" * 65, "bad id", "r\x00"):
        err = _refusal(lambda r=rid: stub.Withdraw(pb.WithdrawRequest(record_id=r), timeout=10))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert err.details().startswith("record_id:")


def test_a_withdraw_of_nothing_held_writes_no_audit_row(live: Live, make_identity: MakeId) -> None:
    member = make_identity("member", "tesco")
    stub = live.stub(member)
    stub.SubmitBatch(signed_batch(member, submission(record("tesco", "r-1"))), timeout=10)
    before = _count(live.server.store, audit)
    for _ in range(20):
        assert not stub.Withdraw(pb.WithdrawRequest(record_id="r-never"), timeout=10).withdrawn
    assert _count(live.server.store, audit) == before
    assert stub.Withdraw(pb.WithdrawRequest(record_id="r-1"), timeout=10).withdrawn
    assert _count(live.server.store, audit) == before + 1


# ------------------------------------------------------------------ a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MiB file system (tmpfs; CI runs as root) for the store to fill."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.fail("the full-disk test mounts a tmpfs and needs root (CI runs as root)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_resource_exhausted_and_stores_no_half_batch(
    small_disk: Path, tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId
) -> None:
    member = make_identity("member", "tesco")
    config = make_config(tmp_path, coordinator_identity, store_url=str(small_disk / "shared.db"))
    with CoordinatorServer(config) as server:
        live = Live(server)
        stub = live.stub(member)
        text = "<PERSON_1> collected workers from the farm in a van. " * 300  # ~16 kB each
        stored = 0
        err: grpc.RpcError | None = None
        for n in range(200):
            batch = [submission(record("tesco", f"r-{n}-{i}", (tok("phone", f"{n}-{i}"),), narrative=text)) for i in range(10)]
            try:
                stub.SubmitBatch(signed_batch(member, *batch), timeout=30)
            except grpc.RpcError as exc:
                err = exc
                break
            stored += len(batch)
        assert err is not None, "2 MiB never filled up"
        assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "full" in err.details() and "Error" not in err.details()
        assert _count(server.store, records) == stored  # all of earlier batches, none of that one
        live.close()


# ------------------------------------------------------------------ PostgreSQL down


def test_postgresql_down_says_where_and_what_without_the_password() -> None:
    url = require_postgres()
    parsed = sa.engine.make_url(url)
    down = parsed.set(password="s3cret-pw", port=1, host="127.0.0.1")
    with pytest.raises(StoreError) as excinfo:
        SharedStore(down.render_as_string(hide_password=False))
    text = str(excinfo.value)
    assert "127.0.0.1:1" in text and "s3cret-pw" not in text
    assert "connect" in text.lower() and text != "cannot open store: OperationalError"


# ------------------------------------------------------------------ file modes


def test_store_audit_head_and_log_files_are_owner_only(
    tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId
) -> None:
    member = make_identity("member", "tesco")
    config = make_config(tmp_path, coordinator_identity, store_url=str(tmp_path / "shared.db"))
    old = os.umask(0o022)  # an ordinary login umask
    try:
        with CoordinatorServer(config) as server:
            live = Live(server)
            live.stub(member).SubmitBatch(signed_batch(member, submission(record("tesco", "r-1"))), timeout=10)
            for name in ("shared.db", "shared.db-wal", "shared.db-shm", "audit.head"):
                mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
                assert mode == 0o600, f"{name} is {oct(mode)}"
            live.close()
        handler = open_log(tmp_path / "coordinator.log")
        handler.close()
        assert stat.S_IMODE((tmp_path / "coordinator.log").stat().st_mode) == 0o600
    finally:
        os.umask(old)
