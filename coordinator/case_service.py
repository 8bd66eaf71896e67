"""Cases: the rules of what happens after a match, free of gRPC (see docs/cases.md).

Who may do what, state changes, case events and audit live here;
:mod:`.case_servicer` only converts. Every change runs in one write transaction with its
time-line entry, its events and its audit entry, so none happens without the others.

What each party sees of a case is in :mod:`.case_views`.

Logs and audit entries carry kinds and counts only.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from msin_fed.errors import RedactionRefused, ValidationError
from msin_fed.model import SharedRecord
from msin_fed.model.cases import (
    ACTION_KINDS,
    ACTION_OUTCOMES,
    AGENCIES,
    CLOSE_OUTCOMES,
    ESCALATION_REASONS,
    CaseState,
    CaseView,
    Recommendation,
    SealedMessage,
)
from msin_fed.model.events import CaseEvent, CaseEventKind
from msin_fed.sealing import MAX_SEALED

from .audit import AuditLog
from .case_stix import case_bundle
from .case_views import case_view
from .cases import CaseStore, aware
from .config import CaseConfig
from .intake import AccessDenied, NarrativeVerifier
from .service import Caller, NotFound, Refused
from .store import SharedStore

__all__ = ["CaseConfig", "CaseService"]

log = logging.getLogger("msin_fed.coordinator")

#: Event-log subscribers of analysts and of the Advisory Group (members: their id).
ANALYSTS = "(analyst)"
ADVISORY = "(advisory)"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Control characters other than tab and newline (PostgreSQL refuses NUL in text).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Ids a request may carry: printable, no spaces, not long (PostgreSQL refuses NUL in a
#: query; the ids the coordinator and nodes make are far shorter).
_ID = re.compile(r"[^\x00-\x20\x7f]{1,128}")
_MAX_TEXT = 2000
_OPEN_STATES = frozenset({CaseState.OPEN, CaseState.IN_DISCUSSION, CaseState.WITH_ADVISORY_GROUP, CaseState.REFERRED})


class CaseService:
    """Cases over the shared store, with the same audit log and event stream as intake."""

    def __init__(
        self,
        store: SharedStore,
        audit: AuditLog,
        *,
        config: CaseConfig | None = None,
        verifier: NarrativeVerifier | None = None,
        notify: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.cases = CaseStore(store)
        self.audit = audit
        self.config = config or CaseConfig()
        self.verifier = verifier
        self._notify = notify

    # ------------------------------------------------------------------ helpers

    def note_key(self, caller: Caller) -> None:
        """Remember the sealing key the caller's certificate carries (a subscription, a call).

        An advisory certificate the configuration does not name is refused here, so that it
        is given neither case calls nor the Advisory Group's events."""
        if caller.role == "advisory" and not self._is_advisory(caller):
            raise AccessDenied("this advisory certificate is not a configured Advisory Group member")
        if caller.sealing_public_key is None or caller.role not in ("member", "analyst", "advisory"):
            return
        with self.store.read() as conn:
            if self.cases.key_of(conn, caller.role, caller.name) == caller.sealing_public_key:
                return
        with self.store.write() as conn:
            self.cases.put_key(conn, caller.role, caller.name, caller.sealing_public_key)

    def _text(self, field_name: str, text: str, *, required: bool = True) -> str:
        text = text.strip()
        if not text:
            if required:
                raise ValidationError(field_name, "is empty")
            return ""
        if len(text) > _MAX_TEXT:
            raise ValidationError(field_name, f"is too long (at most {_MAX_TEXT} characters)")
        if _CONTROL.search(text):
            raise ValidationError(field_name, "holds control characters")
        if self.verifier is not None:
            try:
                self.verifier.verify(text)
            except RedactionRefused as exc:
                log.info("redaction verification refused a case %s: %d finding(s)", field_name, len(exc.findings))
                raise RedactionRefused(exc.findings) from None
        return text

    @staticmethod
    def _id(field_name: str, value: str) -> str:
        if not value:
            raise ValidationError(field_name, "is empty")
        if not _ID.fullmatch(value):
            raise ValidationError(field_name, "is not an id (printable, no spaces, at most 128 characters)")
        return value

    @staticmethod
    def _choice(field_name: str, value: str, allowed: Sequence[str]) -> str:
        if value not in allowed:
            raise ValidationError(field_name, f"missing or unknown (one of {', '.join(allowed)})")
        return value

    def forget_record(self, conn: Connection, record_id: str) -> None:
        """A record was withdrawn (in ``conn``'s transaction): cases keep no trace of its id.

        Its member stays a participant; the time line says a record was withdrawn."""
        for case_id in self.cases.forget_record(conn, record_id):
            self.cases.add_entry(conn, case_id, "record_withdrawn", "member", "", "sttg")

    def _case(self, conn: Connection, case_id: str) -> Any:
        row = self.cases.case(conn, self._id("case_id", case_id))
        if row is None:
            raise NotFound("no such case")
        return row

    def _is_advisory(self, caller: Caller) -> bool:
        return caller.role == "advisory" and caller.name in self.config.advisory_members

    def _may_see(self, conn: Connection, caller: Caller, row: Any) -> dict[str, str]:
        """The case's members (id -> alias), once the caller is known to take part."""
        members = self.cases.members(conn, row.case_id)
        if caller.role == "analyst":
            return members
        if caller.role == "member" and caller.name in members:
            return members
        if self._is_advisory(caller) and row.referred:
            return members
        if caller.role == "advisory" and not self._is_advisory(caller):
            raise AccessDenied("this advisory certificate is not a configured Advisory Group member")
        # Not the case's: the same answer as a case that does not exist, so that case ids
        # of other members' cases cannot be confirmed.
        raise NotFound("no such case")

    def _commit(
        self,
        conn: Connection,
        caller: Caller,
        action: str,
        detail: dict[str, int | str | bool],
        events: Sequence[tuple[str, CaseEvent]],
    ) -> None:
        self.store.append_events(conn, [(sub, None, ev) for sub, ev in events])
        self.audit.append(conn, caller.role, caller.actor, action, detail)
        if events and self._notify is not None:
            self.store.after_commit(conn, self._notify)

    @staticmethod
    def _to_all(members: dict[str, str], event: CaseEvent, *, advisory: bool = False) -> list[tuple[str, CaseEvent]]:
        out = [(m, event) for m in sorted(members)] + [(ANALYSTS, event)]
        if advisory:
            out.append((ADVISORY, event))
        return out

    # ------------------------------------------------------------------ open, list, show

    def open_case(self, caller: Caller, *, cluster_id: str = "", record_id: str = "", title: str = "") -> CaseView:
        """Open a case from a cluster or one record (analysts)."""
        if caller.role != "analyst":
            raise AccessDenied("only analysts open cases")
        if bool(cluster_id) == bool(record_id):
            raise ValidationError("cluster_id", "set exactly one of cluster_id and record_id")
        if cluster_id:
            self._id("cluster_id", cluster_id)
        else:
            self._id("record_id", record_id)
        if caller.sealing_public_key is None:
            raise AccessDenied("the analyst's certificate carries no sealing key (reissue it with msin ca issue)")
        title = self._text("title", title, required=False) or "Case"
        case_id = "case-" + uuid.uuid4().hex[:16]
        with self.store.write() as conn:
            ids = self.cases.cluster_records(conn, cluster_id) if cluster_id else [record_id]
            owned = [(r, self.store.owner_of(r, conn)) for r in ids]
            records = [(r, m) for r, m in owned if m is not None]
            if not records:
                raise NotFound("no such cluster" if cluster_id else "no such record")
            members = sorted({m for _r, m in records})
            # Case-local aliases in an order unrelated to member ids.
            order = sorted(members, key=lambda m: uuid.uuid4().hex)
            self.cases.insert_case(
                conn,
                case_id=case_id,
                state=CaseState.OPEN.value,
                title=title,
                outcome="",
                cluster_id=cluster_id,
                opened_by=caller.name,
                analyst_key=caller.sealing_public_key,
                referred=False,
                opened_at=_dt.datetime.now(_dt.UTC),
            )
            aliases = {m: f"member {i}" for i, m in enumerate(order, 1)}
            self.cases.add_members(conn, case_id, sorted(aliases.items()))
            self.cases.add_records(conn, case_id, records)
            self.cases.put_key(conn, "analyst", caller.name, caller.sealing_public_key)
            self.cases.add_entry(conn, case_id, "opened", "analyst", caller.name, "all")
            event = CaseEvent(case_id, CaseEventKind.OPENED, CaseState.OPEN.value)
            self._commit(
                conn, caller, "case_open", {"records": len(records), "members": len(members)}, self._to_all(aliases, event)
            )
        log.info("case opened: %d records, %d members", len(records), len(members))
        return self.view(caller, case_id)

    def list_cases(self, caller: Caller) -> list[CaseView]:
        """The cases the caller takes part in (analysts: all; advisory: those referred)."""
        with self.store.read() as conn:
            if caller.role == "analyst":
                rows = self.cases.all_cases(conn)
            elif caller.role == "member":
                rows = self.cases.cases_of_member(conn, caller.name)
            elif self._is_advisory(caller):
                rows = self.cases.referred_cases(conn)
            else:
                raise AccessDenied("this certificate takes part in no cases")
            out = [
                CaseView(r.case_id, CaseState(r.state), r.title, aware(r.opened_at), r.outcome,
                         r.cluster_id if caller.role == "analyst" else "")
                for r in rows
            ]
        return out

    def view(self, caller: Caller, case_id: str) -> CaseView:
        """One case, cut to what the caller may see."""
        with self.store.read() as conn:
            row = self._case(conn, case_id)
            members = self._may_see(conn, caller, row)
            return case_view(conn, self.store, self.cases, caller, row, members)

    def _open_for_change(self, conn: Connection, caller: Caller, case_id: str) -> tuple[Any, dict[str, str]]:
        row = self._case(conn, case_id)
        members = self._may_see(conn, caller, row)
        if CaseState(row.state) not in _OPEN_STATES:
            raise Refused("the case is closed")
        return row, members

    # ------------------------------------------------------------------ messages

    def post_message(self, caller: Caller, case_id: str, sealed: bytes, to_member: str = "") -> str:
        """Store a sealed message: an analyst's to one member, a member's to STTG."""
        if caller.role not in ("analyst", "member"):
            raise AccessDenied("only analysts and members post messages")
        if caller.sealing_public_key is None:
            raise AccessDenied("the caller's certificate carries no sealing key (reissue it with msin ca issue)")
        if not 40 <= len(sealed) <= MAX_SEALED:
            raise ValidationError("sealed", f"must be a sealed box of 40 to {MAX_SEALED} bytes")
        message_id = "m-" + uuid.uuid4().hex
        with self.store.write() as conn:
            row, members = self._open_for_change(conn, caller, case_id)
            if caller.role == "analyst":
                if to_member not in members:  # a dict lookup: any string is safe here
                    raise ValidationError("to_member", "is not a member of the case")
                recipient = self.cases.key_of(conn, "member", to_member)
                if recipient is None:
                    raise Refused("the member has not connected yet with a certificate carrying a sealing key")
                thread, subscriber = to_member, to_member
            else:
                if to_member:
                    raise ValidationError("to_member", "members write to STTG only (leave it empty)")
                recipient = self.cases.analyst_key(conn, row)
                thread, subscriber = caller.name, ANALYSTS
            self.cases.put_key(conn, caller.role, caller.name, caller.sealing_public_key)
            self.cases.add_message(
                conn,
                message_id=message_id,
                case_id=case_id,
                member_id=thread,
                from_role=caller.role,
                sender_key=caller.sealing_public_key,
                recipient_key=recipient,
                sealed=sealed,
                at=_dt.datetime.now(_dt.UTC),
            )
            state = CaseState(row.state)
            if state == CaseState.OPEN:
                state = CaseState.IN_DISCUSSION
                self.cases.update_case(conn, case_id, state=state.value)
            self.cases.add_entry(conn, case_id, "message", caller.role, caller.name, thread, ref=message_id)
            event = CaseEvent(case_id, CaseEventKind.MESSAGE, state.value, message_id, caller.sealing_public_key, sealed)
            self._commit(conn, caller, "case_message", {"bytes": len(sealed)}, [(subscriber, event)])
        return message_id

    def messages(self, caller: Caller, case_id: str) -> list[SealedMessage]:
        """The caller's thread (analysts: every thread) of sealed messages."""
        if caller.role not in ("analyst", "member"):
            raise AccessDenied("only analysts and members read messages")
        with self.store.read() as conn:
            row = self._case(conn, case_id)
            self._may_see(conn, caller, row)
            rows = self.cases.messages(conn, case_id, None if caller.role == "analyst" else caller.name)
            return [
                SealedMessage(
                    m.message_id,
                    m.from_role,
                    m.member_id if caller.role == "analyst" else "",
                    bytes(m.sender_key),
                    bytes(m.recipient_key),
                    bytes(m.sealed),
                    aware(m.at),
                )
                for m in rows
            ]

    # ------------------------------------------------------------------ brokered contact

    def broker(self, caller: Caller, case_id: str, member_a: str, member_b: str, note: str = "") -> str:
        """Propose that two members of a case speak directly (analysts)."""
        if caller.role != "analyst":
            raise AccessDenied("only analysts broker contact")
        note = self._text("note", note, required=False)
        proposal_id = "p-" + uuid.uuid4().hex
        with self.store.write() as conn:
            row, members = self._open_for_change(conn, caller, case_id)
            for name, m in (("member_a", member_a), ("member_b", member_b)):
                if m not in members:
                    raise ValidationError(name, "is not a member of the case")
            if member_a == member_b:
                raise ValidationError("member_b", "must be another member than member_a")
            self.cases.add_proposal(
                conn,
                proposal_id=proposal_id,
                case_id=case_id,
                member_a=member_a,
                member_b=member_b,
                note=note,
                state="proposed",
                at=_dt.datetime.now(_dt.UTC),
            )
            for m in (member_a, member_b):
                self.cases.add_entry(conn, case_id, "consent_requested", "analyst", caller.name, m, note, proposal_id)
            event = CaseEvent(case_id, CaseEventKind.CONSENT_REQUESTED, row.state, proposal_id)
            self._commit(conn, caller, "case_broker", {}, [(member_a, event), (member_b, event)])
        return proposal_id

    def _proposal_side(self, conn: Connection, caller: Caller, proposal_id: str) -> tuple[Any, str, str]:
        if caller.role != "member":
            raise AccessDenied("only members answer proposals")
        self._id("proposal_id", proposal_id)
        p = self.cases.proposal(conn, proposal_id)
        if p is None or caller.name not in (p.member_a, p.member_b):
            raise NotFound("no such proposal")
        side, other = ("a", p.member_b) if caller.name == p.member_a else ("b", p.member_a)
        return p, side, other

    def consent(self, caller: Caller, proposal_id: str, self_sealed: bytes) -> bytes | None:
        """Consent to reveal oneself; the other member's key when both consented, else None."""
        if caller.sealing_public_key is None:
            raise AccessDenied("the caller's certificate carries no sealing key (reissue it with msin ca issue)")
        if not 48 <= len(self_sealed) <= MAX_SEALED:
            raise ValidationError("self_sealed", f"must be a sealed box of 48 to {MAX_SEALED} bytes")
        with self.store.write() as conn:
            p, side, other = self._proposal_side(conn, caller, proposal_id)
            row, _members = self._open_for_change(conn, caller, p.case_id)
            if p.state != "proposed":
                raise Refused(f"the proposal is {p.state}")
            self.cases.put_key(conn, "member", caller.name, caller.sealing_public_key)
            other_side = "b" if side == "a" else "a"
            both = bool(getattr(p, f"consent_{other_side}"))
            values: dict[str, Any] = {f"consent_{side}": True, f"self_sealed_{side}": self_sealed}
            events: list[tuple[str, CaseEvent]] = []
            peer_key: bytes | None = None
            if both:
                values["state"] = "agreed"
                peer_key = self.cases.key_of(conn, "member", other)
                if peer_key is None:  # it consented, so its key was noted then
                    raise Refused("the other member's sealing key is unknown")
                # The first to consent hears now, with the blob it left sealed to itself.
                first = CaseEvent(
                    p.case_id,
                    CaseEventKind.CONTACT_AGREED,
                    row.state,
                    proposal_id,
                    caller.sealing_public_key,
                    bytes(getattr(p, f"self_sealed_{other_side}")),
                )
                events = [(other, first), (ANALYSTS, CaseEvent(p.case_id, CaseEventKind.CONTACT_AGREED, row.state, proposal_id))]
            self.cases.update_proposal(conn, proposal_id, **values)
            self.cases.add_entry(
                conn, p.case_id, "contact_agreed" if both else "consent", "member", caller.name, caller.name, ref=proposal_id
            )
            self._commit(conn, caller, "case_consent", {"agreed": both}, events)
        return peer_key

    def decline(self, caller: Caller, proposal_id: str) -> None:
        """Decline a proposal: nothing is revealed, blobs left by a consent are deleted."""
        with self.store.write() as conn:
            p, _side, other = self._proposal_side(conn, caller, proposal_id)
            row, _members = self._open_for_change(conn, caller, p.case_id)
            if p.state != "proposed":
                raise Refused(f"the proposal is {p.state}")
            self.cases.update_proposal(conn, proposal_id, state="declined", self_sealed_a=None, self_sealed_b=None)
            self.cases.add_entry(conn, p.case_id, "contact_declined", "member", caller.name, "sttg", ref=proposal_id)
            event = CaseEvent(p.case_id, CaseEventKind.CONTACT_DECLINED, row.state, proposal_id)
            # The other member hears the proposal ended, not who ended it or why.
            self._commit(conn, caller, "case_decline", {}, [(other, event), (ANALYSTS, event)])

    def reveal(self, caller: Caller, proposal_id: str, sealed: bytes) -> None:
        """Pass the caller's reveal, sealed to the other member, once both consented."""
        if caller.sealing_public_key is None:
            raise AccessDenied("the caller's certificate carries no sealing key (reissue it with msin ca issue)")
        if not 40 <= len(sealed) <= MAX_SEALED:
            raise ValidationError("sealed", f"must be a sealed box of 40 to {MAX_SEALED} bytes")
        with self.store.write() as conn:
            p, side, other = self._proposal_side(conn, caller, proposal_id)
            row, _members = self._open_for_change(conn, caller, p.case_id)
            if p.state != "agreed":
                raise Refused("both members must consent first")
            if getattr(p, f"revealed_{side}"):
                return  # sent already (a node completing again after a restart)
            other_side = "b" if side == "a" else "a"
            values: dict[str, Any] = {f"revealed_{side}": True, f"self_sealed_{side}": None}
            self.cases.update_proposal(conn, proposal_id, **values)
            self.cases.add_entry(conn, p.case_id, "contact_revealed", "member", caller.name, other, ref=proposal_id)
            event = CaseEvent(
                p.case_id, CaseEventKind.CONTACT_REVEALED, row.state, proposal_id, caller.sealing_public_key, sealed
            )
            done = bool(getattr(p, f"revealed_{other_side}"))
            self._commit(conn, caller, "case_reveal", {"both_revealed": done}, [(other, event)])

    # ------------------------------------------------------------------ Advisory Group

    def refer(self, caller: Caller, case_id: str, position: str) -> None:
        """Refer a disagreement to the Advisory Group, stating the caller's position."""
        if caller.role not in ("analyst", "member"):
            raise AccessDenied("only analysts and members of the case refer it")
        position = self._text("position", position)
        with self.store.write() as conn:
            row, members = self._open_for_change(conn, caller, case_id)
            if CaseState(row.state) == CaseState.REFERRED:
                raise Refused("the case was referred to law enforcement")
            state = CaseState.WITH_ADVISORY_GROUP
            self.cases.update_case(conn, case_id, state=state.value, referred=True)
            audience = caller.name if caller.role == "member" else "sttg"
            self.cases.add_entry(conn, case_id, "position", caller.role, caller.name, audience, position)
            self.cases.add_entry(conn, case_id, "referred", caller.role, caller.name, "all")
            event = CaseEvent(case_id, CaseEventKind.REFERRED, state.value)
            self._commit(conn, caller, "case_refer", {"by": caller.role}, self._to_all(members, event, advisory=True))

    def add_note(self, caller: Caller, case_id: str, text: str) -> None:
        """A note of an Advisory Group member on a referred case."""
        if not self._is_advisory(caller):
            raise AccessDenied("only configured Advisory Group members add notes")
        text = self._text("text", text)
        with self.store.write() as conn:
            row, _members = self._open_for_change(conn, caller, case_id)
            self.cases.add_entry(conn, case_id, "note", "advisory", caller.name, "sttg", text)
            event = CaseEvent(case_id, CaseEventKind.NOTE, row.state)
            self._commit(conn, caller, "case_note", {}, [(ANALYSTS, event), (ADVISORY, event)])

    def recommend(
        self, caller: Caller, case_id: str, *, text: str = "", recommendation_id: str = ""
    ) -> Recommendation:
        """Propose (``text``) or agree to (``recommendation_id``) a recommendation; it is
        recorded, and the parties told, once ``quorum`` configured members agreed."""
        if not self._is_advisory(caller):
            raise AccessDenied("only configured Advisory Group members recommend")
        if bool(text) == bool(recommendation_id):
            raise ValidationError("text", "set exactly one of text and recommendation_id")
        if text:
            text = self._text("text", text)
        with self.store.write() as conn:
            row, members = self._open_for_change(conn, caller, case_id)
            # Proposing and agreeing alike: a recommendation is made while the case is with
            # the group, so a pending one cannot be recorded (and the state set back to
            # in_discussion) after the case was escalated or another was recorded.
            if CaseState(row.state) != CaseState.WITH_ADVISORY_GROUP:
                raise Refused("the case is not with the Advisory Group")
            if text:
                recommendation_id = "rec-" + uuid.uuid4().hex[:16]
                self.cases.add_recommendation(conn, recommendation_id, case_id, text, [])
            rec = self.cases.recommendation(conn, self._id("recommendation_id", recommendation_id))
            if rec is None or rec.case_id != case_id:
                raise NotFound("no such recommendation")
            agreed: list[str] = json.loads(rec.agreed)
            if rec.recorded:
                raise Refused("the recommendation is recorded already")
            if caller.name not in agreed:
                agreed.append(caller.name)
            # Only configured members count (a member removed from the group since, no longer).
            counted = [a for a in agreed if a in self.config.advisory_members]
            recorded = len(counted) >= self.config.quorum
            self.cases.update_recommendation(conn, recommendation_id, agreed, recorded)
            events: list[tuple[str, CaseEvent]] = []
            if recorded:
                state = CaseState.IN_DISCUSSION
                self.cases.update_case(conn, case_id, state=state.value)
                self.cases.add_entry(
                    conn,
                    case_id,
                    "recommendation",
                    "advisory",
                    caller.name,
                    "all",
                    f"{rec.text} (agreed: {', '.join(counted)})",
                    recommendation_id,
                )
                event = CaseEvent(case_id, CaseEventKind.RECOMMENDATION, state.value, recommendation_id)
                events = self._to_all(members, event, advisory=True)
            self._commit(conn, caller, "case_recommend", {"agreed": len(counted), "recorded": recorded}, events)
        return Recommendation(recommendation_id, rec.text, tuple(agreed), recorded)

    # ------------------------------------------------------------------ escalation

    def escalate(self, caller: Caller, case_id: str, reason: str, note: str, agency: str) -> dict[str, Any]:
        """Record that a case reached the threshold for law enforcement; its STIX bundle."""
        if caller.role != "analyst":
            raise AccessDenied("only analysts escalate cases")
        self._choice("reason", reason, ESCALATION_REASONS)
        self._choice("agency", agency, AGENCIES)
        note = self._text("note", note, required=False)
        now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
        with self.store.write() as conn:
            row, members = self._open_for_change(conn, caller, case_id)
            if self.cases.escalation(conn, case_id) is not None:
                raise Refused("the case was escalated already")
            self.cases.add_escalation(
                conn, case_id=case_id, reason=reason, note=note, agency=agency, decided_by=caller.name, at=now
            )
            state = CaseState.REFERRED
            self.cases.update_case(conn, case_id, state=state.value)
            self.cases.add_entry(conn, case_id, "escalated", "analyst", caller.name, "all", f"{reason}: {agency}")
            records: list[SharedRecord] = list(
                self.store.records_by_id([r for r, _m in self.cases.records(conn, case_id)]).values()
            )
            bundle = case_bundle(
                case_id,
                network_name=self.config.network_name,
                reason=reason,
                note=note,
                agency=agency,
                decided_at=now,
                records=records,
            )
            event = CaseEvent(case_id, CaseEventKind.ESCALATED, state.value)
            self._commit(
                conn, caller, "case_escalate", {"reason": reason, "agency": agency, "records": len(records)},
                self._to_all(members, event, advisory=bool(row.referred)),
            )
        log.info("case escalated: %s", reason)
        return bundle

    def stix(self, caller: Caller, case_id: str) -> dict[str, Any]:
        """The STIX bundle of an escalated case again, from its recorded escalation and the
        records it still holds (analysts only): the same ids as at escalation, so a
        partner's MISP or OpenCTI deduplicates; a record withdrawn since is left out."""
        if caller.role != "analyst":
            raise AccessDenied("only analysts export cases")
        with self.store.read() as conn:
            self._case(conn, case_id)
            esc = self.cases.escalation(conn, case_id)
            if esc is None:
                raise Refused("the case was not escalated (nothing to export)")
            records: list[SharedRecord] = list(
                self.store.records_by_id([r for r, _m in self.cases.records(conn, case_id)]).values()
            )
        bundle = case_bundle(
            case_id, network_name=self.config.network_name, reason=esc.reason, note=esc.note,
            agency=esc.agency, decided_at=aware(esc.at), records=records,
        )
        with self.store.write() as conn:
            self.audit.append(conn, caller.role, caller.name, "case_stix", {"records": len(records)})
        return bundle

    # ------------------------------------------------------------------ actions and closing

    def record_action(self, caller: Caller, case_id: str, kind: str, outcome: str, date: str, lessons: str = "") -> str:
        """A member records what it did on a case, with its outcome and date."""
        if caller.role != "member":
            raise AccessDenied("only members record actions")
        self._choice("kind", kind, ACTION_KINDS)
        self._choice("outcome", outcome, ACTION_OUTCOMES)
        try:
            if not _DATE.fullmatch(date):
                raise ValueError
            when = _dt.date.fromisoformat(date)
        except ValueError:
            raise ValidationError("date", "wrong format (expected YYYY-MM-DD)") from None
        if when > _dt.datetime.now(_dt.UTC).date() + _dt.timedelta(days=1):
            raise ValidationError("date", "is in the future")
        lessons = self._text("lessons", lessons, required=False)
        action_id = "act-" + uuid.uuid4().hex[:16]
        with self.store.write() as conn:
            row = self._case(conn, case_id)
            self._may_see(conn, caller, row)
            self.cases.add_action(
                conn,
                action_id=action_id,
                case_id=case_id,
                member_id=caller.name,
                kind=kind,
                outcome=outcome,
                date=date,
                lessons=lessons,
                at=_dt.datetime.now(_dt.UTC),
            )
            self.cases.add_entry(conn, case_id, "action", "member", caller.name, caller.name, f"{kind}: {outcome}", action_id)
            self._commit(conn, caller, "case_action", {"kind": kind, "outcome": outcome}, [])
        return action_id

    def close(self, caller: Caller, case_id: str, outcome: str) -> CaseView:
        """Close a case with an outcome (analysts)."""
        if caller.role != "analyst":
            raise AccessDenied("only analysts close cases")
        self._choice("outcome", outcome, CLOSE_OUTCOMES)
        with self.store.write() as conn:
            _row, members = self._open_for_change(conn, caller, case_id)
            self.cases.update_case(conn, case_id, state=CaseState.CLOSED.value, outcome=outcome)
            self.cases.add_entry(conn, case_id, "closed", "analyst", caller.name, "all", outcome)
            event = CaseEvent(case_id, CaseEventKind.CLOSED, CaseState.CLOSED.value, outcome)
            self._commit(conn, caller, "case_close", {"outcome": outcome}, self._to_all(members, event))
        return self.view(caller, case_id)
