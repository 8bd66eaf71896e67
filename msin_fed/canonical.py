"""The canonical import layout: reports and entity mentions as CSV or JSON.

A member exports its intelligence into this layout and the node imports it. The
validator reads the whole input, collects *every* bad field of every row as a
:class:`~msin_fed.errors.RowError` (file, line, field, problem) and raises one
:class:`~msin_fed.errors.ImportValidationError` when there is any, so the caller writes
nothing: report fields are all or nothing. A bad *identifier* value of a mention is the
exception: it is kept on its mention as an :class:`~msin_fed.model.InvalidField` (never
tokenized) and listed in :attr:`CanonicalImport.warnings`, unless ``strict``. Mentions
are parsed by :func:`msin_fed.model.registry.parse_mention`. Problems never quote the
bad value: values are personal data.

CSV files are UTF-8 (a byte-order mark is accepted) with a header row, delimited by any
of :data:`DELIMITERS` (read from the header; a note says so when not a comma).

Reports CSV (one report per row; :data:`REPORT_COLUMNS`):

``report_id`` (required), ``narrative`` (required), ``region``, ``sector``,
``exploitation_type`` (code, name or label of the vocabularies in
:mod:`msin_fed.model.vocab`; region may be defaulted by the caller), ``month``
(``YYYY-MM``), ``indicators`` (ILO indicator codes separated by ``;``),
``victims_count`` (whole number), ``grade`` (3x5x2 such as ``2BP``) *or* the three
columns ``source_evaluation``, ``assessment``, ``handling``; ``time_sensitive``
(true/false, yes/no, 1/0), ``reporter`` (who told the member; never leaves the node),
``received`` (``YYYY-MM-DD``).

Mentions CSV: :data:`~msin_fed.model.MENTION_COLUMNS`, one row per entity mention,
where ``record_id`` is the ``report_id`` of a report in the same import.

JSON: a list of report objects with the report columns as keys (``indicators`` may also
be a list, ``victims_count`` a number, ``time_sensitive`` a boolean) and an optional
``entities`` list of mention objects with the mention columns (``record_id`` may be
left out). For JSON the "line" of an error is the 1-based position of the report in the
list, and the field is named like ``entities[2].phone``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msin_fed.errors import ImportValidationError, RowError, ValidationError
from msin_fed.model import (
    MENTION_COLUMNS,
    EntityMention,
    ExploitationType,
    Grade,
    Indicator,
    IntelligenceReport,
    Region,
    Sector,
    parse_mention,
)
from msin_fed.model.registry import date_order_of

__all__ = [
    "DELIMITERS",
    "KEPT_INVALID",
    "MENTION_COLUMNS",
    "REPORT_COLUMNS",
    "CanonicalImport",
    "CsvTable",
    "detect_delimiter",
    "load",
    "mention_from_row",
    "missing_column",
    "parse_json",
    "parse_mentions_csv",
    "parse_reports_csv",
    "read_table",
    "report_from_row",
]

#: Report columns in canonical order. ``report_id`` and ``narrative`` are required.
REPORT_COLUMNS: tuple[str, ...] = (
    "report_id",
    "narrative",
    "region",
    "sector",
    "exploitation_type",
    "month",
    "indicators",
    "victims_count",
    "grade",
    "source_evaluation",
    "assessment",
    "handling",
    "time_sensitive",
    "reporter",
    "received",
)
_REQUIRED_REPORT = ("report_id", "narrative")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}

Source = str | os.PathLike[str]


@dataclass(frozen=True)
class CanonicalImport:
    """A validated import: the reports, where each came from (file, line), the warnings
    (identifier values kept as invalid fields) and notes on how the files were read."""

    reports: tuple[IntelligenceReport, ...]
    origin: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    warnings: tuple[RowError, ...] = ()
    notes: tuple[str, ...] = ()

    def error_for(self, report_id: str, fld: str, problem: str) -> RowError:
        """A RowError pointing at the row a report came from."""
        source, line = self.origin.get(report_id, ("", 0))
        return RowError(line, fld, problem, source)


#: Appended to the problem of an identifier value that is kept rather than refused.
KEPT_INVALID = "kept with the report as an invalid field: shown to you, never tokenized or shared"


class _Collector:
    """Collects RowErrors (refusals), warnings and notes while running field parsers."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.notes: list[str] = []

    def add(self, line: int, fld: str, problem: str) -> None:
        self.errors.append(RowError(line, fld, problem, self.source))

    def warn(self, line: int, fld: str, problem: str) -> None:
        self.warnings.append(RowError(line, fld, problem, self.source))

    def absorb(self, other: _Collector) -> None:
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)
        self.notes.extend(other.notes)


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    if not isinstance(value, str):
        raise ValidationError(key, f"must be text, not {type(value).__name__}")
    return value.strip()


