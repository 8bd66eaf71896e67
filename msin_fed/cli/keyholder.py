"""``msin keyholder``: run a key holder, or deal an epoch's token key.

``serve --config FILE`` runs the key-holder gRPC service until interrupted (SIGINT or
SIGTERM), printing the address it listens on; with ``log_path`` configured its log goes
to that file only. ``deal`` splits a fresh random key into
``N`` shares with threshold ``T`` for epoch ``E``: one ``holder-J.share.json`` per key
holder (owner-only; hand each to its holder) and ``public.json`` for member nodes. The
whole key exists only in the dealer's memory and is never written. ``roster ...`` manages
the quorum-signed membership roster and ``usage``/``totals`` ask holders for budgets used
(:mod:`msin_fed.cli.keyholder_roster`).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from msin_fed.cli import add_area, add_commands
from msin_fed.cli.keyholder_roster import register_roster, register_usage

__all__ = ["register"]


def _serve(args: argparse.Namespace) -> int:
    from msin_fed.keyholder import load_config, running

    config = load_config(args.config)
    if config.log_path:
        # The holder's log goes to its file only; propagated to the console handler as
        # well, every line was written twice (the demo keeps standard error in a file).
        logging.getLogger("msin_fed.keyholder").propagate = False
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    with running(config) as srv:
        host = config.listen.rpartition(":")[0]
        print(
            f"msin keyholder: serving epoch {srv.epoch} share {srv.share_index} "
            f"on {host}:{srv.port}",
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    return 0


def _deal(args: argparse.Namespace) -> int:
    from msin_fed.threshold import deal, write_dealing

    dealing = deal(args.threshold, args.holders, args.epoch)
    out = Path(args.out)
    existing = [p for p in (out / "public.json",) if p.exists()]
    if existing:
        from msin_fed.errors import ValidationError

        raise ValidationError("out", f"{out} already holds a dealing (public.json exists)")
    for path in write_dealing(dealing, out):
        print(path)
    print(
        f"dealt epoch {args.epoch}: {args.holders} shares, any {args.threshold} evaluate",
        file=sys.stderr,
    )
    return 0


def register(subparsers: Any) -> None:
    """Add ``msin keyholder`` and its subcommands."""
    sub = add_commands(
        add_area(
            subparsers, "keyholder", description="Run a key holder of the blind-token key, or deal a new key epoch."
        )
    )
    serve = sub.add_parser("serve", help="run the key-holder gRPC service")
    serve.add_argument("--config", required=True, help="key-holder TOML configuration")
    serve.set_defaults(func=_serve)
    dealer = sub.add_parser("deal", help="split a fresh token key into Shamir shares")
    dealer.add_argument("--threshold", "-t", type=int, required=True, help="shares needed (t)")
    dealer.add_argument("--holders", "-n", type=int, required=True, help="shares dealt (n)")
    dealer.add_argument("--epoch", type=int, required=True, help="key epoch (1, 2, ...)")
    dealer.add_argument("--out", required=True, help="directory for the dealing files")
    dealer.set_defaults(func=_deal)
    register_roster(sub)
    register_usage(sub)
