"""How many people have a person token computable from the name alone, or the DOB alone.

Run:  python bench/fuzzy_tokens.py [--people 2000] [--alternatives 8] [--seed 7]

Draws people from the synthetic population of ``bench/data/synth.py`` (names from its
pools, a fifth of them namesakes) and builds for each one the mention a member would
hold: name, date of birth, phone, street address and postcode. For each person it then
asks, of the current token inputs (:func:`msin_fed.token_inputs.inputs_for_mention`) and
of the previous design (whole-record LSH bands over name *and* date bigrams, kept here
only as the baseline), two questions, in two ways:

* **name alone.** *exact*: is one of the person's inputs among those an attacker computes
  from the name alone, with the design's own functions (the previous design: bands over
  the name bigrams only, equal to the person's band whenever all its min-hashes fall on
  name bigrams; the current one: every input of a name-only mention, and the bands with
  the whole date wildcarded). *invariant*: design-independent, is one of the person's
  inputs also produced for every one of ``--alternatives`` namesakes whose date of birth
  differs in year, month and day, and whose other fields differ too (then it does not
  depend on anything but the name). *shared*: is one shared with at least one of them
  (what a namesake would match on).
* **DOB alone.** The same with people of the same date of birth whose names share no
  word, initial or phonetic code; and *shared* once more with people whose names share
  no character bigram either (a band needs some name material in common: two of its
  min-hashes; names sharing bigrams but no word can still share a band, as they should
  for typos, so the first *shared* figure is not 0 and need not be).

The targets are 0% for the current design on every row but that first DOB *shared* one; the previous design's figures are
printed beside them, measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import jellyfish
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data.synth import FAMILY, GIVEN, TOWNS, Person, draw_population

from msin_fed import names, normalize, token_inputs
from msin_fed.model.identifiers import DateOfBirth, PersonName, Phone, StreetAddress
from msin_fed.model.report import EntityMention
from msin_fed.token_inputs import TokenInput

Inputs = Callable[[EntityMention], list[TokenInput]]

#: Kinds the current design has and the previous one did not (and the reverse).
NEW_KINDS = frozenset({"name_lsh_dob"})


# ---------------------------------------------------------------- the previous design


def _old_bigrams(tag: str, text: str) -> set[str]:
    padded = f"_{text}_"
    return {tag + padded[i : i + 2] for i in range(len(padded) - 1)}


OLD_BANDS, OLD_ROWS = 12, 3  # the previous shape (the current one has its own)


def _old_lsh(shingles: set[str]) -> Iterator[TokenInput]:
    """The previous ``lsh`` bands, verbatim: min-hashes over one mixed shingle set."""
    prime = (1 << 61) - 1
    rng = np.random.default_rng(0x6D73696E)
    a = rng.integers(1, prime, size=OLD_BANDS * OLD_ROWS, dtype=np.uint64)
    b = rng.integers(0, prime, size=OLD_BANDS * OLD_ROWS, dtype=np.uint64)
    digests = [
        int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") % prime
        for s in shingles
    ]
    x = np.array(digests, dtype=np.uint64)[:, None] >> np.uint64(1)
    mins = ((x * a[None, :] + b[None, :]) % np.uint64(prime)).min(axis=0)
    for band in range(OLD_BANDS):
        rows = mins[band * OLD_ROWS : (band + 1) * OLD_ROWS]
        data = "lsh:" + str(band) + "|" + ".".join(format(int(v), "x") for v in rows)
        yield TokenInput("lsh", data.encode())


def _words(mention: EntityMention) -> tuple[str, ...]:
    given, family = token_inputs._name_parts(mention)  # the tokenizer's own name split
    return given + family


def _dob(mention: EntityMention) -> str:
    assert mention.date_of_birth is not None
    return normalize.date_of_birth(mention.date_of_birth.value)


def old_inputs_for_mention(mention: EntityMention) -> list[TokenInput]:
    """The previous design: today's inputs with the new kinds replaced by the old bands."""
    out = [i for i in token_inputs.inputs_for_mention(mention) if i.kind not in NEW_KINDS]
    if mention.name is not None and mention.date_of_birth is not None:
        shingles = _old_bigrams("n", " ".join(sorted(_words(mention))))
        shingles |= _old_bigrams("d", _dob(mention).replace("-", ""))
        out.extend(_old_lsh(shingles))
    return out


