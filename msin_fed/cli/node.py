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
* ``usage``: our use of each key holder's daily budget today (and the reset time);
* ``console [--listen HOST:PORT] [--no-sync]``: the web console for the member's nominated
  users and the staff concern form, over HTTPS on the node's certificate (docs/console.md);
  it also delivers and receives as ``run`` does, unless ``--no-sync``;
* ``users add NAME | list | remove NAME``: the console's accounts (password and TOTP).

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
from msin_fed.views import plain

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
    from msin_fed import token_inputs
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
    kinds = ", ".join(f"{token_inputs.kind_label(k)} x{n}" for k, n in preview.token_counts().items()) or "none"
    print(f"  tokens that would be sent: {len(preview.token_kinds)} ({kinds})")
    if preview.would_refuse:
        found = ", ".join(f"{f.entity_type} at {f.start}-{f.end}" for f in preview.residue)
        print(f"  verification: the share would be REFUSED: residue {found}")
        return EXIT_REFUSED
    print("  verification: passes")
    return 0


def _share(args: argparse.Namespace) -> int:
    from msin_fed.errors import RemoteError, ValidationError

    ids = list(args.report_ids)
    if args.all and ids:
        raise ValidationError("report_id", "give report ids or --all, not both")
    if not args.all and not ids:
        raise ValidationError("report_id", "give the report id(s) to share, or --all")
    if args.preview:
        if args.all or len(ids) != 1:
            raise ValidationError("--preview", "previews one report at a time")
        args.report_id = ids[0]
        return _preview(args)
    if args.tlp is None:
        raise ValidationError("tlp", "--tlp is required to share (CLEAR, GREEN, AMBER, AMBER+STRICT or RED)")
    if args.all or len(ids) > 1:
        return _share_many(args, None if args.all else ids)
    args.report_id = ids[0]
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


def _progress(stream: Any) -> tuple[Any, Any]:
    """(callback, close) showing bulk-share progress: a bar on a terminal, plain lines otherwise."""
    isatty = getattr(stream, "isatty", None)
    if callable(isatty) and isatty():
        from tqdm import tqdm

        bar: Any = None

        def on_bar(done: int, total: int, outcome: Any) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, file=stream, unit="report", desc="sharing", leave=True)
            bar.set_postfix_str(f"{outcome.report_id}: {outcome.status}", refresh=False)
            bar.update(1)

        return on_bar, lambda: bar.close() if bar is not None else None

    def on_line(done: int, total: int, outcome: Any) -> None:
        print(f"sharing {done}/{total}: {outcome.report_id} {outcome.status}", file=stream, flush=True)

    return on_line, lambda: None


def _share_many(args: argparse.Namespace, ids: list[str] | None) -> int:
    from msin_fed.cli.redact import EXIT_REFUSED
    from msin_fed.errors import RemoteError

    with _open(args) as node:
        on_progress, close = _progress(sys.stderr)
        try:
            outcomes = node.share_many(ids, tlp=args.tlp, handling=args.handling, progress=on_progress)
        finally:
            close()
        delivery = ""
        if not args.no_sync and any(o.status == "shared" for o in outcomes):
            try:
                report = node.deliver()
                delivery = f"delivered {report.acknowledged}, {report.remaining} left in the outbox"
            except RemoteError as exc:
                delivery = f"queued in the outbox; delivery failed ({exc}), will retry"
    if args.json:
        print(dumps(plain(outcomes)))
    else:
        for o in outcomes:
            if o.status == "shared":
                line = f"{o.report_id}: shared as record {o.record_id} ({o.tokens} token(s))"
            elif o.status == "already_shared":
                line = f"{o.report_id}: {o.reason}, record {o.record_id}"
            else:
                line = f"{o.report_id}: {o.status.upper()}: {o.reason}"
            print(line)
            if o.warning:
                print(f"  warning: {o.warning}")
        counts = {s: sum(o.status == s for o in outcomes) for s in ("shared", "already_shared", "refused", "failed")}
        print(f"{counts['shared']} shared, {counts['already_shared']} already shared, "
              f"{counts['refused']} refused by verification, {counts['failed']} failed")
        if delivery:
            print(delivery)
    if any(o.status == "failed" for o in outcomes):
        return 1
    return EXIT_REFUSED if any(o.status == "refused" for o in outcomes) else 0


