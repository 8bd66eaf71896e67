"""Node import: a bad identifier is stored with its report (shown, never tokenized), ``--strict`` refuses.

Real SQLite store, the real ``msin`` entry point and the real redactor.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from msin_fed.node import ImportResult, Node, Passphrase, load_config

from msin_fed.cli import main
from msin_fed.errors import ImportValidationError
from msin_fed.redaction import Redactor

from .conftest import FAST_KDF

HEADER = "report_id,narrative,region,sector,exploitation_type,month,grade\n"
NARRATIVE = ("Marek Nowak collects the wages; his NI number JG 10 37 5 A was on the payslip "
             "and his phone is 0770 090 0123 4.")
REPORTS = f'R1,"{NARRATIVE}",Wales,packhouse,labour_exploitation,2024-05,2BP\nR2,"Nothing named.",Wales,packhouse,labour_exploitation,2024-06,2BP\n'
BAD_NINO = "JG 10 37 5 A"  # five digits: a mistyped NINO
BAD_PHONE = "0770 090 0123 4"  # too long for a UK number
MENTIONS = (
    "record_id,given_name,family_name,phone,national_id,email\n"
    f"R1,Marek,Nowak,{BAD_PHONE},{BAD_NINO},marek.nowak@example.org\n"
    "R2,,,07700 900123,,\n"
)
PASS = Passphrase("node passphrase for tests")


def _files(tmp: Path) -> tuple[Path, Path]:
    reports, mentions = tmp / "reports.csv", tmp / "mentions.csv"
    reports.write_text(HEADER + REPORTS, encoding="utf-8")
    mentions.write_text(MENTIONS, encoding="utf-8")
    return reports, mentions


def _config(tmp: Path) -> Path:
    path = tmp / "node.toml"
    path.write_text('[node]\nstore = "node.db"\nkey_file = "node.key"\n')
    return path


def test_cli_import_keeps_bad_identifiers_as_invalid_fields_with_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path)
    reports, mentions = _files(tmp_path)
    assert main(["node", "init", "--config", str(cfg)]) == 0
    capsys.readouterr()
    assert main(["node", "import", "--config", str(cfg), str(reports), str(mentions)]) == 0
    captured = capsys.readouterr()
    assert "imported 2 report(s)" in captured.out and "2 identifier value(s) failed validation" in captured.out
    assert f"warning: {mentions}:2: phone: is not a possible number" in captured.err
    assert f"warning: {mentions}:2: national_id: is not a National Insurance number" in captured.err
    assert "never tokenized or shared" in captured.err
    for value in (BAD_PHONE, BAD_NINO):
        assert value not in captured.out + captured.err

    # Shown to the member in full, with the reason; the valid fields are ordinary identifiers.
    assert main(["node", "invalid-fields", "--config", str(cfg)]) == 0
    listing = capsys.readouterr().out
    assert f"R1: phone: {BAD_PHONE!r}: is not a possible number" in listing and BAD_NINO in listing
    assert main(["node", "invalid-fields", "--config", str(cfg), "R1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["column"], r["value"]) for r in rows] == [("phone", BAD_PHONE), ("national_id", BAD_NINO)]
    assert main(["node", "invalid-fields", "--config", str(cfg), "R2"]) == 0
    assert "no invalid fields stored" in capsys.readouterr().out
    with Node.open(config=load_config(cfg)) as node:
        (mention,) = node.report("R1").mentions
        assert mention.phone is None and mention.nino is None and mention.email is not None
        assert mention.name is not None and mention.name.family == "Nowak"

    # The store holds them encrypted like everything else: no plaintext in any store file.
    for path in tmp_path.glob("node.db*"):
        raw = path.read_bytes()
        for value in (BAD_PHONE, BAD_NINO, "Nowak"):
            assert value.encode() not in raw, (path.name, value)


def test_cli_strict_refuses_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path)
    reports, mentions = _files(tmp_path)
    assert main(["node", "init", "--config", str(cfg)]) == 0
    capsys.readouterr()
    assert main(["node", "import", "--config", str(cfg), "--strict", str(reports), str(mentions)]) == 2
    err = capsys.readouterr().err
    assert f"{mentions}:2: phone: is not a possible number" in err and f"{mentions}:2: national_id:" in err
    assert "nothing was imported" in err and BAD_PHONE not in err and BAD_NINO not in err
    conn = sqlite3.connect(tmp_path / "node.db")
    assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0
    conn.close()


def test_report_fields_stay_all_or_nothing(tmp_path: Path) -> None:
    reports, mentions = _files(tmp_path)
    reports.write_text(HEADER + REPORTS.replace("2024-06", "2024-13"), encoding="utf-8")
    with Node.open(tmp_path / "n.db", key=PASS, create=True, kdf=FAST_KDF) as node:
        with pytest.raises(ImportValidationError) as info:
            node.import_file(reports, mentions)
        assert [(e.line, e.field) for e in info.value.errors] == [(3, "month")]
        assert node.reports() == []


class _NoTokens:
    """A tokenizer that fails if asked: a preview must not tokenize anything."""

    @property
    def epoch(self) -> int:
        raise AssertionError("asked for the epoch")

    def tokenize(self, inputs: Sequence[bytes]) -> list[bytes]:
        raise AssertionError("asked for tokens")


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def test_invalid_values_survive_a_reopen_are_redacted_and_never_tokenized(tmp_path: Path, redactor: Redactor) -> None:
    reports, mentions = _files(tmp_path)
    path = tmp_path / "n.db"
    with Node.open(path, key=PASS, create=True, kdf=FAST_KDF) as node:
        with pytest.raises(ImportValidationError):
            node.import_file(reports, mentions, strict=True)
        result = node.import_file(reports, mentions)
        assert isinstance(result, ImportResult) and result.report_ids == ("R1", "R2")
        assert [(w.line, w.field) for w in result.warnings] == [(2, "phone"), (2, "national_id")]
    with Node.open(path, key=PASS, kdf=FAST_KDF, redactor=redactor, tokenizer=_NoTokens()) as node:
        found = node.invalid_fields()
        assert [(rid, f.column, f.value) for rid, f in found] == [("R1", "phone", BAD_PHONE),
                                                                  ("R1", "national_id", BAD_NINO)]
        preview = node.preview_share("R1", tlp="AMBER")
    # Recall before tidiness: the mistyped values still identify Marek, so they go.
    assert BAD_NINO not in preview.narrative and "JG 10" not in preview.narrative
    assert "0123 4" not in preview.narrative and "Nowak" not in preview.narrative
    assert not preview.would_refuse
    # Never tokenized: no phone or NINO token, only what the valid fields give.
    assert "phone" not in preview.token_kinds and "nino" not in preview.token_kinds
    assert "email" in preview.token_kinds


def test_the_deny_list_is_what_removes_a_mistyped_nino(redactor: Redactor) -> None:
    """Guard on the test above: the NER alone keeps this mistyped NINO, the deny-list removes it."""
    text = f"His NI number {BAD_NINO} was on the payslip."
    assert BAD_NINO in redactor.redact(text).text
    assert BAD_NINO not in redactor.redact(text, [BAD_NINO]).text


def test_codec_keeps_invalid_fields_and_a_value_a_stricter_rule_now_rejects() -> None:
    from msin_fed.node.codec import report_from_bytes, report_to_bytes

    from msin_fed.model import InvalidField

    from .conftest import make_report

    report = make_report("R1")
    stored = json.loads(report_to_bytes(report))
    stored["mentions"][0]["invalid_fields"] = [{"column": "email", "value": "ion@@x", "problem": "wrong format"}]
    stored["mentions"][0]["nino"]["value"] = "GB123456A"  # a prefix HMRC never issues
    back = report_from_bytes(json.dumps(stored).encode())
    (mention,) = back.mentions
    assert mention.nino is None and mention.phone == report.mentions[0].phone
    assert mention.invalid_fields[0] == InvalidField("email", "ion@@x", "wrong format")
    assert (mention.invalid_fields[1].column, mention.invalid_fields[1].value) == ("national_id", "GB123456A")
    assert report_from_bytes(report_to_bytes(back)) == back


def test_uk_numbers_under_a_foreign_country_and_too_short_numbers(tmp_path: Path, redactor: Redactor) -> None:
    """A UK mobile in national form in a Polish row is a UK phone (tokenized, redacted); a
    too-short number is an invalid field, never a token, and still leaves the narrative."""
    uk_mobile, short = "07911 123456", "07700 12"
    reports, mentions = tmp_path / "reports.csv", tmp_path / "mentions.csv"
    narrative = f"Piotr rings from {uk_mobile}; Anna gave {short} before the line went dead."
    reports.write_text(HEADER + f'R1,"{narrative}",Wales,packhouse,labour_exploitation,2024-05,2BP\n'
                       'R2,"Nothing named.",Wales,packhouse,labour_exploitation,2024-06,2BP\n', encoding="utf-8")
    mentions.write_text("record_id,given_name,family_name,phone,country\n"
                        f"R1,Piotr,Kowalski,{uk_mobile},PL\nR1,Anna,Lis,{short},PL\nR2,,,{short},GB\n", encoding="utf-8")
    with Node.open(tmp_path / "n.db", key=PASS, create=True, kdf=FAST_KDF, redactor=redactor,
                   tokenizer=_NoTokens()) as node:
        result = node.import_file(reports, mentions)
        assert [(w.line, w.field) for w in result.warnings] == [(3, "phone"), (4, "phone")]
        piotr, anna = node.report("R1").mentions
        assert piotr.phone is not None and piotr.phone.region == "GB" and anna.phone is None
        preview = node.preview_share("R1", tlp="AMBER")
    assert preview.token_kinds.count("phone") == 1
    squashed = preview.narrative.replace(" ", "")
    for digits in ("07911123456", "123456", "0770012", "77012"):
        assert digits not in squashed, digits
    assert not preview.would_refuse
