"""``msin redact`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from msin_fed.cli import EXIT_BAD_INPUT, main


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_redacts_in_order(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", [
        json.dumps({"id": 1, "text": "Call from ion popescu on 07700 900123 about 12 workers in Wisbech.",
                    "known_identifiers": ["Ion Popescu"]}),
        json.dumps({"id": "b", "text": "Nothing here, £450 a week."}),
    ])
    out = tmp_path / "out.jsonl"
    assert main(["redact", "--input", str(src), "--output", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [1, "b"]
    assert rows[0]["text"] == "Call from <PERSON_1> on <PHONE_1> about 12 workers in Wisbech."
    assert rows[0]["entities"] == {"PERSON": 1, "PHONE": 1}
    assert rows[1] == {"id": "b", "text": "Nothing here, £450 a week.", "entities": {}}


def test_bad_lines_are_reported_by_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path / "bad.jsonl", [
        json.dumps({"id": 1, "text": "fine"}),
        "not json",
        json.dumps({"id": 3, "text": 5}),
        json.dumps({"id": 4, "text": "x", "known_identifiers": "Ion"}),
    ])
    out = tmp_path / "out.jsonl"
    assert main(["redact", "--input", str(src), "--output", str(out)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert ":2:" in err and ":3: text" in err and ":4: known_identifiers" in err
    assert not out.exists()


def test_missing_input_is_bad_input(tmp_path: Path) -> None:
    code = main(["redact", "--input", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "o.jsonl")])
    assert code == EXIT_BAD_INPUT


def test_verify_runs_the_second_pass_batched_and_in_workers(tmp_path: Path) -> None:
    rows = [json.dumps({"id": i, "text": f"Report {i}: ion popescu took {i + 2} passports; call 07700 900{i:03d}.",
                        "known_identifiers": ["Ion Popescu"]}) for i in range(6)]
    src = _write(tmp_path / "in.jsonl", rows)
    plain, verified = tmp_path / "plain.jsonl", tmp_path / "verified.jsonl"
    assert main(["redact", "--input", str(src), "--output", str(plain)]) == 0
    assert main(["redact", "--input", str(src), "--output", str(verified), "--verify", "--workers", "2"]) == 0
    assert verified.read_text(encoding="utf-8") == plain.read_text(encoding="utf-8")
    assert "popescu" not in verified.read_text(encoding="utf-8").lower()
