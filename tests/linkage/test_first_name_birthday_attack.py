"""A hostile member that knows a victim's first name (or family name) and birthday only,
asking through ListMatches whether another member holds her (played by ``attack3``,
session 8, through the coordinator's ``MatchEngine`` with real OPRF tokens).

The one-word name rule kept ``Ana`` + birthday from linking to ``Ana Lazar``, but only
because ``Ana`` has few bigrams: a one-word name's ``name_lsh_dob`` bands are of its own
bigrams, which any name holding the word also has, so a longer word shared two or more
bands and ``part_dob`` (5) plus the bands (capped at 5) reached the threshold (10) with
nothing else shared. ``Katarzyna``, ``Mohammed``, ``Andrei``, ``Ion`` alone with the date
of birth, a family name alone (``Lazar``, ``Popescu``), or a given name beside any made-up
initial (``Katarzyna Q``, which is no one-word name) each confirmed the victim, as did
``Katarzyna`` + birthday a record holding no more of her. Now a pair that shares one name
word with the date of birth and nothing but bands besides, or two one-word names and
the date alone, is never a match (``core._one_word_alone``).

``attack5`` (session 9) found two more ways past that rule, now closed: the known word
beside itself with a letter added (``Katarzyna Katarzynab``), whose longest word is one
typo from the victim's when the known word is her longest, read as two words agreeing;
and a crafted record claiming a second word against a one-word record. And one still
open: the word, the birthday and her postcode.

Still open (``xfail``): the initial of the other name, guessed. ``Ana L`` with the right
initial shares ``name_init_dob`` and ``initials_dob`` as ``J. Kowalski`` / ``Jan
Kowalski`` do by design, so a member with a first name and birthday confirms the victim in
at most 26 crafted records (fewer by the initials' frequencies).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest
from msin_fed.coordinator.matching import MatchEngine
from msin_fed.coordinator.store import SharedStore

from msin_fed.linkage.scoring import DEFAULT_MODEL

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_poisoning_attacks import Row
from test_poisoning_attacks import _tokens as _made

DOB = "1999-02-03"
#: Victims of names short and long, given name or family name the longer.
VICTIMS = [("Katarzyna", "Nowak"), ("Mohammed", "Khan"), ("Andrei", "Rusu"), ("Ion", "Popa"),
           ("Ana", "Lazar"), ("Maria", "Popescu"), ("Aleksandra", "Kowalska"), ("Thi", "Nguyen")]


@functools.lru_cache(maxsize=256)
def _cached(items: tuple[tuple[str, str], ...]) -> tuple[tuple[str, bytes], ...]:
    return tuple(_made(dict(items)))


def _tokens(row: Row) -> list[tuple[str, bytes]]:
    return list(_cached(tuple(sorted(row.items()))))


def _linked(tmp_path: Path, victim: Row, probe: Row) -> bool:
    """Whether the hostile member's ListMatches shows its probe matched."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    store = SharedStore(tmp_path / "shared.db")
    try:
        engine = MatchEngine(store, DEFAULT_MODEL)
        engine.ingest([("v", "m1", _tokens(victim))])
        engine.ingest([("h", "hostile", _tokens(probe))])
        return bool(engine.views(["h"]))
    finally:
        store.close()


PROBES = {
    "the given name": lambda g, f: dict(given_name=g),
    "the family name": lambda g, f: dict(family_name=f),
    "the given name as a family name": lambda g, f: dict(family_name=g),
    "the given name beside a made-up initial": lambda g, f: dict(given_name=g, family_name="Q" if f[0] != "Q" else "Z"),
    "the given name twice": lambda g, f: dict(given_name=g, family_name=g),
    "the given name with a typo": lambda g, f: dict(given_name=g[:-1] + ("x" if g[-1] != "x" else "y")),
}


@pytest.mark.parametrize("probe", sorted(PROBES))
def test_one_name_word_and_the_birthday_confirm_nobody(tmp_path: Path, probe: str) -> None:
    linked = []
    for i, (given, family) in enumerate(VICTIMS):
        victim = dict(given_name=given, family_name=family, date_of_birth=DOB)
        crafted = dict(PROBES[probe](given, family), date_of_birth=DOB)
        if _linked(tmp_path / str(i), victim, crafted):
            linked.append((given, family))
    assert linked == []


def test_a_record_holding_only_her_first_name_and_birthday_is_not_confirmed_by_them(tmp_path: Path) -> None:
    """A member's record of ``Katarzyna`` born on one day, probed with just that: the
    whole (one-word) name agrees, and is still one word and a birthday."""
    linked = [g for i, (g, _f) in enumerate(VICTIMS)
              if _linked(tmp_path / str(i), dict(given_name=g, date_of_birth=DOB), dict(given_name=g, date_of_birth=DOB))
              or _linked(tmp_path / f"f{i}", dict(given_name=g, date_of_birth=DOB), dict(family_name=g, date_of_birth=DOB))]
    assert linked == []


def test_the_word_with_the_birthday_and_further_shared_evidence_still_links(tmp_path: Path) -> None:
    """What the rule keeps (``Szabó`` / ``László Szabó``): the word with a phone one digit
    off, a shared street address, a shared phone."""
    victim = dict(given_name="László", family_name="Szabó", date_of_birth=DOB, phone="07700 900456",
                  street_address="14 Fydell Street", postcode="PE21 8LF")
    for extra in (dict(phone="07700 900457"), dict(street_address="14 Fydell Street", postcode="PE21 8LF")):
        assert _linked(tmp_path / str(len(extra)), victim, dict(family_name="Szabó", date_of_birth=DOB, **extra))


