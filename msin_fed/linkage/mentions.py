"""Entity mentions from canonical CSV rows, every bad field reported by line and field."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from msin_fed.errors import RowError, ValidationError
from msin_fed.model.registry import parse_mention
from msin_fed.model.report import MENTION_COLUMNS, EntityMention
from msin_fed.token_inputs import TokenInput, inputs_for_mention

__all__ = ["ParsedFile", "mention_from_row", "read_mentions"]


def mention_from_row(row: Mapping[str, str | None]) -> tuple[EntityMention | None, list[tuple[str, str]]]:
    """Build a mention from one canonical row; returns it (or None) and (field, problem)s.

    Strict (any problem gives no mention): the parsing is
    :func:`msin_fed.model.registry.parse_mention`'s, which checks every column on its own,
    so one row reports all its bad fields at once, named by column.
    """
    parsed = parse_mention(row)
    problems = parsed.problems
    if problems or parsed.mention is None:
        return None, problems
    return parsed.mention, []


@dataclass(frozen=True)
class ParsedFile:
    """One member's file: good mentions with their token inputs, and every bad field."""

    source: str
    mentions: tuple[tuple[EntityMention, tuple[TokenInput, ...]], ...]
    errors: tuple[RowError, ...]


def read_mentions(path: str | Path) -> ParsedFile:
    """Read a canonical mention CSV (header required, any subset of the columns)."""
    source = str(path)
    good: list[tuple[EntityMention, tuple[TokenInput, ...]]] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        unknown = [c for c in header if c not in MENTION_COLUMNS]
        if "record_id" not in header:
            raise ValidationError(source, "header has no record_id column")
        if unknown:
            raise ValidationError(source, f"unknown columns {unknown}")
        for row in reader:
            line = reader.line_num
            mention, problems = mention_from_row(row)
            if mention is not None:
                if mention.record_id in seen:
                    problems = [("record_id", "is repeated in this file")]
                else:
                    try:
                        inputs = tuple(inputs_for_mention(mention))
                    except ValidationError as exc:
                        problems = [(exc.field, exc.problem)]
            errors.extend(RowError(line, f, p, source=source) for f, p in problems)
            if mention is not None and not problems:
                seen.add(mention.record_id)
                good.append((mention, inputs))
    return ParsedFile(source, tuple(good), tuple(errors))
