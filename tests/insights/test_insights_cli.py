"""``msin coordinator report`` and ``insights`` over a real shared store."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from pathlib import Path

import pytest
from insights_data import MEMBERS, PLANTED, rich_data, token_for
from msin_fed.coordinator.insights import Outcome
from msin_fed.coordinator.matching import MatchEngine
from msin_fed.coordinator.store import ActionRow, AlertRow, SharedStore
from stix2validator import ValidationOptions, validate_string  # type: ignore[import-untyped]

from msin_fed.cli import main
from msin_fed.model import Tlp, Token


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A coordinator configuration whose store holds a year of records, clusters, alerts, actions."""
    base = tmp_path_factory.mktemp("coord")
    data = rich_data()
    store = SharedStore(base / "shared.db")
    try:
        # Neighbours in a cluster share a phone: each token is seen twice, so the match engine's
        # frequency discount leaves it strong, and the chain joins the whole cluster.
        tokens: dict[str, tuple[Token, ...]] = {}
        for c, cv in enumerate(data.cluster_views):
            for x, rid in enumerate(cv.record_ids):
                tokens[rid] = (token_for(f"link-{c}-{x}"), token_for(f"link-{c}-{x + 1}"))
        records = [dataclasses.replace(r, tokens=tokens.get(r.record_id, ())) for r in data.records]
        with store.write() as conn:
            store.insert_records(conn, records)
        MatchEngine(store).ingest([(r.record_id, r.member_id, list(r.tokens)) for r in records if r.tokens])
        green = next(r for r in records if r.tlp is Tlp.GREEN)
        red = next(r for r in records if r.tlp is Tlp.RED)
        t0 = _dt.datetime(2026, 10, 4, 12, tzinfo=_dt.UTC)
        with store.write() as conn:
            store.insert_alert(conn, AlertRow("al-1", green.record_id, "Workers moved at night by <PERSON_1>.",
                                              "analyst", t0))
            store.insert_alert(conn, AlertRow("al-2", red.record_id, "RED ALERT TEXT", "member", t0))
            for i, a in enumerate(data.action_views):
                if a.record_id is None:
                    continue
                store.insert_action(conn, ActionRow(
                    a.action_id, MEMBERS[i % 4], a.record_id, None, "ACTION_" + a.outcome.name,
                    a.date.isoformat(), t0))
            for i in range(6):
                store.insert_action(conn, ActionRow(
                    f"al-act-{i}", MEMBERS[i % 4], None, "al-1", "ACTION_" + Outcome.REFERRED_TO_GLAA.name,
                    f"2026-10-{10 + i:02d}", t0))
    finally:
        store.close()
    cfg = base / "coordinator.toml"
    cfg.write_text(
        '[server]\nidentity_dir = "identity"\n[store]\nurl = "shared.db"\n'
        '[insights]\nmin_records = 5\nlessons = ["Check labour providers\' vans at shift change."]\n',
        encoding="utf-8",
    )
    return cfg


def test_report_command_writes_page_charts_and_stix(config: Path, tmp_path: Path) -> None:
    out, stix = tmp_path / "out", tmp_path / "bundle.json"
    code = main(["coordinator", "report", "--month", "2026-10", "--out", str(out), "--config", str(config),
                 "--stix", str(stix)])
    assert code == 0
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Workers moved at night" in html and "RED ALERT" not in html
    assert "shift change" in html
    assert "<th>C1</th>" in html  # clusters came through the match engine
    assert len(list(out.glob("*.png"))) == 4
    bundle = stix.read_text(encoding="utf-8")
    assert validate_string(bundle, ValidationOptions(strict=True)).is_valid
    assert "RED ALERT" not in bundle
    everything = bundle + html
    for s in [*PLANTED, *MEMBERS, "rec-", "al-1"]:
        assert s not in everything
    reports = [o for o in json.loads(bundle)["objects"] if o["type"] == "report"]
    assert len(reports) == 2


def test_insights_command_prints_tables_with_progress(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import msin_fed.cli.coordinator_insights as cli

    monkeypatch.setattr(cli, "PROGRESS_FROM", 10)
    assert main(["coordinator", "insights", "--month", "2026-10", "--config", str(config)]) == 0
    captured = capsys.readouterr()
    assert "Records by region and sector" in captured.out
    assert "Clusters of repeat perpetrators or sites" in captured.out
    assert "read " in captured.err and "records" in captured.err
    for s in [*PLANTED, *MEMBERS]:
        assert s not in captured.out + captured.err


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], config: Path) -> None:
    assert main(["coordinator", "insights"]) == 2
    assert main(["coordinator", "insights", "--store", str(tmp_path / "missing.db")]) == 2
    assert main(["coordinator", "report", "--month", "2026-13", "--out", str(tmp_path), "--config",
                 str(config)]) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text(config.read_text(encoding="utf-8").replace("min_records = 5", "min_records = 0"),
                   encoding="utf-8")
    assert main(["coordinator", "insights", "--config", str(bad)]) == 2
