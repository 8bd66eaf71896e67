"""The held-out linkage set and the plaintext baselines the benchmark scores the matcher against."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mention_files import write_mentions

from bench.data import febrl_raw, heldout
from bench.linkage_baselines import (
    Truth,
    evaluate,
    exact_rule_pairs,
    normalised,
    read_records,
    read_truth,
    recordlinkage_pairs,
)
from msin_fed import normalize
from msin_fed.errors import ValidationError
from msin_fed.model.report import MENTION_COLUMNS


def test_generator_is_deterministic_for_a_seed() -> None:
    first = heldout.generate(seed=11, scale=0.2)
    again = heldout.generate(seed=11, scale=0.2)
    other = heldout.generate(seed=12, scale=0.2)
    assert [(m.member, m.entity_id, m.row) for m in first.mentions] == [
        (m.member, m.entity_id, m.row) for m in again.mentions
    ]
    assert [m.row for m in first.mentions] != [m.row for m in other.mentions]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Truth]:
    files, truth = heldout.write_set(tmp_path_factory.mktemp("heldout"))
    return files, read_truth(truth)


def test_writes_canonical_columns_and_complete_truth(written: tuple[list[Path], Truth]) -> None:
    files, truth = written
    assert len(files) == 8
    ids = []
    for path in files:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            assert tuple(reader.fieldnames or ()) == MENTION_COLUMNS
            ids.extend(row["record_id"] for row in reader)
    assert len(ids) == len(set(ids)) == len(truth.entity)
    assert 5000 <= len(ids) <= 6000
    assert set(truth.entity_type.values()) == {"person", "site", "company"}


def test_set_holds_the_hard_cases(written: tuple[list[Path], Truth]) -> None:
    files, truth = written
    known = truth.members_knowing()
    kinds = {truth.entity[r]: truth.entity_type[r] for r in truth.entity}
    assert any(k >= 5 and kinds[e] == "person" for e, k in known.items())
    assert any(k >= 5 and kinds[e] == "site" for e, k in known.items())
    assert any(k >= 5 and kinds[e] == "company" for e, k in known.items())
    phone_holders: dict[str, set[str]] = {}
    name_holders: dict[str, set[str]] = {}
    site_holders: dict[str, set[str]] = {}
    for rec in read_records(files):
        values = normalised(rec.row)
        entity = truth.entity[rec.record_id]
        if values["phone"] and kinds[entity] == "person":
            phone_holders.setdefault(values["phone"], set()).add(entity)
        if values["given"] and values["family"]:
            name_holders.setdefault(f"{values['given']}|{values['family']}", set()).add(entity)
        if values["site"]:
            site_holders.setdefault(values["site"], set()).add(entity)
    # a landline or a gangmaster's mobile held by many unrelated workers
    assert max(len(v) for v in phone_holders.values()) >= 5
    # namesakes: one name, several people; one site name, several sites
    assert sum(1 for v in name_holders.values() if len(v) >= 2) >= 10
    assert sum(1 for v in site_holders.values() if len(v) >= 2) >= 5


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[list[Path], Truth]:
    """Three members; ion twice by name+dob, once by mobile; a namesake with his birthday."""
    files = [
        write_mentions(tmp_path / "a.csv", [
            dict(record_id="r1", given_name="Ion", family_name="Popescu", date_of_birth="1990-01-02",
                 phone="07712 345001"),
            dict(record_id="r2", site_name="Manor Farm", postcode="PE12 6AB", locality="Holbeach"),
            dict(record_id="r3", company_name="Acme Recruitment Ltd"),
            dict(record_id="r4", given_name="Ana", family_name="Dinu", phone="01205 123456"),
        ]),
        write_mentions(tmp_path / "b.csv", [
            dict(record_id="s1", given_name="ION", family_name="Popescu", date_of_birth="02/01/1990"),
            dict(record_id="s2", site_name="The Manor Farm", postcode="pe126ab", locality="Holbeach"),
            dict(record_id="s3", company_name="ACME Recruitment Limited"),
            dict(record_id="s4", given_name="Piotr", family_name="Nowak", phone="(01205) 123456"),
        ]),
        write_mentions(tmp_path / "c.csv", [
            dict(record_id="t1", given_name="I", family_name="Popescu", phone="+44 7712 345001"),
            dict(record_id="t2", site_name="Manor Farm", postcode="PE12 6AD", locality="Fleet"),
            dict(record_id="t3", given_name="Ion", family_name="Popescu", date_of_birth="02.01.1990"),
        ]),
    ]
    entity = {"r1": "P1", "s1": "P1", "t1": "P1", "t3": "P9", "r2": "S1", "s2": "S1", "t2": "S2",
              "r3": "C1", "s3": "C1", "r4": "P2", "s4": "P3"}
    member = {rid: "rst".index(rid[0]) for rid in entity}
    etype = {rid: {"P": "person", "S": "site", "C": "company"}[e[0]] for rid, e in entity.items()}
    return files, Truth(member, entity, etype)


def test_exact_rules_link_shared_identifiers_and_score_the_namesake_as_false(
    tiny: tuple[list[Path], Truth],
) -> None:
    files, truth = tiny
    found = exact_rule_pairs(read_records(files))
    right = {("r1", "s1"), ("r1", "t1"), ("s1", "t1"), ("r2", "s2"), ("r3", "s3")}
    wrong = {("r1", "t3"), ("s1", "t3")}  # name + date of birth cannot tell the namesake apart
    assert found == right | wrong  # the shared landline (r4, s4) links nothing
    fig = evaluate(found, truth)
    assert fig.precision == pytest.approx(5 / 7)
    assert fig.recall == 1.0
    assert fig.f1 == pytest.approx(2 * (5 / 7) / (5 / 7 + 1))
    assert fig.per_type["person"] == pytest.approx((3 / 5, 1.0))
    assert fig.per_type["site"] == (1.0, 1.0)
    assert fig.recall_k5 is None
    assert fig.recall_by_k == {2: 1.0, 3: 1.0}


def test_evaluate_counts_cross_member_pairs_once_and_recall_at_five_members() -> None:
    rids = [f"x{i}" for i in range(6)]
    truth = Truth({r: min(i, 4) for i, r in enumerate(rids)}, dict.fromkeys(rids, "E"),
                  dict.fromkeys(rids, "person"))
    true = truth.pairs()
    assert len(true) == 15 - 1  # x4 and x5 are both at member 4
    found = {("x1", "x0"), ("x0", "x1"), ("x4", "x5"), ("x2", "x3")}  # reversed, duplicate, same member
    fig = evaluate(found, truth)
    assert (fig.found, fig.true_found) == (2, 2)
    assert fig.precision == 1.0
    assert fig.recall == pytest.approx(2 / 14)
    assert fig.recall_k5 == pytest.approx(2 / 14)


def test_recordlinkage_threshold_baseline(tiny: tuple[list[Path], Truth]) -> None:
    files, truth = tiny
    found = recordlinkage_pairs(read_records(files), "threshold", 3)
    assert {("r1", "s1"), ("r2", "s2")} <= found
    assert ("r4", "s4") not in found
    assert ("s2", "t2") not in found
    fig = evaluate(found, truth)
    assert fig.true_found == len(found & truth.pairs())


def test_febrl_raw_is_not_cleaned(tmp_path: Path) -> None:
    files, truth_path = febrl_raw.write_set(tmp_path)
    truth = read_truth(truth_path)
    assert len(truth.pairs()) == 5000
    bad_dates = 0
    for rec in read_records(files):
        dob = rec.row["date_of_birth"]
        if dob:
            try:
                normalize.date_of_birth(dob)
            except ValidationError:
                bad_dates += 1
    assert bad_dates > 0  # the source's impossible dates reach the matcher as they are
    assert len(read_records(files)) == 10000