@pytest.mark.xfail(strict=True, reason="residual: a name word with the other name's initial and the birthday links "
                                       "by design (initials), so 26 guesses of the initial confirm a victim")
def test_a_first_name_and_birthday_with_a_guessed_initial_confirm_nobody(tmp_path: Path) -> None:
    victim = dict(given_name="Maria", family_name="Popescu", date_of_birth=DOB)
    hits = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            if _linked(tmp_path / c, victim, dict(given_name="Maria", family_name=c, date_of_birth=DOB))]
    assert hits == []


#: The word a member knows beside itself with a letter added: the probe's longest
#: word is then one typo from the victim's (when the known word is her longest), and the
#: known word agrees exactly, which read as two words agreeing (attack5, session 9).
NEAR_ITSELF = {
    "a letter added at the end": lambda w: w + ("b" if w[-1] != "b" else "c"),
    "a letter doubled": lambda w: w[:2] + w[1] + w[2:],
}


@pytest.mark.parametrize("variant", sorted(NEAR_ITSELF))
def test_the_known_word_beside_itself_one_typo_off_confirms_nobody(tmp_path: Path, variant: str) -> None:
    """``Katarzyna Katarzynab`` with her birthday linked to ``Katarzyna Nowak`` (the longest
    word one typo off, and a word agreeing exactly): 7 of the 8 victims, by whichever of
    their names is the longest (5 letters or more). ``part_near_dob`` is now bound to the
    initials of the name's other words, which the member does not know."""
    linked = []
    for i, (given, family) in enumerate(VICTIMS):
        victim = dict(given_name=given, family_name=family, date_of_birth=DOB)
        for j, known in enumerate((given, family)):
            crafted = dict(given_name=known, family_name=NEAR_ITSELF[variant](known.lower()), date_of_birth=DOB)
            if _linked(tmp_path / f"{i}-{j}", victim, crafted):
                linked.append(known)
    assert linked == []


def test_a_crafted_record_claiming_two_words_does_not_confirm_a_one_word_record(tmp_path: Path) -> None:
    """A member's record of ``Katarzyna`` and her birthday, and a crafted one (its node's
    own tokens, honestly labelled) holding ``part_dob`` of that word and of a made-up word,
    and two of her ``part_near_dob`` tokens (which the word and the date give): it read as
    two words agreeing. A pair agrees on no more words than either name holds."""
    victim = dict(given_name="Katarzyna", date_of_birth=DOB)
    near = [t for t in _tokens(victim) if t[0] == "part_near_dob"]
    word = [t for t in _tokens(victim) if t[0] == "part_dob"]
    other = [t for t in _tokens(dict(given_name="Zbigniew", date_of_birth=DOB)) if t[0] == "part_dob"]
    assert len(near) == len("katarzyna") + 1 and len(word) == len(other) == 1
    store = SharedStore(tmp_path / "shared.db")
    try:
        engine = MatchEngine(store, DEFAULT_MODEL)
        engine.ingest([("v", "m1", _tokens(victim))])
        engine.ingest([("h", "hostile", [*word, *other, *near[:2]])])
        assert engine.views(["h"]) == {}
    finally:
        store.close()


def test_the_known_word_beside_itself_does_not_join_her_to_a_perpetrators_cluster(tmp_path: Path) -> None:
    """The same record with a perpetrator's phone joined her to his cluster."""
    victim = dict(given_name="Katarzyna", family_name="Nowak", date_of_birth=DOB)
    perpetrator = [("p1", "m2", dict(given_name="Marian", family_name="Dobre", date_of_birth="1977-09-14",
                                     phone="07700 900461")),
                   ("p2", "m3", dict(email="md77@example.com", phone="+44 7700 900461"))]
    crafted = dict(given_name="Katarzyna", family_name="Katarzynab", date_of_birth=DOB, phone="07700900461")
    store = SharedStore(tmp_path / "shared.db")
    try:
        engine = MatchEngine(store, DEFAULT_MODEL)
        for rid, member, row in [("v", "m1", victim), *perpetrator, ("h", "hostile", crafted)]:
            engine.ingest([(rid, member, _tokens(row))])
        clusters = [set(c.record_ids) for c in engine.clusters()]
    finally:
        store.close()
    assert any({"p1", "p2"} <= c for c in clusters) and not any("v" in c for c in clusters), clusters


@pytest.mark.xfail(strict=True, reason="residual: a name word with the birthday and the postcode links (the postcode "
                                       "is read as the further evidence a one-word name needs; docs/security.md)")
def test_one_name_word_the_birthday_and_the_postcode_confirm_nobody(tmp_path: Path) -> None:
    """``Katarzyna`` (or ``Nowak``), her birthday and her postcode: the date of birth at the
    postcode (``dob_postcode``) is more than the name and the date, so the one-word rule
    reads the word as the whole name (and its bands add up), 12.5 to 17.5 under the
    default model; the fitted model's privacy floor keeps it below its threshold."""
    linked = []
    for i, (given, family) in enumerate(VICTIMS):
        victim = dict(given_name=given, family_name=family, date_of_birth=DOB, postcode="PE21 8LF")
        for j, known in enumerate((dict(given_name=given), dict(family_name=family))):
            if _linked(tmp_path / f"{i}-{j}", victim, dict(known, date_of_birth=DOB, postcode="PE21 8LF")):
                linked.append(given if j == 0 else family)
    assert linked == []