def old_from_name(mention: EntityMention) -> set[bytes]:
    """What an attacker computes from the name alone under the previous design."""
    return {i.data for i in _old_lsh(_old_bigrams("n", " ".join(sorted(_words(mention)))))}


def old_from_dob(mention: EntityMention) -> set[bytes]:
    """... and from the date of birth alone."""
    return {i.data for i in _old_lsh(_old_bigrams("d", _dob(mention).replace("-", "")))}


# ---------------------------------------------------------------- the current design


def new_from_name(mention: EntityMention) -> set[bytes]:
    """What an attacker computes from the name alone now: a name-only mention's inputs,
    and the bands of the name's min-hashes with the whole date unknown."""
    assert mention.name is not None
    alone = EntityMention("attack", name=mention.name, country=mention.country)
    out = {i.data for i in token_inputs.inputs_for_mention(alone)}
    words = _words(mention)
    for band, key in enumerate(token_inputs.name_band_keys(words)):
        out.add(f"name_lsh_dob:{band}|{key}|****-**-**".encode())
    # The nickname and day/month-swap kinds' name halves: as written and read as every
    # canonical name a word may stand for, the date unknown.
    forms = {" ".join(sorted(words))} | {
        " ".join(sorted((*words[:i], key, *words[i + 1 :])))
        for i, word in enumerate(words) for key in names.name_keys(word)}
    for kind in ("nick_dob", "name_dob_swap"):
        out.update(f"{kind}:{form}{tail}".encode() for form in forms for tail in ("", "|", "|****-**-**"))
    # The typo kind's name halves: each word whole and with each letter deleted.
    out.update(f"part_near_dob:part|{tail}{w[:i] + w[i + 1:]}".encode() for w in words
               for i in range(len(w) + 1) for tail in ("", "|", "****-**-**|"))
    return out


def new_from_dob(mention: EntityMention) -> set[bytes]:
    """... and from the date of birth alone: a date-only mention's inputs."""
    assert mention.date_of_birth is not None
    alone = EntityMention("attack", date_of_birth=mention.date_of_birth, country=mention.country)
    return {i.data for i in token_inputs.inputs_for_mention(alone)}


# ---------------------------------------------------------------- people and their doubles


def mention_of(person: Person, *, given: str, family: str, dob: dt.date, place: Person) -> EntityMention:
    """The mention a member holds: name, date of birth, phone, address (of ``place``)."""
    return EntityMention(
        f"p{person.pid}",
        name=PersonName.of(given, family),
        date_of_birth=DateOfBirth(dob.isoformat()),
        phone=Phone(place.phone, region="GB"),
        address=StreetAddress(place.street, postcode=place.postcode, locality=place.town),
    )


def other_dob(rng: random.Random, dob: dt.date) -> dt.date:
    """A date of birth that differs from ``dob`` in year, month and day."""
    while True:
        d = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 20000))
        if d.year != dob.year and d.month != dob.month and d.day != dob.day:
            return d


def _name_keys(given: str, family: str, bigrams: bool) -> set[str]:
    words = normalize.name_words(f"{given} {family}", "given_name")
    keys = set(words) | {"^" + w[0] for w in words} | {"#" + jellyfish.metaphone(w) for w in words}
    if bigrams:
        padded = "_" + " ".join(sorted(words)) + "_"
        keys |= {"~" + padded[i : i + 2] for i in range(len(padded) - 1)}
    return keys


