"""``msin link``: match entity mentions across members' CSV files, privately, in one process."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import Any

from msin_fed.cli import add_area

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``link`` subcommand."""
    parser = add_area(
        subparsers,
        "link",
        description=(
            "Each FILE is one member's entity mentions in the canonical columns. Runs "
            "normalization, OPRF tokens under a one-off in-process key and the coordinator's "
            "scoring model, and writes left_id,right_id,score for every matched pair of "
            "records from different files."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="canonical mention CSV files")
    parser.add_argument("--out", required=True, metavar="PAIRS.csv", help="where to write pairs")
    parser.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="report bad rows and leave them out instead of stopping",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the link pipeline; bad rows stop it (exit 2) unless --skip-bad-rows."""
    from msin_fed.errors import ValidationError
    from msin_fed.linkage.pipeline import link_files

    if len(args.files) < 2:
        raise ValidationError("files", "give at least two files (one per member)")
    for path in args.files:
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise ValidationError(path, f"cannot be read ({exc.strerror})") from None
    result = link_files(args.files, skip_bad_rows=args.skip_bad_rows)
    for error in result.skipped:
        print(f"msin link: skipped {error}", file=sys.stderr)
    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["left_id", "right_id", "score"])
        for pair in result.pairs:
            writer.writerow([pair.left_id, pair.right_id, f"{pair.score:.2f}"])
    print(
        f"msin link: {result.records} records, {result.tokens} tokens, "
        f"{len(result.pairs)} matched pairs -> {args.out}",
        file=sys.stderr,
    )
    return 0
