"""A hostile member against intake's bulk checks: hand-made edge cases sent as signed
batches over real mutual TLS, each outcome held to the one the record-at-a-time intake
gave (status and the field the reason names, or which submissions were stored).

Intake's checks and row building are being replaced by bulk paths for speed; every
refusal must stay as it was, and nothing refused before may be accepted. The expected
outcomes in ``data/refusal_pins.json`` were recorded from the build before the bulk paths
(``MSIN_RECORD_REFUSALS=FILE`` writes this run's outcomes to FILE instead of comparing,
to record them from another checkout: copy ``tests/`` beside it and run this module with
that checkout's interpreter).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from msin_fed.coordinator.server import CoordinatorServer

from msin_fed import pki
from msin_fed.model import ExploitationType, Region, Sector
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.proto import coordinator_pb2_grpc as pb_grpc
from msin_fed.wire import sign_batch

from .conftest import make_config

PINS = Path(__file__).parent / "data" / "refusal_pins.json"
MAX_BATCH = 20


def _record(n: int, **changes: Any) -> pb.SharedRecord:
    values: dict[str, Any] = {
        "record_id": f"r-{n:04d}",
        "member_id": "tesco",
        "narrative": "<PERSON_1> collected workers from the farm in a van.",
        "tokens": [pb.Token(kind="phone", value=bytes([n % 251 + 1]) * 64, epoch=1)],
        "region": Region.SOUTH_WEST.value,
        "sector": Sector.GROWING_PICKING.value,
        "exploitation_type": ExploitationType.LABOUR_EXPLOITATION.value,
        "indicators": [],
        "month": "2025-03",
        "victims_band": "1",
        "grade": pb.Grade(source=1, assessment=pb.ASSESSMENT_A, handling=pb.HANDLING_P),
        "tlp": pb.TLP_AMBER,
    }
    shared_at = changes.pop("shared_at", None)
    values.update(changes)
    msg = pb.SharedRecord(**values)
    if shared_at is not None:
        msg.shared_at.CopyFrom(shared_at)
    return msg


def _tokens(n: int, count: int, kind: str = "phone", length: int = 64, epoch: int = 1) -> list[pb.Token]:
    return [pb.Token(kind=kind, value=(n * 1000 + i).to_bytes(8, "big") * (length // 8) + b"x" * (length % 8), epoch=epoch) for i in range(count)]


def _cases() -> list[tuple[str, list[tuple[str, bytes]]]]:
    """(name, [(submission id, record bytes)]) for every case; record ids unique per case."""
    cases: list[tuple[str, list[tuple[str, bytes]]]] = []
    n = 0

    def one(name: str, **changes: Any) -> None:
        nonlocal n
        n += 1
        cases.append((name, [(f"s-{n:04d}", _record(n, **changes).SerializeToString())]))

    for rid in ["", "r" * 64, "r" * 65, "\u00e9" * 32, "\u00e9" * 33, "\u00e9" * 64, "r\x00", " r-lead", "r-trail ",
                "r\nx", "\u202er-rtl", "\ufeffr-bom", "r\u200bzw", "\uff52-fullwidth", "\U0001f600" * 16,
                "\U0001f600" * 17, "../r", "r/1", "e\u0301-nfd", "\u00e9-nfc", "\t", "r\x7f"]:
        one(f"record_id {rid!r}", record_id=rid)
    for mid in ["", "asda", "TESCO", "tesco ", "tesco\x00", "\uff54esco", "t" * 65]:
        one(f"member_id {mid!r}", member_id=mid)
    for text in ["", " ", "x" * 20_000, "x" * 20_001, "a\x00b", "\u202e\ufeff", "\U0001f600" * 5000, "\U0001f600" * 5001]:
        one(f"narrative {text[:12]!r} x{len(text)}", narrative=text)
    one("tokens none", tokens=[])
    for count in (2, 512, 513, 2000):
        one(f"tokens count {count}", tokens=_tokens(n + 1, count))
    for length in (0, 1, 32, 63, 65, 128):
        one(f"token value length {length}", tokens=_tokens(n + 1, 1, length=length))
    for kind in ["", "PHONE", "telephone", "phone\x00", "phone ", "\u0440hone"]:
        one(f"token kind {kind!r}", tokens=_tokens(n + 1, 1, kind=kind))
    for epoch in (0, 2, 2**32 - 1):
        one(f"token epoch {epoch}", tokens=_tokens(n + 1, 1, epoch=epoch))
    same = _tokens(9999, 1)[0]
    one("token twice in a record", tokens=[same, same])
    one("one value under two kinds", tokens=[same, pb.Token(kind="email", value=same.value, epoch=1)])
    one("one value twice, epochs differ", tokens=[same, pb.Token(kind="phone", value=same.value, epoch=2)])
    for field in ("region", "sector", "exploitation_type", "victims_band"):
        for value in ["", "zz", "South West", "south_west", "\u00a0"]:
            one(f"{field} {value!r}", **{field: value})
    for indicators in (["x"], [""], ["debt_bondage", "debt_bondage"]):
        one(f"indicators {indicators!r}", indicators=indicators)
    for month in ["", "2025-13", "2025-00", "0000-01", "9999-12", "2025-3", "\uff12025-03", "2025-03\n", "2025/03"]:
        one(f"month {month!r}", month=month)
    for source, assessment, handling in ((0, 1, 1), (6, 1, 1), (1, 0, 1), (1, 9, 1), (1, 1, 0), (1, 1, 9)):
        one(f"grade {source},{assessment},{handling}", grade=pb.Grade(source=source, assessment=assessment, handling=handling))
    for tlp in (0, 99, -1):
        one(f"tlp {tlp}", tlp=tlp)
    for seconds, nanos in ((-(2**62), 0), (253402300800, 0), (1_700_000_000, -1), (1_700_000_000, 10**9), (-62135596801, 0)):
        one(f"shared_at {seconds},{nanos}", shared_at=Timestamp(seconds=seconds, nanos=nanos))

    # Batch-level cases.
    def batch(name: str, subs: list[tuple[str, pb.SharedRecord | bytes]]) -> None:
        cases.append((name, [(sid, r if isinstance(r, bytes) else r.SerializeToString()) for sid, r in subs]))

    base = 5000
    batch("empty batch", [])
    batch("submission id empty", [("", _record(base + 1))])
    batch("submission id 65", [("s" * 65, _record(base + 2))])
    batch("submission id NUL", [("s\x00", _record(base + 3))])
    batch("submission id RTL", [("\u202es-rtl", _record(base + 4))])
    batch("one submission id twice, two records", [("s-twice", _record(base + 5)), ("s-twice", _record(base + 6))])
    batch("one record id under two submission ids", [("s-x1", _record(base + 7)), ("s-x2", _record(base + 7))])
    batch("NFC and NFD of one id", [("s-nfc", _record(base + 8, record_id="\u00e9-pair")), ("s-nfd", _record(base + 8, record_id="e\u0301-pair"))])
    batch("record bytes empty", [("s-empty", b"")])
    batch("record bytes garbage", [("s-garbage", b"\xff\xff\xff")])
    batch("good then bad", [("s-g1", _record(base + 9)), ("s-g2", _record(base + 10, month="2025-13"))])
    batch("bad then good", [("s-b1", _record(base + 11, tokens=_tokens(base, 513))), ("s-b2", _record(base + 12))])
    batch("max batch", [(f"s-max-{i}", _record(base + 100 + i)) for i in range(MAX_BATCH)])
    batch("max batch plus one", [(f"s-over-{i}", _record(base + 200 + i)) for i in range(MAX_BATCH + 1)])
    batch("shared tokens across a batch", [(f"s-sh-{i}", _record(base + 300 + i, tokens=[same])) for i in range(3)])
    batch("a resend of a stored batch", [("s-max-0", _record(base + 100)), ("s-new-after-resend", _record(base + 400))])
    return cases


def _outcome(stub: pb_grpc.CoordinatorStub, key: Any, subs: list[tuple[str, bytes]]) -> list[Any]:
    msgs = [pb.Submission(submission_id=sid, record=raw) for sid, raw in subs]
    request = pb.SubmitBatchRequest(submissions=msgs, signature=sign_batch(msgs, key))
    try:
        reply = stub.SubmitBatch(request, timeout=30)
    except grpc.RpcError as exc:
        details = exc.details() or ""
        return [exc.code().name, details.split(":", 1)[0] if ":" in details else details]
    return ["OK", [[a.submission_id, a.record_id, a.duplicate] for a in reply.acks]]


@pytest.fixture
def server(tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]) -> Iterator[tuple[CoordinatorServer, pki.Identity]]:
    config = make_config(tmp_path, make_identity("coordinator", "sttg"), member_calls_per_second=1_000_000.0, max_batch=MAX_BATCH)
    with CoordinatorServer(config) as running:
        yield running, make_identity("member", "tesco")


def test_every_edge_case_is_refused_or_stored_as_before_the_bulk_paths(server: tuple[CoordinatorServer, pki.Identity]) -> None:
    running, member = server
    channel = pki.secure_channel(f"127.0.0.1:{running.port}", member, role="coordinator", name="sttg")
    try:
        stub = pb_grpc.CoordinatorStub(channel)
        got = {name: _outcome(stub, member.signing_key, subs) for name, subs in _cases()}
    finally:
        channel.close()
    record_to = os.environ.get("MSIN_RECORD_REFUSALS")
    if record_to:
        Path(record_to).write_text(json.dumps(got, indent=1, ensure_ascii=True, sort_keys=True) + "\n")
        return
    pinned = json.loads(PINS.read_text())
    assert set(got) == set(pinned)
    changed = {name: (pinned[name], got[name]) for name in pinned if got[name] != pinned[name]}
    assert not changed, json.dumps(changed, indent=1, ensure_ascii=True)