def _bool(text: str, fld: str) -> bool:
    folded = text.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValidationError(fld, "must be true or false")


def _victims(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError("victims_count", "must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,6}\s*", value):
        return int(value)
    raise ValidationError("victims_count", "must be a whole number")


def _indicators(value: Any) -> tuple[Indicator, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(";")]
    elif isinstance(value, list):
        parts = [p.strip() if isinstance(p, str) else p for p in value]
    else:
        raise ValidationError("indicators", "must be codes separated by ';' or a list")
    found: list[Indicator] = []
    for part in parts:
        if part == "":
            continue
        if not isinstance(part, str):
            raise ValidationError("indicators", "every indicator must be text")
        ind = Indicator.parse(part, "indicators")
        if ind not in found:
            found.append(ind)
    return tuple(found)


def _grade(row: Mapping[str, Any]) -> Grade:
    whole = _text(row, "grade")
    parts = [_text(row, k) for k in ("source_evaluation", "assessment", "handling")]
    if whole and any(parts):
        raise ValidationError("grade", "give either grade or source_evaluation/assessment/handling")
    if whole:
        return Grade.parse(whole, "grade")
    if not all(parts):
        missing = [k for k, v in zip(("source_evaluation", "assessment", "handling"), parts, strict=True) if not v]
        if len(missing) == 3:
            raise ValidationError("grade", "is empty (give grade such as 2BP)")
        raise ValidationError(missing[0], "is empty")
    try:
        return Grade.of(parts[0], parts[1], parts[2])
    except ValidationError as exc:
        fld = {
            "grade.source": "source_evaluation",
            "grade.assessment": "assessment",
            "grade.handling": "handling",
        }.get(exc.field, exc.field)
        raise ValidationError(fld, exc.problem) from None


def _received(text: str) -> _dt.date | None:
    if not text:
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError("received", "wrong format (expected YYYY-MM-DD)") from None


def report_from_row(
    row: Mapping[str, Any],
    mentions: Sequence[EntityMention] = (),
    *,
    default_region: Region | None = None,
) -> tuple[IntelligenceReport | None, list[tuple[str, str]]]:
    """Build a report from one row; returns (report or None, [(field, problem), ...])."""
    problems: list[tuple[str, str]] = []

    def take(fld: str, parse: Callable[[], Any]) -> Any:
        try:
            return parse()
        except ValidationError as exc:
            problems.append((exc.field if exc.field else fld, exc.problem))
            return None

    for key in _REQUIRED_REPORT:
        if not _text(row, key):
            problems.append((key, "is empty"))
    report_id = _text(row, "report_id")
    narrative = row.get("narrative") if isinstance(row.get("narrative"), str) else ""
    region_text = _text(row, "region")
    if region_text:
        region = take("region", lambda: Region.parse(region_text, "region"))
    elif default_region is not None:
        region = default_region
    else:
        region = None
        problems.append(("region", "is empty (and no default region is configured)"))
    sector = take("sector", lambda: Sector.parse(_text(row, "sector"), "sector"))
    etype = take(
        "exploitation_type",
        lambda: ExploitationType.parse(_text(row, "exploitation_type"), "exploitation_type"),
    )
    month = _text(row, "month")
    if not re.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])", month):
        problems.append(("month", "is empty" if not month else "wrong format (expected YYYY-MM)"))
    indicators = take("indicators", lambda: _indicators(row.get("indicators")))
    victims = take("victims_count", lambda: _victims(row.get("victims_count")))
    grade = take("grade", lambda: _grade(row))
    ts_raw = row.get("time_sensitive")
    time_sensitive = (
        ts_raw
        if isinstance(ts_raw, bool)
        else take("time_sensitive", lambda: _bool(_text(row, "time_sensitive"), "time_sensitive"))
    )
    reporter = take("reporter", lambda: _text(row, "reporter"))
    received = take("received", lambda: _received(_text(row, "received")))
    if problems:
        # A JSON object without the key at all: say so, "empty" would send the user
        # looking for a blank value.
        return None, [
            (fld, "is missing" + problem.removeprefix("is empty"))
            if problem.startswith("is empty") and fld not in row
            else (fld, problem)
            for fld, problem in problems
        ]
    try:
        report = IntelligenceReport(
            report_id=report_id,
            narrative=str(narrative).strip(),
            region=region,
            sector=sector,
            exploitation_type=etype,
            month=month,
            grade=grade,
            indicators=indicators,
            victims_count=victims,
            time_sensitive=bool(time_sensitive),
            mentions=tuple(mentions),
            reporter=reporter or "",
            received=received,
        )
    except ValidationError as exc:
        return None, [(exc.field, exc.problem)]
    return report, []


