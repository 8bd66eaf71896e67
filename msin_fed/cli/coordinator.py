"""``msin coordinator``: run STTG's coordinator and check its audit log.

``serve --config FILE`` runs the gRPC service until SIGTERM/SIGINT (then finishes
in-flight batches); ``audit verify --config FILE [--checkpoints FILE]...`` walks the
hash-chained audit log against the head file and the signed checkpoints members export,
and exits 1 naming the first altered or missing entry, or when it has nothing to check
against; ``audit key --config FILE`` prints the public checkpoint key members pin
(making the key on first use). Analysts' ``report`` and ``insights``
subcommands are added by :mod:`msin_fed.cli.coordinator_insights` when installed.
"""

from __future__ import annotations

import argparse
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
    store = SharedStore(config.store_url)
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
    try:
        from msin_fed.cli.coordinator_insights import register_insights
    except ModuleNotFoundError as exc:
        if exc.name != "msin_fed.cli.coordinator_insights":
            raise
    else:
        register_insights(sub)
