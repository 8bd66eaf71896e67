"""``msin redact``: redact the narratives of a JSON Lines file.

Each input line is ``{"id": ..., "text": ..., "known_identifiers": [...]}`` (the last
optional: strings, each the raw value of an identifier in the report's structured
fields). Each output line is ``{"id": ..., "text": <redacted>, "entities": {TYPE: n}}``,
in input order. A bad line is reported by its line number; nothing is written then.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from msin_fed.cli import add_area
from msin_fed.errors import ImportValidationError, RowError, ValidationError

__all__ = ["register", "run"]

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``redact`` subcommand."""
    parser = add_area(
        subparsers,
        "redact",
        description="Redact the 'text' of each JSON Lines record, using its 'known_identifiers' as a deny-list.",
    )
    parser.add_argument("--input", required=True, type=Path, help="input .jsonl ('-' for standard input)")
    parser.add_argument("--output", required=True, type=Path, help="output .jsonl ('-' for standard output)")
    parser.add_argument("--workers", type=int, default=1, help="processes to use (default 1)")
    parser.add_argument("--spacy-model", default=None, help="installed spaCy pipeline (default: best English one)")
    parser.add_argument("--verify", action="store_true", help="also run the verification pass; refuse on residue")
    parser.set_defaults(func=run)


def _read(path: Path) -> list[tuple[Any, str, list[str]]]:
    if str(path) == "-":
        lines = sys.stdin.read().splitlines()
    else:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValidationError("input", f"cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ValidationError("input", f"{path} is not UTF-8 text") from None
    records: list[tuple[Any, str, list[str]]] = []
    errors: list[RowError] = []
    source = str(path)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(RowError(number, "line", f"not valid JSON ({exc.msg})", source))
            continue
        if not isinstance(obj, dict):
            errors.append(RowError(number, "line", "must be a JSON object", source))
            continue
        if "id" not in obj:
            errors.append(RowError(number, "id", "is missing", source))
        text = obj.get("text")
        if not isinstance(text, str):
            errors.append(RowError(number, "text", "must be a string", source))
        known = obj.get("known_identifiers", [])
        if not isinstance(known, list) or not all(isinstance(k, str) for k in known):
            errors.append(RowError(number, "known_identifiers", "must be a list of strings", source))
            known = []
        if isinstance(text, str) and "id" in obj:
            records.append((obj["id"], text, known))
    if errors:
        raise ImportValidationError(errors)
    return records


def run(args: argparse.Namespace) -> int:
    """Redact ``args.input`` into ``args.output``; 0 on success."""
    if args.workers < 1:
        raise ValidationError("workers", "must be at least 1")
    records = _read(args.input)
    from msin_fed.redaction import Redactor  # heavy: spaCy and Presidio

    redactor = Redactor(args.spacy_model)
    # With --verify the verification pass runs batched (and in the workers) too.
    results = redactor.redact_many(
        [(text, known) for _, text, known in records], workers=args.workers, verify=args.verify
    )
    out_lines = [
        json.dumps({"id": rid, "text": r.text, "entities": r.entities}, ensure_ascii=False)
        for (rid, _, _), r in zip(records, results, strict=True)
    ]
    payload = "".join(line + "\n" for line in out_lines)
    if str(args.output) == "-":
        sys.stdout.write(payload)
    else:
        # Write whole or not at all: a half-written file of narratives is worse than none.
        directory = args.output.parent if str(args.output.parent) else Path(".")
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".redact-", suffix=".jsonl")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
            os.replace(tmp, args.output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    logger.info("redacted %d records", len(records))
    return 0
