"""STIX 2.1 bundle of an escalated case, for the law-enforcement agency it is referred to.

Reuses the insights export's TLP 2.0 marking definitions and deterministic ids. The
bundle holds the network as an Identity, the case as a Report (reason, agency, coarse
facts, counts) and each record's redacted narrative as a Note marked with that record's
TLP. Nothing drawn from a TLP:RED or TLP:AMBER+STRICT record is exported; no member id,
record id, message or contact point is in it.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from typing import Any

import stix2  # type: ignore[import-untyped]

from msin_fed.model import SharedRecord, Tlp

from .insights._config import NEVER_EXPORTED
from .insights._stix import TLP2_MARKING_IDS, _location, _sid, tlp_marking

__all__ = ["case_bundle"]

_ORDER = list(Tlp)


def case_bundle(
    case_id: str,
    *,
    network_name: str,
    reason: str,
    note: str,
    agency: str,
    decided_at: _dt.datetime,
    records: Sequence[SharedRecord],
) -> dict[str, Any]:
    """The STIX 2.1 bundle of a case as parsed JSON."""
    identity = stix2.v21.Identity(
        id=_sid("identity", network_name),
        created=_dt.datetime(2026, 1, 1, tzinfo=_dt.UTC),
        modified=_dt.datetime(2026, 1, 1, tzinfo=_dt.UTC),
        name=network_name,
        identity_class="organization",
        sectors=["non-profit"],
        description="Federated modern-slavery intelligence network (analysts' coordinator).",
    )
    exported = [r for r in records if r.tlp not in NEVER_EXPORTED]
    locations = {r.region.value: _location(r.region.value) for r in exported}
    used: set[Tlp] = set()
    notes: list[Any] = []
    for i, r in enumerate(exported, 1):
        notes.append(
            stix2.v21.Note(
                id=_sid("note", case_id, str(i), r.narrative),
                created=decided_at,
                modified=decided_at,
                created_by_ref=identity.id,
                abstract=f"Record {i}: {r.exploitation_type.value}, {r.sector.value}, {r.region.value}, {r.month}",
                content=r.narrative,
                object_refs=[identity.id],
                labels=["modern-slavery", f"grade-{r.grade}"],
                object_marking_refs=[TLP2_MARKING_IDS[r.tlp]],
            )
        )
        used.add(r.tlp)
    # The report is as restrictive as the most restrictive record it summarises.
    tlp = max(used, key=_ORDER.index) if used else Tlp.AMBER
    used.add(tlp)
    kinds = sorted({r.exploitation_type.value for r in exported})
    withheld = len(records) - len(exported)
    description = "\n".join(
        [
            f"Threshold reached: {reason.replace('_', ' ')}.",
            f"Referred to: {agency}.",
            f"Note: {note}" if note else "",
            f"Records: {len(exported)} exported" + (f", {withheld} withheld under TLP" if withheld else "") + ".",
            f"Exploitation types: {', '.join(kinds) or 'none exported'}.",
        ]
    ).replace("\n\n", "\n")
    report = stix2.v21.Report(
        id=_sid("report", "case", case_id),
        created=decided_at,
        modified=decided_at,
        published=decided_at,
        created_by_ref=identity.id,
        name=f"MSIN case referred to {agency}: {reason.replace('_', ' ')}",
        description=description,
        report_types=["threat-report"],
        labels=["modern-slavery", "msin-case", reason],
        object_refs=[identity.id, *(loc.id for loc in locations.values()), *(n.id for n in notes)],
        object_marking_refs=[TLP2_MARKING_IDS[tlp]],
    )
    objects: list[Any] = [identity, report, *notes, *locations.values()]
    objects.extend(tlp_marking(t) for t in sorted(used, key=_ORDER.index))
    bundle = stix2.v21.Bundle(id=_sid("bundle", "case", case_id), objects=objects, allow_custom=False)
    parsed: dict[str, Any] = json.loads(bundle.serialize())
    return parsed
