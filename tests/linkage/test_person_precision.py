"""Person classes of false match: names and dates of birth that nearly agree.

Real OPRF tokens of real rows, matched by the in-memory :class:`Matcher` (``msin link``),
and clustered by it and by the coordinator's ``MatchEngine`` over a real SQLite file:

* people born the same day whose three-word names share two words (``Nguyễn Văn Hùng`` /
  ``Nguyễn Văn Nam``, ``Mohammed Ali Khan`` / ``Mohammed Tariq Khan``) are two people,
  also as twins at one house; the same man with the middle word dropped, or a word cut
  to its initial, still links; a mention that dropped the middle word may match either
  but does not chain them into one cluster;
* a father and son of one full name at one house, born on other days, are two people,
  with or without the house's landline; the same man there links by name and date;
* one landline given by a family whose given name starts as its family name does
  (``Katarzyna Kazlauskas``) is no agreement on her given name.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_clusters import Records, engine_clusters, matcher_of
from test_repeated_entities import pair_set

from msin_fed.linkage import core
from msin_fed.linkage.scoring import DEFAULT_MODEL

DOB = "1988-04-19"

HUNG = ("v1", "m1", dict(given_name="Văn Hùng", family_name="Nguyễn", date_of_birth=DOB))
NAM = ("v2", "m2", dict(given_name="Văn Nam", family_name="Nguyễn", date_of_birth=DOB, phone="07700 900811"))
ALI = ("k1", "m1", dict(given_name="Mohammed Ali", family_name="Khan", date_of_birth=DOB))
TARIQ = ("k2", "m2", dict(given_name="Mohammed Tariq", family_name="Khan", date_of_birth=DOB, postcode="BD3 4YJ",
                          street_address="12 Albert Street"))


def test_same_day_three_word_names_differing_in_one_word_are_two_people(tmp_path: Path) -> None:
    for records in ([HUNG, NAM], [ALI, TARIQ]):
        m = matcher_of(records)
        assert pair_set(m.pairs()) == set()
        assert engine_clusters(records, tmp_path / f"{records[0][0]}.db") == []


def test_the_same_man_without_his_middle_word_or_with_an_initial_still_links() -> None:
    dropped = ("v3", "m3", dict(given_name="Hùng", family_name="Nguyen", date_of_birth="19/04/1988"))
    one_field = ("v4", "m4", dict(given_name="NGUYEN VAN HUNG", date_of_birth=DOB))
    initial = ("k3", "m3", dict(given_name="Mohammed A.", family_name="Khan", date_of_birth=DOB))
    assert pair_set(matcher_of([HUNG, dropped]).pairs()) == {("v1", "v3")}
    assert pair_set(matcher_of([HUNG, one_field]).pairs()) == {("v1", "v4")}
    # "A." is Ali's initial: every word's initial agrees, so the third word may be his.
    assert pair_set(matcher_of([ALI, initial]).pairs()) == {("k1", "k3")}
    assert pair_set(matcher_of([TARIQ, initial]).pairs()) == set()


def test_twins_at_one_house_are_two_people(tmp_path: Path) -> None:
    house = dict(street_address="150 London Road", postcode="SL1 2ZA", phone="01753 629113")
    records: Records = [
        ("t1", "m1", dict(given_name="Phạm Quang Hương", date_of_birth="2000-04-07", **house)),
        ("t2", "m2", dict(given_name="Quang Linh", family_name="Phạm", date_of_birth="2000-04-07", **house)),
    ]
    m = matcher_of(records)
    assert pair_set(m.pairs()) == set()
    assert engine_clusters(records, tmp_path / "shared.db") == []


def test_a_mention_without_the_middle_word_does_not_chain_the_two(tmp_path: Path) -> None:
    asif = ("a1", "m1", dict(given_name="Maria Asif", family_name="Malik", date_of_birth="1998-05-20",
                             phone="07700 900233"))
    ioana = ("a2", "m2", dict(given_name="Maria Ioana", family_name="Malik", date_of_birth="1998-05-20",
                              postcode="PE13 2EY", street_address="133 New Road"))
    # Either of them, as far as the tokens tell: her name and date match both.
    maria = ("a3", "m3", dict(given_name="Maria", family_name="Malik", date_of_birth="1998-05-20",
                              phone="07700 900233"))
    records: Records = [asif, ioana, maria]
    m = matcher_of(records)
    pairs = pair_set(m.pairs())
    assert ("a1", "a2") not in pairs
    assert {("a1", "a3"), ("a2", "a3")} <= pairs
    # The phone makes Asif's pair the stronger: she joins him, and Ioana stays apart.
    assert m.clusters() == [{"a1", "a3"}]
    assert engine_clusters(records, tmp_path / "shared.db") == [{"a1", "a3"}]


FATHER_AND_SON: Records = [
    ("s1", "m1", dict(given_name="Radu", family_name="Hussain", date_of_birth="1965-01-01",
                      street_address="78 Park Avenue", postcode="SL1 7DS", phone="01753 027886")),
    ("s2", "m2", dict(given_name="Radu", family_name="Hussain", date_of_birth="1990-07-24",
                      street_address="78 Park Avenue", postcode="SL1 7DS", phone="01753 027886")),
    ("s3", "m3", dict(given_name="RADU", family_name="HUSSAIN", date_of_birth="24/07/1990",
                      street_address="78 Park Ave", postcode="SL1 7DS", locality="Slough")),
    ("s4", "m4", dict(given_name="Radu", family_name="Hussain", date_of_birth="01/01/1965",
                      street_address="78 Park Avenue", locality="Slough")),
]


def test_a_father_and_son_of_one_name_at_one_house_are_two_people(tmp_path: Path) -> None:
    m = matcher_of(FATHER_AND_SON)
    # Each links to his own records by name and date of birth, never to the other's,
    # whether they share the landline (s1, s2) or only the address (s1, s3; s2, s4).
    assert pair_set(m.pairs()) == {("s1", "s4"), ("s2", "s3")}
    expected = [{"s1", "s4"}, {"s2", "s3"}]
    assert sorted(m.clusters(), key=min) == expected
    assert sorted(engine_clusters(FATHER_AND_SON, tmp_path / "shared.db"), key=min) == expected


def test_one_landline_and_a_given_name_that_starts_as_the_family_name(tmp_path: Path) -> None:
    house = dict(street_address="156 King Street", postcode="PE11 1GW", phone="01996 071204")
    katarzyna = ("h1", "m1", dict(given_name="Katarzyna", family_name="Kazlauskas", **house))
    mihai = ("h2", "m2", dict(given_name="Mihai", family_name="Kazlauskas", date_of_birth="1960-03-29", **house))
    huong = ("h3", "m3", dict(given_name="Hương", family_name="Kazlauskas", **house))
    again = ("h4", "m4", dict(given_name="KATARZYNA", family_name="KAZLAUSKAS", phone="+44 1996 071204"))
    records: Records = [katarzyna, mihai, huong, again]
    m = matcher_of(records)
    assert pair_set(m.pairs()) == {("h1", "h4")}
    assert engine_clusters(records, tmp_path / "shared.db") == [{"h1", "h4"}]


def test_the_partial_name_reading_needs_three_words_at_both() -> None:
    """The rule reads token counts only: four ``name_dob`` tokens each, one shared."""
    m = matcher_of([HUNG, NAM, ("v3", "m3", dict(given_name="Hùng", family_name="Nguyễn", date_of_birth=DOB))])
    held = m._values
    shared = [(k, 1) for v, k in held["v1"].items() if v in held["v2"]]
    assert core._partial_name(held["v1"], held["v2"], shared)
    assert core.records_contradict(held["v1"], held["v2"])
    shared3 = [(k, 1) for v, k in held["v1"].items() if v in held["v3"]]
    assert not core._partial_name(held["v1"], held["v3"], shared3)
    assert not core.records_contradict(held["v1"], held["v3"])
    assert DEFAULT_MODEL.disagreement["name_dob"] > 0
