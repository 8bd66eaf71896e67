"""Small-cell suppression: primary cells, complements, and consistency across tables."""

from __future__ import annotations

import itertools

import pytest
from insights_data import MEMBERS, make_record, spread
from msin_fed.coordinator.insights import (
    InsightConfig,
    InsightData,
    Line,
    Rule,
    Table,
    Tally,
    compute_insights,
    key,
    suppress,
)

from msin_fed.model import Indicator, Region, Sector, Tlp

EOE, EM = Region.EAST_OF_ENGLAND, Region.EAST_MIDLANDS
PACK, GROW = Sector.PACKHOUSE, Sector.GROWING_PICKING


def _lines_of(table: Table) -> list[tuple[list[int | None], int | None]]:
    """Every published sum of a table as (parts, total)."""
    if table.row_totals is None or table.col_totals is None:
        return [([v[0] for v in table.values], table.total)] if table.has_total else []
    out = [(list(row), tot) for row, tot in zip(table.values, table.row_totals, strict=True)]
    out += [([row[j] for row in table.values], table.col_totals[j]) for j in range(len(table.col_codes))]
    out += [(list(table.row_totals), table.total), (list(table.col_totals), table.total)]
    return out


def assert_no_single_hidden(table: Table) -> None:
    for parts, total in _lines_of(table):
        if total is not None:
            assert sum(1 for p in parts if p is None) != 1, f"{table.name}: a hidden cell follows from a total"


def test_cell_of_three_hidden_and_sibling_that_would_reveal_it() -> None:
    records = (
        spread(3, MEMBERS[:2], region=EOE, sector=PACK)
        + spread(10, MEMBERS[:3], region=EOE, sector=GROW)
        + spread(8, MEMBERS, region=EM, sector=PACK)
        + spread(9, MEMBERS, region=EM, sector=GROW)
    )
    ins = compute_insights(InsightData(records), "2026-10")
    t = ins.tables["region_sector"]
    assert t.value(EOE.value, PACK.value) is None  # 3 records: primary
    # Row total 13 is published, so the sibling 10 must go too, or 13 - 10 = 3.
    assert t.row_totals is not None and t.row_totals[t.row_codes.index(EOE.value)] == 13
    assert t.value(EOE.value, GROW.value) is None
    # And the column: 3 + 8 = 11 is published, so the 8 goes, then its row sibling 9.
    assert t.value(EM.value, PACK.value) is None
    assert t.value(EM.value, GROW.value) is None
    assert t.total == 30
    assert_no_single_hidden(t)


def test_one_dimensional_table_gets_a_complement() -> None:
    records = (
        spread(3, MEMBERS[:2], region=Region.WALES)
        + spread(7, region=Region.SCOTLAND)
        + spread(20, region=Region.LONDON)
    )
    t = compute_insights(InsightData(records), "2026-10").tables["region"]
    assert t.total == 30
    assert t.value(Region.WALES.value) is None
    assert t.value(Region.SCOTLAND.value) is None  # smallest published sibling
    assert t.value(Region.LONDON.value) == 20
    assert_no_single_hidden(t)


def test_cell_from_one_member_is_hidden_however_big() -> None:
    records = spread(9, MEMBERS[:1], region=Region.WALES) + spread(12, region=Region.LONDON) + spread(
        11, region=Region.SCOTLAND
    )
    t = compute_insights(InsightData(records), "2026-10").tables["region"]
    assert t.value(Region.WALES.value) is None
    assert t.value(Region.SCOTLAND.value) is None
    assert t.value(Region.LONDON.value) == 12


def test_minimum_is_configurable() -> None:
    records = spread(3, MEMBERS[:2], region=Region.WALES) + spread(20, region=Region.LONDON)
    t = compute_insights(InsightData(records), "2026-10", InsightConfig(min_records=3)).tables["region"]
    assert t.value(Region.WALES.value) == 3
    with pytest.raises(ValueError, match="min_members"):
        InsightConfig(min_members=1)


