"""The canonical import layout: every bad row by line and field, nothing on any error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from msin_fed import canonical
from msin_fed.errors import ImportValidationError
from msin_fed.model import Grade, Indicator, Nino, Phone, Region, Sector

HEADER = "report_id,narrative,region,sector,exploitation_type,month,indicators,victims_count,grade,time_sensitive,reporter\n"
GOOD = 'R{n},"Workers at a farm paid in cash, passports held.",TLK,growing_picking,labour_exploitation,2024-05,debt_bondage;retention_of_documents,7,2BP,yes,Jo Bloggs\n'


def _csv(tmp_path: Path, body: str, name: str = "reports.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_good_reports_and_mentions(tmp_path: Path) -> None:
    reports = _csv(tmp_path, GOOD.format(n=1) + GOOD.format(n=2))
    mentions = tmp_path / "mentions.csv"
    mentions.write_text(
        ",".join(canonical.MENTION_COLUMNS) + "\n"
        + "R1,Ion,Popescu,1990-02-03,07700 900123,,1 Farm Lane,Taunton,TA1 1AA,GB,AB12 CDE,JG103759A,,,,,\n"
        + "R2,,,,,,,,,,,,,,Acme Labour Ltd,01234567,Hill Farm\n",
        encoding="utf-8",
    )
    result = canonical.load(reports, mentions)
    assert [r.report_id for r in result.reports] == ["R1", "R2"]
    r1 = result.reports[0]
    assert r1.region is Region.SOUTH_WEST and r1.sector is Sector.GROWING_PICKING
    assert r1.grade == Grade.parse("2BP")
    assert r1.indicators == (Indicator.DEBT_BONDAGE, Indicator.RETENTION_OF_DOCUMENTS)
    assert r1.victims_count == 7 and r1.time_sensitive and r1.reporter == "Jo Bloggs"
    (m,) = r1.mentions
    assert isinstance(m.phone, Phone) and isinstance(m.nino, Nino) and m.address is not None
    assert {i.kind for i in result.reports[1].identifiers()} == {"site_name", "company_number"}
    assert result.origin["R2"] == (str(reports), 3)


def test_grade_from_three_columns(tmp_path: Path) -> None:
    text = (
        "report_id,narrative,region,sector,exploitation_type,month,source_evaluation,assessment,handling\n"
        "R1,Something seen,Wales,packhouse,labour_exploitation,2023-11,1,a,c\n"
    )
    (report,) = canonical.parse_reports_csv(text).reports
    assert str(report.grade) == "1AC"


def test_one_bad_row_in_the_middle_writes_nothing_and_names_line_and_field(tmp_path: Path) -> None:
    bad = GOOD.format(n=2).replace("2024-05", "2024-13")
    path = _csv(tmp_path, GOOD.format(n=1) + bad + GOOD.format(n=3))
    with pytest.raises(ImportValidationError) as info:
        canonical.load(path)
    (err,) = info.value.errors
    assert (err.line, err.field) == (3, "month")
    assert err.source == str(path)
    assert "line" not in str(err) or "3" in str(err)
    assert f"{path}:3: month" in str(info.value)


def test_every_bad_field_of_every_row_is_reported(tmp_path: Path) -> None:
    rows = (
        GOOD.format(n=1)
        + GOOD.format(n=2).replace("TLK", "Atlantis").replace("2BP", "4BP")
        + GOOD.format(n=3).replace("debt_bondage", "bad_luck").replace(",7,", ",seven,")
        + GOOD.format(n=1)  # duplicate id
        + ',"",TLK,packhouse,labour_exploitation,2024-01,,,2BP,no,\n'
    )
    path = _csv(tmp_path, rows)
    with pytest.raises(ImportValidationError) as info:
        canonical.load(path)
    got = {(e.line, e.field) for e in info.value.errors}
    assert got == {
        (3, "region"),
        (3, "grade.source"),
        (4, "indicators"),
        (4, "victims_count"),
        (5, "report_id"),
        (6, "report_id"),
        (6, "narrative"),
    }


def test_messages_never_quote_values(tmp_path: Path) -> None:
    mentions = tmp_path / "m.csv"
    mentions.write_text(
        ",".join(canonical.MENTION_COLUMNS) + "\n"
        + "R1,,,,0770SECRET,,,,,GB,,,,,,,\n",
        encoding="utf-8",
    )
    reports = _csv(tmp_path, GOOD.format(n=1))
    (warning,) = canonical.load(reports, mentions).warnings
    assert (warning.line, warning.field) == (2, "phone") and "SECRET" not in str(warning)
    with pytest.raises(ImportValidationError) as info:
        canonical.load(reports, mentions, strict=True)
    (err,) = info.value.errors
    assert (err.line, err.field) == (2, "phone")
    assert "SECRET" not in str(info.value)


def test_mention_for_unknown_report_and_unknown_column(tmp_path: Path) -> None:
    mentions = tmp_path / "m.csv"
    mentions.write_text(
        ",".join(canonical.MENTION_COLUMNS) + ",shoe_size\n"
        + "R9,Ion,Pop,,,,,,,GB,,,,,,,,44\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportValidationError) as info:
        canonical.load(_csv(tmp_path, GOOD.format(n=1)), mentions)
    got = {(e.line, e.field) for e in info.value.errors}
    assert (1, "shoe_size") in got and (2, "record_id") in got


def test_multiline_narrative_keeps_line_numbers(tmp_path: Path) -> None:
    first = 'R1,"line one\nline two",TLK,packhouse,labour_exploitation,2024-05,,,2BP,no,\n'
    bad = GOOD.format(n=2).replace("growing_picking", "astrology")
    path = _csv(tmp_path, first + bad)
    with pytest.raises(ImportValidationError) as info:
        canonical.load(path)
    assert [(e.line, e.field) for e in info.value.errors] == [(4, "sector")]


def test_default_region(tmp_path: Path) -> None:
    path = _csv(tmp_path, GOOD.format(n=1).replace("TLK", ""))
    with pytest.raises(ImportValidationError) as info:
        canonical.load(path)
    assert [(e.line, e.field) for e in info.value.errors] == [(2, "region")]
    (report,) = canonical.load(path, default_region=Region.WALES).reports
    assert report.region is Region.WALES


def _json_report(n: int, **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "report_id": f"J{n}",
        "narrative": "Car wash workers sleep on site.",
        "region": "London",
        "sector": "car_wash",
        "exploitation_type": "labour_exploitation",
        "month": "2024-02",
        "indicators": ["isolation", "excessive_overtime"],
        "victims_count": 3,
        "grade": "1BP",
        "time_sensitive": False,
        "entities": [{"given_name": "Ana", "family_name": "Smith", "phone": "+44 7700 900456"}],
    }
    base.update(extra)
    return base


def test_json_import(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps([_json_report(1), _json_report(2, entities=[])]), encoding="utf-8")
    result = canonical.load(path)
    assert [len(r.mentions) for r in result.reports] == [1, 0]
    assert result.reports[0].mentions[0].record_id == "J1"


def test_json_bad_entity_in_middle(tmp_path: Path) -> None:
    bad = _json_report(2, entities=[{"phone": "+44 7700 900456"}, {"email": "not-an-email"}])
    path = tmp_path / "r.json"
    path.write_text(json.dumps([_json_report(1), bad, _json_report(3)]), encoding="utf-8")
    loaded = canonical.load(path)
    assert [(e.line, e.field) for e in loaded.warnings] == [(2, "entities[2].email")]
    kept = loaded.reports[1].mentions[1]
    assert kept.email is None and [(f.column, f.value) for f in kept.invalid_fields] == [("email", "not-an-email")]
    with pytest.raises(ImportValidationError) as info:
        canonical.load(path, strict=True)
    assert [(e.line, e.field) for e in info.value.errors] == [(2, "entities[2].email")]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "file"),
        ("{}", "file"),
        ("[1]", "report"),
        ('[{"report_id": "x", "colour": "red"}]', "colour"),
    ],
)
def test_json_shape_errors(text: str, field: str) -> None:
    with pytest.raises(ImportValidationError) as info:
        canonical.parse_json(text)
    assert field in {e.field for e in info.value.errors}


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ImportValidationError) as info:
        canonical.load(path)
    assert info.value.errors[0].line == 1
