"""``msin coordinator``: run STTG's coordinator and check its audit log.

``serve --config FILE`` runs the gRPC service until SIGTERM/SIGINT (then finishes
in-flight batches); ``audit verify --config FILE [--checkpoints FILE]...`` walks the
hash-chained audit log against the head file and the signed checkpoints members export,
and exits 1 naming the first altered or missing entry, or when it has nothing to check
against; ``audit key --config FILE`` prints the public checkpoint key members pin
(making the key on first use). Analysts' ``report`` and ``insights``
subcommands are added by :mod:`msin_fed.cli.coordinator_insights` when installed.
``console --config console.toml`` serves the analysts' web console (a separate process
calling the coordinator with its own analyst certificate, docs/console.md) and ``users
add|list|remove`` manages its accounts.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from msin_fed.cli import add_area, add_commands

__all__ = ["register"]


def _serve(args: argparse.Namespace) -> int:
    from msin_fed.coordinator.config import load_config
    from msin_fed.coordinator.server import serve

    return int(serve(load_config(args.config)))


def _audit_verify(args: argparse.Namespace) -> int:
    from msin_fed.checkpoint import (
        CheckpointKey,
        load_checkpoints,
        load_or_create_signing_key,
        merge_verified,
    )
    from msin_fed.coordinator.audit import AuditLog
    from msin_fed.coordinator.config import load_config
    from msin_fed.coordinator.store import SharedStore
    from msin_fed.errors import ValidationError

    config = load_config(args.config)
    checkpoints = []
    if args.checkpoints:
        try:
            if args.checkpoint_key:
                key = CheckpointKey.from_hex(args.checkpoint_key, "--checkpoint-key")
            elif config.audit_checkpoint_key is not None:
                key = CheckpointKey(bytes(load_or_create_signing_key(config.audit_checkpoint_key, create=False).verify_key))
            else:
                raise ValidationError("--checkpoint-key", "is required: the configuration names no checkpoint key")
            sources = [(name, load_checkpoints(name)) for name in args.checkpoints]
            checkpoints = merge_verified(sources, key)
        except ValidationError as exc:
            print(f"audit log not verified: {exc}")
            return 1
        if not checkpoints:
            print("audit log not verified: the checkpoint files hold no checkpoints")
            return 1
    store = SharedStore(config.store_url, timeouts=config.store_timeouts)
    try:
        report = AuditLog(store, config.audit_head_file).verify(checkpoints)
    finally:
        store.close()
    print(report)
    return 0 if report.ok else 1


def _audit_key(args: argparse.Namespace) -> int:
    from msin_fed.checkpoint import load_or_create_signing_key
    from msin_fed.coordinator.config import load_config

    config = load_config(args.config)
    if config.audit_checkpoint_key is None:
        print("no [audit] checkpoint_key configured")
        return 1
    key = load_or_create_signing_key(config.audit_checkpoint_key, create=True)
    print(bytes(key.verify_key).hex())
    return 0


def _console(args: argparse.Namespace) -> int:
    from msin_fed.web.analyst_console import build_analyst_console, load_analyst_config
    from msin_fed.web.server import serve

    config = load_analyst_config(Path(args.config), listen=args.listen)
    app, console = build_analyst_console(config)
    try:
        serve(app, config.console.listen, config.identity, name="analyst console")
    finally:
        console.calls.close()
    return 0


def _analyst_accounts(config: Path) -> Any:
    from msin_fed.web.accounts import AccountStore
    from msin_fed.web.analyst_console import load_analyst_config

    return AccountStore(load_analyst_config(config).console.users, issuer="msin-fed analyst")


def register_console(sub: Any, *, who: str = "analysts'", config_name: str = "console.toml",
                     run: Callable[[argparse.Namespace], int] = _console,
                     accounts: Callable[[Path], Any] = _analyst_accounts) -> None:
    """``console`` and ``users add|list|remove`` of a console calling the coordinator over
    gRPC (the analysts' by default; ``msin advisory`` adds the Advisory Group's)."""
    from msin_fed.cli.node import add_account, remove_account

    def users_list(args: argparse.Namespace) -> int:
        store = accounts(Path(args.config))
        try:
            names = [a.username for a in store.accounts()]
        finally:
            store.close()
        print("\n".join(names) if names else "no accounts")
        return 0

    text = f"the {who} web console (HTTPS; calls the coordinator over gRPC)"
    p = sub.add_parser("console", help=text, description=text)
    p.add_argument("--config", required=True, help=f"console TOML configuration ({config_name})")
    p.add_argument("--listen", default=None, help="HOST:PORT (default: [console] listen, else 127.0.0.1:8443)")
    p.set_defaults(func=run)
    users = add_commands(sub.add_parser("users", help=f"the {who} console's accounts",
                                        description=f"the {who} console's accounts"))
    for name, func, help_text in (
            ("add", lambda a: add_account(accounts(Path(a.config)), a.name, a.password_stdin),
             "create an account (prints its TOTP secret once)"),
            ("list", users_list, "list the accounts"),
            ("remove", lambda a: remove_account(accounts(Path(a.config)), a.name), "delete an account")):
        q = users.add_parser(name, help=help_text, description=help_text)
        q.add_argument("--config", required=True, help=f"console TOML configuration ({config_name})")
        q.set_defaults(func=func)
        if name != "list":
            q.add_argument("name", help="account name")
        if name == "add":
            q.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")


def register(subparsers: Any) -> None:
    """Add ``msin coordinator`` and its subcommands."""
    sub = add_commands(
        add_area(
            subparsers,
            "coordinator",
            description="Run STTG's coordinator (gRPC over mutual TLS) and check its audit log.",
        )
    )
    serve = sub.add_parser("serve", help="run the coordinator's gRPC service")
    serve.add_argument("--config", required=True, help="coordinator TOML configuration")
    serve.set_defaults(func=_serve)
    audit = sub.add_parser("audit", help="the hash-chained audit log")
    audit_sub = add_commands(audit)
    verify = audit_sub.add_parser(
        "verify",
        help="detect altered or removed audit entries (exit 1)",
        description="Walk the audit chain and check it against the head file and members' checkpoints. "
        "Exit 1 naming the first entry that no longer matches, or when there is nothing to check against.",
    )
    verify.add_argument("--config", required=True, help="coordinator TOML configuration")
    verify.add_argument(
        "--checkpoints",
        action="append",
        metavar="FILE",
        help="checkpoints exported by a member ('msin node checkpoints --json'); repeatable",
    )
    verify.add_argument(
        "--checkpoint-key",
        metavar="HEX",
        help="the checkpoint key to check signatures under (default: the configured key's public half)",
    )
    verify.set_defaults(func=_audit_verify)
    key = audit_sub.add_parser("key", help="print the public checkpoint key members pin (made on first use)")
    key.add_argument("--config", required=True, help="coordinator TOML configuration")
    key.set_defaults(func=_audit_key)
    register_console(sub)
    try:
        from msin_fed.cli.coordinator_insights import register_insights
    except ModuleNotFoundError as exc:
        if exc.name != "msin_fed.cli.coordinator_insights":
            raise
    else:
        register_insights(sub)
