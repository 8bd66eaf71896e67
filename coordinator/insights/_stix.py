"""STIX 2.1 export of alerts and insights for law-enforcement partners, MISP and OpenCTI.

The bundle holds the network as an Identity, one Report per alert of the month and one
Report of the month's suppressed aggregates, each marked with a TLP 2.0 marking
definition from the OASIS TLP 2.0 extension (fixed ids, published 2022-10-01; the
``stix2`` library's ``TLP_*`` constants are TLP 1.0 and are not used). Nothing drawn from
a TLP:RED or TLP:AMBER+STRICT record or alert is exported. Ids are
derived from a hash of the content (in UUIDv4 format, as STIX 2.1 asks), so exporting the
same month again gives the same objects and platforms deduplicate them.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import stix2  # type: ignore[import-untyped]
from msin_fed.coordinator.insights._aggregate import AlertSummary, Insights
from msin_fed.coordinator.insights._config import NEVER_EXPORTED
from msin_fed.coordinator.insights._text import format_insights

from msin_fed.model import Tlp

__all__ = ["TLP2_EXTENSION_ID", "TLP2_MARKING_IDS", "stix_bundle", "tlp_marking", "write_stix"]

#: The OASIS TLP 2.0 extension definition.
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#: The fixed marking-definition ids of TLP 2.0 (oasis-open/cti-stix-common-objects).
TLP2_MARKING_IDS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
_TLP2_CREATED = "2022-10-01T00:00:00.000Z"
#: Namespace of this project's deterministic STIX ids.
_NS = uuid.UUID("0b5f8f3e-6a43-5b0e-9d0c-6d73696e2d66")
_IDENTITY_CREATED = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)


def tlp_marking(tlp: Tlp) -> Any:
    """The TLP 2.0 marking definition for ``tlp`` as a ``stix2`` object."""
    return stix2.v21.MarkingDefinition(
        id=TLP2_MARKING_IDS[tlp],
        created=_TLP2_CREATED,
        name=tlp.label,
        extensions={TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": tlp.value.lower()}},
    )


def _sid(kind: str, *parts: str) -> str:
    # STIX 2.1 wants UUIDv4 for these objects; v4-format bits over a content hash keep the
    # ids stable between exports without a registry of issued ids.
    digest = hashlib.sha256(_NS.bytes + "|".join((kind, *parts)).encode()).digest()
    return f"{kind}--{uuid.UUID(bytes=digest[:16], version=4)}"


def _alert_report(a: AlertSummary, identity: Any, location: Any) -> Any:
    published = _dt.datetime.fromisoformat(a.date).replace(tzinfo=_dt.UTC)
    return stix2.v21.Report(
        id=_sid("report", "alert", a.date, a.summary, a.region, a.sector, a.exploitation_type),
        created=published,
        modified=published,
        published=published,
        created_by_ref=identity.id,
        name=f"MSIN alert: {a.exploitation_type}, {a.sector}, {a.region}",
        description=a.summary,
        report_types=["threat-report"],
        labels=["modern-slavery", "msin-alert"],
        object_refs=[identity.id, location.id],
        object_marking_refs=[TLP2_MARKING_IDS[a.tlp]],
    )


def _location(region: str) -> Any:
    return stix2.v21.Location(
        id=_sid("location", "uk-itl1", region),
        created=_IDENTITY_CREATED,
        modified=_IDENTITY_CREATED,
        name=region,
        country="GB",
        region="northern-europe",
    )


def stix_bundle(ins: Insights) -> dict[str, Any]:
    """The STIX 2.1 bundle of ``ins`` as parsed JSON."""
    name = ins.config.network_name
    identity = stix2.v21.Identity(
        id=_sid("identity", name),
        created=_IDENTITY_CREATED,
        modified=_IDENTITY_CREATED,
        name=name,
        identity_class="organization",
        sectors=["non-profit"],
        description="Federated modern-slavery intelligence network (analysts' coordinator).",
    )
    objects: list[Any] = [identity]
    used: set[Tlp] = set()
    locations: dict[str, Any] = {}
    for a in ins.alerts:
        if a.tlp in NEVER_EXPORTED:  # also filtered upstream; never rely on one check
            continue
        loc = locations.setdefault(a.region, _location(a.region))
        objects.append(_alert_report(a, identity, loc))
        used.add(a.tlp)
    year, mon = (int(x) for x in ins.month.split("-"))
    end = (_dt.datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=_dt.UTC)) - _dt.timedelta(seconds=1)
    tlp = ins.tlp or Tlp.GREEN
    if tlp not in NEVER_EXPORTED:
        objects.append(
            stix2.v21.Report(
                id=_sid("report", "insights", name, ins.month),
                created=end,
                modified=end,
                published=end,
                created_by_ref=identity.id,
                name=f"{name}: insights for {ins.month}",
                description=format_insights(ins),
                report_types=["threat-report"],
                labels=["modern-slavery", "msin-insights"],
                object_refs=[identity.id, *(loc.id for loc in locations.values())],
                object_marking_refs=[TLP2_MARKING_IDS[tlp]],
            )
        )
        used.add(tlp)
    objects.extend(locations.values())
    objects.extend(tlp_marking(t) for t in sorted(used, key=lambda t: list(Tlp).index(t)))
    bundle = stix2.v21.Bundle(id=_sid("bundle", name, ins.month), objects=objects, allow_custom=False)
    parsed: dict[str, Any] = json.loads(bundle.serialize())
    return parsed


def write_stix(ins: Insights, path: str | Path) -> Path:
    """Write the bundle as JSON to ``path``."""
    p = Path(path)
    p.write_text(json.dumps(stix_bundle(ins), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return p
