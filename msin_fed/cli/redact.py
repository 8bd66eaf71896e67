"""``msin redact``: redact the narratives of a JSON Lines file.

Each input line is ``{"id": ..., "text": ..., "known_identifiers": [...]}`` (the last
optional: strings, each the raw value of an identifier in the report's structured
fields). Each output line is ``{"id": ..., "text": <redacted>, "entities": {TYPE: n}}``,
in input order. A bad line is reported by its line number; nothing is written then.

With ``--verify`` every redacted text goes through the independent residue scan. A record
with residue is *refused*: it is reported on standard error by its line number, id and
the types (and positions) of what was found, never its text; it is left out of the
output and written instead to the refused file (``--refused PATH``, default
``<output>.refused.jsonl``), one ``{"line", "id", "text", "findings"}`` per line, for a
person to review. The other records are written as usual. Exit codes: 0 all written,
2 bad input (nothing written), 3 some records refused (the rest written).
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

__all__ = ["EXIT_REFUSED", "register", "run"]

#: Exit code of ``msin redact --verify`` when some records were refused (the rest written).
EXIT_REFUSED = 3

logger = logging.getLogger(__name__)

#: The input and output layout, shown by ``msin redact --help``.
INPUT_FORMAT = """\
input: one JSON object per line (UTF-8), for example
  {"id": "r1", "text": "Ion Popescu drives the van.", "known_identifiers": ["Ion Popescu"]}
  id                 required: any JSON value, copied to the output to tie results to inputs
  text               required: the narrative to redact (a string)
  known_identifiers  optional: the record's own identifiers (strings: names, phones,
                     plates, ...), removed however they are written
output: one JSON object per line, in input order:
  {"id": "r1", "text": "<PERSON_1> drives the van.", "entities": {"PERSON": 1}}
A bad input line is reported by line number and field, and nothing is written.
exit codes: 0 all written, 2 bad input, 3 some records refused by --verify."""


def register(subparsers: Any) -> None:
    """Add the ``redact`` subcommand."""
    parser = add_area(
        subparsers,
        "redact",
        description="Redact the 'text' of each JSON Lines record, using its 'known_identifiers' as a deny-list.",
        epilog=INPUT_FORMAT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--input", required=True, type=Path, help="input .jsonl ('-' for standard input)")
    parser.add_argument("--output", required=True, type=Path, help="output .jsonl ('-' for standard output)")
    parser.add_argument("--workers", type=int, default=1, help="processes to use (default 1)")
    parser.add_argument("--spacy-model", default=None, help="installed spaCy pipeline (default: best English one)")
    parser.add_argument(
        "--verify", action="store_true",
        help="also run the independent residue scan; records with residue are refused (exit 3)",
    )
    parser.add_argument(
        "--refused", type=Path, default=None,
        help="with --verify: where refused records go (default <output>.refused.jsonl)",
    )
    parser.set_defaults(func=run)


def _read(path: Path) -> list[tuple[int, Any, str, list[str]]]:
    if str(path) == "-":
        lines = sys.stdin.read().splitlines()
    else:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValidationError("input", f"cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ValidationError("input", f"{path} is not UTF-8 text") from None
    records: list[tuple[int, Any, str, list[str]]] = []
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
            errors.append(RowError(number, "id", 'is missing (every line needs "id" and "text"; see --help)', source))
        text = obj.get("text")
        if "text" not in obj:
            errors.append(RowError(number, "text", 'is missing (every line needs "id" and "text"; see --help)', source))
        elif not isinstance(text, str):
            errors.append(RowError(number, "text", "must be a string", source))
        known = obj.get("known_identifiers", [])
        if not isinstance(known, list) or not all(isinstance(k, str) for k in known):
            errors.append(RowError(number, "known_identifiers", "must be a list of strings", source))
            known = []
        if isinstance(text, str) and "id" in obj:
            records.append((number, obj["id"], text, known))
    if errors:
        raise ImportValidationError(errors, outcome="nothing was redacted or written")
    return records


def _refused_path(args: argparse.Namespace) -> Path | None:
    if not args.verify:
        if args.refused is not None:
            raise ValidationError("refused", "is only used with --verify")
        return None
    if args.refused is not None:
        return Path(args.refused)
    if str(args.output) != "-":
        return Path(f"{args.output}.refused.jsonl")
    if str(args.input) != "-":
        return Path(f"{args.input}.refused.jsonl")
    raise ValidationError("refused", "give --refused PATH when both input and output are standard streams")


def _write_atomic(path: Path, payload: str) -> None:
    """Write whole or not at all: a half-written file of narratives is worse than none."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".redact-", suffix=".jsonl")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    """Redact ``args.input`` into ``args.output``; 0 on success, 3 when ``--verify`` refused some."""
    if args.workers < 1:
        raise ValidationError("workers", "must be at least 1")
    refused_path = _refused_path(args)
    records = _read(args.input)
    from msin_fed.redaction import Redactor  # heavy: spaCy and Presidio

    redactor = Redactor(args.spacy_model)
    results = redactor.redact_many([(text, known) for _, _, text, known in records], workers=args.workers)
    # The residue scan is cheap (regular expressions and a gazetteer): it runs here, over
    # every text, and a refusal does not stop the others.
    residue = redactor.residue([r.text for r in results]) if args.verify else [()] * len(results)
    out_lines: list[str] = []
    refused_lines: list[str] = []
    for (line, rid, _, _), result, findings in zip(records, results, residue, strict=True):
        if findings:
            kinds = ", ".join(f"{f.entity_type} at {f.start}-{f.end}" for f in findings)
            print(f"{args.input}:{line}: refused record {json.dumps(rid)}: residue {kinds}", file=sys.stderr)
            refused_lines.append(json.dumps({
                "line": line, "id": rid, "text": result.text,
                "findings": [{"type": f.entity_type, "start": f.start, "end": f.end} for f in findings],
            }, ensure_ascii=False))
            continue
        out_lines.append(json.dumps({"id": rid, "text": result.text, "entities": result.entities}, ensure_ascii=False))
    payload = "".join(line + "\n" for line in out_lines)
    if str(args.output) == "-":
        sys.stdout.write(payload)
    else:
        _write_atomic(args.output, payload)
    if refused_path is not None and (refused_lines or refused_path.exists()):
        _write_atomic(refused_path, "".join(line + "\n" for line in refused_lines))
    logger.info("redacted %d records, refused %d", len(records), len(refused_lines))
    if refused_lines:
        print(
            f"msin redact: {len(refused_lines)} of {len(records)} record(s) refused; written to {refused_path}, "
            "not to the output",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    return 0
