"""The case tables of the shared database, and their queries (rules live in :mod:`.case_service`).

Tables::

    cases             one row per case: state, title, outcome, who opened it and their key
    case_members      members of a case: a case-local alias ("member 2") for the others
    case_records      records linked to a case
    case_timeline     what happened, with the audience that may see each entry
    case_messages     sealed messages (ciphertext and the two parties' X25519 keys only)
    case_proposals    brokered-contact proposals: consents, self-sealed and sealed reveals
    case_recommendations  Advisory Group recommendations and who agreed
    case_actions      what members did, with outcome, date and lessons learned
    case_escalations  the decision that a case reached the threshold for law enforcement
    party_keys        each party's X25519 sealing key, as its certificate last showed it

Nothing here holds message text or a member's contact point in the clear: those travel
only sealed (:mod:`msin_fed.sealing`).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .store import SharedStore, cluster_of

__all__ = ["CaseStore", "case_metadata"]

case_metadata = sa.MetaData()

_Id = sa.String(64)
_At = sa.DateTime(timezone=True)

cases = sa.Table(
    "cases",
    case_metadata,
    sa.Column("case_id", _Id, primary_key=True),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(48), nullable=False, default=""),
    sa.Column("cluster_id", sa.String(64), nullable=False, default=""),
    sa.Column("opened_by", sa.String(64), nullable=False),
    sa.Column("analyst_key", sa.LargeBinary(32), nullable=False),
    sa.Column("referred", sa.Boolean, nullable=False, default=False),
    sa.Column("opened_at", _At, nullable=False),
)

case_members = sa.Table(
    "case_members",
    case_metadata,
    sa.Column("case_id", _Id, primary_key=True),
    sa.Column("member_id", _Id, primary_key=True, index=True),
    sa.Column("alias", sa.String(32), nullable=False),
)

case_records = sa.Table(
    "case_records",
    case_metadata,
    sa.Column("case_id", _Id, primary_key=True),
    sa.Column("record_id", _Id, primary_key=True),
    sa.Column("member_id", _Id, nullable=False),
)

case_timeline = sa.Table(
    "case_timeline",
    case_metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", _Id, nullable=False, index=True),
    sa.Column("at", _At, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("actor_role", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False, default=""),
    sa.Column("ref", sa.String(64), nullable=False, default=""),
    # "all" (every participant), "sttg" (analysts and the Advisory Group), or a member id
    # (that member, analysts and the Advisory Group).
    sa.Column("audience", sa.String(64), nullable=False),
)

case_messages = sa.Table(
    "case_messages",
    case_metadata,
    sa.Column("message_id", _Id, primary_key=True),
    sa.Column("case_id", _Id, nullable=False, index=True),
    sa.Column("member_id", _Id, nullable=False),
    sa.Column("from_role", sa.String(16), nullable=False),
    sa.Column("sender_key", sa.LargeBinary(32), nullable=False),
    sa.Column("recipient_key", sa.LargeBinary(32), nullable=False),
    sa.Column("sealed", sa.LargeBinary, nullable=False),
    sa.Column("at", _At, nullable=False),
)

case_proposals = sa.Table(
    "case_proposals",
    case_metadata,
    sa.Column("proposal_id", _Id, primary_key=True),
    sa.Column("case_id", _Id, nullable=False, index=True),
    sa.Column("member_a", _Id, nullable=False),
    sa.Column("member_b", _Id, nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("state", sa.String(16), nullable=False),
    # Per side: consent given, the reveal sealed to the member's own key until the other
    # consents, and whether its reveal (sealed to the other) was sent.
    sa.Column("consent_a", sa.Boolean, nullable=False, default=False),
    sa.Column("consent_b", sa.Boolean, nullable=False, default=False),
    sa.Column("self_sealed_a", sa.LargeBinary, nullable=True),
    sa.Column("self_sealed_b", sa.LargeBinary, nullable=True),
    sa.Column("revealed_a", sa.Boolean, nullable=False, default=False),
    sa.Column("revealed_b", sa.Boolean, nullable=False, default=False),
    sa.Column("at", _At, nullable=False),
)

case_recommendations = sa.Table(
    "case_recommendations",
    case_metadata,
    sa.Column("recommendation_id", _Id, primary_key=True),
    sa.Column("case_id", _Id, nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("agreed", sa.Text, nullable=False),  # JSON list of advisory names
    sa.Column("recorded", sa.Boolean, nullable=False, default=False),
    sa.Column("at", _At, nullable=False),
)

case_actions = sa.Table(
    "case_actions",
    case_metadata,
    sa.Column("action_id", _Id, primary_key=True),
    sa.Column("case_id", _Id, nullable=False, index=True),
    sa.Column("member_id", _Id, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("lessons", sa.Text, nullable=False, default=""),
    sa.Column("at", _At, nullable=False),
)

case_escalations = sa.Table(
    "case_escalations",
    case_metadata,
    sa.Column("case_id", _Id, primary_key=True),
    sa.Column("reason", sa.String(48), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("agency", sa.String(48), nullable=False),
    sa.Column("decided_by", sa.String(64), nullable=False),
    sa.Column("at", _At, nullable=False),
)

party_keys = sa.Table(
    "party_keys",
    case_metadata,
    sa.Column("role", sa.String(16), primary_key=True),
    sa.Column("name", _Id, primary_key=True),
    sa.Column("sealing_key", sa.LargeBinary(32), nullable=False),
)


def _aware(at: _dt.datetime) -> _dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=_dt.UTC)


@dataclass(frozen=True)
class CaseActionRow:
    """An action as stored (for the insights report)."""

    case_id: str
    member_id: str
    kind: str
    outcome: str
    date: str
    lessons: str


class CaseStore:
    """Queries over the case tables, inside the shared store's transactions."""

    def __init__(self, store: SharedStore) -> None:
        # The tables exist: the store's migrations create them (migrations/versions/0004).
        self.store = store

    # ------------------------------------------------------------------ keys

    def put_key(self, conn: Connection, role: str, name: str, key: bytes) -> None:
        """Remember the sealing key a party's certificate carries (the newest wins)."""
        row = conn.execute(
            sa.select(party_keys.c.sealing_key).where(party_keys.c.role == role, party_keys.c.name == name)
        ).first()
        if row is None:
            conn.execute(party_keys.insert().values(role=role, name=name, sealing_key=key))
        elif bytes(row.sealing_key) != key:
            conn.execute(
                party_keys.update()
                .where(party_keys.c.role == role, party_keys.c.name == name)
                .values(sealing_key=key)
            )

    def key_of(self, conn: Connection, role: str, name: str) -> bytes | None:
        """A party's sealing key, if its certificate was seen."""
        value = conn.execute(
            sa.select(party_keys.c.sealing_key).where(party_keys.c.role == role, party_keys.c.name == name)
        ).scalar()
        return bytes(value) if value is not None else None

    def analyst_key(self, conn: Connection, case: Any) -> bytes:
        """The key members seal to STTG with on ``case``: that of the analyst who opened it,
        as its certificate last showed it (a reissued certificate brings a new key)."""
        return self.key_of(conn, "analyst", case.opened_by) or bytes(case.analyst_key)

    # ------------------------------------------------------------------ cases

    def cluster_records(self, conn: Connection, cluster_id: str) -> list[str]:
        """Record ids of a cluster."""
        return sorted(conn.execute(sa.select(cluster_of.c.record_id).where(cluster_of.c.cluster_id == cluster_id)).scalars())

    def insert_case(self, conn: Connection, **values: Any) -> None:
        """A new case row."""
        conn.execute(cases.insert().values(**values))

    def case(self, conn: Connection, case_id: str) -> Any:
        """The case row, or None."""
        return conn.execute(sa.select(cases).where(cases.c.case_id == case_id)).first()

    def update_case(self, conn: Connection, case_id: str, **values: Any) -> None:
        """Change columns of a case."""
        conn.execute(cases.update().where(cases.c.case_id == case_id).values(**values))

    def all_cases(self, conn: Connection) -> list[Any]:
        """Every case, newest first."""
        return list(conn.execute(sa.select(cases).order_by(cases.c.opened_at.desc())))

    def cases_of_member(self, conn: Connection, member_id: str) -> list[Any]:
        """Cases a member takes part in, newest first."""
        return list(
            conn.execute(
                sa.select(cases)
                .join(case_members, case_members.c.case_id == cases.c.case_id)
                .where(case_members.c.member_id == member_id)
                .order_by(cases.c.opened_at.desc())
            )
        )

    def referred_cases(self, conn: Connection) -> list[Any]:
        """Cases ever referred to the Advisory Group, newest first."""
        return list(conn.execute(sa.select(cases).where(cases.c.referred.is_(True)).order_by(cases.c.opened_at.desc())))

    def add_members(self, conn: Connection, case_id: str, members: Sequence[tuple[str, str]]) -> None:
        """(member_id, alias) rows."""
        if members:
            conn.execute(case_members.insert(), [{"case_id": case_id, "member_id": m, "alias": a} for m, a in members])

    def members(self, conn: Connection, case_id: str) -> dict[str, str]:
        """member id -> alias."""
        rows = conn.execute(
            sa.select(case_members.c.member_id, case_members.c.alias).where(case_members.c.case_id == case_id)
        )
        return {r.member_id: r.alias for r in rows}

    def add_records(self, conn: Connection, case_id: str, records: Sequence[tuple[str, str]]) -> None:
        """(record_id, member_id) rows."""
        if records:
            conn.execute(case_records.insert(), [{"case_id": case_id, "record_id": r, "member_id": m} for r, m in records])

    def forget_record(self, conn: Connection, record_id: str) -> list[str]:
        """Drop a withdrawn record's links; the cases it was in."""
        ids = list(conn.execute(sa.select(case_records.c.case_id).where(case_records.c.record_id == record_id)).scalars())
        if ids:
            conn.execute(case_records.delete().where(case_records.c.record_id == record_id))
        return ids

    def records(self, conn: Connection, case_id: str) -> list[tuple[str, str]]:
        """(record_id, member_id) of a case."""
        rows = conn.execute(
            sa.select(case_records.c.record_id, case_records.c.member_id)
            .where(case_records.c.case_id == case_id)
            .order_by(case_records.c.record_id)
        )
        return [(r.record_id, r.member_id) for r in rows]

    # ------------------------------------------------------------------ time line

    def add_entry(
        self,
        conn: Connection,
        case_id: str,
        kind: str,
        actor_role: str,
        actor: str,
        audience: str,
        text: str = "",
        ref: str = "",
    ) -> None:
        """Append one time-line entry."""
        conn.execute(
            case_timeline.insert().values(
                case_id=case_id,
                at=_dt.datetime.now(_dt.UTC),
                kind=kind,
                actor_role=actor_role,
                actor=actor,
                text=text,
                ref=ref,
                audience=audience,
            )
        )

    def timeline(self, conn: Connection, case_id: str) -> list[Any]:
        """Every entry of a case, oldest first."""
        return list(
            conn.execute(sa.select(case_timeline).where(case_timeline.c.case_id == case_id).order_by(case_timeline.c.seq))
        )

    # ------------------------------------------------------------------ messages

    def add_message(self, conn: Connection, **values: Any) -> None:
        """Store a sealed message."""
        conn.execute(case_messages.insert().values(**values))

    def messages(self, conn: Connection, case_id: str, member_id: str | None = None) -> list[Any]:
        """A case's messages (one member's thread when given), oldest first."""
        query = sa.select(case_messages).where(case_messages.c.case_id == case_id)
        if member_id is not None:
            query = query.where(case_messages.c.member_id == member_id)
        return list(conn.execute(query.order_by(case_messages.c.at, case_messages.c.message_id)))

    def count_messages(self, conn: Connection, case_id: str) -> int:
        """How many messages a case has."""
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(case_messages).where(case_messages.c.case_id == case_id)
            ).scalar_one()
        )

    # ------------------------------------------------------------------ proposals

    def add_proposal(self, conn: Connection, **values: Any) -> None:
        """Store a brokered-contact proposal."""
        conn.execute(case_proposals.insert().values(**values))

    def proposal(self, conn: Connection, proposal_id: str) -> Any:
        """A proposal row, or None."""
        return conn.execute(sa.select(case_proposals).where(case_proposals.c.proposal_id == proposal_id)).first()

    def proposals(self, conn: Connection, case_id: str) -> list[Any]:
        """A case's proposals, oldest first."""
        return list(
            conn.execute(sa.select(case_proposals).where(case_proposals.c.case_id == case_id).order_by(case_proposals.c.at))
        )

    def update_proposal(self, conn: Connection, proposal_id: str, **values: Any) -> None:
        """Change columns of a proposal."""
        conn.execute(case_proposals.update().where(case_proposals.c.proposal_id == proposal_id).values(**values))

    # ------------------------------------------------------------------ advisory

    def add_recommendation(self, conn: Connection, recommendation_id: str, case_id: str, text: str, agreed: list[str]) -> None:
        """Store a proposed recommendation."""
        conn.execute(
            case_recommendations.insert().values(
                recommendation_id=recommendation_id,
                case_id=case_id,
                text=text,
                agreed=json.dumps(agreed),
                recorded=False,
                at=_dt.datetime.now(_dt.UTC),
            )
        )

    def recommendation(self, conn: Connection, recommendation_id: str) -> Any:
        """A recommendation row, or None."""
        return conn.execute(
            sa.select(case_recommendations).where(case_recommendations.c.recommendation_id == recommendation_id)
        ).first()

    def recommendations(self, conn: Connection, case_id: str) -> list[Any]:
        """A case's recommendations, oldest first."""
        return list(
            conn.execute(
                sa.select(case_recommendations)
                .where(case_recommendations.c.case_id == case_id)
                .order_by(case_recommendations.c.at)
            )
        )

    def update_recommendation(self, conn: Connection, recommendation_id: str, agreed: list[str], recorded: bool) -> None:
        """Set who agreed and whether it is recorded."""
        conn.execute(
            case_recommendations.update()
            .where(case_recommendations.c.recommendation_id == recommendation_id)
            .values(agreed=json.dumps(agreed), recorded=recorded)
        )

    # ------------------------------------------------------------------ actions, escalation

    def add_action(self, conn: Connection, **values: Any) -> None:
        """Store an action."""
        conn.execute(case_actions.insert().values(**values))

    def actions(self, conn: Connection, case_id: str) -> list[Any]:
        """A case's actions, oldest first."""
        return list(conn.execute(sa.select(case_actions).where(case_actions.c.case_id == case_id).order_by(case_actions.c.at)))

    def all_actions(self) -> list[CaseActionRow]:
        """Every action on every case (for the insights report)."""
        with self.store.read() as conn:
            rows = conn.execute(sa.select(case_actions).order_by(case_actions.c.date, case_actions.c.action_id))
            return [CaseActionRow(r.case_id, r.member_id, r.kind, r.outcome, r.date, r.lessons) for r in rows]

    def add_escalation(self, conn: Connection, **values: Any) -> None:
        """Store the escalation of a case."""
        conn.execute(case_escalations.insert().values(**values))

    def escalation(self, conn: Connection, case_id: str) -> Any:
        """The escalation row of a case, or None."""
        return conn.execute(sa.select(case_escalations).where(case_escalations.c.case_id == case_id)).first()


def aware(at: _dt.datetime) -> _dt.datetime:
    """A stored time with its zone (SQLite drops it)."""
    return _aware(at)