def _reports(args: argparse.Namespace) -> int:
    with _open(args) as node:
        found = node.report_states()
    if args.json:
        print(dumps(plain(found)))
        return 0
    if not found:
        print("no reports")
    for r in found:
        share = r.share_state
        if r.record_id:
            share += f" as {r.record_id} (TLP:{r.tlp})"
        if r.note:
            share += f": {r.note}"
        matched = f"; matches {r.other_members} other member(s)" if r.other_members else ""
        print(f"{r.report_id}: {r.month} {r.region} {r.sector} {r.exploitation_type} {r.grade}, "
              f"{r.mentions} mention(s); {share}{matched}")
    return 0


def _status(args: argparse.Namespace) -> int:
    with _open(args) as node:
        st = node.status()
    if args.json:
        print(dumps(plain(st)))
        return 0
    print(f"member: {st.member_id or '(no member identity configured)'}")
    print(f"coordinator: {st.coordinator or '(none configured)'}")
    print(f"reports: {st.reports}")
    shares = ", ".join(f"{n} {state}" for state, n in st.shares.items()) or "none"
    print(f"shares: {shares}")
    failing = f" ({st.outbox_failing} failing, see 'msin node outbox')" if st.outbox_failing else ""
    print(f"outbox: {st.outbox} waiting{failing}")
    print(f"inbox: {st.active_matches} active match(es), {st.alerts} alert(s); last event {st.cursor}")
    refused = f", {st.refused_checkpoints} REFUSED" if st.refused_checkpoints else ""
    print(f"audit checkpoints: {st.checkpoints} held{refused}")
    return 0


def _outbox(args: argparse.Namespace) -> int:
    with _open(args) as node:
        found = node.outbox()
    if args.json:
        print(dumps(plain(found)))
        return 0
    if not found:
        print("outbox empty")
    for item in found:
        due = item.next_attempt.isoformat(timespec="seconds") if item.next_attempt else "now"
        error = f"; last error {item.last_error}" if item.last_error else ""
        print(f"{item.seq}: {item.op} {item.report_id or '?'} (record {item.record_id}); "
              f"{item.attempts} attempt(s), next {due}{error}")
    return 0


