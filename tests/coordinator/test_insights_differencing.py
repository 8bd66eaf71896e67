"""Play the analyst differencing GetInsights answers (real mutual TLS, a real store).

An analyst picks the month and the window of each call. If each answer were suppressed on
its own, "window 2 ending March" minus "March alone" would be February alone, cell by cell,
including the cells February's own answer hides. A value published in any window must
therefore follow from values published month by month; these tests solve every pair of
nested windows one month apart and check that the difference is never something the
one-month answer hides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from msin_fed.coordinator.insights import InsightConfig, Insights, month_window
from msin_fed.coordinator.server import CoordinatorServer

from msin_fed import pki
from msin_fed.analyst import AnalystClient
from msin_fed.model import Region, Sector

from .conftest import Live, make_config, record, signed_batch, submission

MakeId = Callable[[str, str], pki.Identity]
FEB, MAR, APR = "2025-02", "2025-03", "2025-04"

# (month, member, region, sector, records). February holds one North West packhouse
# record (m1 alone): February's answer must hide it. March holds six there from two
# members, published on its own.
CELLS = [
    (FEB, "m1", Region.SOUTH_WEST, Sector.GROWING_PICKING, 3),
    (FEB, "m2", Region.SOUTH_WEST, Sector.GROWING_PICKING, 3),
    (FEB, "m3", Region.SOUTH_WEST, Sector.GROWING_PICKING, 2),
    (FEB, "m1", Region.NORTH_WEST, Sector.PACKHOUSE, 1),
    (MAR, "m1", Region.NORTH_WEST, Sector.PACKHOUSE, 3),
    (MAR, "m2", Region.NORTH_WEST, Sector.PACKHOUSE, 3),
    (MAR, "m2", Region.SOUTH_WEST, Sector.GROWING_PICKING, 3),
    (MAR, "m3", Region.SOUTH_WEST, Sector.GROWING_PICKING, 3),
]


@pytest.fixture
def shared(tmp_path: Path, coordinator_identity: pki.Identity, make_identity: MakeId) -> Iterator[Live]:
    config = make_config(tmp_path, coordinator_identity, insights=InsightConfig(min_records=5, min_members=2))
    with CoordinatorServer(config) as server:
        live = Live(server)
        n = 0
        for month, member, region, sector, count in CELLS:
            identity = make_identity("member", member)
            subs = []
            for _ in range(count):
                n += 1
                rec = dataclasses.replace(record(member, f"r-{n}", month=month), region=region, sector=sector)
                subs.append(submission(rec))
            live.stub(identity).SubmitBatch(signed_batch(identity, *subs), timeout=20)
        yield live
        live.close()


def _cells(ins: Insights) -> dict[tuple[str, str, str], int | None]:
    """Every published or hidden count of an answer, named (table, row, column) across windows.

    Month rows are named by the month, so the same quantity has the same name in every
    answer that holds it."""
    out: dict[tuple[str, str, str], int | None] = {}
    for name, t in ins.tables.items():
        for i, row in enumerate(t.row_codes):
            for j, col in enumerate(t.col_codes):
                out[(name, row, col)] = t.values[i][j]
            if t.row_totals is not None:
                out[(name, row, "total")] = t.row_totals[i]
        if t.col_totals is not None:
            for j, col in enumerate(t.col_codes):
                out[(name, "total", col)] = t.col_totals[j]
        if t.has_total:
            out[(name, "total", "total")] = t.total
    return out


def _answers(live: Live, identity: pki.Identity) -> dict[tuple[str, ...], Insights]:
    got: dict[tuple[str, ...], Insights] = {}
    with AnalystClient(f"127.0.0.1:{live.port}", identity, "sttg") as analyst:
        for end in (FEB, MAR, APR):
            for n in (1, 2, 3):
                got[month_window(end, n)] = analyst.insights(end, n)
        for month in {m for w in list(got) for m in w}:
            if (month,) not in got:
                got[(month,)] = analyst.insights(month, 1)
    return got


def test_a_hidden_one_record_cell_is_not_the_difference_of_two_windows(shared: Live, make_identity: MakeId) -> None:
    answers = _answers(shared, make_identity("analyst", "sttg-analyst"))
    nw_pack = (Region.NORTH_WEST.value, Sector.PACKHOUSE.value)
    assert answers[(FEB,)].tables["region_sector"].value(*nw_pack) is None  # one record, one member
    assert answers[(MAR,)].tables["region_sector"].value(*nw_pack) == 6
    # The attack: February + March minus March alone.
    both = answers[(FEB, MAR)].tables["region_sector"].value(*nw_pack)
    assert both is None, f"window 2 publishes {both}: minus March's 6 gives February's hidden cell"


def test_no_pair_of_windows_one_month_apart_solves_a_hidden_count(shared: Live, make_identity: MakeId) -> None:
    answers = _answers(shared, make_identity("analyst", "sttg-analyst"))
    solved = 0
    for big, big_ins in answers.items():
        for small, small_ins in answers.items():
            extra = set(big) - set(small)
            if not set(small) < set(big) or len(extra) != 1:
                continue
            alone = _cells(answers[(extra.pop(),)])
            b, s = _cells(big_ins), _cells(small_ins)
            for name, vb in b.items():
                vs = s.get(name)
                if vb is None or vs is None or name not in alone:
                    continue
                solved += 1
                assert alone[name] == vb - vs, (
                    f"{name}: window {big} ({vb}) minus {small} ({vs}) gives {vb - vs}, "
                    f"which the one-month answer shows as {alone[name]}")
    assert solved > 20  # the pairs did overlap on published counts
