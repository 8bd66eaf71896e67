"""Key-holder configuration, limits, and the ``msin keyholder`` command."""

from __future__ import annotations

import datetime as _dt
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from keyholder_net import write_config

from msin_fed import pki
from msin_fed.errors import ConfigError
from msin_fed.keyholder import MemberLimits, UsageStore, load_config
from msin_fed.proto import keyholder_pb2, keyholder_pb2_grpc


@pytest.fixture
def identity_dir(make_identity: Callable[[str, str], pki.Identity]) -> Path:
    directory = make_identity("keyholder", "kh1").directory
    assert directory is not None
    return directory


def test_valid_config_loads(tmp_path: Path, identity_dir: Path, dealing_dir: Path) -> None:
    cfg = load_config(write_config(tmp_path, identity_dir, dealing_dir / "holder-1.share.json"))
    assert cfg.listen == "127.0.0.1:0" and cfg.usage_db == tmp_path / "usage.db"
    assert cfg.roster.threshold == 2 and sorted(cfg.roster.signers) == ["kh1", "kh2", "kh3"]
    assert cfg.share_files == (dealing_dir / "holder-1.share.json",)
    assert cfg.allowed_roles == frozenset({"member"})


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('color = "blue"\n', "color"),
        ('workers = "four"\n', "workers"),
        ('allowed_roles = ["analyst"]\n', "allowed_roles"),
        ("daily_quota = 1000000\n", "daily_quota"),
    ],
)
def test_invalid_config_names_the_key(
    tmp_path: Path, identity_dir: Path, dealing_dir: Path, extra: str, key: str
) -> None:
    path = write_config(tmp_path, identity_dir, dealing_dir / "holder-1.share.json", extra=extra)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert exc.value.key == key and exc.value.file == str(path)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('listen = "127.0.0.1:0"', 'listen = "nowhere"', "listen"),
        ("threshold = 2", "threshold = 4", "roster.threshold"),
        ('kh1 = "', 'kh1 = "00', "roster.signers.kh1"),
        ("[roster]\n", "[rooster]\n", "rooster"),
        ("rate_limit_per_second = 1000000", "rate_limit_per_second = true", "rate_limit_per_second"),
        ('share_files = ["', 'share_files = ["missing-', "share_files"),
    ],
)
def test_bad_values_are_config_errors(
    tmp_path: Path, identity_dir: Path, dealing_dir: Path, old: str, new: str, key: str
) -> None:
    path = write_config(tmp_path, identity_dir, dealing_dir / "holder-1.share.json")
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert exc.value.key == key


def test_not_toml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "k.toml"
    path.write_text("listen = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_limits_refill_and_reset_daily(tmp_path: Path) -> None:
    now = [0.0]
    day = [_dt.date(2026, 1, 1)]
    usage = UsageStore(tmp_path / "usage.db", today=lambda: day[0])
    limits = MemberLimits(10, 20, usage, clock=lambda: now[0])
    assert limits.charge("a", 20, 50) is None
    refusal = limits.charge("a", 1, 50)
    assert refusal is not None and "rate limit" in refusal.reason
    assert limits.charge("b", 20, 50) is None  # per member
    now[0] = 1.0
    assert limits.charge("a", 10, 50) is None
    assert limits.charge("a", 21, 50) is not None  # over burst
    now[0] = 10.0
    assert limits.charge("a", 20, 50) is None
    now[0] = 20.0
    refusal = limits.charge("a", 1, 50)  # 50 used
    assert refusal is not None and "daily budget of 50 elements" in refusal.reason
    assert "resets at 2026-01-02T00:00:00Z" in refusal.reason
    usage.close()
    # Counts outlive the store's process; a new day starts from zero.
    again = UsageStore(tmp_path / "usage.db", today=lambda: day[0])
    assert again.usage("a", 50).used == 50 and again.usage("a", 50).refused == 1
    totals = again.totals()
    assert (totals.members_active, totals.elements, totals.refused) == (2, 70, 1)
    day[0] = _dt.date(2026, 1, 2)
    limits = MemberLimits(10, 20, again, clock=lambda: now[0])
    assert limits.charge("a", 1, 50) is None and again.usage("a", 50).used == 1
    again.close()


def test_cli_deal_and_serve(
    tmp_path: Path, identity_dir: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    msin = [sys.executable, "-m", "msin_fed.cli", "keyholder"]
    out = tmp_path / "dealing"
    dealt = subprocess.run(
        [*msin, "deal", "--threshold", "2", "--holders", "3", "--epoch", "9", "--out", str(out)],
        capture_output=True, text=True, timeout=60,
    )
    assert dealt.returncode == 0, dealt.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "holder-1.share.json", "holder-2.share.json", "holder-3.share.json", "public.json"
    ]
    again = subprocess.run(
        [*msin, "deal", "-t", "2", "-n", "3", "--epoch", "9", "--out", str(out)],
        capture_output=True, text=True, timeout=60,
    )
    assert again.returncode == 2 and "already holds a dealing" in again.stderr
    bad = subprocess.run([*msin, "serve", "--config", str(tmp_path / "none.toml")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "cannot be read" in bad.stderr

    config = write_config(tmp_path, identity_dir, out / "holder-2.share.json")
    proc = subprocess.Popen([*msin, "serve", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "serving epoch 9 share 2 on 127.0.0.1:" in line, proc.stderr and proc.stderr.read()
        port = int(line.rsplit(":", 1)[1])
        channel = pki.secure_channel(
            f"127.0.0.1:{port}", make_identity("member", "grower-a"), role="keyholder", name="kh1"
        )
        stub = keyholder_pb2_grpc.KeyHolderStub(channel)
        info = stub.GetPublicKey(keyholder_pb2.GetPublicKeyRequest(), timeout=10)
        assert (info.epoch, info.share_index) == (9, 2)
        channel.close()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


@pytest.mark.parametrize("listen", ["127.0.0.1:99999", "a b:7443", "[::1:7443", "127.0.0.1:"])
def test_listen_address_is_checked(tmp_path: Path, identity_dir: Path, dealing_dir: Path, listen: str) -> None:
    path = write_config(tmp_path, identity_dir, dealing_dir / "holder-1.share.json")
    path.write_text(path.read_text().replace('listen = "127.0.0.1:0"', f'listen = "{listen}"'))
    with pytest.raises(ConfigError) as excinfo:
        load_config(path)
    assert excinfo.value.key == "listen"