def _raise_alert(args: argparse.Namespace) -> int:
    from msin_fed.cli.analyst import refused_by_verification
    from msin_fed.cli.redact import EXIT_REFUSED
    from msin_fed.errors import RemoteError

    try:
        with _open(args) as node:
            alert_id = node.raise_alert(args.report_id, args.summary)
    except RemoteError as exc:
        if not refused_by_verification(exc):
            raise
        print(f"msin: the summary was refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"alert {alert_id} raised on {args.report_id}: every member receives it")
    return 0


def _actions(args: argparse.Namespace) -> int:
    with _open(args) as node:
        found = node.actions(args.limit)
        reports = {s.record_id: s.report_id for s in node.shares()}
    if args.json:
        print(dumps(plain(found)))
        return 0
    if not found:
        print("no actions")
    for a in found:
        about = f"report {reports.get(a.record_id, '?')}" if a.record_id else f"alert {a.alert_id}"
        outcome = a.outcome.value if a.outcome else "unknown outcome"
        print(f"{a.action_id} {a.date.isoformat() if a.date else '?'} {outcome} about {about}")
    return 0


def _record_action(args: argparse.Namespace) -> int:
    with _open(args) as node:
        action_id = node.record_action(args.outcome, report_id=args.report, alert_id=args.alert, date=args.date)
    print(f"action {action_id} recorded: {args.outcome}")
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
    from msin_fed import token_inputs

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
        kinds = token_inputs.describe_kinds(m.matched_kinds, brief=True) or "-"
        print(f"{m.report_id or '(unknown record)'}: {m.change}; {m.other_members} other member(s); on {kinds}; cluster {m.cluster_id}")
    return 0


def _shares(args: argparse.Namespace) -> int:
    with _open(args) as node:
        found = node.shares()
    if args.json:
        print(dumps(found))
        return 0
    if not found:
        print("no shares")
    for s in found:
        why = f": {s.note}" if s.state in ("refused", "withdraw_refused") and s.note else ""
        print(f"{s.report_id} (record {s.record_id}, TLP:{s.tlp}): {s.state}{why}")
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
    if args.json:
        print(dumps({
            name: {"error": str(u)} if isinstance(u, Exception) else {
                "used": int(u.used), "daily_budget": int(u.daily_budget), "day": u.day,
                "resets_at": u.resets_at, "network_daily_bound": int(u.network_daily_bound)}
            for name, u in answers.items()}))
        return 1 if answers and all(isinstance(u, Exception) for u in answers.values()) else 0
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


def _console(args: argparse.Namespace) -> int:
    from msin_fed.web.node_console import build_node_console, node_console_settings
    from msin_fed.web.server import serve

    config = _config(args)
    settings = node_console_settings(Path(args.config), listen=args.listen)
    if config.identity is None:
        from msin_fed.errors import ConfigError

        raise ConfigError(config.source, "node.identity", "is required: the console serves HTTPS on the node's certificate")
    app, console = build_node_console(config, settings, sync=not args.no_sync)
    try:
        serve(app, settings.listen, config.identity, name="node console")
    finally:
        console.node.close()
    return 0


def _accounts(args: argparse.Namespace) -> Any:
    from msin_fed.web.accounts import AccountStore
    from msin_fed.web.node_console import node_console_settings

    settings = node_console_settings(Path(args.config))
    return AccountStore(settings.users, issuer="msin-fed node")


def read_new_password(from_stdin: bool) -> str:
    """A new password from one line of stdin, or typed twice at a prompt."""
    import getpass

    from msin_fed.errors import ValidationError

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password (at least 12 characters): ")
    if getpass.getpass("Same password again: ") != first:
        raise ValidationError("password", "the two passwords differ")
    return first


def print_new_account(new: Any) -> None:
    """The TOTP secret of a new account, once, for its authenticator app."""
    print(f"account {new.username} created")
    print("  add it to an authenticator app (TOTP, 6 digits, 30 seconds) with this secret:")
    print(f"    {new.totp_secret}")
    print(f"  or this URI: {new.provisioning_uri}")
    print("  it is shown only now.")


def add_account(store: Any, name: str, password_stdin: bool) -> int:
    """``users add`` of either console: create the account, print its TOTP secret once."""
    try:
        new = store.add(name, read_new_password(password_stdin))
    finally:
        store.close()
    print_new_account(new)
    return 0


def remove_account(store: Any, name: str) -> int:
    """``users remove`` of either console."""
    try:
        removed = store.remove(name)
    finally:
        store.close()
    print(f"account {name} removed" if removed else f"no account {name}")
    return 0 if removed else 1


def _users_add(args: argparse.Namespace) -> int:
    return add_account(_accounts(args), args.name, args.password_stdin)


def _users_list(args: argparse.Namespace) -> int:
    import datetime as _dt

    store = _accounts(args)
    try:
        found = store.accounts()
    finally:
        store.close()
    if not found:
        print("no accounts")
    for a in found:
        print(f"{a.username} (created {_dt.datetime.fromtimestamp(a.created, _dt.UTC):%Y-%m-%d %H:%M} UTC)")
    return 0


def _users_remove(args: argparse.Namespace) -> int:
    return remove_account(_accounts(args), args.name)


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
    p = command("share", "share reports with the network (one, several, or --all)", _share)
    p.add_argument("report_ids", nargs="*", metavar="REPORT_ID", help="the report(s) to share")
    p.add_argument("--all", action="store_true", help="share every stored report (those already shared are reported)")
    p.add_argument("--json", action="store_true", help="with several reports: print the outcomes as JSON")
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
    p = command("shares", "each shared report's delivery state (refused ones with the coordinator's reason)", _shares)
    p.add_argument("--json", action="store_true", help="print JSON")
    p = command("checkpoints", "the coordinator's signed audit checkpoints kept (exit 1 if any refused)", _checkpoints)
    p.add_argument("--json", action="store_true", help="export them as JSON for 'msin coordinator audit verify'")
    p.add_argument("--sync", action="store_true", help="sync with the coordinator first")
    p = command("sync", "deliver the outbox and fetch new events once", _sync)
    p.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for events")
    command("run", "deliver and receive in the background until interrupted", _run)
    p = command("usage", "our use of each key holder's daily budget today", _usage)
    p.add_argument("--json", action="store_true", help="print JSON")
    p = command("reports", "the stored reports and where each one's share stands", _reports)
    p.add_argument("--json", action="store_true", help="print JSON")
    p = command("status", "the node at a glance: reports, shares, outbox, inbox, checkpoints", _status)
    p.add_argument("--json", action="store_true", help="print JSON")
    p = command("outbox", "operations waiting for the coordinator, with attempts and errors", _outbox)
    p.add_argument("--json", action="store_true", help="print JSON")
    alert = sub.add_parser("alert", help="raise an alert", description="Raise an alert to every member.")
    alert_sub = add_commands(alert)
    p = alert_sub.add_parser(
        "raise", help="alert every member about our shared report (actionable and time-sensitive)",
        description="Alert every member about our shared report (graded actionable and time-sensitive).",
    )
    p.add_argument("--config", required=True, help="node TOML configuration")
    p.add_argument("report_id")
    p.add_argument("--summary", required=True, help="text for every member; must hold no personal data")
    p.set_defaults(func=_raise_alert)
    p = command("actions", "the actions we recorded at the coordinator, newest first", _actions)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    action = sub.add_parser("action", help="record an action", description="Record what we did.")
    action_sub = add_commands(action)
    p = action_sub.add_parser(
        "record", help="record what we did about a match on our report or about an alert",
        description="Record at the coordinator what we did about a match on our report or about an alert.",
    )
    p.add_argument("--config", required=True, help="node TOML configuration")
    p.add_argument("--outcome", required=True, help=(
        "investigated, remediated_with_supplier, referred_to_law_enforcement, referred_to_glaa, "
        "victims_supported or no_further_action"))
    about = p.add_mutually_exclusive_group(required=True)
    about.add_argument("--report", help="our report id (its match)")
    about.add_argument("--alert", help="the alert's id")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="when it was done (default today)")
    p.set_defaults(func=_record_action)
    p = command("console", "the web console for nominated users and the staff concern form (HTTPS)", _console)
    p.add_argument("--listen", default=None, help="HOST:PORT (default: [console] listen, else 127.0.0.1:8443)")
    p.add_argument("--no-sync", action="store_true",
                   help="do not deliver or receive (when 'msin node run' runs beside the console)")
    users = add_commands(sub.add_parser("users", help="the console's accounts", description="the console's accounts"))
    for name, func, text in (("add", _users_add, "create an account (prints its TOTP secret once)"),
                             ("list", _users_list, "list the accounts"),
                             ("remove", _users_remove, "delete an account")):
        p = users.add_parser(name, help=text, description=text)
        p.add_argument("--config", required=True, help="node TOML configuration")
        p.set_defaults(func=func)
        if name != "list":
            p.add_argument("name", help="account name")
        if name == "add":
            p.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    from msin_fed.cli.cases import register_node_cases

    register_node_cases(sub)
