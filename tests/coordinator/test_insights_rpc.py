"""GetInsights over real mutual TLS: analysts only, bad input named, and the small-cell rule
holding on the wire (a hidden count is never sent, not even inside a message field)."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from msin_fed.coordinator.config import config_from_mapping
from msin_fed.coordinator.insights import InsightConfig, compute_insights
from msin_fed.coordinator.insights._store import StoreSource
from msin_fed.coordinator.server import CoordinatorServer

from msin_fed import pki
from msin_fed.analyst import AnalystClient
from msin_fed.errors import ConfigError, RemoteError, ValidationError
from msin_fed.model import Region, Sector
from msin_fed.proto import coordinator_pb2 as pb

from .conftest import Live, make_config, record, signed_batch, submission, tok

MakeId = Callable[[str, str], pki.Identity]
MONTH = "2025-03"

# (member, region, sector, records): South West x growing is published (8 records from
# three members); North West x packhouse comes from one member alone (6 records) and
# London x hospitality is too small (2 records from two members): both must stay hidden.
CELLS = [
    ("m1", Region.SOUTH_WEST, Sector.GROWING_PICKING, 3),
    ("m2", Region.SOUTH_WEST, Sector.GROWING_PICKING, 3),
    ("m3", Region.SOUTH_WEST, Sector.GROWING_PICKING, 2),
    ("m1", Region.NORTH_WEST, Sector.PACKHOUSE, 6),
    ("m2", Region.LONDON, Sector.HOSPITALITY, 1),
    ("m3", Region.LONDON, Sector.HOSPITALITY, 1),
]


@pytest.fixture
def shared(tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId) -> Iterator[Live]:
    """A coordinator holding the records of CELLS (two of them sharing a phone: a small cluster)."""
    config = make_config(tmp_path, coordinator_identity, insights=InsightConfig(min_records=5, min_members=2))
    with CoordinatorServer(config) as server:
        live = Live(server)
        n = 0
        for member, region, sector, count in CELLS:
            identity = make_identity("member", member)
            subs = []
            for _ in range(count):
                n += 1
                # The first London records of m2 and m3 share a phone: a cluster of two.
                tokens = (tok("phone", "+447700900123"),) if region is Region.LONDON else ()
                rec = dataclasses.replace(record(member, f"r-{n}", tokens, month=MONTH), region=region, sector=sector)
                subs.append(submission(rec))
            live.stub(identity).SubmitBatch(signed_batch(identity, *subs), timeout=20)
        yield live
        live.close()


def _client(live: Live, identity: pki.Identity) -> AnalystClient:
    return AnalystClient(f"127.0.0.1:{live.port}", identity, "sttg")


def test_the_analyst_gets_what_the_report_publishes(shared: Live, make_identity: MakeId, tmp_path: Path) -> None:
    with _client(shared, make_identity("analyst", "sttg-analyst")) as analyst:
        got = analyst.insights(MONTH)
    expected = compute_insights(StoreSource(shared.server.store), MONTH, InsightConfig(min_records=5, min_members=2))
    assert got == expected
    rs = got.tables["region_sector"]
    assert rs.value(Region.SOUTH_WEST.value, Sector.GROWING_PICKING.value) == 8
    assert rs.value(Region.NORTH_WEST.value, Sector.PACKHOUSE.value) is None  # one member alone
    assert rs.value(Region.LONDON.value, Sector.HOSPITALITY.value) is None  # 2 < min_records
    assert got.tables["region"].value(Region.NORTH_WEST.value) is None
    assert rs.total == 16
    assert got.clusters == () and got.clusters_unpublished == 1
    assert got.growth.cumulative[-1] == 1
    # Reading insights is audited (counts only).
    conn = sqlite3.connect(f"file:{tmp_path / 'coordinator.db'}?mode=ro", uri=True)
    try:
        actions = [a for (a,) in conn.execute("select action from audit")]
    finally:
        conn.close()
    assert "disclose_insights" in actions


def test_no_hidden_count_is_on_the_wire(shared: Live, make_identity: MakeId) -> None:
    """Play the analyst reading raw protobuf: no small or single-member count anywhere."""
    reply = shared.stub(make_identity("analyst", "sttg-analyst")).GetInsights(
        pb.GetInsightsRequest(month=MONTH), timeout=20)
    counts: list[pb.InsightCount] = []
    for t in reply.tables:
        counts += [*t.values, *t.row_totals, *t.col_totals]
        if t.has_total:
            counts.append(t.total)
    assert counts and any(c.suppressed for c in counts)
    for c in counts:
        if c.suppressed:
            assert c.value == 0, "a suppressed count carried its value"
        else:
            assert c.value == 0 or c.value >= 5, f"a count under min_records was sent: {c.value}"
    published = {c.value for c in counts if not c.suppressed}
    assert 6 not in published and 2 not in published and 1 not in published


def test_a_member_certificate_is_refused(shared: Live, make_identity: MakeId) -> None:
    stub = shared.stub(make_identity("member", "m1"))
    with pytest.raises(grpc.RpcError) as excinfo:
        stub.GetInsights(pb.GetInsightsRequest(month=MONTH), timeout=10)
    assert excinfo.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # The analyst client refuses a member identity before any call.
    with pytest.raises(ConfigError, match="analyst certificate"):
        _client(shared, make_identity("member", "m1"))


@pytest.mark.parametrize(("month", "window", "field"), [
    ("2025-13", 0, "month"), ("March", 0, "month"), ("", 0, "month"), ("2025-3", 0, "month"),
    (MONTH, 121, "window_months"),
])
def test_bad_input_is_invalid_argument_naming_the_field(
    shared: Live, make_identity: MakeId, month: str, window: int, field: str
) -> None:
    stub = shared.stub(make_identity("analyst", "sttg-analyst"))
    with pytest.raises(grpc.RpcError) as excinfo:
        stub.GetInsights(pb.GetInsightsRequest(month=month, window_months=window), timeout=10)
    assert excinfo.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in str(excinfo.value.details())


def test_the_client_names_the_bad_field(shared: Live, make_identity: MakeId) -> None:
    with _client(shared, make_identity("analyst", "sttg-analyst")) as analyst:
        with pytest.raises(RemoteError) as excinfo:
            analyst.insights("2025-00")
        assert excinfo.value.code == "INVALID_ARGUMENT" and "month" in str(excinfo.value)
        with pytest.raises(ValidationError, match="window_months"):
            analyst.insights(MONTH, window_months=-1)
        # A shorter window is honoured.
        assert analyst.insights(MONTH, window_months=3).window == ("2025-01", "2025-02", MONTH)


def test_the_configured_rule_applies(tmp_path: Path, coordinator_identity: pki.Identity,
                                     make_identity: MakeId) -> None:
    """A coordinator configured with a higher threshold hides what the default would show."""
    config = make_config(tmp_path, coordinator_identity, insights=InsightConfig(min_records=20, min_members=3))
    member = make_identity("member", "m1")
    with CoordinatorServer(config) as server:
        live = Live(server)
        try:
            live.stub(member).SubmitBatch(signed_batch(member, *(
                submission(record("m1", f"q-{i}", month=MONTH)) for i in range(8))), timeout=20)
            with _client(live, make_identity("analyst", "sttg-analyst")) as analyst:
                got = analyst.insights(MONTH)
        finally:
            live.close()
    assert got.config.min_records == 20 and got.config.min_members == 3
    assert got.tables["month"].total is None


def test_the_insights_table_of_the_configuration_is_read(tmp_path: Path) -> None:
    base = {"server": {"identity_dir": "ids"}}
    config = config_from_mapping({**base, "insights": {"min_records": 7, "window_months": 6}}, tmp_path, "c.toml")
    assert config.insights == InsightConfig(min_records=7, window_months=6)
    with pytest.raises(ConfigError, match="min_members"):
        config_from_mapping({**base, "insights": {"min_members": 1}}, tmp_path, "c.toml")
