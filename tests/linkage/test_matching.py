"""Matching through real OPRF tokens: namesakes apart, variants together, no chaining."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from mention_files import write_mentions

from msin_fed.cli import main
from msin_fed.linkage.matcher import Matcher
from msin_fed.linkage.mentions import mention_from_row
from msin_fed.linkage.pipeline import link_files, oprf_tokenize
from msin_fed.linkage.scoring import DEFAULT_MODEL, ScoringModel, clusters, token_kinds
from msin_fed.oprf import derive_key_pair
from msin_fed.token_inputs import inputs_for_mention

SK, _PK = derive_key_pair(os.urandom(32), b"test")


def tokens(**row: str) -> list[tuple[str, bytes]]:
    mention, problems = mention_from_row({"record_id": "x", **row})
    assert mention is not None, problems
    inputs = inputs_for_mention(mention)
    return list(zip([i.kind for i in inputs], oprf_tokenize([i.data for i in inputs], SK),
                    strict=True))


def matched(*records: dict[str, str]) -> set[tuple[int, int]]:
    matcher: Matcher[int] = Matcher()
    for i, row in enumerate(records):
        matcher.add(i, f"member{i}", tokens(**row))
    return {(p.left, p.right) for p in matcher.pairs()}


ION = dict(given_name="Ion", family_name="Popescu", date_of_birth="1990-01-01",
           phone="07700 900001")


def test_namesakes_with_other_dob_and_phone_are_not_matched() -> None:
    other = dict(given_name="Ion", family_name="Popescu", date_of_birth="1971-06-30",
                 phone="07911 123456")
    assert matched(ION, other) == set()


def test_namesakes_sharing_a_town_are_not_matched() -> None:
    a = dict(ION, street_address="1 High Street", postcode="PE21 8AA")
    b = dict(given_name="ION", family_name="POPESCU", date_of_birth="03/03/1985",
             street_address="9 Mill Road", postcode="PE21 9BB", locality="Boston")
    assert matched(a, b) == set()


@pytest.mark.parametrize("variant", [
    dict(given_name="POPESCU", family_name="ion", date_of_birth="01/01/1990"),  # swapped
    dict(given_name="Ion", family_name="Popesku", date_of_birth="19900101",
         postcode="pe218aa", street_address="1 High St"),  # typo, plus address
    dict(phone="+44 7700 900001"),  # phone only, other format
    dict(phone="(07700) 900001", given_name="I.", family_name="Popescu"),
])
def test_format_variants_are_matched(variant: dict[str, str]) -> None:
    a = dict(ION, street_address="1 High Street", postcode="PE21 8AA")
    assert matched(a, variant) == {(0, 1)}


def test_diacritics_and_name_order_match() -> None:
    a = dict(given_name="Ștefan", family_name="Wiśniewski", date_of_birth="1985-03-07")
    b = dict(given_name="WISNIEWSKI", family_name="Stefan", date_of_birth="07.03.1985")
    assert matched(a, b) == {(0, 1)}


def test_frequent_office_landline_does_not_chain_unrelated_people() -> None:
    office = "01205 360000"
    people = [
        dict(given_name=g, family_name=f, date_of_birth=d, phone=office,
             street_address="Unit 4 Riverside Estate", postcode="PE21 7TB")
        for g, f, d in [("Ana", "Stan", "1980-01-02"), ("Jonas", "Kazlauskas", "1975-05-05"),
                        ("Minh", "Nguyen", "1992-09-09"), ("Dritan", "Hoxha", "1988-08-08"),
                        ("Oksana", "Kovalenko", "1999-12-12"), ("Piotr", "Nowak", "1970-07-07")]
    ]
    # One genuine repeat among them: Ana Stan again, elsewhere, with her own phone.
    ana_again = dict(given_name="Ana", family_name="Stan", date_of_birth="02/01/1980",
                     phone="07700 900555")
    pairs = matched(*people, ana_again)
    assert pairs == {(0, 6)}
    assert max(len(c) for c in clusters(pairs)) == 2


def test_a_rare_shared_phone_alone_is_a_match() -> None:
    assert matched(dict(phone="07700 900123"), dict(phone="+447700900123")) == {(0, 1)}


def test_scoring_model_documented_properties() -> None:
    m = DEFAULT_MODEL
    assert set(m.weights) <= token_kinds()
    assert m.is_match(m.pair_score([("phone", 2)]))
    assert m.is_match(m.pair_score([("phone", 5)]))  # one gangmaster, several reports
    assert not m.is_match(m.pair_score([("phone", 6)]))  # a shared office line
    assert m.pair_score([("phone", 40)]) == 0.0
    assert not m.is_match(m.pair_score([("name_lsh_dob", 2)] * 12))  # capped below a match
    assert not m.is_match(m.pair_score([("name_postcode", 2)]))
    assert m.pair_score([("nino", 2)], disagree=["passport"]) < m.pair_score([("nino", 2)])
    assert m.pair_score([("nid_near", 2)], ["national_id"]) == m.pair_score([("nid_near", 2)])
    with pytest.raises(ValueError):
        ScoringModel(weights={"shoe_size": 1.0}, threshold=1.0)


def test_withdrawn_record_no_longer_matches() -> None:
    matcher: Matcher[str] = Matcher()
    matcher.add("a", 1, tokens(phone="07700 900123"))
    matcher.add("b", 2, tokens(phone="07700 900123"))
    assert len(matcher.pairs_for("b")) == 1
    matcher.remove("a")
    assert matcher.pairs() == []


def test_msin_link_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_mentions(tmp_path / "a.csv", [dict(record_id="a1", **ION),
                                   dict(record_id="a2", given_name="Ana", family_name="Stan")])
    b = write_mentions(tmp_path / "b.csv", [dict(record_id="b1", phone="+44 7700 900001"),
                                   dict(record_id="b2", phone="07700 9", given_name="X")])
    out = tmp_path / "pairs.csv"
    # The bad phone of b2 is ignored and reported by column and line; b2 stays a record.
    assert main(["link", str(a), str(b), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "b.csv: 1 value(s) failed validation" in err and "phone: 1 (" in err and "line 3" in err
    assert "07700 9" not in err and "4 records" in err
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert [(r["left_id"], r["right_id"]) for r in rows] == [("a1", "b1")]
    assert float(rows[0]["score"]) >= DEFAULT_MODEL.threshold


def test_same_file_records_are_never_paired(tmp_path: Path) -> None:
    a = write_mentions(tmp_path / "a.csv", [dict(record_id="a1", phone="07700 900001"),
                                   dict(record_id="a2", phone="07700 900001")])
    b = write_mentions(tmp_path / "b.csv", [dict(record_id="b1", email="x@example.com")])
    assert link_files([a, b]).pairs == ()