def test_total_hidden_when_no_complement_is_left() -> None:
    # Only one non-zero region, of 3 records: the total itself is small and goes.
    t = compute_insights(InsightData(spread(3, region=Region.WALES)), "2026-10").tables["region"]
    assert t.value(Region.WALES.value) is None and t.total is None


def test_same_quantity_hidden_alike_in_every_table(data: InsightData) -> None:
    ins = compute_insights(data, "2026-10")
    rs, region, sector = ins.tables["region_sector"], ins.tables["region"], ins.tables["sector"]
    assert rs.row_totals == tuple(v[0] for v in region.values)
    assert rs.col_totals == tuple(v[0] for v in sector.values)
    mf, month = ins.tables["month_family"], ins.tables["month"]
    assert mf.row_totals == tuple(v[0] for v in month.values)
    assert len({rs.total, region.total, sector.total, mf.total, month.total}) == 1
    for t in ins.tables.values():
        assert_no_single_hidden(t)


def test_hidden_groups_are_not_small_in_sum() -> None:
    # Two small cells in one row: hiding just the two would publish their sum (2 + 2 = 4).
    records = (
        spread(2, MEMBERS[:2], region=EOE, sector=PACK)
        + spread(2, MEMBERS[:2], region=EOE, sector=GROW)
        + spread(6, region=EOE, sector=Sector.HOSPITALITY)
        + spread(30, region=EM, sector=PACK)
        + spread(30, region=EM, sector=GROW)
        + spread(30, region=EM, sector=Sector.HOSPITALITY)
    )
    t = compute_insights(InsightData(records), "2026-10").tables["region_sector"]
    row = t.values[t.row_codes.index(EOE.value)]
    assert all(v is None for v in row), "the 6 must be hidden too so the hidden sum is not 4"


def test_red_and_amber_strict_records_counted_nowhere() -> None:
    base = spread(20, region=Region.LONDON)
    hidden_tlps = [make_record(region=Region.WALES, tlp=t) for t in (Tlp.RED, Tlp.AMBER_STRICT) for _ in range(10)]
    ins = compute_insights(InsightData(base + hidden_tlps), "2026-10")
    assert Region.WALES.value not in ins.tables["region"].row_codes
    assert ins.tables["region"].total == 20
    assert ins.records_excluded_by_tlp == 20
    assert ins.tlp is Tlp.GREEN


def test_suppress_engine_brute_force_no_cell_recoverable() -> None:
    """On random 3x3 tables, no hidden cell is pinned down by the published values."""
    rule = Rule(5, 2)
    for seed in range(40):
        counts = [[(seed * 7 + i * 5 + j * 11) % 9 for j in range(3)] for i in range(3)]
        tally = Tally()
        rows, cols = [key(r=str(i)) for i in range(3)], [key(c=str(j)) for j in range(3)]
        for i, j in itertools.product(range(3), range(3)):
            for n in range(counts[i][j]):
                m = MEMBERS[n % 2]
                tally.add(rows[i] | cols[j], m)
                tally.add(rows[i], m)
                tally.add(cols[j], m)
                tally.add(key(), m)
        tally.ensure(rows + cols + [r | c for r in rows for c in cols] + [key()])
        lines = [Line(tuple(r | c for c in cols), r) for r in rows]
        lines += [Line(tuple(r | c for r in rows), c) for c in cols]
        lines += [Line(tuple(rows), key()), Line(tuple(cols), key())]
        hidden = suppress(tally, lines, rule)
        # Every sensitive cell is hidden.
        for k, n in tally.counts.items():
            if rule.sensitive(n, tally.member_count((k,))):
                assert k in hidden
        # No published line leaves exactly one hidden part.
        for line in lines:
            if line.total not in hidden:
                assert sum(p in hidden for p in line.parts) != 1


def test_zero_cells_are_published() -> None:
    t = compute_insights(InsightData(spread(20, region=Region.LONDON, sector=PACK)
                                     + spread(20, region=EOE, sector=GROW)), "2026-10").tables["region_sector"]
    assert t.value(Region.LONDON.value, GROW.value) == 0


