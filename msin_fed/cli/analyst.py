"""``msin analyst``: STTG's analyst at the coordinator, with an analyst certificate.

Every subcommand takes ``--config analyst.toml`` (see :mod:`msin_fed.analyst` for the
keys: the analyst identity and the coordinator's address and certificate name):

* ``clusters [--kind K] [--region R] [--sector S] [--type T] [--min-members N]
  [--since YYYY-MM] [--matched-kind KIND] [--limit N]``: clusters, largest first;
* ``cluster CLUSTER_ID``: one cluster: its records (redacted narratives, members,
  grades, TLP), the alerts on them, the actions about them and a time line;
* ``alerts [--record ID]``: alerts raised on the network, newest first;
* ``alert raise RECORD_ID --summary TEXT``: alert every member about a shared record;
* ``actions [--record ID] [--alert ID]``: actions recorded by members and analysts;
* ``action record --outcome O (--record ID | --alert ID) [--date YYYY-MM-DD]``;
* ``audit [--after SEQ] [--limit N]``: audit entries and the coordinator's
  verification of its chain (exit 1 when it is not intact).

Listings take ``--json``. ``msin analyst case ...`` (docs/cases.md) is added by
:func:`msin_fed.cli.cases.register_analyst_cases`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from msin_fed.cli import add_area, add_commands

if TYPE_CHECKING:
    from msin_fed.analyst import AnalystClient

__all__ = ["refused_by_verification", "register"]



def _client(args: argparse.Namespace) -> AnalystClient:
    from msin_fed.analyst import AnalystClient

    return AnalystClient.from_config(args.config)


def _json(value: Any) -> None:
    from msin_fed.jsonable import dumps
    from msin_fed.views import plain

    print(dumps(plain(value)))


def _grade(value: Any) -> str:
    return str(value) if value is not None else "?"


def _tlp(value: Any) -> str:
    return f"TLP:{value.value}" if value is not None else "TLP:?"


def _clusters(args: argparse.Namespace) -> int:
    with _client(args) as analyst:
        found = analyst.clusters(
            args.limit,
            kind=args.kind,
            region=args.region,
            sector=args.sector,
            exploitation_type=args.type,
            min_members=args.min_members,
            since_month=args.since,
            matched_kind=args.matched_kind,
        )
    if args.json:
        _json(found)
        return 0
    if not found:
        print("no clusters")
    for c in found:
        months = c.first_month if c.first_month == c.last_month else f"{c.first_month} to {c.last_month}"
        print(
            f"{c.cluster_id}: {c.kind}, {len(c.records)} record(s) of {c.members} member(s) "
            f"({', '.join(c.member_ids)}); linked on {', '.join(c.matched_kinds) or '-'}; {months}"
        )
    return 0


def _cluster(args: argparse.Namespace) -> int:
    with _client(args) as analyst:
        detail = analyst.cluster(args.cluster_id)
    if args.json:
        _json(detail)
        return 0
    c = detail.cluster
    print(f"cluster {c.cluster_id}: {c.kind}; {c.members} member(s); linked on {', '.join(c.matched_kinds) or '-'}")
    print(f"  months {c.first_month} to {c.last_month}")
    for r in c.records:
        urgent = ", time-sensitive" if r.time_sensitive else ""
        print(f"  record {r.record_id} of {r.member_id}: {r.month}, {r.region} {r.sector} {r.exploitation_type}; "
              f"grade {_grade(r.grade)} {_tlp(r.tlp)}{urgent}")
        print(f"    {r.narrative}")
    print(f"  alerts: {len(detail.alerts)}; actions: {len(detail.actions)}")
    print("  time line:")
    for step in detail.timeline:
        about = f" on {step.record_id}" if step.record_id else ""
        print(f"    {step.at.isoformat(timespec='seconds')} {step.what} by {step.by}{about}: {step.text}")
    return 0


def _alerts(args: argparse.Namespace) -> int:
    with _client(args) as analyst:
        found = analyst.alerts(args.limit, record_id=args.record)
    if args.json:
        _json(found)
        return 0
    if not found:
        print("no alerts")
    for a in found:
        when = a.created_at.isoformat(timespec="seconds") if a.created_at else "?"
        where = f"{a.region} {a.sector} {a.exploitation_type}" if a.region else "(record withdrawn)"
        print(f"{a.alert_id} {when} by {a.raised_by_role} on {a.record_id} [{_tlp(a.tlp)}] {where}: {a.summary}")
    return 0


def refused_by_verification(exc: Exception) -> bool:
    """Whether a coordinator's refusal is its redaction verification (exit 3, like a share)."""
    return getattr(exc, "code", "") == "FAILED_PRECONDITION" and "redaction verification" in str(exc)


