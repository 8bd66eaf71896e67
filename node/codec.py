"""Exact, typed (de)serialization of reports for the encrypted store.

JSON of plain values, rebuilt through the model's own constructors so everything read
back is validated again. Never pickle: a store file is input like any other.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from typing import Any

from msin_fed.errors import CorruptStoreError, ValidationError
from msin_fed.model import (
    EntityMention,
    ExploitationType,
    Grade,
    Identifier,
    Indicator,
    IntelligenceReport,
    InvalidField,
    Region,
    Sector,
    identifier_class,
)
from msin_fed.model.registry import column_for

__all__ = ["report_from_bytes", "report_to_bytes"]


def _ident_to(value: Identifier) -> dict[str, Any]:
    fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return {"kind": value.kind, **fields}


def _ident_from(data: dict[str, Any]) -> Identifier:
    args = dict(data)
    cls = identifier_class(args.pop("kind"))
    return cls(**args)


def _mention_to(mention: EntityMention) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(mention):
        value = getattr(mention, f.name)
        if isinstance(value, Identifier):
            out[f.name] = _ident_to(value)
        elif f.name == "invalid_fields":
            if value:
                out[f.name] = [{"column": i.column, "value": i.value, "problem": i.problem} for i in value]
        elif value is not None:
            out[f.name] = value
    return out


def _mention_from(data: dict[str, Any]) -> EntityMention:
    args: dict[str, Any] = {}
    invalid = [InvalidField(**i) for i in data.get("invalid_fields", ())]
    for key, value in data.items():
        if key == "invalid_fields":
            continue
        if not isinstance(value, dict):
            args[key] = value
            continue
        try:
            args[key] = _ident_from(value)
        except ValidationError as exc:
            # The store is authenticated, so this is a value stored before a rule grew
            # stricter, not damage: keep it, as import would now, instead of losing the report.
            invalid.append(InvalidField(column_for(key, value["kind"]), value["value"], exc.problem))
    return EntityMention(**args, invalid_fields=tuple(invalid))


def report_to_bytes(report: IntelligenceReport) -> bytes:
    """The report as UTF-8 JSON."""
    data = {
        "report_id": report.report_id,
        "narrative": report.narrative,
        "region": report.region.value,
        "sector": report.sector.value,
        "exploitation_type": report.exploitation_type.value,
        "month": report.month,
        "grade": str(report.grade),
        "indicators": [i.value for i in report.indicators],
        "victims_count": report.victims_count,
        "time_sensitive": report.time_sensitive,
        "mentions": [_mention_to(m) for m in report.mentions],
        "reporter": report.reporter,
        "received": report.received.isoformat() if report.received else None,
        "extra_identifiers": [_ident_to(i) for i in report.extra_identifiers],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def report_from_bytes(raw: bytes) -> IntelligenceReport:
    """The report stored as ``raw``; CorruptStoreError when it does not parse or validate."""
    try:
        data = json.loads(raw.decode("utf-8"))
        return IntelligenceReport(
            report_id=data["report_id"],
            narrative=data["narrative"],
            region=Region(data["region"]),
            sector=Sector(data["sector"]),
            exploitation_type=ExploitationType(data["exploitation_type"]),
            month=data["month"],
            grade=Grade.parse(data["grade"]),
            indicators=tuple(Indicator(i) for i in data["indicators"]),
            victims_count=data["victims_count"],
            time_sensitive=bool(data["time_sensitive"]),
            mentions=tuple(_mention_from(m) for m in data["mentions"]),
            reporter=data["reporter"],
            received=_dt.date.fromisoformat(data["received"]) if data["received"] else None,
            extra_identifiers=tuple(_ident_from(i) for i in data["extra_identifiers"]),
        )
    except (ValueError, KeyError, TypeError, ValidationError):
        raise CorruptStoreError("a stored report does not decode (damaged store)") from None
