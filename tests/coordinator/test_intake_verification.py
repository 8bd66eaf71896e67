"""Redaction verification at intake, in the worker processes, refuses what the verifier refuses.

The coordinator's worker processes load their own verifier (``load_verifier``). Every text
of the adversarial redaction corpus (``tests/redaction/data``) goes through SubmitBatch,
one record per batch, to a coordinator checking in two worker processes with verification
on; each must be refused (FAILED_PRECONDITION, nothing stored) exactly when the verifier
in this process refuses it, and every class that hides an identifier must have refusals.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from msin_fed.coordinator.config import default_intake_workers
from msin_fed.coordinator.server import CoordinatorServer, load_verifier

from msin_fed import pki
from msin_fed.errors import RedactionRefused

from .conftest import Live, make_config, record, signed_batch, submission

DATA = Path(__file__).resolve().parent.parent / "redaction" / "data"


def _corpus() -> list[tuple[str, str]]:
    rows = []
    for path in sorted(DATA.glob("adversarial_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row["hides"]:  # the keep_* classes hide nothing: nothing to refuse
                    rows.append((row["class"], row["text"]))
    return rows


def test_default_intake_workers_is_the_core_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert default_intake_workers() == 6
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert default_intake_workers() == 1


def test_no_intake_workers_by_default_without_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the verifier the checks left cost less than a round trip to a worker.
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert default_intake_workers(verify=False) == 0
    assert default_intake_workers(verify=True) == 6


def test_worker_verification_refuses_what_the_verifier_refuses_for_every_class(
    tmp_path: Path, coordinator_identity: pki.Identity, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    corpus = _corpus()
    assert len(corpus) > 50
    verifier = load_verifier()
    expected: list[bool] = []
    for _cls, text in corpus:
        try:
            verifier.verify(text)
            expected.append(False)
        except RedactionRefused:
            expected.append(True)
    alpha = make_identity("member", "alpha")
    config = make_config(tmp_path, coordinator_identity, verify_redaction=True, intake_workers=2)
    with CoordinatorServer(config) as server:
        assert server.intake_workers is not None and server.intake_workers.size == 2
        live = Live(server)
        stub = live.stub(alpha)
        refused: list[bool] = []
        for i, (_cls, text) in enumerate(corpus):
            try:
                stub.SubmitBatch(signed_batch(alpha, submission(record("alpha", f"adv{i}", narrative=text))), timeout=60)
                refused.append(False)
            except grpc.RpcError as exc:
                assert exc.code() == grpc.StatusCode.FAILED_PRECONDITION  # type: ignore[attr-defined]
                refused.append(True)
        stored = server.store.count_records()
        live.close()
    assert refused == expected
    assert stored == expected.count(False)
    by_class = Counter(cls for (cls, _t), r in zip(corpus, refused, strict=True) if r)
    assert set(by_class) == {cls for cls, _t in corpus}, "a class the intake check never refuses"
