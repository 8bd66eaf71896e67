"""``msin link``: match entity mentions across members' CSV files, privately, in one process."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import TYPE_CHECKING, Any

from msin_fed.cli import add_area

if TYPE_CHECKING:
    from msin_fed.linkage.pipeline import LinkResult

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``link`` subcommand."""
    parser = add_area(
        subparsers,
        "link",
        description=(
            "Each FILE is one member's entity mentions in the canonical columns (UTF-8; "
            "comma, semicolon or tab delimited). Runs normalization, OPRF tokens under a "
            "one-off in-process key and the coordinator's scoring model, and writes "
            "left_id,right_id,score for every matched pair of records from different files. "
            "A value that fails validation is ignored and its row kept: stderr gives the "
            "count per column and the first line numbers, never the values."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="canonical mention CSV files")
    parser.add_argument("--out", required=True, metavar="PAIRS.csv", help="where to write pairs")
    parser.add_argument(
        "--clusters",
        metavar="CLUSTERS.csv",
        help=(
            "also write cluster,file,record_id for the clusters of matched records (what the "
            "coordinator shows STTG: strongest pairs first, never joining records that contradict)"
        ),
    )
    parser.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="deprecated, no effect: bad values are always ignored (rows kept) and reported",
    )
    parser.set_defaults(func=run)


def _report(result: LinkResult) -> None:
    from msin_fed.linkage.pipeline import summarise

    for note in result.notes:
        print(f"msin link: {note}", file=sys.stderr)
    for title, errors in (
        ("value(s) failed validation and were ignored (their rows are kept)", result.ignored),
        ("row(s) left out", result.skipped),
    ):
        by_file: dict[str, list[str]] = {}
        counts: dict[str, int] = {}
        for summary in summarise(errors):
            by_file.setdefault(summary.source, []).append(str(summary))
            counts[summary.source] = counts.get(summary.source, 0) + summary.count
        for source, lines in by_file.items():
            print(f"msin link: {source}: {counts[source]} {title}:", file=sys.stderr)
            for text in lines:
                print(f"msin link:   {text}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Run the link pipeline; bad values are ignored and reported, unreadable files stop it (exit 2)."""
    from msin_fed.errors import ValidationError
    from msin_fed.linkage.pipeline import link_files

    if len(args.files) < 2:
        raise ValidationError("files", "give at least two files (one per member)")
    if args.skip_bad_rows:
        print("msin link: --skip-bad-rows is no longer needed (bad values never stop a run)", file=sys.stderr)
    result = link_files(args.files)
    _report(result)
    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["left_id", "right_id", "score"])
        for pair in result.pairs:
            writer.writerow([pair.left_id, pair.right_id, f"{pair.score:.2f}"])
    if args.clusters:
        with open(args.clusters, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["cluster", "file", "record_id"])
            for number, cluster in enumerate(result.clusters, start=1):
                for index, record_id in cluster:
                    writer.writerow([number, args.files[index], record_id])
        print(f"msin link: {len(result.clusters)} clusters -> {args.clusters}", file=sys.stderr)
    print(
        f"msin link: {result.records} records, {result.tokens} tokens, "
        f"{len(result.pairs)} matched pairs -> {args.out}",
        file=sys.stderr,
    )
    return 0
