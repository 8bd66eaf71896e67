"""``msin node`` commands: init, import (all or nothing), clear failures and exit codes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from msin_fed.node import Node, load_config

from msin_fed.cli import main

HEADER = "report_id,narrative,region,sector,exploitation_type,month,indicators,victims_count,grade,time_sensitive,reporter\n"
ROW = '{rid},"Pickers paid in cash.",,packhouse,labour_exploitation,2024-0{m},debt_bondage,2,2BP,no,Jo\n'


def _config(tmp: Path, key: str = 'key_file = "node.key"') -> Path:
    path = tmp / "node.toml"
    path.write_text(f'[node]\nstore = "node.db"\n{key}\ndefault_region = "Wales"\n')
    return path


def test_init_import_and_bad_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path)
    assert main(["node", "init", "--config", str(cfg)]) == 0
    assert (tmp_path / "node.key").exists() and (tmp_path / "node.db").exists()
    assert main(["node", "init", "--config", str(cfg)]) == 1  # refuses to overwrite

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + ROW.format(rid="A", m=1) + ROW.format(rid="B", m=1).replace("2BP", "2XP") + ROW.format(rid="C", m=3))
    capsys.readouterr()
    assert main(["node", "import", "--config", str(cfg), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3: grade.assessment" in err and "nothing was imported" in err
    conn = sqlite3.connect(tmp_path / "node.db")
    assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0  # nothing written
    conn.close()

    good = tmp_path / "good.csv"
    good.write_text(HEADER + ROW.format(rid="A", m=1) + ROW.format(rid="B", m=2))
    assert main(["node", "import", "--config", str(cfg), str(good)]) == 0
    assert "imported 2 report(s)" in capsys.readouterr().out
    # Importing again clashes with stored ids: reported by line, nothing written.
    assert main(["node", "import", "--config", str(cfg), str(good)]) == 2
    assert f"{good}:2: report_id" in capsys.readouterr().err
    with Node.open(config=load_config(cfg)) as node:
        assert [r.report_id for r in node.reports()] == ["A", "B"]
        assert node.report("A").region.value == "TLL"  # the configured default region
    assert main(["node", "matches", "--config", str(cfg)]) == 0
    assert "no matches" in capsys.readouterr().out


def test_passphrase_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, 'passphrase_env = "TEST_NODE_PASS"')
    assert main(["node", "init", "--config", str(cfg)]) == 2
    assert "TEST_NODE_PASS is not set" in capsys.readouterr().err
    monkeypatch.setenv("TEST_NODE_PASS", "a long enough passphrase")
    assert main(["node", "init", "--config", str(cfg)]) == 0
    monkeypatch.setenv("TEST_NODE_PASS", "another long passphrase")
    capsys.readouterr()
    assert main(["node", "alerts", "--config", str(cfg)]) == 1
    assert "passphrase given does not open" in capsys.readouterr().err


def test_missing_key_file_and_corrupt_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path)
    assert main(["node", "init", "--config", str(cfg)]) == 0
    (tmp_path / "node.key").rename(tmp_path / "elsewhere.key")
    capsys.readouterr()
    assert main(["node", "matches", "--config", str(cfg)]) == 2
    assert "node.key: key_file: key file not found" in capsys.readouterr().err
    (tmp_path / "elsewhere.key").rename(tmp_path / "node.key")
    (tmp_path / "node.db").write_bytes(b"\x00garbage" * 500)
    assert main(["node", "matches", "--config", str(cfg)]) == 1
    assert "not a node store or is damaged" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[node]\n", "node.store"),
        ('[node]\nstore = "x.db"\n', "node.key_file"),
        ('[node]\nstore = "x.db"\nkey_file = "k"\ncolour = 1\n', "node.colour"),
        ('[node]\nstore = "x.db"\nkey_file = "k"\ndefault_region = "Atlantis"\n', "node.default_region"),
        ('[node]\nstore = "x.db"\nkey_file = "k"\n[key_holders]\nthreshold = 2\nholders = [{name = "a", address = "h:1"}]\n', "key_holders.threshold"),
        ('[node]\nstore = 5\nkey_file = "k"\n', "node.store"),
        ("not toml [", "file"),
    ],
)
def test_invalid_config(tmp_path: Path, text: str, key: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["node", "sync", "--config", str(path)]) == 2
    assert f"{path}: {key}:" in capsys.readouterr().err


def test_documented_example_config_loads() -> None:
    config = load_config(Path(__file__).parents[2] / "docs" / "config-examples" / "node.toml")
    assert config.threshold == 2 and len(config.holders) == 3 and config.key_file is not None
