"""What the store's queries return: small frozen value types, no SQLAlchemy rows."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import NamedTuple

from msin_fed.model.events import Event

__all__ = ["ActionRow", "AlertRow", "AuditEntry", "ClusterInfo", "StoredEvent"]


@dataclass(frozen=True)
class ClusterInfo:
    """A cluster of matched records of different members (what analysts see)."""

    cluster_id: str
    kind: str
    record_ids: tuple[str, ...]
    members: tuple[str, ...]
    matched_kinds: tuple[str, ...]
    first_month: str
    last_month: str


@dataclass(frozen=True)
class AlertRow:
    """An alert raised on a shared record."""

    alert_id: str
    record_id: str
    summary: str
    raised_by_role: str
    created_at: _dt.datetime


@dataclass(frozen=True)
class ActionRow:
    """What a member did about a match (``record_id``) or an alert (``alert_id``)."""

    action_id: str
    member_id: str
    record_id: str | None
    alert_id: str | None
    outcome: str
    date: str
    created_at: _dt.datetime


class AuditEntry(NamedTuple):
    """One entry of the audit chain (see :mod:`..audit` for what the hash covers)."""

    seq: int
    at: str
    actor_role: str
    actor: str
    action: str
    detail: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class StoredEvent:
    """An event of the log and the owner of the record it is about (alerts: who may see
    ``own_record_id``)."""

    event: Event
    owner: str | None
