"""``msin analyst case``, ``msin node case`` and ``msin advisory case``: every step of a case.

Analysts (STTG), with ``--identity DIR --coordinator HOST:PORT --coordinator-name NAME``
(or ``MSIN_IDENTITY``, ``MSIN_COORDINATOR``, ``MSIN_COORDINATOR_NAME``)::

    msin analyst case open --cluster ID [--title T]      # or --record ID
    msin analyst case list | show CASE [--json]
    msin analyst case message CASE --member M --text T   # sealed to the member's key
    msin analyst case broker CASE MEMBER_A MEMBER_B [--note T]
    msin analyst case refer CASE --position T
    msin analyst case escalate CASE --reason R --agency A [--note T] [--stix FILE]
    msin analyst case close CASE --outcome O

Members, with the node's ``--config``::

    msin node case list | show CASE [--json]
    msin node case message CASE --text T                  # sealed to STTG's key
    msin node case consent PROPOSAL --contact T | decline PROPOSAL
    msin node case contacts                               # members revealed to us
    msin node case refer CASE --position T
    msin node case action CASE --kind K --outcome O --date YYYY-MM-DD [--lessons T]

The Advisory Group, with the analysts' connection flags::

    msin advisory case list | show CASE [--json]
    msin advisory case note CASE --text T
    msin advisory case recommend CASE --text T | agree CASE RECOMMENDATION

``--text -`` reads the text from standard input. Exit codes: 0 done, 2 bad input (the
coordinator's INVALID_ARGUMENT included), 1 refused or failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import enum
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msin_fed.cli import add_area, add_commands
from msin_fed.errors import ValidationError

if TYPE_CHECKING:
    from msin_fed.cases_client import CasesClient, OpenedMessage
    from msin_fed.model.cases import CaseView

__all__ = ["format_case", "register_advisory", "register_analyst_cases", "register_node_cases"]


# ---------------------------------------------------------------- shared


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _text(value: str) -> str:
    return sys.stdin.read() if value == "-" else value


def format_case(view: CaseView, messages: list[OpenedMessage] | None = None) -> str:
    """A case as text: state, records, participants, time line, proposals, recommendations."""
    lines = [f"case {view.case_id}: {view.title}", f"  state: {view.state.value}" + (
        f" ({view.outcome})" if view.outcome else "")]
    if view.cluster_id:
        lines.append(f"  cluster: {view.cluster_id}")
    lines.append(f"  participants: {', '.join(view.participants)}")
    if view.records:
        lines.append("  records:")
        for r in view.records:
            head = f"    {r.record_id or '-'} ({r.member}) {r.exploitation_type}, {r.sector}, {r.region}, {r.month}"
            grade = f" grade {r.grade}" if r.grade else ""
            tlp = f" TLP:{r.tlp.value}" if r.tlp else ""
            lines.append(head + grade + tlp)
            if r.narrative:
                lines.append(f"      {r.narrative}")
    if view.timeline:
        lines.append("  time line:")
        for e in view.timeline:
            extra = f": {e.text}" if e.text else ""
            ref = f" [{e.ref}]" if e.ref else ""
            lines.append(f"    {e.at:%Y-%m-%d %H:%M} {e.kind} by {e.actor}{extra}{ref}")
    for p in view.proposals:
        you = ""
        if "you" in p.members:
            you = "; you consented" if p.you_consented else "; awaiting your answer" if p.state == "proposed" else ""
        note = f" ({p.note})" if p.note else ""
        lines.append(f"  proposal {p.proposal_id}: {' and '.join(p.members)} speak directly: {p.state}{you}{note}")
    for rec in view.recommendations:
        status = "recorded" if rec.recorded else "awaiting quorum"
        lines.append(f"  recommendation {rec.recommendation_id} ({status}; agreed: {', '.join(rec.agreed)}): {rec.text}")
    for a in view.actions:
        lessons = f"; lessons: {a.lessons}" if a.lessons else ""
        lines.append(f"  action by {a.member} on {a.date}: {a.kind}, {a.outcome}{lessons}")
    if view.escalation is not None:
        esc = view.escalation
        note = f"; {esc.note}" if esc.note else ""
        lines.append(f"  escalated to {esc.agency} by {esc.decided_by} on {esc.decided_at:%Y-%m-%d}: {esc.reason}{note}")
    if messages is not None:
        lines.append("  messages:" if messages else "  messages: none")
        for m in messages:
            thread = f" [{m.member}]" if m.member else ""
            text = m.text if m.text is not None else "(sealed to another key)"
            lines.append(f"    {m.at:%Y-%m-%d %H:%M} {m.sender}{thread}: {text}")
    return "\n".join(lines)


def _print_view(args: argparse.Namespace, view: CaseView, messages: list[OpenedMessage] | None) -> None:
    if args.json:
        out = _plain(view)
        if messages is not None:
            out["messages"] = _plain(messages)
        print(json.dumps(out, indent=2))
    else:
        print(format_case(view, messages))


def _print_list(args: argparse.Namespace, views: list[CaseView]) -> None:
    if args.json:
        print(json.dumps(_plain(views), indent=2))
        return
    if not views:
        print("no cases")
    for v in views:
        print(f"{v.case_id}  {v.state.value:<20} {v.opened_at:%Y-%m-%d}  {v.title}")


# ---------------------------------------------------------------- analysts and advisory


def _connection_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--identity", default=os.environ.get("MSIN_IDENTITY"),
                   help="directory of the certificate, key and sealing key (MSIN_IDENTITY)")
    p.add_argument("--coordinator", default=os.environ.get("MSIN_COORDINATOR"),
                   help="coordinator address HOST:PORT (MSIN_COORDINATOR)")
    p.add_argument("--coordinator-name", default=os.environ.get("MSIN_COORDINATOR_NAME"),
                   help="the coordinator's certificate name (MSIN_COORDINATOR_NAME)")


def _client(args: argparse.Namespace, kind: type[CasesClient]) -> Any:
    from msin_fed import pki

    for flag in ("identity", "coordinator", "coordinator_name"):
        if not getattr(args, flag):
            raise ValidationError(f"--{flag.replace('_', '-')}", "is required (or set its environment variable)")
    return kind.connect(args.coordinator, pki.load_identity(Path(args.identity)), args.coordinator_name)


def _analyst(args: argparse.Namespace) -> Any:
    from msin_fed.cases_client import AnalystCases

    return _client(args, AnalystCases)


def _advisory(args: argparse.Namespace) -> Any:
    from msin_fed.cases_client import AdvisoryCases

    return _client(args, AdvisoryCases)


def _a_open(args: argparse.Namespace) -> int:
    with _analyst(args) as cases:
        view = cases.open(cluster_id=args.cluster or "", record_id=args.record or "", title=args.title or "")
    print(f"opened case {view.case_id} with {len(view.records)} record(s) of {len(view.participants) - 1} member(s)")
    return 0


def _a_list(args: argparse.Namespace) -> int:
    with _analyst(args) as cases:
        _print_list(args, cases.list())
    return 0


def _a_show(args: argparse.Namespace) -> int:
    with _analyst(args) as cases:
        _print_view(args, cases.show(args.case), cases.messages(args.case))
    return 0


def _a_message(args: argparse.Namespace) -> int:
    with _analyst(args) as cases:
        message_id = cases.message(args.case, args.member, _text(args.text))
    print(f"sealed message {message_id} sent to {args.member}")
    return 0


def _a_broker(args: argparse.Namespace) -> int:
    with _analyst(args) as cases:
        proposal = cases.broker(args.case, args.member_a, args.member_b, args.note or "")
    print(f"proposal {proposal}: both members are asked to consent")
    return 0


def _a_refer(args: argparse.Namespace) -> int:
    with _analyst(args) as cases:
        cases.refer(args.case, _text(args.position))
    print(f"case {args.case} referred to the Advisory Group")
    return 0


def _a_escalate(args: argparse.Namespace) -> int:
    with _analyst(args) as cases:
        bundle = cases.escalate(args.case, args.reason, args.agency, args.note or "")
    text = json.dumps(bundle, indent=2, sort_keys=True)
    if args.stix:
        Path(args.stix).write_text(text + "\n")
        print(f"case {args.case} escalated to {args.agency}; STIX 2.1 bundle written to {args.stix}")
    else:
        print(text)
    return 0


def _a_close(args: argparse.Namespace) -> int:
    with _analyst(args) as cases:
        view = cases.close_case(args.case, args.outcome)
    print(f"case {view.case_id} closed: {view.outcome}")
    return 0


def _choices(name: str) -> list[str]:
    from msin_fed.model import cases

    return list(getattr(cases, name))


def _case_commands(sub: Any, flags: Any, role: str) -> dict[str, argparse.ArgumentParser]:
    def command(name: str, help_text: str, func: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
        flags(p)
        p.set_defaults(func=func)
        return p

    out: dict[str, argparse.ArgumentParser] = {}
    out["list"] = command("list", f"cases the {role} takes part in", None)
    out["list"].add_argument("--json", action="store_true", help="print JSON")
    out["show"] = command("show", "one case as you may see it, with your messages opened", None)
    out["show"].add_argument("case")
    out["show"].add_argument("--json", action="store_true", help="print JSON")
    return out


def register_analyst_cases(analyst_sub: Any) -> None:
    """Add ``case`` and its subcommands under ``msin analyst``."""
    case = analyst_sub.add_parser("case", help="open and work a case: messages, brokering, referral, escalation",
                                  description="STTG's side of a case (see docs/cases.md).")
    sub = add_commands(case)
    base = _case_commands(sub, _connection_flags, "analyst")
    base["list"].set_defaults(func=_a_list)
    base["show"].set_defaults(func=_a_show)

    def command(name: str, help_text: str, func: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
        _connection_flags(p)
        p.set_defaults(func=func)
        return p

    p = command("open", "open a case from a cluster or one record", _a_open)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--cluster", help="cluster id (from ListClusters)")
    which.add_argument("--record", help="one shared record id")
    p.add_argument("--title", help="a short title with no personal data")
    p = command("message", "send a member of the case a message sealed to its key", _a_message)
    p.add_argument("case")
    p.add_argument("--member", required=True, help="member id")
    p.add_argument("--text", required=True, help="the message ('-' reads standard input)")
    p = command("broker", "propose that two members of the case speak directly", _a_broker)
    p.add_argument("case")
    p.add_argument("member_a")
    p.add_argument("member_b")
    p.add_argument("--note", help="why, shown to both (no personal data)")
    p = command("refer", "refer the case to the Advisory Group", _a_refer)
    p.add_argument("case")
    p.add_argument("--position", required=True, help="STTG's position on next steps ('-' reads standard input)")
    p = command("escalate", "record that the case reached the threshold for law enforcement", _a_escalate)
    p.add_argument("case")
    p.add_argument("--reason", required=True, choices=_choices("ESCALATION_REASONS"))
    p.add_argument("--agency", required=True, choices=_choices("AGENCIES"))
    p.add_argument("--note", help="a free note (no personal data)")
    p.add_argument("--stix", metavar="FILE", help="write the STIX 2.1 bundle here (default: print it)")
    p = command("close", "close the case with an outcome", _a_close)
    p.add_argument("case")
    p.add_argument("--outcome", required=True, choices=_choices("CLOSE_OUTCOMES"))


# ---------------------------------------------------------------- Advisory Group


def _v_list(args: argparse.Namespace) -> int:
    with _advisory(args) as cases:
        _print_list(args, cases.list())
    return 0


def _v_show(args: argparse.Namespace) -> int:
    with _advisory(args) as cases:
        _print_view(args, cases.show(args.case), None)
    return 0


def _v_note(args: argparse.Namespace) -> int:
    with _advisory(args) as cases:
        cases.note(args.case, _text(args.text))
    print(f"note added to case {args.case}")
    return 0


def _print_recommendation(rec: Any, quorum: int) -> None:
    if rec.recorded:
        print(f"recommendation {rec.recommendation_id} recorded (agreed: {', '.join(rec.agreed)})")
    else:
        print(f"recommendation {rec.recommendation_id}: {len(rec.agreed)} of {quorum} agreements needed; not recorded yet")


def _v_recommend(args: argparse.Namespace) -> int:
    with _advisory(args) as cases:
        _print_recommendation(*cases.recommend(args.case, _text(args.text)))
    return 0


def _v_agree(args: argparse.Namespace) -> int:
    with _advisory(args) as cases:
        _print_recommendation(*cases.agree(args.case, args.recommendation))
    return 0


def register_advisory(subparsers: Any) -> Any:
    """Add ``msin advisory case``; the ``msin advisory`` subcommands (for more to be added)."""
    advisory = add_commands(add_area(subparsers, "advisory", description="The MSIN Advisory Group: mediation on cases."))
    case = advisory.add_parser("case", help="read referred cases, add notes, recommend",
                               description="The Advisory Group's side of a case (see docs/cases.md).")
    sub = add_commands(case)
    base = _case_commands(sub, _connection_flags, "Advisory Group member")
    base["list"].set_defaults(func=_v_list)
    base["show"].set_defaults(func=_v_show)
    for name, func, text in (("note", _v_note, "add a note to a referred case"),
                             ("recommend", _v_recommend, "propose a recommendation (you agree to it)")):
        p = sub.add_parser(name, help=text, description=text)
        _connection_flags(p)
        p.add_argument("case")
        p.add_argument("--text", required=True, help="no personal data ('-' reads standard input)")
        p.set_defaults(func=func)
    p = sub.add_parser("agree", help="agree to a recommendation (recorded at the quorum)")
    _connection_flags(p)
    p.add_argument("case")
    p.add_argument("recommendation")
    p.set_defaults(func=_v_agree)
    return advisory


# ---------------------------------------------------------------- members


def _node(args: argparse.Namespace) -> Any:
    from msin_fed.node import Node, load_config

    return Node.open(config=load_config(args.config))


def _n_list(args: argparse.Namespace) -> int:
    with _node(args) as node:
        _print_list(args, node.cases.list())
    return 0


def _n_show(args: argparse.Namespace) -> int:
    with _node(args) as node:
        if args.sync:
            node.receive(timeout=2.0)
        node.cases.complete_reveals()
        _print_view(args, node.cases.show(args.case), node.cases.messages(args.case))
    return 0


def _n_message(args: argparse.Namespace) -> int:
    with _node(args) as node:
        message_id = node.cases.message(args.case, _text(args.text))
    print(f"sealed message {message_id} sent to STTG")
    return 0


def _n_consent(args: argparse.Namespace) -> int:
    with _node(args) as node:
        agreed = node.cases.consent(args.proposal, _text(args.contact))
    if agreed:
        print("both members consented: your identity and contact were sealed to the other member")
    else:
        print("consent recorded: nothing is revealed unless the other member consents too")
    return 0


def _n_decline(args: argparse.Namespace) -> int:
    with _node(args) as node:
        node.cases.decline(args.proposal)
    print("declined: nothing about you was revealed")
    return 0


def _n_contacts(args: argparse.Namespace) -> int:
    with _node(args) as node:
        if args.sync:
            node.receive(timeout=2.0)
        sent = node.cases.complete_reveals()
        found = node.cases.contacts()
    if sent:
        print(f"sent {sent} reveal(s) the other member had agreed to", file=sys.stderr)
    if args.json:
        print(json.dumps(_plain(found), indent=2))
        return 0
    if not found:
        print("no member has been revealed to you")
    for c in found:
        print(f"case {c.case_id}: {c.member_id}: {c.contact}")
    return 0


def _n_refer(args: argparse.Namespace) -> int:
    with _node(args) as node:
        node.cases.refer(args.case, _text(args.position))
    print(f"case {args.case} referred to the Advisory Group")
    return 0


def _n_action(args: argparse.Namespace) -> int:
    with _node(args) as node:
        action_id = node.cases.record_action(args.case, args.kind, args.outcome, args.date, args.lessons or "")
    print(f"action {action_id} recorded")
    return 0


def register_node_cases(node_sub: Any) -> None:
    """Add ``case`` and its subcommands under ``msin node``."""
    case = node_sub.add_parser("case", help="cases we take part in: messages with STTG, consent, actions",
                               description="A member's side of a case (see docs/cases.md).")
    sub = add_commands(case)

    def flags(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", required=True, help="node TOML configuration")

    base = _case_commands(sub, flags, "member")
    base["list"].set_defaults(func=_n_list)
    base["show"].set_defaults(func=_n_show)
    base["show"].add_argument("--sync", action="store_true", help="fetch new events first")

    def command(name: str, help_text: str, func: Any) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
        flags(p)
        p.set_defaults(func=func)
        return p

    p = command("message", "send STTG a message sealed to its key", _n_message)
    p.add_argument("case")
    p.add_argument("--text", required=True, help="the message ('-' reads standard input)")
    p = command("consent", "agree to reveal yourself to the other member of a proposal", _n_consent)
    p.add_argument("proposal")
    p.add_argument("--contact", required=True, help="who to contact and how (seen only by the other member)")
    p = command("decline", "decline a proposal (nothing is revealed)", _n_decline)
    p.add_argument("proposal")
    p = command("contacts", "members revealed to you after both consented", _n_contacts)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--sync", action="store_true", help="fetch new events first")
    p = command("refer", "refer the case to the Advisory Group", _n_refer)
    p.add_argument("case")
    p.add_argument("--position", required=True, help="your position on next steps ('-' reads standard input)")
    p = command("action", "record what you did on the case", _n_action)
    p.add_argument("case")
    p.add_argument("--kind", required=True, choices=_choices("ACTION_KINDS"))
    p.add_argument("--outcome", required=True, choices=_choices("ACTION_OUTCOMES"))
    p.add_argument("--date", required=True, help="YYYY-MM-DD")
    p.add_argument("--lessons", help="lessons learned, for the insights report (no personal data)")
