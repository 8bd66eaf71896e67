"""``msin demo``: a whole throwaway network on this machine, and what each party sees.

With no arguments and no prior set-up it creates a temporary directory with a network
CA, a coordinator on SQLite, three key holders (threshold two) and three member nodes,
all separate processes over mutual TLS on loopback; imports the bundled synthetic
reports into each node, shares them, waits for matching, and prints each member's
matches, the analyst's clusters and an alert every member receives. It stops every
process and removes the directory afterwards unless ``--keep DIR`` is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from msin_fed.cli import add_area

__all__ = ["register"]


def _demo(args: argparse.Namespace) -> int:
    from msin_fed.demo.processes import DemoError
    from msin_fed.demo.run import run_demo

    keep = Path(args.keep) if args.keep else None
    try:
        result = run_demo(keep=keep, timeout=args.timeout)
    except DemoError as exc:
        print(f"msin demo: FAILED: {exc}", file=sys.stderr)
        if keep is not None:
            print(f"msin demo: the network's files and logs are in {keep}", file=sys.stderr)
        return 1
    if result.privacy_findings:
        print("msin demo: FAILED: the privacy sweep found plaintext identifiers (see above)", file=sys.stderr)
        return 1
    return 0


def register(subparsers: Any) -> None:
    """Add ``msin demo``."""
    parser = add_area(
        subparsers,
        "demo",
        description=(__doc__ or "").replace("``", "'"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--keep", metavar="DIR",
        help="build the network in DIR (must not exist or be empty) and leave its files for inspection",
    )
    parser.add_argument(
        "--timeout", type=float, default=180.0, metavar="SECONDS",
        help="give up (and clean up) after this long (default %(default)s)",
    )
    parser.set_defaults(func=_demo)
