"""A member's side of cases: messages with STTG, consent to contact, referral, actions.

Reached as ``node.cases`` (:class:`MemberCases`)::

    node.sync()                                   # case events arrive with the others
    for case in node.cases.list():
        print(case.case_id, case.state)
    node.cases.message(case_id, "We visited the site on Monday.")
    node.cases.consent(proposal_id, "Jo Bloggs, investigations desk, 01632 960000")
    node.sync()                                   # after the other member consented: our reveal goes
    for contact in node.cases.contacts():
        print(contact.member_id, contact.contact)

Consent is two steps because neither member may learn anything of the other before
both agreed: the consenting node leaves its reveal (member id, contact point and
certificate) with the coordinator sealed to its *own* key; once the other member
consents too, each node opens its own blob and seals it to the other's key
(:meth:`MemberCases.complete_reveals`: at once for the second to consent; for the first,
when its node hears of the agreement, in ``msin node run`` or :meth:`Node.sync`). A member
that declines, or never answers, learns nothing and reveals nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import grpc

from msin_fed import pki
from msin_fed.cases_client import CasesClient
from msin_fed.errors import ValidationError
from msin_fed.model.events import CaseEvent, CaseEventKind, Event
from msin_fed.proto import coordinator_pb2 as pb
from msin_fed.sealing import Reveal, SealError, open_from_self, open_message, seal_message, seal_to_self

__all__ = ["Contact", "MemberCases"]

log = logging.getLogger(__name__)

_MAX_CONTACT = 500


@dataclass(frozen=True)
class Contact:
    """Another member's identity and contact point, revealed after both consented."""

    case_id: str
    proposal_id: str
    member_id: str
    contact: str


class MemberCases(CasesClient):
    """Cases of one member node (over the node's channel to the coordinator)."""

    def __init__(
        self,
        channel: grpc.Channel,
        identity: pki.Identity,
        events: Callable[[], Iterable[tuple[int, Event, object]]],
        *,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(channel, identity, timeout=timeout)
        self._events = events

    def _case_events(self, kind: CaseEventKind) -> list[CaseEvent]:
        out = []
        for _cursor, event, _at in self._events():
            body = event.body
            if isinstance(body, CaseEvent) and body.kind == kind:
                out.append(body)
        return out

    def message(self, case_id: str, text: str) -> str:
        """Seal ``text`` to STTG's key for the case and post it; the message id."""
        key = self.show(case_id).analyst_key
        sealed = seal_message(text, self.identity.sealing_key, key)
        return str(self._rpc("PostMessage", pb.PostMessageRequest(case_id=case_id, sealed=sealed)).message_id)

    def consent(self, proposal_id: str, contact: str) -> bool:
        """Agree to reveal this member's id and ``contact`` to the other member of a
        proposal; True when both have now agreed (and the reveal was sent)."""
        contact = contact.strip()
        if not contact:
            raise ValidationError("contact", "is empty (give a name, desk, phone or e-mail to be reached at)")
        if len(contact) > _MAX_CONTACT:
            raise ValidationError("contact", f"is too long (at most {_MAX_CONTACT} characters)")
        own = self.identity.sealing_key
        reveal = Reveal(proposal_id, self.identity.name, contact, self.identity.cert_pem)
        blob = seal_to_self(reveal.to_bytes(), bytes(own.public_key))
        reply = self._rpc("Consent", pb.ConsentRequest(proposal_id=proposal_id, self_sealed=blob))
        if reply.agreed:
            self._send_reveal(proposal_id, reveal, bytes(reply.peer_key))
        return bool(reply.agreed)

    def decline(self, proposal_id: str) -> None:
        """Decline a proposal: nothing about this member is revealed."""
        self._rpc("Decline", pb.DeclineRequest(proposal_id=proposal_id))

    def _send_reveal(self, proposal_id: str, reveal: Reveal, peer_key: bytes) -> None:
        sealed = seal_message(reveal.to_bytes().decode("utf-8"), self.identity.sealing_key, peer_key)
        self._rpc("Reveal", pb.RevealRequest(proposal_id=proposal_id, sealed=sealed))

    def complete_reveals(self) -> int:
        """Send this member's reveal for every proposal the other member has now agreed to
        (after a sync); how many were sent. Safe to call again."""
        sent = 0
        own = self.identity.sealing_key
        done: dict[str, set[str]] = {}
        for event in self._case_events(CaseEventKind.CONTACT_AGREED):
            if not event.sealed or not event.peer_key:
                continue
            if event.case_id not in done:
                view = self.show(event.case_id)
                done[event.case_id] = {p.proposal_id for p in view.proposals if p.you_revealed or p.state != "agreed"}
            if event.ref in done[event.case_id]:
                continue
            try:
                reveal = Reveal.from_bytes(open_from_self(event.sealed, own))
            except (SealError, ValidationError):
                log.warning("cases: a consent blob could not be opened; not revealed")
                continue
            if reveal.proposal_id != event.ref:
                continue
            self._send_reveal(event.ref, reveal, event.peer_key)
            done[event.case_id].add(event.ref)
            sent += 1
        return sent

    def contacts(self) -> list[Contact]:
        """Other members revealed to this member (both consented), each checked against
        the network CA: the certificate names the member and carries the sealing key."""
        out = []
        own = self.identity.sealing_key
        for event in self._case_events(CaseEventKind.CONTACT_REVEALED):
            try:
                text = open_message(event.sealed, own, event.peer_key)
                reveal = Reveal.from_bytes(text.encode("utf-8"))
                reveal.verify(event.ref, event.peer_key, self.identity.ca_pem)
            except (SealError, ValidationError) as exc:
                log.warning("cases: a reveal was refused (%s)", type(exc).__name__)
                continue
            out.append(Contact(event.case_id, event.ref, reveal.member_id, reveal.contact))
        return out

    def refer(self, case_id: str, position: str) -> None:
        """Refer the case to the Advisory Group, stating this member's position."""
        self._rpc("Refer", pb.ReferRequest(case_id=case_id, position=position))

    def record_action(self, case_id: str, kind: str, outcome: str, date: str, lessons: str = "") -> str:
        """Record what this member did on a case; the action id."""
        reply = self._rpc(
            "RecordCaseAction",
            pb.RecordCaseActionRequest(case_id=case_id, kind=kind, outcome=outcome, date=date, lessons=lessons),
        )
        return str(reply.action_id)