def _raise_alert(args: argparse.Namespace) -> int:
    from msin_fed.cli.redact import EXIT_REFUSED
    from msin_fed.errors import RemoteError

    try:
        with _client(args) as analyst:
            alert_id = analyst.raise_alert(args.record_id, args.summary)
    except RemoteError as exc:
        if not refused_by_verification(exc):
            raise
        print(f"msin: the summary was refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"alert {alert_id} raised on {args.record_id}: every member receives it")
    return 0


def _print_actions(found: list[Any]) -> None:
    if not found:
        print("no actions")
    for a in found:
        about = f"record {a.record_id}" if a.record_id else f"alert {a.alert_id}"
        outcome = a.outcome.value if a.outcome else "unknown outcome"
        done = a.date.isoformat() if a.date else "?"
        print(f"{a.action_id} {done} {outcome} by {a.recorded_by} about {about}")


def _actions(args: argparse.Namespace) -> int:
    with _client(args) as analyst:
        found = analyst.actions(args.limit, record_id=args.record, alert_id=args.alert)
    if args.json:
        _json(found)
        return 0
    _print_actions(found)
    return 0


def _record_action(args: argparse.Namespace) -> int:
    with _client(args) as analyst:
        action_id = analyst.record_action(args.outcome, record_id=args.record, alert_id=args.alert, date=args.date)
    print(f"action {action_id} recorded: {args.outcome}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    with _client(args) as analyst:
        page = analyst.audit(args.after, args.limit)
    if args.json:
        _json(page)
        return 0 if page.status.ok else 1
    for e in page.entries:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(e.detail.items()))
        print(f"{e.seq} {e.at} {e.actor_role}:{e.actor} {e.action} {detail}")
    shown = f"entries {page.entries[0].seq}-{page.entries[-1].seq} of {page.head_seq}" if page.entries else f"no entries after {args.after} (head {page.head_seq})"
    print(shown)
    print(page.status.describe())
    return 0 if page.status.ok else 1


OUTCOME_HELP = (
    "investigated, remediated_with_supplier, referred_to_law_enforcement, referred_to_glaa, "
    "victims_supported or no_further_action"
)


def register(subparsers: Any) -> None:
    """Add ``msin analyst`` and its subcommands (and the sub-groups in :data:`GROUPS`)."""
    sub = add_commands(
        add_area(
            subparsers,
            "analyst",
            description="STTG's analyst at the coordinator: clusters, alerts, actions and the audit log "
            "(needs an analyst certificate: msin ca issue --role analyst).",
        )
    )

    def command(
        parent: Any, name: str, help_text: str, func: Callable[[argparse.Namespace], int], listing: bool = False
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", required=True, help="analyst TOML configuration (identity, coordinator)")
        if listing:
            p.add_argument("--json", action="store_true", help="print JSON")
        p.set_defaults(func=func)
        return p

    p = command(sub, "clusters", "clusters of matched records, largest first", _clusters, listing=True)
    p.add_argument("--limit", type=int, default=100, help="at most this many (after filtering; default 100)")
    p.add_argument("--kind", choices=["perpetrator", "site"], help="only clusters of this kind")
    p.add_argument("--region", help="only clusters with a record in this region (code or name)")
    p.add_argument("--sector", help="only clusters with a record in this sector")
    p.add_argument("--type", help="only clusters with a record of this exploitation type")
    p.add_argument("--min-members", type=int, default=0, help="only clusters of at least this many members")
    p.add_argument("--since", metavar="YYYY-MM", help="only clusters whose latest record is this month or later")
    p.add_argument("--matched-kind", help="only clusters linked on this token kind (such as phone)")
    p = command(sub, "cluster", "one cluster: records, alerts, actions and a time line", _cluster, listing=True)
    p.add_argument("cluster_id")
    p = command(sub, "alerts", "alerts raised on the network, newest first", _alerts, listing=True)
    p.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    p.add_argument("--record", help="only alerts on this record id")
    alert = sub.add_parser("alert", help="raise an alert", description="Raise an alert to every member.")
    alert_sub = add_commands(alert)
    p = command(alert_sub, "raise", "alert every member about a shared record (actionable and time-sensitive)",
                _raise_alert)
    p.add_argument("record_id", help="the shared record's id (as clusters show it)")
    p.add_argument("--summary", required=True, help="text for every member; must hold no personal data")
    p = command(sub, "actions", "actions recorded by members and analysts, newest first", _actions, listing=True)
    p.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    p.add_argument("--record", help="only actions about this record id")
    p.add_argument("--alert", help="only actions about this alert id")
    action = sub.add_parser("action", help="record an action", description="Record what STTG did.")
    action_sub = add_commands(action)
    p = command(action_sub, "record", "record what STTG did about a shared record or an alert", _record_action)
    p.add_argument("--outcome", required=True, help=OUTCOME_HELP)
    about = p.add_mutually_exclusive_group(required=True)
    about.add_argument("--record", help="the shared record's id")
    about.add_argument("--alert", help="the alert's id")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="when it was done (default today)")
    p = command(sub, "audit", "audit log entries and the coordinator's verification of the chain", _audit,
                listing=True)
    p.add_argument("--after", type=int, default=0, metavar="SEQ", help="entries after this sequence number")
    p.add_argument("--limit", type=int, default=100, help="at most this many entries (default 100, at most 1000)")

    from msin_fed.cli.cases import register_analyst_cases

    register_analyst_cases(sub)