def mention_from_row(
    row: Mapping[str, Any], record_id: str | None = None
) -> tuple[EntityMention | None, list[tuple[str, str]]]:
    """Build a mention from one row of MENTION_COLUMNS; returns (mention or None, problems).

    Strict: any problem (a bad identifier value included) gives no mention. The parsing
    is :func:`msin_fed.model.registry.parse_mention`'s; every valid identifier is also run
    through :func:`msin_fed.token_inputs.inputs_for_mention`, so a value that cannot be
    tokenized is reported here, at import, and not at share time.
    """
    parsed = parse_mention(row, record_id=record_id)
    problems = parsed.problems
    if problems or parsed.mention is None:
        return None, problems
    problem = _tokenizable(parsed.mention)
    if problem is not None:
        return None, [problem]
    return parsed.mention, []


def _tokenizable(mention: EntityMention) -> tuple[str, str] | None:
    """The (column, problem) of a mention whose token inputs cannot be made (None if they can)."""
    from msin_fed.token_inputs import inputs_for_mention

    try:
        inputs_for_mention(mention)
    except ValidationError as exc:
        return (exc.field if exc.field in MENTION_COLUMNS else "record_id", exc.problem)
    return None


def _decode(raw: bytes, name: str) -> str:
    """UTF-8 text of ``raw`` (a byte-order mark dropped); a bad byte is reported where it is."""
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return raw[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + bom
        line = raw.count(b"\n", 0, offset) + 1
        column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        problem = (
            f"is not UTF-8 text: the byte at offset {offset} (line {line}, column {column}) is not "
            "valid UTF-8, probably Latin-1 or Windows-1252; re-save the file as UTF-8 "
            "(in Excel: Save As, 'CSV UTF-8')"
        )
        raise ImportValidationError([RowError(line, "file", problem, name)]) from None


def _read_text(source: Source, what: str) -> tuple[str, str]:
    """(name, text) of a path, or of text given directly as ``str``."""
    if isinstance(source, os.PathLike):
        path = Path(source)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ImportValidationError([RowError(0, "file", "does not exist", str(path))]) from None
        except IsADirectoryError:
            raise ImportValidationError([RowError(0, "file", "is a directory, not a file", str(path))]) from None
        except OSError as exc:
            raise ImportValidationError([RowError(0, "file", f"cannot be read ({exc.strerror})", str(path))]) from None
        return str(path), _decode(raw, str(path))
    return what, source


#: Delimiters a canonical CSV may use (spreadsheets in many locales write ``;``).
DELIMITERS: Mapping[str, str] = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def detect_delimiter(text: str, columns: Sequence[str]) -> str:
    """The delimiter under which the header line names the most known ``columns`` (``,`` on a tie)."""
    first = text.split("\n", 1)[0]
    best, best_known = ",", -1
    for delimiter in DELIMITERS:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        known = sum(1 for c in cells if c.strip().lower() in columns)
        if known > best_known:
            best, best_known = delimiter, known
    return best


def _csv_rows(
    name: str, text: str, columns: Sequence[str], required: Sequence[str], errors: _Collector
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line, row)]) of a canonical CSV; header problems go to ``errors``."""
    delimiter = detect_delimiter(text, columns)
    if delimiter != ",":
        errors.notes.append(f"{name}: read as {DELIMITERS[delimiter]}-delimited")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        errors.add(1, "header", "the file is empty")
        return [], []
    except csv.Error as exc:
        errors.add(1, "header", f"not valid CSV ({exc})")
        return [], []
    header = [h.strip().lower() for h in header]
    unknown = [h for h in header if h not in columns]
    for h in unknown:
        errors.add(1, h or "header", "unknown column")
    for col in required:
        if col not in header:
            errors.add(1, col, missing_column(header))
    dupes = {h for h in header if header.count(h) > 1}
    for h in sorted(dupes):
        errors.add(1, h, "column appears more than once")
    rows: list[tuple[int, dict[str, str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.add(start, "row", f"not valid CSV ({exc})")
            break
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.add(start, "row", f"has {len(cells)} cells, the header has {len(header)}")
            continue
        rows.append((start, dict(zip(header, cells, strict=True))))
    return header, rows


@dataclass(frozen=True)
class CsvTable:
    """A canonical CSV read and split, not yet validated: ``errors`` are header problems
    (line 1) and rows that could not be split (wrong number of cells, broken quoting)."""

    source: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]
    errors: tuple[RowError, ...]
    notes: tuple[str, ...]


def read_table(source: Source, columns: Sequence[str], required: Sequence[str] = ()) -> CsvTable:
    """Read a canonical CSV as :mod:`msin_fed.canonical` does (any of :data:`DELIMITERS`,
    UTF-8). Raises ImportValidationError when the file cannot be read or decoded."""
    src, text = _read_text(source, "csv")
    collector = _Collector(src)
    header, rows = _csv_rows(src, text, columns, required, collector)
    return CsvTable(src, tuple(header), tuple(rows), tuple(collector.errors), tuple(collector.notes))


def missing_column(header: Sequence[str]) -> str:
    """The problem of a column the header lacks, listing the header found."""
    found = ", ".join(h for h in header if h) or "nothing"
    return f"column is missing from the header (the header has: {found})"


def _mention(
    row: Mapping[str, Any],
    line: int,
    errors: _Collector,
    *,
    strict: bool,
    record_id: str | None = None,
    where: str = "",
    date_order: str = "dmy",
) -> EntityMention | None:
    """The mention of one row under the import policy: a bad identifier value is kept as an
    invalid field with a warning (refused when ``strict``); any other problem refuses."""
    parsed = parse_mention(row, record_id=record_id, date_order=date_order)
    for fld, problem in parsed.errors:
        errors.add(line, where + fld, problem)
    for bad in parsed.invalid:
        if strict:
            errors.add(line, where + bad.column, bad.problem)
        else:
            errors.warn(line, where + bad.column, f"{bad.problem} ({KEPT_INVALID})")
    if parsed.mention is None or parsed.errors or (strict and parsed.invalid):
        return None
    untokenizable = _tokenizable(parsed.mention)
    if untokenizable is not None:
        errors.add(line, where + untokenizable[0], untokenizable[1])
        return None
    return parsed.mention


def parse_mentions_csv(
    source: Source | str, *, name: str = "mentions", strict: bool = False
) -> list[tuple[int, EntityMention]]:
    """Validate a mentions CSV; returns (line, mention) pairs or raises ImportValidationError.

    Bad identifier values are kept on their mention as invalid fields unless ``strict``.
    """
    src, text = _read_text(source, name)
    errors = _Collector(src)
    found = _mentions(src, text, errors, strict=strict)
    if errors.errors:
        raise ImportValidationError(errors.errors)
    return found


def _mentions(src: str, text: str, errors: _Collector, *, strict: bool) -> list[tuple[int, EntityMention]]:
    found: list[tuple[int, EntityMention]] = []
    _header, rows = _csv_rows(src, text, MENTION_COLUMNS, ("record_id",), errors)
    order = date_order_of(row for _line, row in rows)  # one import, one date convention
    for line, row in rows:
        mention = _mention(row, line, errors, strict=strict, date_order=order)
        if mention is not None:
            found.append((line, mention))
    return found


def _missing_report_columns(header: Sequence[str], default_region: Region | None) -> dict[str, str]:
    """Columns every report row needs that the header lacks: column -> problem (line 1)."""
    needed = ["report_id", "narrative", "sector", "exploitation_type", "month"]
    if default_region is None:
        needed.insert(2, "region")
    missing = {col: missing_column(header) for col in needed if col not in header}
    parts = ("source_evaluation", "assessment", "handling")
    if "grade" not in header:
        absent = [p for p in parts if p not in header]
        if len(absent) == len(parts):
            missing["grade"] = missing_column(header) + "; give grade, or source_evaluation, assessment and handling"
        else:
            missing.update({p: missing_column(header) for p in absent})
    return missing


def parse_reports_csv(
    source: Source | str,
    mentions: Source | str | None = None,
    *,
    default_region: Region | None = None,
    strict: bool = False,
) -> CanonicalImport:
    """Validate a reports CSV (and its mentions CSV); raise ImportValidationError listing every bad field.

    A bad identifier value in the mentions is kept as an invalid field with a warning,
    unless ``strict``, when it refuses the import like any other bad field.
    """
    src, text = _read_text(source, "reports")
    errors = _Collector(src)
    header, rows = _csv_rows(src, text, REPORT_COLUMNS, (), errors)
    missing = _missing_report_columns(header, default_region) if header else {}
    for col, problem in missing.items():
        errors.add(1, col, problem)
    by_report: dict[str, list[EntityMention]] = {}
    if mentions is not None:
        msrc, mtext = _read_text(mentions, "mentions")
        merrors = _Collector(msrc)
        ids = {row.get("report_id", "").strip() for _, row in rows}
        for line, mention in _mentions(msrc, mtext, merrors, strict=strict):
            if mention.record_id not in ids:
                merrors.add(line, "record_id", "names no report in the reports file")
                continue
            by_report.setdefault(mention.record_id, []).append(mention)
        errors.absorb(merrors)
    return _finish(src, rows, lambda rid: by_report.get(rid, []), errors, default_region, set(missing))


def _finish(
    src: str,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    mentions_of: Callable[[str], Sequence[EntityMention]],
    errors: _Collector,
    default_region: Region | None,
    missing: set[str] | None = None,
) -> CanonicalImport:
    reports: list[IntelligenceReport] = []
    origin: dict[str, tuple[str, int]] = {}
    for line, row in rows:
        rid = row.get("report_id", "")
        rid = rid.strip() if isinstance(rid, str) else ""
        if rid and rid in origin:
            errors.add(line, "report_id", f"duplicates the report on line {origin[rid][1]}")
            continue
        report, problems = report_from_row(row, mentions_of(rid), default_region=default_region)
        for fld, problem in problems:
            if fld not in (missing or ()):  # said once, on the header line
                errors.add(line, fld, problem)
        if report is not None:
            reports.append(report)
            origin[report.report_id] = (src, line)
        elif rid:
            origin.setdefault(rid, (src, line))
    if errors.errors:
        raise ImportValidationError(sorted(errors.errors, key=lambda e: (e.source, e.line)))
    if not reports:
        raise ImportValidationError([RowError(1, "file", "holds no reports", src)])
    warnings = tuple(sorted(errors.warnings, key=lambda e: (e.source, e.line)))
    return CanonicalImport(tuple(reports), origin, warnings, tuple(errors.notes))


def parse_json(
    source: Source | str, *, default_region: Region | None = None, strict: bool = False
) -> CanonicalImport:
    """Validate a JSON list of report objects (each with optional ``entities``).

    Bad identifier values in ``entities`` are kept as invalid fields (warnings) unless ``strict``.
    """
    src, text = _read_text(source, "reports.json")
    errors = _Collector(src)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise ImportValidationError([RowError(exc.lineno, "file", problem, src)]) from None
    if not isinstance(data, list):
        raise ImportValidationError([RowError(1, "file", "must hold a list of report objects", src)])
    rows: list[tuple[int, Mapping[str, Any]]] = []
    mentions: dict[str, list[EntityMention]] = {}
    # One import, one date convention: read from every entity of every report.
    order = date_order_of(
        ent for item in data if isinstance(item, dict) and isinstance(item.get("entities"), list)
        for ent in item["entities"] if isinstance(ent, dict))
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            errors.add(index, "report", "must be an object")
            continue
        for key in item:
            if key not in REPORT_COLUMNS and key != "entities":
                errors.add(index, key, "unknown field")
        rid = item.get("report_id")
        rid = rid.strip() if isinstance(rid, str) else ""
        entities = item.get("entities", [])
        if not isinstance(entities, list):
            errors.add(index, "entities", "must be a list of objects")
            entities = []
        found: list[EntityMention] = []
        for pos, ent in enumerate(entities, start=1):
            where = f"entities[{pos}]"
            if not isinstance(ent, dict):
                errors.add(index, where, "must be an object")
                continue
            for key in ent:
                if key not in MENTION_COLUMNS:
                    errors.add(index, f"{where}.{key}", "unknown field")
            if ent.get("record_id") not in (None, "", rid):
                errors.add(index, f"{where}.record_id", "differs from the report's report_id")
                continue
            mention = _mention(ent, index, errors, strict=strict, record_id=rid or "unknown", where=f"{where}.",
                               date_order=order)
            if mention is not None:
                found.append(mention)
        mentions[rid] = found
        rows.append((index, item))
    return _finish(src, rows, lambda rid: mentions.get(rid, []), errors, default_region)


def load(
    reports: Source,
    mentions: Source | None = None,
    *,
    default_region: Region | None = None,
    strict: bool = False,
) -> CanonicalImport:
    """Validate an import by file type: ``.json`` (mentions inside) or a reports CSV (+ mentions CSV).

    Report fields are all or nothing; a bad identifier value is kept on its mention as an
    :class:`~msin_fed.model.InvalidField` and listed in ``warnings``, unless ``strict``.
    """
    if str(reports).lower().endswith(".json"):
        if mentions is not None:
            raise ValidationError("mentions", "a JSON import carries its entities inside each report")
        return parse_json(Path(reports), default_region=default_region, strict=strict)
    return parse_reports_csv(
        Path(reports), Path(mentions) if mentions is not None else None, default_region=default_region,
        strict=strict,
    )
