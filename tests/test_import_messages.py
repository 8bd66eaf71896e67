"""Import messages a new user can act on (issue 18), through the real ``msin`` entry point.

Each test names a defect a new user met: the message must say what is wrong and where,
and never quote a value.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from msin_fed import canonical
from msin_fed.cli import main
from msin_fed.errors import ImportValidationError
from msin_fed.model import MENTION_COLUMNS

HEADER = "report_id,narrative,region,sector,exploitation_type,month,indicators,victims_count,grade,time_sensitive,reporter"
ROW = 'R{n},"Pickers paid in cash.",TLK,packhouse,labour_exploitation,2024-05,debt_bondage,2,2BP,no,Jo'


def _reports(tmp_path: Path, header: str = HEADER, rows: int = 2, name: str = "reports.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + "\n" + "".join(ROW.format(n=n) + "\n" for n in range(1, rows + 1)), encoding="utf-8")
    return path


def _errors(*args: object, **kwargs: object) -> list[str]:
    with pytest.raises(ImportValidationError) as info:
        canonical.load(*args, **kwargs)  # type: ignore[arg-type]
    return [str(e) for e in info.value.errors]


def test_a_missing_column_is_named_once_on_the_header_line(tmp_path: Path) -> None:
    header = HEADER.replace(",sector", "")
    rows = "".join(ROW.format(n=n).replace(",packhouse", "") + "\n" for n in (1, 2, 3))
    path = tmp_path / "r.csv"
    path.write_text(header + "\n" + rows, encoding="utf-8")
    (message,) = _errors(path)
    assert message.startswith(f"{path}:1: sector: column is missing from the header")
    assert "report_id, narrative, region, exploitation_type" in message  # the header found
    assert "is empty" not in message


def test_missing_grade_columns_say_which_to_give(tmp_path: Path) -> None:
    header = HEADER.replace(",grade", "")
    path = tmp_path / "r.csv"
    path.write_text(header + "\n" + ROW.format(n=1).replace(",2BP", "") + "\n", encoding="utf-8")
    (message,) = _errors(path)
    assert ":1: grade: column is missing" in message and "source_evaluation, assessment and handling" in message


def test_a_json_report_without_a_key_says_missing_not_empty(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps([{"report_id": "J1", "narrative": "x", "region": "Wales", "sector": "packhouse",
                                 "exploitation_type": "labour_exploitation", "grade": "2BP"}]), encoding="utf-8")
    assert _errors(path) == [f"{path}:1: month: is missing"]


def test_an_impossible_date_is_not_a_real_date(tmp_path: Path) -> None:
    reports = _reports(tmp_path, rows=1)
    mentions = tmp_path / "m.csv"
    mentions.write_text("record_id,given_name,date_of_birth\nR1,Ion,31/02/1990\n", encoding="utf-8")
    (warning,) = canonical.load(reports, mentions).warnings
    assert (warning.line, warning.field) == (2, "date_of_birth")
    assert "is not a real date" in warning.problem and "wrong format" not in warning.problem
    (message,) = _errors(reports, mentions, strict=True)
    assert "date_of_birth: is not a real date" in message and "31" not in message.split("date_of_birth")[1]


@pytest.mark.parametrize(("delimiter", "word"), [(";", "semicolon"), ("\t", "tab")])
def test_semicolon_and_tab_files_are_read_with_a_note(tmp_path: Path, delimiter: str, word: str) -> None:
    reports = tmp_path / "r.csv"
    reports.write_text(
        HEADER.replace(",", delimiter) + "\n"
        + "".join(ROW.format(n=n).replace(",", delimiter).replace('"Pickers paid in cash."', '"Paid; in cash, late"')
                  + "\n" for n in (1, 2)),
        encoding="utf-8",
    )
    mentions = tmp_path / "m.csv"
    mentions.write_text(delimiter.join(["record_id", "given_name", "phone"]) + "\n"
                        + delimiter.join(["R1", "Ion", "07700 900123"]) + "\n", encoding="utf-8")
    loaded = canonical.load(reports, mentions)
    assert [r.report_id for r in loaded.reports] == ["R1", "R2"]
    assert loaded.reports[0].narrative == "Paid; in cash, late"
    assert loaded.reports[0].mentions[0].phone is not None
    assert loaded.notes == (f"{reports}: read as {word}-delimited", f"{mentions}: read as {word}-delimited")


def test_a_latin1_file_is_reported_at_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    text = HEADER + "\n" + ROW.format(n=1).replace("Pickers", "Cueilleurs payés") + "\n"
    path.write_bytes(text.encode("latin-1"))
    (message,) = _errors(path)
    offset = text.encode("latin-1").index("é".encode("latin-1"))
    assert message.startswith(f"{path}:2: file: is not UTF-8 text")
    assert f"offset {offset}" in message and "re-save the file as UTF-8" in message


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "\n" + ROW.format(n=1) + "\n").encode())
    assert [r.report_id for r in canonical.load(path).reports] == ["R1"]


def test_a_missing_file_says_it_does_not_exist_without_a_line(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.csv"
    assert _errors(missing) == [f"{missing}: file: does not exist"]
    config = tmp_path / "node.toml"
    config.write_text('[node]\nstore = "node.db"\nkey_file = "node.key"\n')
    assert main(["node", "init", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["node", "import", "--config", str(config), str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"{missing}: file: does not exist" in err and ":0:" not in err


def test_bad_json_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('[\n  {"report_id": "J1",\n   "narrative" "x"}\n]\n', encoding="utf-8")
    (message,) = _errors(path)
    assert message == f"{path}:3: file: is not valid JSON: Expecting ':' delimiter at line 3, column 16"


def test_msin_redact_names_the_missing_id_and_documents_its_input(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "Ion Popescu drives the van."}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    run = subprocess.run([sys.executable, "-m", "msin_fed.cli", "redact", "--input", str(source), "--output", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert f'{source}:1: id: is missing (every line needs "id" and "text"' in run.stderr
    assert "imported" not in run.stderr and "nothing was redacted or written" in run.stderr
    assert not out.exists()
    helped = subprocess.run([sys.executable, "-m", "msin_fed.cli", "redact", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0
    assert '"id"' in helped.stdout and "known_identifiers" in helped.stdout and "required" in helped.stdout


def test_link_reports_a_missing_file_and_a_semicolon_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = tmp_path / "a.csv"
    a.write_text(";".join(MENTION_COLUMNS[:5]) + "\n" + "a1;Ion;Popescu;1990-01-01;07700 900001\n", encoding="utf-8")
    missing = tmp_path / "b.csv"
    out = tmp_path / "pairs.csv"
    assert main(["link", str(a), str(missing), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{missing}: file: does not exist" in err and "nothing was linked" in err
    b = tmp_path / "b.csv"
    b.write_text("record_id,phone\nb1,+44 7700 900001\n", encoding="utf-8")
    assert main(["link", str(a), str(b), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{a}: read as semicolon-delimited" in err
    assert out.read_text().splitlines()[1].startswith("a1,b1,")
