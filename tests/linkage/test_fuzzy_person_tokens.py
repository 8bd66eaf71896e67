"""Fuzzy person tokens: namesakes born on other days share none, one-typo names still agree.

Through real OPRF tokens (``inputs_for_mention`` then ``oprf_tokenize`` under a local
key), except the exhaustive typo sweep, which compares the inputs themselves: the OPRF
is a deterministic function of its input, so equal inputs are exactly equal tokens.
"""

from __future__ import annotations

import os

import pytest

from msin_fed.linkage.mentions import mention_from_row
from msin_fed.linkage.pipeline import oprf_tokenize
from msin_fed.linkage.scoring import DEFAULT_MODEL
from msin_fed.oprf import derive_key_pair
from msin_fed.token_inputs import dob_variants, inputs_for_mention

SK, _PK = derive_key_pair(os.urandom(32), b"msin test fuzzy person tokens")

#: Every kind derived from a name (all of them hold the date of birth too).
PERSON_KINDS = frozenset(
    {"name_dob", "name_phon_dob", "name_init_dob", "initials_dob", "part_dob", "name_lsh_dob"}
)


def tokens(**row: str) -> dict[bytes, str]:
    """token -> kind, for one canonical row."""
    mention, problems = mention_from_row({"record_id": "x", **row})
    assert mention is not None, problems
    inputs = inputs_for_mention(mention)
    return dict(zip(oprf_tokenize([i.data for i in inputs], SK), (i.kind for i in inputs), strict=True))


def shared(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """Kinds of the tokens two rows share (one entry per token)."""
    ta, tb = tokens(**a), tokens(**b)
    return sorted(ta[t] for t in ta.keys() & tb.keys())


def person(given: str, family: str, dob: str) -> dict[str, str]:
    return dict(given_name=given, family_name=family, date_of_birth=dob)


@pytest.mark.parametrize(("a", "b"), [
    (person("Ion", "Popescu", "1990-01-01"), person("Ion", "Popescu", "1971-06-30")),
    (person("Ștefan", "Wiśniewski", "1985-03-07"), person("WISNIEWSKI", "stefan", "12/11/1962")),
    (person("", "Smith", "1980-02-02"), person("", "Smith", "25.12.1991")),
    (person("Ana Maria", "Ionescu", "1999-09-09"), person("Ana", "Ionescu", "1961-04-10")),
], ids=["same-name", "swapped-and-folded", "family-name-only", "one-word-in-common"])
def test_namesakes_with_another_date_of_birth_share_no_token(a: dict[str, str], b: dict[str, str]) -> None:
    assert shared(a, b) == []


def test_a_date_one_field_off_shares_bands_only_and_no_match() -> None:
    # Same name, same year and month, another day: only the bands of that one variant
    # agree, and name bands are capped at half a match.
    kinds = shared(person("Ion", "Popescu", "1990-01-01"), person("Ion", "Popescu", "1990-01-17"))
    assert kinds and set(kinds) == {"name_lsh_dob"}
    assert not DEFAULT_MODEL.is_match(DEFAULT_MODEL.pair_score([(k, 2) for k in kinds]))


@pytest.mark.parametrize("typo", [
    person("Ion", "Popesku", "01/01/1990"),  # substitution
    person("Ion", "Popscu", "1990-01-01"),  # deletion
    person("Ion", "Popesceu", "19900101"),  # insertion
    person("Ion", "Poepscu", "01.01.1990"),  # transposition
    person("Ino", "Popescu", "1990-01-01"),  # in the given name
    person("POPESKU", "ion", "1990-01-01"),  # and swapped
])
def test_one_typo_in_a_name_with_the_same_date_still_shares_a_token(typo: dict[str, str]) -> None:
    kinds = shared(person("Ion", "Popescu", "1990-01-01"), typo)
    assert set(kinds) & PERSON_KINDS


def _typos(word: str) -> set[str]:
    """Every one-character substitution (by a vowel), deletion, insertion, transposition."""
    out: set[str] = set()
    for i in range(len(word)):
        out.add(word[:i] + word[i + 1 :])
        out.update(word[:i] + c + word[i + 1 :] for c in "aeiou")
        out.update(word[:i] + c + word[i:] for c in "aeiou")
        if i + 1 < len(word):
            out.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    out.discard(word)
    return {w for w in out if len(w) >= 2}


def _inputs(given: str, family: str, dob: str) -> set[bytes]:
    mention, problems = mention_from_row({"record_id": "x", **person(given, family, dob)})
    assert mention is not None, problems
    return {i.data for i in inputs_for_mention(mention)}


@pytest.mark.parametrize(("given", "family"), [
    ("Ion", "Popescu"), ("Ana", "Lê"), ("Mohammed", "Khan"), ("Łukasz", "Kowalski"), ("Minh", "Nguyễn"),
])
def test_every_one_character_typo_still_shares_an_input(given: str, family: str) -> None:
    dob = "1984-03-12"
    original = _inputs(given, family, dob)
    for g in _typos(given.lower()):
        assert original & _inputs(g, family, dob), "a typo in the given name"
    for f in _typos(family.lower()):
        assert original & _inputs(given, f, dob), "a typo in the family name"


def test_dob_variants_tolerate_one_field_and_transposed_digits() -> None:
    def agree(a: str, b: str) -> int:
        return len(set(dob_variants(a)) & set(dob_variants(b)))

    assert agree("1984-03-12", "1984-03-12") == 4
    assert agree("1984-03-12", "1984-03-21") == 2  # day digits transposed: y+m and y+sorted
    assert agree("1984-03-12", "1985-03-12") == 1  # year off by one: month+day
    assert agree("1984-03-12", "1984-12-03") == 1  # day and month swapped: y+sorted digits
    assert agree("1984-03-12", "1971-06-30") == 0
    # Every variant keeps most of the date: never the year alone, never one field.
    assert all(v.count("*") <= 4 for v in dob_variants("1984-03-12"))
