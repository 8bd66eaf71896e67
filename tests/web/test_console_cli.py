"""``msin node users``, ``msin coordinator users``, ``msin advisory users`` and the consoles'
configuration errors (exit 2 naming the file and key)."""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyotp
import pytest

from msin_fed import pki
from msin_fed.cli import main
from msin_fed.web.accounts import AccountStore

PASSWORD = "twelve chars or more"


def _node_config(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "node.toml"
    config.write_text(f'[node]\nstore = "node.db"\nkey_file = "node.key"\n{extra}')
    return config


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_node_users_add_list_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    config = _node_config(tmp_path, '[console]\nusers = "people.db"\n')
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["node", "users", "add", "--config", str(config), "alice", "--password-stdin"]) == 0
    out = capsys.readouterr().out
    secret = out.splitlines()[2].strip()
    assert "otpauth://totp/" in out and PASSWORD not in out
    store = AccountStore(tmp_path / "people.db")
    try:
        assert store.authenticate("alice", PASSWORD, pyotp.TOTP(secret).at(time.time())) is not None
    finally:
        store.close()
    assert main(["node", "users", "list", "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith("alice (created ")
    _stdin(monkeypatch, "short\n")
    assert main(["node", "users", "add", "--config", str(config), "bob", "--password-stdin"]) == 2
    assert "password: must be at least 12 characters" in capsys.readouterr().err
    assert main(["node", "users", "remove", "--config", str(config), "alice"]) == 0
    assert main(["node", "users", "remove", "--config", str(config), "alice"]) == 1


def test_node_console_configuration_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _node_config(tmp_path, '[console]\nlisten = "everywhere"\n')
    assert main(["node", "console", "--config", str(config)]) == 2
    assert "console.listen" in capsys.readouterr().err
    config = _node_config(tmp_path, '[console]\nport = 1\n')
    assert main(["node", "console", "--config", str(config)]) == 2
    assert "console.port: unknown key" in capsys.readouterr().err
    config = _node_config(tmp_path)
    assert main(["node", "console", "--config", str(config)]) == 2  # no identity to serve HTTPS on
    assert "node.identity" in capsys.readouterr().err


def test_analyst_console_configuration_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              make_identity: object) -> None:
    config = tmp_path / "console.toml"
    config.write_text('[console]\nusers = "a.db"\n[coordinator]\naddress = "127.0.0.1:1"\nname = "sttg"\n')
    assert main(["coordinator", "console", "--config", str(config)]) == 2
    assert "analyst.identity: is required" in capsys.readouterr().err
    member = make_identity("member", "tesco")  # type: ignore[operator]
    config.write_text(f'[analyst]\nidentity = "{member.directory}"\n'
                      '[coordinator]\naddress = "127.0.0.1:1"\nname = "sttg"\n')
    assert main(["coordinator", "console", "--config", str(config)]) == 2
    assert "must be an analyst certificate" in capsys.readouterr().err
    config.write_text('[analyst]\nidentity = "x"\n[coordinator]\naddress = "a:1"\nname = "s"\n[extra]\n')
    assert main(["coordinator", "console", "--config", str(config)]) == 2
    assert "extra: unknown section" in capsys.readouterr().err


def test_coordinator_users_add(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "console.toml"
    config.write_text('[console]\nusers = "a.db"\n[analyst]\nidentity = "id"\n'
                      '[coordinator]\naddress = "127.0.0.1:1"\nname = "sttg"\n')
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["coordinator", "users", "add", "--config", str(config), "ann", "--password-stdin"]) == 0
    assert "account ann created" in capsys.readouterr().out
    assert (tmp_path / "a.db").is_file()


def test_add_account_for_a_node_console(tmp_path: Path) -> None:
    from msin_fed.web.launch import add_account

    config = _node_config(tmp_path)
    new = add_account("node", config, "demo", PASSWORD)
    store = AccountStore(tmp_path / "console-users.db")  # the default, beside the configuration
    try:
        assert store.authenticate("demo", PASSWORD, pyotp.TOTP(new.totp_secret).at(time.time())) is not None
    finally:
        store.close()


def _advisory_config(tmp_path: Path, identity: Path) -> Path:
    config = tmp_path / "advisory.toml"
    config.write_text(f'[console]\nusers = "adv.db"\n[advisory]\nidentity = "{identity}"\n'
                      '[coordinator]\naddress = "127.0.0.1:1"\nname = "sttg"\n')
    return config


def test_advisory_users_add_list_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    config = _advisory_config(tmp_path, tmp_path / "id")
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["advisory", "users", "add", "--config", str(config), "jo", "--password-stdin"]) == 0
    assert "account jo created" in capsys.readouterr().out
    assert main(["advisory", "users", "list", "--config", str(config)]) == 0
    assert capsys.readouterr().out.split() == ["jo"]
    assert main(["advisory", "users", "remove", "--config", str(config), "jo"]) == 0
    capsys.readouterr()
    assert main(["advisory", "users", "list", "--config", str(config)]) == 0
    assert "no accounts" in capsys.readouterr().out


def test_the_advisory_console_needs_an_advisory_certificate(
        tmp_path: Path, make_identity: Callable[[str, str], pki.Identity], capsys: pytest.CaptureFixture[str]) -> None:
    # An analyst's certificate would make the console an analyst at the coordinator.
    analyst = make_identity("analyst", "sttg-analyst")
    assert analyst.directory is not None
    config = _advisory_config(tmp_path, analyst.directory)
    assert main(["advisory", "console", "--config", str(config), "--listen", "127.0.0.1:0"]) == 2
    err = capsys.readouterr().err
    assert "advisory.identity" in err and "advisory" in err and "'analyst'" in err


def test_the_advisory_config_names_a_missing_or_unknown_key(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "advisory.toml"
    config.write_text('[advisory]\nidentity = "id"\n[coordinator]\naddress = "127.0.0.1:1"\n')
    assert main(["advisory", "console", "--config", str(config)]) == 2
    assert "coordinator.name" in capsys.readouterr().err
    config.write_text('[advisory]\nidentity = "id"\nvotes = 3\n[coordinator]\naddress = "a:1"\nname = "s"\n')
    assert main(["advisory", "console", "--config", str(config)]) == 2
    assert "advisory.votes" in capsys.readouterr().err
