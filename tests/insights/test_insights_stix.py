"""STIX 2.1 export: valid bundles, TLP 2.0 markings, nothing RED or AMBER+STRICT, nothing planted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import stix2  # type: ignore[import-untyped]
from insights_data import MEMBERS, PLANTED, make_record, spread
from msin_fed.coordinator.insights import (
    TLP2_MARKING_IDS,
    InsightData,
    compute_insights,
    stix_bundle,
    write_stix,
)
from stix2validator import ValidationOptions, validate_string  # type: ignore[import-untyped]

from msin_fed.model import Tlp

TLP1_IDS = {stix2.TLP_WHITE.id, stix2.TLP_GREEN.id, stix2.TLP_AMBER.id, stix2.TLP_RED.id}


def _valid(bundle: dict[str, object]) -> None:
    result = validate_string(json.dumps(bundle), ValidationOptions(strict=True, version="2.1"))
    assert result.is_valid, [str(e) for r in result.object_results for e in r.errors]


def test_bundle_is_valid_stix_with_tlp2_markings(data: InsightData) -> None:
    bundle = stix_bundle(compute_insights(data, "2026-10"))
    _valid(bundle)
    objs = bundle["objects"]
    identities = [o for o in objs if o["type"] == "identity"]
    assert len(identities) == 1 and identities[0]["identity_class"] == "organization"
    reports = [o for o in objs if o["type"] == "report"]
    assert len(reports) == 3  # two alerts and the month's insights
    markings = {o["id"]: o for o in objs if o["type"] == "marking-definition"}
    for r in reports:
        assert r["created_by_ref"] == identities[0]["id"]
        for ref in r["object_marking_refs"]:
            assert ref in markings
    for mid, m in markings.items():
        assert mid in TLP2_MARKING_IDS.values() and mid not in TLP1_IDS
        ext = m["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]
        assert m["name"] == "TLP:" + ext["tlp_2_0"].upper()
    green_alert = next(r for r in reports if "msin-alert" in r["labels"] and "packhouse" in r["name"].lower())
    assert green_alert["object_marking_refs"] == [TLP2_MARKING_IDS[Tlp.GREEN]]


def test_fixed_marking_ids() -> None:
    assert TLP2_MARKING_IDS[Tlp.CLEAR] == "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
    assert TLP2_MARKING_IDS[Tlp.GREEN] == "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    assert TLP2_MARKING_IDS[Tlp.AMBER] == "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    assert TLP2_MARKING_IDS[Tlp.AMBER_STRICT] == "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
    assert TLP2_MARKING_IDS[Tlp.RED] == "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


def test_red_and_amber_strict_never_exported(data: InsightData) -> None:
    text = json.dumps(stix_bundle(compute_insights(data, "2026-10")))
    assert TLP2_MARKING_IDS[Tlp.RED] not in text
    assert TLP2_MARKING_IDS[Tlp.AMBER_STRICT] not in text
    assert "RED ALERT" not in text and "AMBER STRICT ALERT" not in text


@pytest.mark.parametrize("tlp", [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER])
def test_insight_report_marked_with_strictest_record_tlp(tlp: Tlp) -> None:
    records = [*spread(12, tlp=Tlp.CLEAR), make_record(member=MEMBERS[1], tlp=tlp)]
    bundle = stix_bundle(compute_insights(InsightData(records), "2026-10"))
    _valid(bundle)
    (report,) = [o for o in bundle["objects"] if o["type"] == "report"]
    assert report["object_marking_refs"] == [TLP2_MARKING_IDS[tlp]]


def test_only_red_records_export_empty_insights() -> None:
    records = spread(12, tlp=Tlp.RED) + spread(12, tlp=Tlp.AMBER_STRICT)
    bundle = stix_bundle(compute_insights(InsightData(records), "2026-10"))
    _valid(bundle)
    assert "2026-10" in json.dumps(bundle)  # the insights report, marked by the default
    assert TLP2_MARKING_IDS[Tlp.RED] not in json.dumps(bundle)


def test_no_planted_identifier_in_export(data: InsightData, tmp_path: Path) -> None:
    path = write_stix(compute_insights(data, "2026-10"), tmp_path / "bundle.json")
    text = path.read_text(encoding="utf-8")
    forbidden = [*PLANTED, *MEMBERS, "rec-", "cluster-internal", "alert-1"]
    forbidden += [t.value.hex()[:16] for r in data.records[:3] for t in r.tokens]
    for s in forbidden:
        assert s.lower() not in text.lower(), "an identifier reached the STIX export"


def test_export_is_deterministic(data: InsightData) -> None:
    a = stix_bundle(compute_insights(data, "2026-10"))
    b = stix_bundle(compute_insights(data, "2026-10"))
    assert a == b
