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

#: Two namesakes born on other days, each known to two members (name, date of birth and
#: phone; name, date of birth and address), and a report without a date of birth giving
#: the name at the one's phone and the other's address: it matches all four, and plain
#: connected components (or clusters reading only documents) make one person of the two.
BORN_APART: list[tuple[str, str, Row]] = [
    ("a1", "m1", dict(given_name="Ion", family_name="Radu", date_of_birth="1990-01-01", phone="07700 900123")),
    ("a2", "m2", dict(given_name="ION", family_name="RADU", date_of_birth="01/01/1990", phone="+44 7700 900123")),
    ("b1", "m3", dict(given_name="Ion", family_name="Radu", date_of_birth="1985-06-15",
                      street_address="12 Mill Lane", postcode="PE21 9XY")),
    ("b2", "m4", dict(given_name="Ion", family_name="Radu", date_of_birth="15/06/1985",
                      street_address="12 Mill Lane", postcode="PE21 9XY")),
    ("x1", "m5", dict(given_name="Ion", family_name="Radu", phone="07700900123",
                      street_address="12 Mill Ln", postcode="PE21 9XY")),
]

#: One person known by name, date of birth and phone at two members and by name, NINO
#: and phone at two others, and one record from a fifth member giving the name, NINO and
#: phone with another date of birth: the date the NINO's side gives is that one record's
#: alone, so it splits nothing.
ONE_OTHER_DATE: list[tuple[str, str, Row]] = [
    ("p1", "m1", dict(given_name="Ion", family_name="Radu", date_of_birth="1990-01-01", phone="07700 900123")),
    ("p2", "m2", dict(given_name="ION", family_name="RADU", date_of_birth="01/01/1990", phone="+44 7700 900123")),
    ("q1", "m3", dict(given_name="Ion", family_name="Radu", national_id="JG103759A", phone="07700900123")),
    ("q2", "m4", dict(given_name="Ion", family_name="Radu", national_id="JG 10 37 59 A", phone="0044 7700 900123")),
    ("h1", "m5", dict(given_name="Ion", family_name="Radu", date_of_birth="1985-06-15", national_id="JG103759A",
                      phone="07700 900123")),
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


def test_namesakes_born_on_other_days_are_not_chained_by_a_report_without_a_date(tmp_path: Path) -> None:
    m = matcher_of(BORN_APART)
    pairs = pair_set(m.pairs())
    assert {("a1", "a2"), ("b1", "b2"), ("a1", "x1"), ("a2", "x1"), ("b1", "x1"), ("b2", "x1")} <= pairs
    assert not {("a1", "b1"), ("a1", "b2"), ("a2", "b1"), ("a2", "b2")} & pairs  # other birthdays
    assert len(clusters(pairs)) == 1
    got = m.clusters()
    # The report joins the one it matches more strongly (the name at the phone); the two
    # people, each known by two records whose dates agree, are never one cluster.
    assert got == [{"a1", "a2", "x1"}, {"b1", "b2"}]
    assert engine_clusters(BORN_APART, tmp_path / "shared.db") == got
    assert engine_clusters(BORN_APART[::-1], tmp_path / "reversed.db") == got  # any order of intake


def test_a_date_of_birth_one_record_gives_splits_no_cluster(tmp_path: Path) -> None:
    # The NINO's side knows a date from one record only (no matched pair of it agrees on
    # it): one member sending a record with another birthday must not split the person.
    m = matcher_of(ONE_OTHER_DATE)
    assert m.clusters() == [{rid for rid, _m, _r in ONE_OTHER_DATE}]
    assert engine_clusters(ONE_OTHER_DATE, tmp_path / "shared.db") == m.clusters()


def test_clusters_disagreeing_on_the_date_of_birth_need_a_pair_across_that_agrees() -> None:
    a = {b"n1": "name_dob", b"p": "phone"}
    b = {b"n2": "name_dob", b"p": "phone"}
    held = {"a": a, "a2": dict(a), "b": b, "b2": {b"n2": "name_dob"}}
    # One record's other date (or name) is no contradiction: a date or name mistyped at
    # both ends shares nothing either.
    assert cluster_records([("a", "a2", 30.0), ("a2", "b", 12.0)], held) == [{"a", "a2", "b"}]
    # Two clusters each knowing a date from a matched pair that agrees on it, and no pair
    # across agreeing: two people, whatever links them.
    edges = [("a", "a2", 30.0), ("b", "b2", 30.0), ("a2", "b", 12.0), ("a", "b", 12.0)]
    assert cluster_records(edges, held) == [{"a", "a2"}, {"b", "b2"}]
    # One pair across agreeing (the date kept alike somewhere) is enough.
    held["b2"] = {b"n2": "name_dob", b"n1": "name_dob"}
    assert cluster_records(edges, held) == [{"a", "a2", "b", "b2"}]
    # A shared document, or the date at one place, agrees too.
    held["b2"] = {b"n2": "name_dob", b"d": "nino"}
    held["a2"] = {b"n1": "name_dob", b"d": "nino"}
    assert cluster_records(edges, held) == [{"a", "a2", "b", "b2"}]


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


@pytest.mark.parametrize(
    "records",
    [PERSON + WORKERS, NAMESAKES, BORN_APART, ONE_OTHER_DATE, PHOENIX],
    ids=["person", "namesakes", "born-apart", "one-other-date", "phoenix"],
)
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


def test_a_tie_between_contradicting_records_goes_the_same_way_whatever_the_reading_order(tmp_path: Path) -> None:
    """A report matching two records that contradict (two NINOs) with equal scores joins
    one of them: the one with the smaller record id, as in the coordinator, whether
    ``msin link`` reads its file first or last."""
    recs = {
        "z1": ("m1", [("nino", b"n1"), ("phone", b"p1")]),
        "a1": ("m2", [("nino", b"n2"), ("phone", b"p2")]),
        "x1": ("m3", [("phone", b"p1"), ("phone", b"p2")]),
    }
    for order in (["z1", "a1", "x1"], ["x1", "a1", "z1"], ["a1", "x1", "z1"]):
        m: Matcher[str] = Matcher()
        for rid in order:
            m.add(rid, *recs[rid])
        scores = {frozenset((p.left, p.right)): p.score for p in m.pairs()}
        assert set(scores) == {frozenset({"x1", "z1"}), frozenset({"x1", "a1"})}
        assert len(set(scores.values())) == 1  # a tie
        assert m.clusters() == [{"a1", "x1"}]
        # msin link's records are (file, record id): ordered by record id all the same.
        keyed: Matcher[tuple[int, str]] = Matcher(order=lambda k: (k[1], k[0]))
        for i, rid in enumerate(order):
            keyed.add((i, rid), recs[rid][0], recs[rid][1])
        assert [{rid for _f, rid in c} for c in keyed.clusters()] == [{"a1", "x1"}]
    store = SharedStore(tmp_path / "shared.db")
    try:
        engine = MatchEngine(store)
        for rid in ["z1", "a1", "x1"]:
            engine.ingest([(rid, recs[rid][0], recs[rid][1])])
        assert [set(c.record_ids) for c in engine.clusters()] == [{"a1", "x1"}]
    finally:
        store.close()