def test_indicator_hidden_when_records_without_it_are_few() -> None:
    # 20 records show debt bondage, 2 do not: publishing 20 beside the total 22 reveals the 2.
    records = spread(20, indicators=[Indicator.DEBT_BONDAGE]) + spread(2, MEMBERS[:2], indicators=[Indicator.ISOLATION])
    t = compute_insights(InsightData(records), "2026-10").tables["indicator"]
    assert t.value(Indicator.DEBT_BONDAGE.value) is None
    assert t.value(Indicator.ISOLATION.value) is None  # 2 records: primary
    assert not t.has_total


def test_public_names_are_honest() -> None:
    import msin_fed.coordinator.insights as pkg

    assert list(pkg.__all__) == sorted(pkg.__all__, key=lambda n: (not n.isupper(), n))
    for name in pkg.__all__:
        assert getattr(pkg, name) is not None
        assert not name.startswith("_")


def derivable(table: Table) -> list[str]:
    """Play the reader: solve every line (row, column, margins) that has exactly one hidden
    entry, again and again with what was solved, and name each hidden value found."""
    if table.row_totals is None or table.col_totals is None:
        return []
    rows, cols = len(table.row_codes), len(table.col_codes)
    known: dict[tuple[int, int], int | None] = {(i, j): table.values[i][j] for i in range(rows) for j in range(cols)}
    known.update({(i, cols): table.row_totals[i] for i in range(rows)})
    known.update({(rows, j): table.col_totals[j] for j in range(cols)})
    known[(rows, cols)] = table.total
    lines = [([(i, j) for j in range(cols)], (i, cols)) for i in range(rows + 1)]
    lines += [([(i, j) for i in range(rows)], (rows, j)) for j in range(cols + 1)]
    found: list[str] = []
    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            unknown = [p for p in [*parts, total] if known[p] is None]
            if len(unknown) != 1:
                continue
            (u,) = unknown
            value = sum(known[p] or 0 for p in parts if p != u)
            known[u] = value if u == total else (known[total] or 0) - value
            found.append(f"{table.name}{u} = {known[u]}")
            changed = True
    return found


def test_a_hidden_total_of_published_parts_does_not_give_a_cell_away() -> None:
    """The analyst console's dashboard showed this: South East's row total was hidden as a
    complement, but its cells (0, 0, 6) were published, so it was 6, and 23 - 12 - 6 gave
    the single member's South West count of 5."""
    records = (
        spread(12, MEMBERS[:2], region=EM, sector=PACK)
        + spread(6, MEMBERS[:2], region=Region.SOUTH_EAST, sector=Sector.HOSPITALITY)
        + spread(5, MEMBERS[:1], region=Region.SOUTH_WEST, sector=GROW)
    )
    ins = compute_insights(InsightData(records), "2026-10")
    t = ins.tables["region_sector"]
    assert t.value(Region.SOUTH_WEST.value, GROW.value) is None
    assert derivable(t) == []
    for name in ("region", "sector"):
        one = ins.tables[name]
        assert one.total is None or sum(1 for v in one.values if v[0] is None) != 1


def test_no_hidden_value_is_derivable_in_random_tables() -> None:
    """Random region x sector tables from one to four members: no hidden value follows from
    the published ones by solving lines."""
    import random

    regions = [EOE, EM, Region.LONDON, Region.WALES]
    sectors = [PACK, GROW, Sector.HOSPITALITY]
    for seed in range(60):
        rnd = random.Random(seed)
        records = []
        for r in regions:
            for s in sectors:
                n = rnd.choice([0, 0, 1, 2, 3, 5, 6, 9, 14])
                if n:
                    records += spread(n, MEMBERS[: rnd.randint(1, 4)], region=r, sector=s)
        if not records:
            continue
        t = compute_insights(InsightData(records), "2026-10").tables["region_sector"]
        assert derivable(t) == [], (seed, derivable(t))
