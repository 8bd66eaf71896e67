"""Entity mentions from canonical CSV rows for ``msin link``: bad values ignored and reported.

Rows are read and parsed exactly as a node imports them (:func:`msin_fed.canonical.read_table`,
:func:`msin_fed.model.registry.parse_mention`), so ``msin link`` tokenizes what a node would share.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from msin_fed.canonical import mention_from_row, read_table
from msin_fed.errors import ImportValidationError, RowError, ValidationError
from msin_fed.model.registry import date_order_of, parse_mention
from msin_fed.model.report import MENTION_COLUMNS, EntityMention
from msin_fed.token_inputs import TokenInput, district_towns, inputs_for_mention

__all__ = ["ParsedFile", "mention_from_row", "read_mentions"]


@dataclass(frozen=True)
class ParsedFile:
    """One member's file: every usable row's mention with its token inputs, the values
    ignored (failed validation; their rows are kept), and the rows left out.

    ``ignored`` and ``errors`` name line, column and problem, never the value. A row is
    left out only when it cannot be a record at all: no usable ``record_id``, a repeated
    one, no value in any identifier column, or cells that do not line up with the header.
    """

    source: str
    mentions: tuple[tuple[EntityMention, tuple[TokenInput, ...]], ...]
    errors: tuple[RowError, ...]
    ignored: tuple[RowError, ...] = ()
    notes: tuple[str, ...] = ()


def read_mentions(path: str | Path) -> ParsedFile:
    """Read a canonical mention CSV (header required, any subset of the columns).

    A bad value is a missing value: it is left out of its mention (so never tokenized)
    and listed in ``ignored``. Raises :class:`ImportValidationError` only for a file that
    cannot be read or whose header is wrong (unknown columns, no ``record_id``).
    """
    table = read_table(Path(path), MENTION_COLUMNS, ("record_id",))
    source = table.source
    header_errors = [e for e in table.errors if e.line <= 1]
    if header_errors:
        raise ImportValidationError(header_errors, outcome="nothing was linked")
    errors: list[RowError] = [e for e in table.errors if e.line > 1]
    ignored: list[RowError] = []
    good: list[tuple[EntityMention, tuple[TokenInput, ...]]] = []
    seen: set[str] = set()
    # One member writes dates one way: month first when its unambiguous dates say so.
    order = date_order_of(row for _line, row in table.rows)
    read: list[tuple[int, EntityMention]] = []
    for line, row in table.rows:
        parsed = parse_mention(row, date_order=order)
        mention = parsed.mention
        if mention is None:
            errors.extend(RowError(line, f, p, source) for f, p in parsed.errors)
            continue
        ignored.extend(RowError(line, f, p, source) for f, p in parsed.problems)
        read.append((line, mention))
    # One member writes a district's town one way: learned from its own places.
    towns = district_towns(m for _line, m in read)
    for line, mention in read:
        if mention.record_id in seen:
            errors.append(RowError(line, "record_id", "is repeated in this file", source))
            continue
        try:
            inputs = tuple(inputs_for_mention(mention, towns))
        except ValidationError as exc:  # the registry accepted what tokens cannot use: a bug
            errors.append(RowError(line, exc.field, exc.problem, source))
            continue
        seen.add(mention.record_id)
        good.append((mention, inputs))
    return ParsedFile(source, tuple(good), tuple(errors), tuple(ignored), table.notes)
