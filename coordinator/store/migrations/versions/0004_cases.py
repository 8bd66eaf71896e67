"""Add the case tables (coordinator/cases.py): cases, their members, records, timeline,
sealed messages, contact proposals, recommendations, actions, escalations, party keys.

Stores written after cases landed and before migrations had these tables from
``create_all``: like the baseline, this creates only what is missing.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = (
    "case_actions",
    "case_escalations",
    "case_members",
    "case_messages",
    "case_proposals",
    "case_recommendations",
    "case_records",
    "case_timeline",
    "cases",
    "party_keys",
)


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())

    def _table(name: str, *items: Any) -> None:
        if name not in existing:
            op.create_table(name, *items)

    def _index(name: str, table: str, columns: list[str]) -> None:
        have = {ix["name"] for ix in inspector.get_indexes(table)} if table in existing else set()
        if name not in have:
            op.create_index(name, table, columns)

    _table(
        "case_actions",
        sa.Column("action_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("action_id"),
    )
    _index("ix_case_actions_case_id", "case_actions", ["case_id"])
    _table(
        "case_escalations",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=48), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("agency", sa.String(length=48), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    _table(
        "case_members",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("alias", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "member_id"),
    )
    _index("ix_case_members_member_id", "case_members", ["member_id"])
    _table(
        "case_messages",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("from_role", sa.String(length=16), nullable=False),
        sa.Column("sender_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("recipient_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
    )
    _index("ix_case_messages_case_id", "case_messages", ["case_id"])
    _table(
        "case_proposals",
        sa.Column("proposal_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("member_a", sa.String(length=64), nullable=False),
        sa.Column("member_b", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("consent_a", sa.Boolean(), nullable=False),
        sa.Column("consent_b", sa.Boolean(), nullable=False),
        sa.Column("self_sealed_a", sa.LargeBinary(), nullable=True),
        sa.Column("self_sealed_b", sa.LargeBinary(), nullable=True),
        sa.Column("revealed_a", sa.Boolean(), nullable=False),
        sa.Column("revealed_b", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("proposal_id"),
    )
    _index("ix_case_proposals_case_id", "case_proposals", ["case_id"])
    _table(
        "case_recommendations",
        sa.Column("recommendation_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("agreed", sa.Text(), nullable=False),
        sa.Column("recorded", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("recommendation_id"),
    )
    _index("ix_case_recommendations_case_id", "case_recommendations", ["case_id"])
    _table(
        "case_records",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "record_id"),
    )
    _table(
        "case_timeline",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    _index("ix_case_timeline_case_id", "case_timeline", ["case_id"])
    _table(
        "cases",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=48), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("analyst_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("referred", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    _table(
        "party_keys",
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sealing_key", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("role", "name"),
    )


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
