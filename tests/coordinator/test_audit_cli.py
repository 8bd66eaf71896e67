"""Audit chain: entries for every action, and ``msin coordinator audit verify`` catching tampering."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from msin_fed.coordinator.config import load_config
from msin_fed.coordinator.server import CoordinatorServer

from msin_fed import pki
from msin_fed.cli import main
from msin_fed.errors import ConfigError
from msin_fed.proto import coordinator_pb2 as pb

from .conftest import Live, record, signed_batch, submission, tok


def _write_config(tmp_path: Path, identity: pki.Identity, extra: str = "") -> Path:
    path = tmp_path / "coordinator.toml"
    path.write_text(
        f"""
[server]
listen = "127.0.0.1:0"
identity_dir = "{identity.directory}"
crl = "{identity.directory}/crl.pem"
grace_seconds = 2

[store]
url = "shared.db"

[tokens]
epoch = 1

[redaction]
verify = false
{extra}
"""
    )
    return path


@pytest.fixture
def audited(
    tmp_path: Path, coordinator_identity: pki.Identity, make_identity: Callable[[str, str], pki.Identity]
) -> Path:
    """A config whose store holds a few audited actions."""
    path = _write_config(tmp_path, coordinator_identity)
    alpha, beta = make_identity("member", "alpha"), make_identity("member", "beta")
    with CoordinatorServer(load_config(path)) as server:
        live = Live(server)
        a, b = live.stub(alpha), live.stub(beta)
        a.SubmitBatch(signed_batch(alpha, submission(record("alpha", "a1", (tok("phone", "p"),)))))
        b.SubmitBatch(signed_batch(beta, submission(record("beta", "b1", (tok("phone", "p"),)))))
        a.ListMatches(pb.ListMatchesRequest())
        b.Withdraw(pb.WithdrawRequest(record_id="b1"))
        live.close()
    return path


def _db(path: Path) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{path.parent / 'shared.db'}")


def test_chain_is_intact_and_holds_no_identifiers(audited: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coordinator", "audit", "verify", "--config", str(audited)]) == 0
    assert "intact: 4 entries" in capsys.readouterr().out
    with _db(audited).connect() as conn:
        rows = conn.execute(sa.text("SELECT actor_role, actor, action, detail FROM audit ORDER BY seq")).all()
    assert [r.action for r in rows] == ["intake", "intake", "disclose_matches", "withdraw"]
    assert not any("a1" in r.detail or "b1" in r.detail for r in rows)


def test_flipped_byte_is_detected(audited: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with _db(audited).begin() as conn:
        detail = conn.execute(sa.text("SELECT detail FROM audit WHERE seq = 2")).scalar_one()
        flipped = detail.replace('"records":1', '"records":2')
        assert flipped != detail
        conn.execute(sa.text("UPDATE audit SET detail = :d WHERE seq = 2"), {"d": flipped})
    assert main(["coordinator", "audit", "verify", "--config", str(audited)]) == 1
    assert "entry 2" in capsys.readouterr().out


def test_deleted_row_is_detected(audited: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with _db(audited).begin() as conn:
        conn.execute(sa.text("DELETE FROM audit WHERE seq = 3"))
    assert main(["coordinator", "audit", "verify", "--config", str(audited)]) == 1
    assert "entry 3 is missing" in capsys.readouterr().out


def test_deleted_last_row_is_detected_by_the_head_file(
    audited: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _db(audited).begin() as conn:
        conn.execute(sa.text("DELETE FROM audit WHERE seq = 4"))
    assert main(["coordinator", "audit", "verify", "--config", str(audited)]) == 1
    assert "head file" in capsys.readouterr().out


def test_without_head_file_or_checkpoints_verify_refuses(audited: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (audited.parent / "audit.head").unlink()
    assert main(["coordinator", "audit", "verify", "--config", str(audited)]) == 1
    out = capsys.readouterr().out
    assert "nothing to check the chain against" in out and "--checkpoints" in out and "intact" not in out


def test_invalid_config_names_file_key_and_reason(tmp_path: Path, coordinator_identity: pki.Identity) -> None:
    path = _write_config(tmp_path, coordinator_identity, "[policy]\ndisclose_member_ids = 'yes'\n")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert exc.value.key == "policy.disclose_member_ids" and exc.value.file == str(path)
    path.write_text("[server]\nlisten = 'nowhere'\nidentity_dir = 'x'\n")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert exc.value.key == "server.listen"
    assert main(["coordinator", "audit", "verify", "--config", str(tmp_path / "missing.toml")]) == 2


def test_serve_stops_gracefully_on_sigterm(tmp_path: Path, coordinator_identity: pki.Identity) -> None:
    path = _write_config(tmp_path, coordinator_identity)
    proc = subprocess.Popen(
        [sys.executable, "-m", "msin_fed.cli", "coordinator", "serve", "--config", str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on port" in line
        proc.terminate()
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
