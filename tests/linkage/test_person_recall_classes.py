"""The person classes added for recall towards the privacy ceiling: a date of birth keyed
month first at a day-first member, a name word one typo off with the date of birth
(``part_near_dob``), and a name given as one word with the whole date and further evidence (a phone one digit off, say). Each links, and
the people it must not join stay apart: namesakes born on another day, twins of one
family name, names that share a suffix.

End to end through ``msin link``'s pipeline (CSV per member, real OPRF tokens under a
fresh key, the one scoring core), and the clusters through the coordinator's
``MatchEngine`` too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mention_files import write_mentions

from msin_fed import normalize, token_inputs
from msin_fed.linkage.pipeline import link_files
from msin_fed.model.registry import parse_mention
from msin_fed.token_inputs import PART_NEAR_MIN, inputs_for_mention

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_clusters import engine_clusters, matcher_of

Row = dict[str, str]


def _person(rid: str, given: str, family: str, dob: str = "", **more: str) -> Row:
    return {"record_id": rid, "given_name": given, "family_name": family, "date_of_birth": dob, **more}


def _linked(tmp_path: Path, *members: list[Row]) -> set[tuple[str, str]]:
    files = [write_mentions(tmp_path / f"m{i}.csv", rows) for i, rows in enumerate(members)]
    return {tuple(sorted((p.left_id, p.right_id))) for p in link_files(files).pairs}  # type: ignore[misc]


def _kinds(row: Row) -> list[str]:
    mention = parse_mention(row).mention
    assert mention is not None
    return [i.kind for i in inputs_for_mention(mention)]


@pytest.mark.parametrize(("written", "read"), [
    ("10/13/1991", "1991-10-13"), ("01/26/1970", "1970-01-26"), ("1985-13-02", "1985-02-13"),
    ("31/02/1985", None),  # no real day either way round
    ("07/03/1985", None),  # a real date as written
    ("90/12/1999", None),  # a day's digits swapped: no month reads it
    ("12/25/2099", None),  # in the future
])
def test_a_date_naming_no_day_only_as_written_is_read_the_other_way_round(written: str, read: str | None) -> None:
    assert normalize.swapped_date_of_birth(written) == read


def test_a_date_keyed_month_first_at_a_day_first_member_links_by_name_and_date(tmp_path: Path) -> None:
    # Member a writes day first (its unambiguous dates say so); one record was keyed month first.
    a = [_person("a1", "Hùng", "Popescu", "10/13/1991"), _person("a2", "Ana", "Stan", "25/12/1970"),
         _person("a3", "Elena", "Marin", "30/04/1982"), _person("a4", "Radu", "Gashi", "13/01/1991")]
    b = [_person("b1", "Popescu", "Hùng", "1991-10-13"),
         _person("b2", "Hùng", "Popescu", "1991-10-15")]  # a namesake born two days later
    assert _linked(tmp_path, a, b) == {("a1", "b1")}
    assert "name_dob" in _kinds(_person("x", "Hùng", "Popescu", "10/13/1991"))
    # A date that names no day either way still gives only the name bands.
    kinds = set(_kinds(_person("x", "Hùng", "Popescu", "31/02/1991")))
    assert "name_lsh_dob" in kinds and not kinds & {"name_dob", "part_dob", "part_near_dob"}


def test_a_family_name_one_typo_off_links_with_the_date_of_birth(tmp_path: Path) -> None:
    a = [_person("a1", "Lan", "mSith", "12/02/1990"),  # a transposition
         _person("a2", "", "Wsniewski", "16.12.1967", phone="07700 900123"),  # a letter dropped, one word (no longer: below)
         _person("a3", "Ion", "Kowalenko", "1991-05-09"),  # a substitution
         _person("a4", "D.", "Kowalenko", "1991-03-16")]  # and an initial
    b = [_person("b1", "Lan", "Smith", "1990-02-12"),
         _person("b2", "Darius", "Wisniewski", "1967-12-16", phone="07700 900124"),
         # one word: with the birthday alone it is what a member probing for a victim
         # knows (test_first_name_birthday_attack.py), so it links beside a further field
         _person("b3", "", "Kovalenko", "09/05/1991", street_address="3 Wide Bargate", postcode="PE21 6SR"),
         _person("b4", "Dmytro", "Kovalenko", "1991-03-16")]
    a[2] = _person("a3", "Ion", "Kowalenko", "1991-05-09", street_address="3 Wide Bargate", postcode="PE21 6SR")
    # Not a2/b2 any more: the typo kind is bound to the initials of the other name words
    # (a one-word name has none), since the word and the date alone gave a member every
    # token of it (test_first_name_birthday_attack.py; docs/linkage.md section 2).
    assert _linked(tmp_path, a, b) == {("a1", "b1"), ("a3", "b3"), ("a4", "b4")}
    b[2] = _person("b3", "", "Kovalenko", "09/05/1991")
    assert _linked(tmp_path, a, b) == {("a1", "b1"), ("a4", "b4")}


def test_a_name_word_mistyped_at_its_start_links_with_the_rest_of_the_name_and_the_date(tmp_path: Path) -> None:
    """Its first letter substituted, dropped, added, or its first two swapped: another
    initial and another sound, so no initials, sound or ``part_near_dob`` (bound to the
    other words' initials) agree, and one word and the date alone never match
    (``core._one_word_alone``). ``part_start_dob`` keeps the rest of the name whole."""
    a = [_person("a1", "Alorin", "Constantin", "1981-06-13"),  # F substituted
         _person("a2", "ihai", "Popescu", "1975-02-03"),  # M dropped
         _person("a3", "Bradu", "Constantin", "1990-07-21"),  # a letter added before it
         _person("a4", "oIana", "Bondarenko", "1965-07-20"),  # the first two swapped
         _person("a5", "Jan", "arga", "1970-01-30"),  # the longest word's first letter, under 5 letters
         _person("a6", "A.", "Iimitrov", "1986-06-15")]  # the family name's, beside an initial
    b = [_person("b1", "Florin", "Constantin", "13/06/1981"), _person("b2", "Mihai", "Popescu", "03/02/1975"),
         _person("b3", "Radu", "Constantin", "21/07/1990"), _person("b4", "Ioana", "Bondarenko", "20/07/1965"),
         _person("b5", "Ján", "Varga", "30/01/1970"), _person("b6", "A", "Dimitrov", "15/06/1986")]
    assert _linked(tmp_path, a, b) == {(f"a{i}", f"b{i}") for i in range(1, 7)}


def test_a_start_typo_needs_the_rest_of_the_name_and_the_date_and_twins_stay_apart(tmp_path: Path) -> None:
    """Another birthday; the start typo with another family name; two words each mistyped;
    and brothers of one family and middle name born the same day whose given names are
    one start typo apart (``Hùng`` / ``Dũng``): a three-word name agreeing on two words."""
    a = [_person("a1", "Alorin", "Constantin", "1981-06-14"), _person("a2", "Alorin", "Constantinescu", "1981-06-13"),
         _person("a3", "Alorin", "Onstantin", "1981-06-13"), _person("a4", "Văn Hùng", "Nguyễn", "1990-05-01")]
    b = [_person("b1", "Florin", "Constantin", "13/06/1981"), _person("b4", "Văn Dũng", "Nguyễn", "01/05/1990")]
    assert _linked(tmp_path, a, b) == set()


def test_the_start_typo_kind_is_of_the_whole_name_up_to_one_words_first_two_letters() -> None:
    """One input of the whole name, and two per word of two letters or more (its first,
    its second letter deleted, the other words whole), all with the date; repeats are
    fillers. None is of one word and the date: a record with any other word beside it
    shares none (what a member knowing that word and the birthday could write)."""
    def start(row: Row) -> list[token_inputs.TokenInput]:
        mention = parse_mention(row).mention
        assert mention is not None
        return [i for i in inputs_for_mention(mention) if i.kind == "part_start_dob"]

    assert len(start(_person("x", "Florin", "Constantin", "1981-06-13"))) == 1 + 2 * 2
    assert len(start(_person("x", "F.", "Constantin", "1981-06-13"))) == 1 + 2  # an initial has no variants
    assert start(_person("x", "", "Constantin", "1981-06-13")) == []  # nor a one-word name
    assert start(_person("x", "Florin", "Constantin", "")) == []  # nor a name without a date
    aaron = start(_person("x", "Aaron", "Stan", "1981-06-13"))
    assert len(aaron) == 5 and sum(i.filler for i in aaron) == 1
    victim = {i.data for i in start(_person("v", "Katarzyna", "Nowak", "1985-03-07"))}
    for known, others in (("Katarzyna", ("Q", "Katarzynab", "Xyz", "Katarzyna")), ("Nowak", ("Q", "Nowakk", "Kat"))):
        for other in others:
            assert not victim & {i.data for i in start(_person("p", known, other, "1985-03-07"))}, (known, other)


def test_names_near_each_other_on_one_birthday_stay_apart(tmp_path: Path) -> None:
    """Twins of one family name in its two genders, the typo'd name on another day, a
    one-typo family name with another given name."""
    a = [_person("a1", "Jan", "Kowalski", "1993-04-02"),
         _person("a3", "Lan", "mSith", "12/02/1990"), _person("a4", "Mihai", "Kovalenko", "1991-05-09")]
    b = [_person("b1", "Anna", "Kowalska", "1993-04-02"),
         _person("b3", "Lan", "Smith", "1990-03-12"), _person("b4", "Florin", "Kowalenko", "1991-05-09")]
    assert _linked(tmp_path, a, b) == set()


def test_a_one_word_name_links_with_the_whole_date_of_birth_and_further_evidence_only(tmp_path: Path) -> None:
    a = [_person("a1", "", "Szabó", "1965-10-24", phone="07700 900456"), _person("a2", "IOANA", "", "06.10.1988"),
         _person("a3", "", "Horváth", "1990-02-14")]
    b = [_person("b1", "László", "Szabó", "24/10/1965", phone="07700 900457"), _person("b2", "Ioana", "Stan", "1988-10-06"),
         _person("b3", "Katalin", "Horváth", "1990-02-15")]  # another day
    # Ioana: one given name and a birthday alone are what a member probing for a victim
    # knows, and what two women of a common name born on one day share; they stay apart.
    assert _linked(tmp_path, a, b) == {("a1", "b1")}


def test_the_typo_kind_is_of_the_longest_word_and_its_length() -> None:
    kinds = _kinds(_person("x", "Darius", "Wisniewski", "1967-12-16"))
    assert kinds.count("part_near_dob") == len("wisniewski") + 1
    assert "part_near_dob" not in _kinds(_person("x", "Ion", "Pop", "1967-12-16"))  # no word of PART_NEAR_MIN
    assert PART_NEAR_MIN == 5
    # Repeated letters give fillers, so the count is still the length (section 6).
    mention = parse_mention(_person("x", "Anna", "Kowalski", "1967-12-16")).mention
    assert mention is not None
    near = [i for i in inputs_for_mention(mention) if i.kind == "part_near_dob"]
    assert len(near) == len("kowalski") + 1 and not any(i.filler for i in near)
    mention = parse_mention(_person("x", "Anna", "Kallass", "1967-12-16")).mention
    assert mention is not None
    near = [i for i in inputs_for_mention(mention) if i.kind == "part_near_dob"]
    assert len(near) == len("kallass") + 1 and sum(i.filler for i in near) == 2


THREE = [("a1", "a", _person("a1", "Văn Hùng", "Nguyễn", "1990-05-01")),
         ("b1", "b", _person("b1", "Van Hung", "Ngyuen", "01/05/1990")),  # the longest word mistyped
         ("c1", "c", _person("c1", "Văn Nam", "Nguyễn", "1990-05-01"))]  # his twin


def test_a_typo_in_a_three_word_name_is_no_twin_and_the_twins_stay_apart(tmp_path: Path) -> None:
    m = matcher_of(THREE)
    pairs = {tuple(sorted((p.left, p.right))) for p in m.pairs()}
    assert pairs == {("a1", "b1")}
    assert m.clusters() == [{"a1", "b1"}]
    assert engine_clusters(THREE, tmp_path / "shared.db") == [{"a1", "b1"}]


def test_a_name_in_another_transliteration_sounds_alike_with_the_date_of_birth(tmp_path: Path) -> None:
    """German and French transliterations and a word-initial ``i`` for ``y`` sound alike
    (``token_inputs.sound``): with the whole date of birth the names agree; on another
    day they are namesakes."""
    a = [_person("a1", "Oxana Schewtschenko", "", "01-Nov-68"), _person("a2", "Iuliia", "Bondarenko", "17/10/1962"),
         _person("a3", "Dmitriy", "Gueorguiev", "1980-05-24")]
    b = [_person("b1", "Oksana", "Shevchenko", "01-11-1968"), _person("b2", "Yuliia", "Bondarenko", "1962-10-17"),
         _person("b3", "Dmytro", "Georgiev", "1980-05-25")]  # another day
    assert _linked(tmp_path, a, b) == {("a1", "b1"), ("a2", "b2")}
    assert token_inputs.sound("iurii") == token_inputs.sound("yurii")
    assert token_inputs.sound("jan") != token_inputs.sound("ion")  # a j is not read as y
