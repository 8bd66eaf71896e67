"""Defects a new user met on first use (issue 18): options, help text, messages,
configuration names and private key file permissions. Real files and the real ``msin``
command (in-process and as a child process)."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from msin_fed import pki
from msin_fed.cli import main
from msin_fed.errors import ConfigError, ValidationError


def _node_config(tmp: Path, extra: str = "") -> Path:
    path = tmp / "node.toml"
    path.write_text(f'[node]\nstore = "node.db"\nkey_file = "node.key"\n{extra}')
    return path


# ---------------------------------------------------------------- global options anywhere


def test_verbose_is_accepted_after_the_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _node_config(tmp_path)
    assert main(["node", "init", "--config", str(cfg), "-v"]) == 0
    assert main(["node", "matches", "-v", "--config", str(cfg)]) == 0
    assert main(["-v", "node", "matches", "--config", str(cfg)]) == 0
    assert main(["node", "--verbose", "matches", "--config", str(cfg)]) == 0
    assert "no matches" in capsys.readouterr().out


# ---------------------------------------------------------------- help text


@pytest.mark.parametrize("area", ["ca", "demo", "node", "keyholder", "coordinator", "redact", "link"])
def test_help_from_docstrings_is_plain_text(area: str) -> None:
    done = subprocess.run([sys.executable, "-m", "msin_fed.cli", area, "--help"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    for markup in ("``", ":mod:", ":class:", ":func:", ":meth:", ":attr:", "`~"):
        assert markup not in done.stdout, (markup, done.stdout)


def test_ca_help_keeps_its_words() -> None:
    from msin_fed.cli import plain_text

    text = plain_text("``msin ca``: keys written by :mod:`msin_fed.pki`, see :class:`~msin_fed.pki.Identity`.")
    assert text == "'msin ca': keys written by msin_fed.pki, see Identity."


# ---------------------------------------------------------------- grammar of type errors


def test_type_errors_read_as_english(tmp_path: Path) -> None:
    from msin_fed.node import load_config

    from msin_fed.model import Grade
    from msin_fed.model.grading import Assessment, Handling

    cfg = tmp_path / "n.toml"
    cfg.write_text('[node]\nstore = "x.db"\nkey_file = "k"\n[key_holders]\nthreshold = "2"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert "must be a whole number" in str(caught.value) and "a int" not in str(caught.value)
    with pytest.raises(ValidationError) as wrong:
        Grade(1, Assessment.A, Handling.P)  # type: ignore[arg-type]
    assert "must be a SourceEvaluation" in str(wrong.value)
    from msin_fed.errors import type_phrase

    assert [type_phrase(k) for k in (int, float, str, bool, list, dict, ValueError)] == [
        "a whole number", "a number", "text", "true or false", "a list", "a table", "a ValueError",
    ]
    assert type_phrase(type("IntelligenceReport", (), {})) == "an IntelligenceReport"


# ---------------------------------------------------------------- the pinned dealing


def test_threshold_off_the_pinned_dealing_gives_both_values(
    tmp_path: Path, make_identity: Callable[[str, str], pki.Identity]
) -> None:
    from msin_fed.threshold import deal
    from msin_fed.tokenizer import HolderEndpoint, Tokenizer

    public = deal(2, 3, epoch=4).public
    holders = [HolderEndpoint(f"kh{j}", f"127.0.0.1:{j}") for j in (1, 2, 3)]
    with pytest.raises(ValidationError) as caught:
        Tokenizer(holders, 3, make_identity("member", "grower"), public=public)
    assert "3" in str(caught.value) and "2" in str(caught.value)
    assert "threshold 3 is configured but the pinned dealing has threshold 2" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        Tokenizer(holders, 2, make_identity("member", "grower"), epoch=5, public=public)
    assert "epoch 5 is configured but the pinned dealing has epoch 4" in str(caught.value)


# ---------------------------------------------------------------- one name for the identity directory


def test_identity_dir_is_the_one_name_and_old_names_warn(
    tmp_path: Path, make_identity: Callable[[str, str], pki.Identity], caplog: pytest.LogCaptureFixture
) -> None:
    from msin_fed.node import load_config as load_node

    from msin_fed.keyholder import load_config as load_keyholder

    ident = make_identity("member", "grower").directory
    assert ident is not None
    new = _node_config(tmp_path, f'identity_dir = "{ident}"\n')
    with caplog.at_level(logging.WARNING):
        assert load_node(new).identity_dir == ident
    assert not caplog.records
    old = tmp_path / "old.toml"
    old.write_text(f'[node]\nstore = "node.db"\nkey_file = "node.key"\nidentity = "{ident}"\n')
    with caplog.at_level(logging.WARNING):
        assert load_node(old).identity_dir == ident
    assert any("node.identity is deprecated" in r.getMessage() and "identity_dir" in r.getMessage()
               for r in caplog.records), caplog.text
    both = tmp_path / "both.toml"
    both.write_text(old.read_text() + f'identity_dir = "{ident}"\n')
    with pytest.raises(ConfigError, match="identity_dir"):
        load_node(both)

    # The key holder's configuration: identity_dir, and cert_dir still read with a warning.
    sys.path.insert(0, str(Path(__file__).parent / "keyholder"))
    try:
        from keyholder_net import write_config
    finally:
        sys.path.pop(0)
    from msin_fed.threshold import deal, write_dealing

    kh = make_identity("keyholder", "kh1").directory
    assert kh is not None
    share = write_dealing(deal(2, 3, epoch=1), tmp_path / "dealing")[1]
    (tmp_path / "kh").mkdir()
    path = write_config(tmp_path / "kh", kh, share)
    text = path.read_text()
    assert "identity_dir = " in text  # the helper writes the one name
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert load_keyholder(path).identity_dir == kh
    assert not caplog.records
    path.write_text(text.replace("identity_dir = ", "cert_dir = "))
    with caplog.at_level(logging.WARNING):
        assert load_keyholder(path).identity_dir == kh
    assert any("cert_dir is deprecated" in r.getMessage() for r in caplog.records), caplog.text

    # Every documented example uses the one name.
    examples = Path(__file__).parents[1] / "docs" / "config-examples"
    for example in examples.glob("*.toml"):
        body = example.read_text()
        assert "identity_dir = " in body, example
        assert "\ncert_dir" not in body and "\nidentity = " not in body, example


def test_roster_usage_takes_identity_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["keyholder", "usage", "--help"])
    out = capsys.readouterr().out
    assert "--identity-dir" in out


# ---------------------------------------------------------------- private key files


def test_group_readable_node_key_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _node_config(tmp_path)
    assert main(["node", "init", "--config", str(cfg)]) == 0
    key = tmp_path / "node.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    os.chmod(key, 0o644)
    capsys.readouterr()
    assert main(["node", "matches", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert f"chmod 600 {key}" in err and "0644" in err
    os.chmod(key, 0o600)
    assert main(["node", "matches", "--config", str(cfg)]) == 0


def test_group_readable_identity_key_is_refused(tmp_path: Path) -> None:
    ca = pki.init_ca(tmp_path / "ca")
    assert stat.S_IMODE((ca / "ca.key").stat().st_mode) == 0o600
    out = tmp_path / "grower"
    pki.issue(ca, "member", "grower", out)
    for name in ("key.pem", "signing.key"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name
    pki.load_identity(out)
    os.chmod(out / "key.pem", 0o640)
    with pytest.raises(ConfigError, match=rf"chmod 600 {out / 'key.pem'}"):
        pki.load_identity(out)
    os.chmod(out / "key.pem", 0o600)
    os.chmod(out / "signing.key", 0o604)
    with pytest.raises(ConfigError, match=r"chmod 600"):
        pki.load_identity(out)


def test_ca_issue_writes_keys_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    ca = tmp_path / "ca"
    env = dict(os.environ)
    script = (
        "import os, sys; os.umask(0); from msin_fed.cli import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    for args in (["ca", "init", str(ca)], ["ca", "issue", str(ca), "--role", "member", "--name", "ngo",
                                           "--out", str(tmp_path / "ngo")]):
        done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                              env=env, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((ca / "ca.key").stat().st_mode) == 0o600
    for name in ("key.pem", "signing.key"):
        assert stat.S_IMODE((tmp_path / "ngo" / name).stat().st_mode) == 0o600, name


def test_share_file_and_signing_keys_must_be_owner_only(tmp_path: Path) -> None:
    from msin_fed.checkpoint import load_or_create_signing_key
    from msin_fed.keyholder.roster import load_signing_key, write_signing_key
    from msin_fed.threshold import deal, load_share, write_dealing

    share = write_dealing(deal(2, 3, epoch=1), tmp_path / "d")[1]
    load_share(share)
    os.chmod(share, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_share(share)
    write_signing_key(tmp_path / "roster.key")
    os.chmod(tmp_path / "roster.key", 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_signing_key(tmp_path / "roster.key")
    checkpoint = tmp_path / "checkpoint.key"
    load_or_create_signing_key(checkpoint, create=True)
    assert stat.S_IMODE(checkpoint.stat().st_mode) == 0o600
    os.chmod(checkpoint, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_or_create_signing_key(checkpoint, create=False)
