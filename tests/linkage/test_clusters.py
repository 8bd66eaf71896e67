"""Clusters (what STTG sees) resist chaining, with the same function in ``msin link`` and
the coordinator's ``MatchEngine``.

Real OPRF tokens of real rows; the in-memory :class:`Matcher` (``msin link``), the
``msin link --clusters`` command and the coordinator's engine over a real SQLite file.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from msin_fed.coordinator.matching import MatchEngine
from msin_fed.coordinator.store import SharedStore

from msin_fed.cli import main as msin_main
from msin_fed.linkage import clusters
from msin_fed.linkage.core import cluster_records, records_contradict
from msin_fed.linkage.matcher import Matcher
from msin_fed.model.report import MENTION_COLUMNS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_repeated_entities import PERSON, WORKERS, Row, pair_set, tokens

Records = Sequence[tuple[str, str, Row]]

#: Two namesakes with different NINOs, and a report without one that matches each of
#: them (the phone of one, the date of birth of the other): connected components would
#: make one person of the three.
NAMESAKES: list[tuple[str, str, Row]] = [
    ("a1", "m1", dict(given_name="Ion", family_name="Radu", national_id="JG103759A", phone="07700 900123")),
    ("a2", "m2", dict(given_name="ION", family_name="RADU", national_id="JG 10 37 59 A", postcode="PE21 8AA")),
    ("b1", "m3", dict(given_name="Ion", family_name="Radu", national_id="JG654321A", date_of_birth="1990-01-01")),
    ("x1", "m4", dict(given_name="Ion", family_name="Radu", date_of_birth="01/01/1990", phone="+447700900123")),
]

#: A phoenix company: the same name under a new number, and a report naming it without one.
PHOENIX: list[tuple[str, str, Row]] = [
    ("c1", "m1", dict(company_name="Greenfield Labour Services Ltd", company_number="01234567",
                      postcode="PE21 7TB")),
    ("c2", "m2", dict(company_name="GREENFIELD LABOUR SERVICES LIMITED", company_number="1234567",
                      postcode="PE21 7TB")),
    ("c3", "m3", dict(company_name="Greenfield Labour Services Limited", company_number="09876543",
                      postcode="PE21 7TB")),
    ("c4", "m4", dict(company_name="Greenfield Labour Services", postcode="PE21 7TB")),
]


def matcher_of(records: Records) -> Matcher[str]:
    m: Matcher[str] = Matcher()
    for rid, member, row in records:
        m.add(rid, member, tokens(row))
    return m


def engine_clusters(records: Records, path: Path) -> list[set[str]]:
    store = SharedStore(path)
    try:
        engine = MatchEngine(store)
        for rid, member, row in records:  # one at a time, as nodes share them
            engine.ingest([(rid, member, tokens(row))])
        return sorted((set(c.record_ids) for c in engine.clusters()), key=lambda c: (-len(c), min(c)))
    finally:
        store.close()


def test_the_person_at_five_members_is_one_cluster_and_the_agency_workers_none(tmp_path: Path) -> None:
    m = matcher_of(PERSON + WORKERS)
    expected = [{rid for rid, _m, _r in PERSON}]
    assert m.clusters() == expected
    assert engine_clusters(PERSON + WORKERS, tmp_path / "shared.db") == expected


def test_namesakes_with_two_ninos_are_not_chained_by_a_report_matching_both(tmp_path: Path) -> None:
    m = matcher_of(NAMESAKES)
    pairs = pair_set(m.pairs())
    assert {("a1", "a2"), ("a1", "x1"), ("b1", "x1")} <= pairs
    assert not {("a1", "b1"), ("a2", "b1")} & pairs
    assert len(clusters(pairs)) == 1  # plain connected components chain the two NINOs
    got = m.clusters()
    assert {"a1", "a2"} in got
    assert not any({"a1", "b1"} <= c for c in got)
    assert engine_clusters(NAMESAKES, tmp_path / "shared.db") == got


def test_a_phoenix_company_stays_apart_from_its_predecessor(tmp_path: Path) -> None:
    m = matcher_of(PHOENIX)
    # The name (and name + postcode) is held by two companies whose numbers differ, so it
    # names neither: the mention without a number is paired with neither of them, and
    # the two numbers never are; the predecessor's mentions link by their number.
    assert pair_set(m.pairs()) == {("c1", "c2")}
    assert m.clusters() == [{"c1", "c2"}]
    assert engine_clusters(PHOENIX, tmp_path / "shared.db") == [{"c1", "c2"}]


def test_contradictions_are_read_from_tokens() -> None:
    def held(row: Row) -> dict[bytes, str]:
        return {v: k for k, v in tokens(row)}

    nino_a = held(dict(given_name="Ion", family_name="Radu", national_id="JG103759A"))
    nino_b = held(dict(given_name="Ion", family_name="Radu", national_id="JG654321A"))
    nino_typo = held(dict(given_name="Ion", family_name="Radu", national_id="JG103758A"))
    assert records_contradict(nino_a, nino_b)
    assert not records_contradict(nino_a, nino_typo)  # one typo apart is not two documents
    person = held(dict(given_name="Ion", family_name="Radu", phone="01205 310555"))
    company = held(dict(company_name="Eastfield Staffing Ltd", phone="01205 310555"))
    assert records_contradict(person, company)
    # Names with dates of birth that share nothing are no contradiction: typos at both ends.
    typo_a = held(dict(family_name="Ionescu", date_of_birth="1996-01-21"))
    typo_b = held(dict(given_name="Tomas", family_name="Ionecsu", date_of_birth="21/01/1996"))
    assert not records_contradict(typo_a, typo_b)


def test_strongest_pairs_merge_first_and_matched_pairs_always_join() -> None:
    a = {b"n1": "nino"}
    b = {b"n2": "nino"}
    c: dict[bytes, str] = {b"x": "phone"}
    held = {"a": a, "b": b, "c": c, "a2": a}
    # a and b contradict (two NINOs); c matches both, more strongly with b.
    assert cluster_records([("a", "c", 11.0), ("b", "c", 15.0), ("a", "a2", 20.0)], held) == [
        {"a", "a2"},
        {"b", "c"},
    ]
    # A pair matched despite a contradiction is its own evidence.
    assert cluster_records([("a", "b", 12.0)], held) == [{"a", "b"}]
    assert cluster_records([], held) == []


def _write(records: Records, directory: Path) -> list[Path]:
    by_member: dict[str, list[dict[str, str]]] = {}
    for rid, member, row in records:
        by_member.setdefault(member, []).append({c: "" for c in MENTION_COLUMNS} | {"record_id": rid, **row})
    paths = []
    for member, rows in sorted(by_member.items()):
        path = directory / f"{member}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(MENTION_COLUMNS))
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths


@pytest.mark.parametrize("records", [PERSON + WORKERS, NAMESAKES, PHOENIX], ids=["person", "namesakes", "phoenix"])
def test_msin_link_writes_the_clusters_the_coordinator_shows(records: Records, tmp_path: Path) -> None:
    files = _write(records, tmp_path)
    out, groups = tmp_path / "pairs.csv", tmp_path / "clusters.csv"
    assert msin_main(["link", *map(str, files), "--out", str(out), "--clusters", str(groups)]) == 0
    found: dict[str, set[str]] = {}
    with open(groups, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and set(rows[0]) == {"cluster", "file", "record_id"}
    for row in rows:
        found.setdefault(row["cluster"], set()).add(row["record_id"])
    got = sorted(found.values(), key=lambda c: (-len(c), min(c)))
    assert got == engine_clusters(records, tmp_path / "shared.db")
