"""``msin demo``: a whole throwaway network on this machine, and what each party sees.

With no arguments and no prior set-up it creates a temporary directory with a network
CA, a coordinator on SQLite, three key holders (threshold two) and three member nodes,
all separate processes over mutual TLS on loopback; imports the bundled synthetic
reports into each node, shares them, waits for matching, and prints each member's
matches, the analyst's clusters and an alert every member receives, with a line on
what each grade and TLP shown means and the kinds of identifier in plain words. It stops
every process and removes the directory afterwards unless ``--keep DIR`` is given.

With ``--serve`` the network keeps running after the walkthrough: every address is
printed (coordinator, key holders, nodes) with where each process's configuration and
identity files are, until Ctrl-C (SIGINT) or SIGTERM stops every process.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from msin_fed.cli import add_area

__all__ = ["register"]


def _demo(args: argparse.Namespace) -> int:
    from msin_fed.demo.processes import DemoError
    from msin_fed.demo.run import run_demo

    keep = Path(args.keep) if args.keep else None

    def on_term(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # unwinds through run_demo, which stops every child

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        result = run_demo(keep=keep, timeout=args.timeout, serve=args.serve)
    except KeyboardInterrupt:
        print("msin demo: interrupted; every process stopped", file=sys.stderr)
        return 1
    except DemoError as exc:
        print(f"msin demo: FAILED: {exc}", file=sys.stderr)
        if keep is not None:
            print(f"msin demo: the network's files and logs are in {keep}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
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
    parser.add_argument(
        "--serve", action="store_true",
        help="keep the network running after the walkthrough, print every address, stop on Ctrl-C",
    )
    parser.set_defaults(func=_demo)
