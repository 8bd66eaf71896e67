"""``msin node``: operate a member node from its TOML configuration.

Every subcommand takes ``--config FILE`` (see docs/node.md for the keys):

* ``init``: create the secure store (and the key file, when configured and missing);
* ``import REPORTS [MENTIONS] [--strict]``: import a canonical CSV (+ mentions CSV) or JSON
  file; report fields all or nothing, every bad row reported by line and field (exit 2);
  an identifier value that fails validation is stored with its report as an invalid
  field, with a warning naming line and field (``--strict``: refused instead);
* ``invalid-fields [REPORT_ID] [--json]``: those stored invalid values, in full, with the
  reason, so the member can correct them (they never leave the node);
* ``share REPORT_ID --tlp T [--handling P|C]``: share a report, then try to deliver;
* ``share --preview REPORT_ID [--tlp T]``: show what would leave (the redacted narrative,
  placeholders highlighted, the kinds of the tokens, grade and TLP) and send nothing:
  no key holder or coordinator is contacted, the outbox is untouched (exit 3 when the
  verification pass would refuse the share);
* ``withdraw REPORT_ID``: withdraw its shared record;
* ``matches`` / ``alerts``: what the inbox holds (``--json`` for machines);
* ``checkpoints``: the coordinator's signed audit checkpoints kept (``--json`` exports
  them for ``msin coordinator audit verify --checkpoints``); exit 1 if any was refused;
* ``sync``: deliver the outbox and fetch new events once;
* ``run``: deliver and receive in the background until SIGINT or SIGTERM;
* ``usage``: our use of each key holder's daily budget today (and the reset time).

Output names reports by their local id and never prints identifiers or narratives,
except the redacted narrative of a record being shared or previewed, which is what leaves
the node, and ``invalid-fields``, which shows the member its own values to correct.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from msin_fed.cli import add_area, add_commands
from msin_fed.jsonable import dumps

if TYPE_CHECKING:
    from msin_fed.node import Node, NodeConfig

__all__ = ["register"]


def _config(args: argparse.Namespace) -> NodeConfig:
    from msin_fed.node import load_config

    return load_config(args.config)


def _open(args: argparse.Namespace) -> Node:
    from msin_fed.node import Node

    return Node.open(config=_config(args))


def _init(args: argparse.Namespace) -> int:
    from msin_fed.node import Node, write_key_file

    config = _config(args)
    if config.key_file is not None and not config.key_file.exists():
        write_key_file(config.key_file)
        print(f"wrote a new key file {config.key_file} (keep it safe: without it the store is unreadable)")
    Node.open(config=config, create=True).close()
    print(f"created node store {config.store}")
    return 0


def _import(args: argparse.Namespace) -> int:
    with _open(args) as node:
        result = node.import_file(
            Path(args.reports), Path(args.mentions) if args.mentions else None, strict=args.strict
        )
    for note in result.notes:
        print(f"msin node import: {note}", file=sys.stderr)
    for warning in result.warnings:
        print(f"msin node import: warning: {warning}", file=sys.stderr)
    print(f"imported {len(result.report_ids)} report(s)")
    if result.warnings:
        print(
            f"  {len(result.warnings)} identifier value(s) failed validation and are stored as invalid "
            "fields (never tokenized or shared): 'msin node invalid-fields' shows them; "
            "--strict refuses such a file instead"
        )
    return 0


def _invalid_fields(args: argparse.Namespace) -> int:
    with _open(args) as node:
        found = node.invalid_fields(args.report_id)
    if args.json:
        rows = [{"report_id": rid, "column": f.column, "value": f.value, "problem": f.problem} for rid, f in found]
        print(dumps(rows))
        return 0
    if not found:
        print("no invalid fields stored")
        return 0
    for rid, f in found:
        print(f"{rid}: {f.column}: {f.value!r}: {f.problem}")
    return 0


def _highlighter(stream: Any) -> Any:
    """Placeholders in bold colour on a terminal (unless NO_COLOR), in square brackets otherwise."""
    from msin_fed.node.share import PLACEHOLDER

    isatty = getattr(stream, "isatty", None)
    if callable(isatty) and isatty() and not os.environ.get("NO_COLOR"):
        return lambda text: PLACEHOLDER.sub(lambda m: f"\x1b[1;33m{m.group(0)}\x1b[0m", text)
    return lambda text: PLACEHOLDER.sub(lambda m: f"[{m.group(0)[1:-1]}]", text)


def _preview(args: argparse.Namespace) -> int:
    from msin_fed.cli.redact import EXIT_REFUSED

    with _open(args) as node:
        preview = node.preview_share(args.report_id, tlp=args.tlp, handling=args.handling)
    mark = _highlighter(sys.stdout)
    tlp = f"TLP:{preview.tlp.value}" if preview.tlp else "TLP not chosen (give --tlp when sharing)"
    print(f"preview of {args.report_id}: nothing has been sent")
    print(f"  grade {preview.grade}; {tlp}")
    print("  narrative as it would be shared (placeholders marked):")
    print(f"    {mark(preview.narrative)}")
    placeholders = ", ".join(f"{k} x{n}" for k, n in preview.placeholder_counts().items()) or "none"
    print(f"  placeholders: {placeholders}")
    kinds = ", ".join(f"{k} x{n}" for k, n in preview.token_counts().items()) or "none"
    print(f"  tokens that would be sent: {len(preview.token_kinds)} ({kinds})")
    if preview.would_refuse:
        found = ", ".join(f"{f.entity_type} at {f.start}-{f.end}" for f in preview.residue)
        print(f"  verification: the share would be REFUSED: residue {found}")
        return EXIT_REFUSED
    print("  verification: passes")
    return 0


def _share(args: argparse.Namespace) -> int:
    from msin_fed.errors import RemoteError, ValidationError

    if args.preview:
        return _preview(args)
    if args.tlp is None:
        raise ValidationError("tlp", "--tlp is required to share (CLEAR, GREEN, AMBER, AMBER+STRICT or RED)")
    with _open(args) as node:
        record = node.share(args.report_id, tlp=args.tlp, handling=args.handling)
        print(f"shared {args.report_id} as record {record.record_id}")
        print(f"  tokens: {len(record.tokens)}; grade {record.grade}; TLP:{record.tlp.value}")
        print(f"  narrative as shared: {record.narrative}")
        if args.no_sync:
            print("  queued in the outbox")
            return 0
        try:
            report = node.deliver()
        except RemoteError as exc:
            print(f"  queued in the outbox; delivery failed ({exc.code or 'error'}), will retry")
            return 0
        state = next((s.state for s in node.shares() if s.record_id == record.record_id), "?")
        if state == "pending" and report.error:
            print(f"  delivery: pending ({report.error}); {report.remaining} item(s) left in the outbox, "
                  "will retry ('msin node sync' or 'msin node run')")
        else:
            print(f"  delivery: {state}; {report.remaining} item(s) left in the outbox")
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    with _open(args) as node:
        share = node.withdraw(args.report_id)
        if not args.no_sync:
            node.deliver()
        state = next((s.state for s in node.shares() if s.record_id == share.record_id), "?")
    print(f"withdrawal of {args.report_id} (record {share.record_id}): {state}")
    return 0


def _matches(args: argparse.Namespace) -> int:
    with _open(args) as node:
        if args.sync:
            node.sync()
        found = node.matches(include_removed=args.all)
    if args.json:
        print(dumps(found))
        return 0
    if not found:
        print("no matches")
    for m in found:
        kinds = ", ".join(m.matched_kinds) or "-"
        print(f"{m.report_id or '(unknown record)'}: {m.change}; {m.other_members} other member(s); on {kinds}; cluster {m.cluster_id}")
    return 0


def _alerts(args: argparse.Namespace) -> int:
    with _open(args) as node:
        if args.sync:
            node.sync()
        found = node.alerts()
    if args.json:
        print(dumps(found))
        return 0
    if not found:
        print("no alerts")
    for a in found:
        own = f" (about our {a.own_report_id})" if a.own_report_id else ""
        tlp = f"TLP:{a.tlp.value}" if a.tlp else "TLP:?"
        print(f"{a.alert_id} [{tlp}] {a.region} {a.sector} {a.exploitation_type}{own}: {a.summary}")
    return 0


def _checkpoints(args: argparse.Namespace) -> int:
    with _open(args) as node:
        if args.sync:
            node.sync()
        if args.json:
            print(node.export_checkpoints())
            refused = node.refused_checkpoints()
            for cursor, reason in refused:
                print(f"refused checkpoint (event {cursor}): {reason}", file=sys.stderr)
        else:
            held, refused = node.checkpoints(), node.refused_checkpoints()
            key = node.checkpoint_key()
            print(f"checkpoint key: {key.hex() if key else '(none pinned yet)'}")
            if not held:
                print("no checkpoints received")
            for cp in held:
                print(f"checkpoint {cp.number}: entry {cp.entry_seq}, head {cp.head[:16]}..., signed {cp.signed_at.isoformat(timespec='seconds')}")
            for cursor, reason in refused:
                print(f"REFUSED (event {cursor}): {reason}")
    return 1 if refused else 0


def _sync(args: argparse.Namespace) -> int:
    with _open(args) as node:
        report = node.sync(timeout=args.timeout)
    d = report.delivery
    print(
        f"delivered {d.acknowledged} ({d.duplicates} already held), refused {d.refused}, "
        f"deferred {d.failed}, {d.remaining} left; {report.new_events} new event(s)"
    )
    return 1 if d.failed else 0


def _usage(args: argparse.Namespace) -> int:
    with _open(args) as node:
        answers = node.key_holder_usage()
    for name, u in answers.items():
        if isinstance(u, Exception):
            print(f"{name}: {u}")
        else:
            print(f"{name}: {u.used} of {u.daily_budget} elements used on {u.day}, resets at {u.resets_at}; "
                  f"at most {u.network_daily_bound} evaluations a day across the network")
    return 1 if answers and all(isinstance(u, Exception) for u in answers.values()) else 0


def _run(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    def status(line: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)

    with _open(args) as node:
        holders = ", ".join(f"{name} {address}" for name, address in node.key_holder_addresses()) or "none"
        print(
            f"msin node: running as {node.member_id}; coordinator {node.coordinator_address}; "
            f"key holders {holders}; outbox {node.outbox_size()} item(s); store {node.store.path}",
            flush=True,
        )
        node.start(on_status=status)
        while not stop.wait(0.5):
            pass
    print("msin node: stopped", flush=True)
    return 0


def register(subparsers: Any) -> None:
    """Add ``msin node`` and its subcommands."""
    sub = add_commands(
        add_area(
            subparsers, "node", description="Operate a member node: secure store, import, share, withdraw, inbox."
        )
    )

    def command(name: str, help_text: str, func: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", required=True, help="node TOML configuration")
        p.set_defaults(func=func)
        return p

    command("init", "create the secure store (and key file)", _init)
    p = command("import", "import a canonical CSV (+ mentions CSV) or JSON file", _import)
    p.add_argument("reports", help="reports CSV, or a JSON list of reports with entities")
    p.add_argument("mentions", nargs="?", help="mentions CSV (record_id = report_id)")
    p.add_argument(
        "--strict", action="store_true",
        help="refuse the import when an identifier value fails validation (by default it is "
        "stored with its report as an invalid field, with a warning, and never tokenized)",
    )
    p = command(
        "invalid-fields", "identifier values stored as invalid at import, in full, with the reason", _invalid_fields
    )
    p.add_argument("report_id", nargs="?", help="only this report")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = command("share", "share a report with the network", _share)
    p.add_argument("report_id")
    p.add_argument("--tlp", default=None, help="CLEAR, GREEN, AMBER, AMBER+STRICT or RED (required to share)")
    p.add_argument(
        "--preview", action="store_true",
        help="show what would leave (redacted narrative, token kinds, grade, TLP) and send nothing",
    )
    p.add_argument("--handling", default="P", choices=["P", "C", "p", "c"], help="3x5x2 handling code")
    p.add_argument("--no-sync", action="store_true", help="only queue; deliver later")
    p = command("withdraw", "withdraw a report's shared record", _withdraw)
    p.add_argument("report_id")
    p.add_argument("--no-sync", action="store_true", help="only queue; deliver later")
    for name, func, text in (("matches", _matches, "matches on our records"), ("alerts", _alerts, "alerts received")):
        p = command(name, text, func)
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument("--sync", action="store_true", help="sync with the coordinator first")
        if name == "matches":
            p.add_argument("--all", action="store_true", help="include matches since removed")
    p = command("checkpoints", "the coordinator's signed audit checkpoints kept (exit 1 if any refused)", _checkpoints)
    p.add_argument("--json", action="store_true", help="export them as JSON for 'msin coordinator audit verify'")
    p.add_argument("--sync", action="store_true", help="sync with the coordinator first")
    p = command("sync", "deliver the outbox and fetch new events once", _sync)
    p.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for events")
    command("run", "deliver and receive in the background until interrupted", _run)
    command("usage", "our use of each key holder's daily budget today", _usage)
    from msin_fed.cli.cases import register_node_cases

    register_node_cases(sub)
