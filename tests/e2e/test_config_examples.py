"""The commented configuration examples in docs/config-examples load with the real loaders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from msin_fed import pki
from msin_fed.threshold import deal, write_dealing

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "config-examples"


def test_the_examples_exist() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.toml")) == [
        "analyst.toml", "coordinator.toml", "keyholder.toml", "node.toml"]


def test_analyst_example_loads() -> None:
    from msin_fed.analyst import load_analyst_config

    config = load_analyst_config(EXAMPLES / "analyst.toml")
    assert config.identity_dir == EXAMPLES / "analyst-id"
    assert (config.coordinator, config.coordinator_name, config.timeout) == ("coordinator.sttg.example:50051", "sttg", 15.0)


def test_coordinator_example_loads(tmp_path: Path) -> None:
    from msin_fed.coordinator.config import load_config

    config = load_config(EXAMPLES / "coordinator.toml")
    assert config.identity_dir == EXAMPLES / "identity"
    assert config.store_url == str(EXAMPLES / "coordinator.db")
    assert config.epoch == 1 and config.disclose_member_ids is False and config.verify_redaction
    assert config.smtp is None


def test_node_example_loads() -> None:
    from msin_fed.node.config import load_config

    config = load_config(EXAMPLES / "node.toml")
    assert config.threshold == 2 and [h.name for h in config.holders] == ["kh1", "kh2", "kh3"]
    assert config.key_file == EXAMPLES / "node.key" and config.passphrase_env is None
    assert config.public == EXAMPLES / "public.json"


def test_keyholder_example_loads(tmp_path: Path, ca_dir: Path) -> None:
    from msin_fed.keyholder import load_config

    # The key-holder loader checks that its identity and share files exist: give it them.
    target = tmp_path / "keyholder.toml"
    shutil.copy(EXAMPLES / "keyholder.toml", target)
    pki.issue(ca_dir, "keyholder", "kh1", tmp_path / "identity")
    write_dealing(deal(2, 3, 1), tmp_path)
    config = load_config(target)
    assert config.identity_dir == tmp_path / "identity"
    assert config.share_files == (tmp_path / "holder-1.share.json",)
    assert config.rate_limit_per_second == 2000 and config.burst == 20000
    assert config.allowed_roles == frozenset({"member"})
    assert config.usage_db == tmp_path / "usage.db" and config.roster.file == tmp_path / "roster.json"
    assert config.roster.threshold == 2 and sorted(config.roster.signers) == ["kh1", "kh2", "kh3"]


@pytest.mark.parametrize(
    ("command", "text", "key"),
    [
        (["keyholder", "serve"], 'listen = "127.0.0.1:0"\nidentity_dir = "."\nshare_files = ["x"]\ncolour = 1\n',
         "colour"),
        (["coordinator", "serve"], '[server]\nidentity_dir = "id"\nlisten = "nowhere"\n', "server.listen"),
        (["node", "init"], '[node]\nstore = "n.db"\nkey_file = "k"\n[key_holders]\nthreshold = 5\n',
         "key_holders.threshold"),
        (["analyst", "clusters"], '[analyst]\nidentity_dir = "id"\ntimeout = -1\n[coordinator]\naddress = "a:1"\nname = "c"\n',
         "analyst.timeout"),
        (["analyst", "audit"], '[analyst]\nidentity_dir = "id"\n[coordinator]\naddress = "a:1"\n', "coordinator.name"),
        (["analyst", "alerts"], '[analyst]\nidentity_dir = "id"\nrole = "admin"\n', "analyst.role"),
    ],
)
def test_an_invalid_config_is_refused_at_start_naming_file_and_key(
    tmp_path: Path, command: list[str], text: str, key: str
) -> None:
    import subprocess
    import sys

    config = tmp_path / "bad.toml"
    config.write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "msin_fed.cli", *command, "--config", str(config)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 2, done.stderr
    assert str(config) in done.stderr and key in done.stderr
