"""``msin link``: a bad field is a missing field, not a missing row."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from mention_files import write_mentions

from msin_fed.cli import main
from msin_fed.linkage.pipeline import link_files, summarise


def pairs(out: Path) -> set[tuple[str, str]]:
    return {(r["left_id"], r["right_id"]) for r in csv.DictReader(open(out, encoding="utf-8"))}


def test_a_bad_postcode_keeps_the_name_phone_and_nino_of_its_row(tmp_path: Path) -> None:
    a = write_mentions(tmp_path / "a.csv", [
        dict(record_id="a1", given_name="Ion", family_name="Popescu", date_of_birth="1990-01-01",
             phone="07700 900001", postcode="PE21 XXX", street_address="1 High Street"),
        dict(record_id="a2", national_id="JG103759A", postcode="not a postcode"),
    ])
    b = write_mentions(tmp_path / "b.csv", [dict(record_id="b1", phone="+44 7700 900001"),
                                   dict(record_id="b2", national_id="JG 10 37 59 A")])
    result = link_files([a, b])
    assert {(p.left_id, p.right_id) for p in result.pairs} == {("a1", "b1"), ("a2", "b2")}
    assert result.records == 4 and result.skipped == ()
    assert sorted((e.line, e.field) for e in result.ignored) == [(2, "postcode"), (3, "postcode")]


def test_stderr_counts_per_column_with_the_first_lines_and_never_the_values(tmp_path: Path) -> None:
    bad_postcodes = [f"ZZ{n} 9ZZ9" for n in range(7)]
    a = write_mentions(tmp_path / "a.csv", [
        *(dict(record_id=f"a{n}", phone=f"07700 90010{n}", postcode=pc) for n, pc in enumerate(bad_postcodes)),
        dict(record_id="a8", phone="07700 9", email="ion@@example.org"),
        dict(record_id="", phone="07700 900555"),  # no record id: cannot be a record
        dict(record_id="a0", phone="07700 900999"),  # repeated id
    ])
    b = write_mentions(tmp_path / "b.csv", [dict(record_id="b1", phone="+447700900100")])
    out = tmp_path / "pairs.csv"
    run = subprocess.run([sys.executable, "-m", "msin_fed.cli", "link", str(a), str(b), "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    err = run.stderr
    assert f"{a}: 9 value(s) failed validation and were ignored (their rows are kept):" in err
    assert "postcode: 7 (wrong format" in err and "lines 2, 3, 4, 5, 6, ..." in err
    assert "phone: 1 (" in err and "email: 1 (" in err and "line 9" in err
    assert f"{a}: 2 row(s) left out:" in err and "record_id: 2 (is empty; is repeated in this file)" in err
    for value in [*bad_postcodes, "07700 9", "ion@@example.org", "07700 900999"]:
        assert value not in err
    assert pairs(out) == {("a0", "b1")}


def test_skip_bad_rows_is_an_accepted_no_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_mentions(tmp_path / "a.csv", [dict(record_id="a1", phone="07700 900001", postcode="BAD")])
    b = write_mentions(tmp_path / "b.csv", [dict(record_id="b1", phone="07700 900001")])
    with_flag, without = tmp_path / "p1.csv", tmp_path / "p2.csv"
    assert main(["link", str(a), str(b), "--out", str(with_flag), "--skip-bad-rows"]) == 0
    assert "--skip-bad-rows is no longer needed" in capsys.readouterr().err
    assert main(["link", str(a), str(b), "--out", str(without)]) == 0
    assert pairs(with_flag) == pairs(without) == {("a1", "b1")}


def test_a_wrong_header_still_stops_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = tmp_path / "a.csv"
    a.write_text("record_id,shoe_size\na1,44\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text("given_name,phone\nIon,07700 900001\n", encoding="utf-8")
    out = tmp_path / "pairs.csv"
    assert main(["link", str(a), str(b), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{a}:1: shoe_size: unknown column" in err
    assert f"{b}:1: record_id: column is missing from the header (the header has: given_name, phone)" in err
    assert not out.exists()


def test_summarise_groups_by_file_and_column() -> None:
    from msin_fed.errors import RowError

    errors = [RowError(n, "postcode", "bad", "a.csv") for n in range(2, 12)] + [RowError(4, "phone", "short", "b.csv")]
    found = summarise(errors, first=3)
    assert [(s.source, s.column, s.count, s.lines) for s in found] == [
        ("a.csv", "postcode", 10, (2, 3, 4)), ("b.csv", "phone", 1, (4,))]
    assert str(found[0]) == "postcode: 10 (bad); lines 2, 3, 4, ..."