def other_name(rng: random.Random, given: str, family: str, *, bigrams: bool = False) -> tuple[str, str]:
    """A name sharing no word, initial or phonetic code (nor, if ``bigrams``, any
    character bigram) with ``given family``."""
    mine = _name_keys(given, family, bigrams)
    while True:
        g, f = rng.choice(GIVEN), rng.choice(FAMILY)
        if not _name_keys(g, f, bigrams) & mine:
            return g, f


@dataclass
class Tally:
    """People (out of ``n``) for whom each question's answer was yes."""

    n: int = 0
    exact: int = 0
    invariant: int = 0
    shared: int = 0

    def add(self, mine: set[bytes], computed: set[bytes], doubles: Sequence[set[bytes]]) -> None:
        self.n += 1
        self.exact += bool(mine & computed)
        self.invariant += bool(mine.intersection(*doubles))
        self.shared += any(mine & d for d in doubles)

    def pct(self, field: str) -> str:
        return f"{100 * getattr(self, field) / max(self.n, 1):5.1f}%"


def measure(
    people: Sequence[Person], alternatives: int, seed: int
) -> dict[str, dict[str, Tally]]:
    """Tallies per design ("old", "new") and question ("name", "dob", "stranger")."""
    rng = random.Random(seed)
    designs: dict[str, tuple[Inputs, Callable[[EntityMention], set[bytes]], Callable[[EntityMention], set[bytes]]]] = {
        "old": (old_inputs_for_mention, old_from_name, old_from_dob),
        "new": (token_inputs.inputs_for_mention, new_from_name, new_from_dob),
    }
    out = {d: {"name": Tally(), "dob": Tally(), "stranger": Tally()} for d in designs}
    for person in people:
        places = [p for p in rng.sample(people, alternatives + 3) if p.postcode != person.postcode]
        me = mention_of(person, given=person.given, family=person.family, dob=person.dob, place=person)
        namesakes = [
            mention_of(person, given=person.given, family=person.family,
                       dob=other_dob(rng, person.dob), place=places[k])
            for k in range(alternatives)
        ]
        twins = []  # same date of birth, no name word, initial or code in common
        strangers = []  # ... and not even a character bigram
        for k in range(alternatives):
            g, f = other_name(rng, person.given, person.family)
            twins.append(mention_of(person, given=g, family=f, dob=person.dob, place=places[k]))
            g, f = other_name(rng, person.given, person.family, bigrams=True)
            strangers.append(mention_of(person, given=g, family=f, dob=person.dob, place=places[k]))
        for name, (inputs, from_name, from_dob) in designs.items():
            mine = {i.data for i in inputs(me)}
            out[name]["name"].add(mine, from_name(me), [{i.data for i in inputs(m)} for m in namesakes])
            out[name]["dob"].add(mine, from_dob(me), [{i.data for i in inputs(m)} for m in twins])
            out[name]["stranger"].add(mine, set(), [{i.data for i in inputs(m)} for m in strangers])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--alternatives", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    people = draw_population(random.Random(args.seed), args.people)
    tallies = measure(people, args.alternatives, args.seed + 1)
    k = args.alternatives
    print(f"{args.people} synthetic people ({len(GIVEN)} given x {len(FAMILY)} family names, "
          f"{len(TOWNS)} towns), {k} doubles each; share of people with any token ...")
    rows = [
        ("name", "exact", "computed from the name alone (the design's own functions)"),
        ("name", "invariant", f"unchanged by {k} other DOBs (every field) and other fields"),
        ("name", "shared", f"shared with a namesake of another DOB (any of {k})"),
        ("dob", "exact", "computed from the DOB alone"),
        ("dob", "invariant", f"unchanged by {k} unrelated names (no common word/initial/code)"),
        ("dob", "shared", f"shared with someone of the same DOB and such a name (any of {k})"),
        ("stranger", "shared", f"... whose name has no bigram in common either (any of {k})"),
    ]
    print(f"  {'':<66} {'previous':>9} {'current':>9}")
    for question, field, label in rows:
        old, new = tallies["old"][question], tallies["new"][question]
        print(f"  {label:<66} {old.pct(field):>9} {new.pct(field):>9}")
    print(f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
