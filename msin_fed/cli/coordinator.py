"""``msin coordinator``: run STTG's coordinator and check its audit log.

``serve --config FILE`` runs the gRPC service until SIGTERM/SIGINT (then finishes
in-flight batches); ``audit verify --config FILE`` walks the hash-chained audit log and
exits 1 naming the first altered or missing entry. Analysts' ``report`` and ``insights``
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
    from msin_fed.coordinator.audit import AuditLog
    from msin_fed.coordinator.config import load_config
    from msin_fed.coordinator.store import SharedStore

    config = load_config(args.config)
    store = SharedStore(config.store_url)
    try:
        report = AuditLog(store, config.audit_head_file).verify()
    finally:
        store.close()
    print(report)
    return 0 if report.ok else 1


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
    verify = audit_sub.add_parser("verify", help="detect altered or removed audit entries (exit 1)")
    verify.add_argument("--config", required=True, help="coordinator TOML configuration")
    verify.set_defaults(func=_audit_verify)
    try:
        from msin_fed.cli.coordinator_insights import register_insights
    except ModuleNotFoundError as exc:
        if exc.name != "msin_fed.cli.coordinator_insights":
            raise
    else:
        register_insights(sub)
