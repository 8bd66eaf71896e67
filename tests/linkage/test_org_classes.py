"""How members write one company or site: each class links, and its look-alikes do not.

Real rows, real OPRF tokens, the in-memory :class:`Matcher` (``msin link``) and the
coordinator's ``MatchEngine`` over a real SQLite file for the clusters:

* initials written ``J&K``, ``J and K``, ``J.K.``, ``JK``;
* legal forms of other countries, dotted or not, before or after the name (``S.R.L.``,
  ``Sp. z o.o.``, ``s.r.o.``, ``Kft.``, ``UAB``), and ``& Co`` / ``Company``;
* a legal and a trading name in one cell (``t/a``, ``trading as``, ``/``) or either alone;
* a company number labelled (``CRN``, ``Co. No.``) or with a GB prefix;
* a site's name with its unit beside it, while two units of one estate stay two sites;
* a company named by one common word is known by it only with a postcode or number.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_clusters import Records, engine_clusters, matcher_of
from test_repeated_entities import pair_set

from msin_fed.linkage.mentions import mention_from_row
from msin_fed.token_inputs import inputs_for_mention


def _all_pairs(ids: list[str]) -> set[tuple[str, str]]:
    return {(a, b) for i, a in enumerate(sorted(ids)) for b in sorted(ids)[i + 1 :]}


def _one_company(records: Records, tmp_path: Path) -> None:
    ids = [rid for rid, _m, _r in records]
    m = matcher_of(records)
    assert pair_set(m.pairs()) == _all_pairs(ids)
    assert m.clusters() == [set(ids)]
    assert engine_clusters(records, tmp_path / f"shared-{ids[0]}.db") == [set(ids)]


def test_initials_written_four_ways_are_one_company(tmp_path: Path) -> None:
    _one_company([
        ("i1", "m1", dict(company_name="J&K Staffing Ltd")),
        ("i2", "m2", dict(company_name="J and K Staffing")),
        ("i3", "m3", dict(company_name="J.K. Staffing Limited")),
        ("i4", "m4", dict(company_name="JK STAFFING LTD")),
        ("i5", "m5", dict(company_name="J. K. Staffing")),
    ], tmp_path)
    # other initials are another company
    m = matcher_of([("i1", "m1", dict(company_name="J&K Staffing Ltd")),
                    ("o1", "m2", dict(company_name="J&L Staffing Ltd"))])
    assert pair_set(m.pairs()) == set()


def test_foreign_legal_forms_are_dropped_wherever_written(tmp_path: Path) -> None:
    _one_company([
        ("r1", "m1", dict(company_name="S.C. Danube Logistics S.R.L.")),
        ("r2", "m2", dict(company_name="Danube Logistics SRL")),
        ("r3", "m3", dict(company_name="DANUBE LOGISTICS")),
    ], tmp_path)
    _one_company([
        ("p1", "m1", dict(company_name="Vistula Workforce Sp. z o.o.")),
        ("p2", "m2", dict(company_name="VISTULA WORKFORCE SP Z OO")),
        ("p3", "m3", dict(company_name="Vistula Workforce sp.z o.o.")),
    ], tmp_path)
    _one_company([
        ("l1", "m1", dict(company_name="UAB Nemunas Staffing")),
        ("l2", "m2", dict(company_name="Nemunas Staffing UAB")),
        ("l3", "m3", dict(company_name="Nemunas Staffing Ltd")),
    ], tmp_path)
    _one_company([
        ("s1", "m1", dict(company_name="Tatra Produce s.r.o.")),
        ("s2", "m2", dict(company_name="Tatra Produce Kft.")),  # the same registered name
        ("s3", "m3", dict(company_name="Tatra Produce & Co")),
        ("s4", "m4", dict(company_name="The Tatra Produce Company Limited")),
    ], tmp_path)


def test_a_legal_and_a_trading_name_in_one_cell(tmp_path: Path) -> None:
    records: Records = [
        ("t1", "m1", dict(company_name="Morava Agriculture Ltd t/a Fieldforce", company_number="10191189")),
        ("t2", "m2", dict(company_name="Fieldforce")),
        ("t3", "m3", dict(company_name="Morava Agriculture Limited")),
        ("t4", "m4", dict(company_name="Fieldforce (Morava Agriculture Ltd)")),
        ("t5", "m5", dict(company_name="Morava Agriculture Ltd trading as FIELDFORCE")),
        ("t6", "m6", dict(company_name="Morava Agriculture Ltd / Fieldforce")),
    ]
    m = matcher_of(records)
    pairs = pair_set(m.pairs())
    assert {("t1", "t2"), ("t1", "t3"), ("t2", "t4"), ("t3", "t5"), ("t2", "t6")} <= pairs
    ids = {rid for rid, _m, _r in records}
    assert m.clusters() == [ids]
    assert engine_clusters(records, tmp_path / "shared.db") == [ids]


def test_a_labelled_company_number_is_the_number(tmp_path: Path) -> None:
    # names too unlike to link (a one-word trading name and the legal name): the number does
    _one_company([
        ("n1", "m1", dict(company_name="Olt Staffing", company_number="CRN 01234567")),
        ("n2", "m2", dict(company_name="Quickstaff", company_number="1234567")),
        ("n3", "m3", dict(company_name="Olt Staffing Ltd", company_number="Co. No. 01234567")),
        ("n4", "m4", dict(company_name="Quickstaff", company_number="GB01234567")),
    ], tmp_path)
    # NO is a series of Companies House numbers, not a label
    m = matcher_of([("a", "m1", dict(company_name="Olt Staffing", company_number="NO123456")),
                    ("b", "m2", dict(company_name="Quickstaff", company_number="123456"))])
    assert pair_set(m.pairs()) == set()


def test_a_site_named_with_its_unit_and_two_units_of_one_estate(tmp_path: Path) -> None:
    _one_company([
        ("u1", "m1", dict(site_name="Unit 4, Hand Car Wash", postcode="PE21 7TB")),
        ("u2", "m2", dict(site_name="Hand Car Wash (unit 4)", postcode="PE21 7TB")),
        ("u3", "m3", dict(site_name="HAND CAR WASH UNIT 4", postcode="pe217tb")),
    ], tmp_path)
    estate: Records = [
        ("e1", "m1", dict(site_name="Unit 4 Riverside Industrial Estate", postcode="PE21 7TB")),
        ("e2", "m2", dict(site_name="Unit 7 Riverside Industrial Estate", postcode="PE21 7TB")),
    ]
    assert pair_set(matcher_of(estate).pairs()) == set()


def test_a_company_named_by_one_common_word_needs_a_place_or_number(tmp_path: Path) -> None:
    def kinds(row: dict[str, str]) -> set[str]:
        mention, problems = mention_from_row({"record_id": "x", **row})
        assert mention is not None, problems
        return {t.kind for t in inputs_for_mention(mention)}

    assert "company" not in kinds(dict(company_name="Recruitment Ltd"))
    assert "company" not in kinds(dict(company_name="Farm Sp. z o.o."))
    assert "company" in kinds(dict(company_name="Quickstaff Ltd"))  # a name, not a word
    assert pair_set(matcher_of([("w1", "m1", dict(company_name="Recruitment Ltd")),
                                ("w2", "m2", dict(company_name="RECRUITMENT LIMITED"))]).pairs()) == set()
    _one_company([
        ("w1", "m1", dict(company_name="Recruitment Ltd", postcode="PE21 7TB")),
        ("w2", "m2", dict(company_name="RECRUITMENT LIMITED", postcode="PE21 7TB")),
    ], tmp_path)
