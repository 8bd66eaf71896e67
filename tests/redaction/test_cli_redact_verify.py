"""``msin redact --verify`` through the real command: refused records reported, kept apart, exit 3."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from msin_fed.cli import EXIT_BAD_INPUT
from msin_fed.cli.redact import EXIT_REFUSED

# Residue the first pass is documented to leave (a six-digit number with no cue, which it
# keeps like a count; an e-mail with its punctuation written as "_at_" and "_dot_"); the
# residue scan refuses both.
LEAKY = "The letter from the agency showed 448812 at the top."
LEAKY_MAIL = "Replies go to the recruiter, besnik_gashi_at_yahoo_dot_co_dot_uk, every week."
SECRET_PARTS = ("gashi", "448812")


def _msin(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "msin_fed.cli", *args], capture_output=True, text=True, timeout=300
    )


def _write(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_refused_records_are_reported_kept_apart_and_the_rest_written(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", [
        {"id": "clean-1", "text": "Call from ion popescu on 07700 900123 about 12 workers in Wisbech.",
         "known_identifiers": ["Ion Popescu"]},
        {"id": "leaky", "text": LEAKY},
        {"id": "clean-2", "text": "Nothing here, £450 a week for 14 hours a day since March 2023."},
        {"id": "leaky-mail", "text": LEAKY_MAIL},
    ])
    out = tmp_path / "out.jsonl"
    result = _msin("redact", "--input", str(src), "--output", str(out), "--verify")
    assert result.returncode == EXIT_REFUSED, result.stderr

    # Every refused record on stderr: its line, its id, the finding types; never text.
    lines = result.stderr.splitlines()
    assert any(x.startswith(f"{src}:2: refused record \"leaky\"") and "ID_NUMBER" in x for x in lines)
    assert any(x.startswith(f"{src}:4: refused record \"leaky-mail\"") and "PERSON" in x for x in lines)
    assert "2 of 4 record(s) refused" in result.stderr
    for part in SECRET_PARTS:
        assert part not in result.stderr and part not in result.stdout

    # The output holds the clean records only, in order; the refused one is never there.
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["clean-1", "clean-2"]
    assert all(part not in out.read_text(encoding="utf-8") for part in SECRET_PARTS)

    # The refused file (default <output>.refused.jsonl) has it, with types and positions.
    refused = [json.loads(line) for line in Path(f"{out}.refused.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["line"]) for r in refused] == [("leaky", 2), ("leaky-mail", 4)]
    assert [{f["type"] for f in r["findings"]} for r in refused] == [{"ID_NUMBER"}, {"PERSON"}]
    for row in refused:
        for f in row["findings"]:
            assert 0 <= f["start"] < f["end"] <= len(row["text"])


def test_refused_path_option_and_clean_run_exit_zero(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", [{"id": 1, "text": LEAKY}, {"id": 2, "text": "Paid £300 in cash."}])
    out, held = tmp_path / "out.jsonl", tmp_path / "held.jsonl"
    result = _msin("redact", "--input", str(src), "--output", str(out), "--verify", "--refused", str(held))
    assert result.returncode == EXIT_REFUSED, result.stderr
    assert [json.loads(x)["id"] for x in held.read_text(encoding="utf-8").splitlines()] == [1]
    assert [json.loads(x)["id"] for x in out.read_text(encoding="utf-8").splitlines()] == [2]

    clean = _write(tmp_path / "clean.jsonl", [{"id": 2, "text": "Paid £300 in cash."}])
    result = _msin("redact", "--input", str(clean), "--output", str(out), "--verify", "--refused", str(held))
    assert result.returncode == 0, result.stderr
    assert held.read_text(encoding="utf-8") == ""  # no stale refusals left from the last run


def test_refused_needs_verify(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", [{"id": 1, "text": "x"}])
    result = _msin("redact", "--input", str(src), "--output", str(tmp_path / "o.jsonl"), "--refused", str(tmp_path / "r"))
    assert result.returncode == EXIT_BAD_INPUT
    assert "--verify" in result.stderr
