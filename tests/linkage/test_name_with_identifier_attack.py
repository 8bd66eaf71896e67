"""Play STTG with an evaluation oracle against the kinds added with nicknames, swapped
dates and bank accounts (``nick_dob``, ``name_dob_swap``, ``name_bank``).

* A date-of-birth dictionary, formed as the date halves of the new kinds (the name left
  empty), hits nothing: no new kind is of a date alone.
* ``name_bank`` is of a bank account *and* a little of a name: STTG knowing an account
  can learn, with 1 + 676 + (metaphone codes in its dictionary) evaluations, the first two
  letters and the sound of the name words recorded with that account. The test measures
  that bound (docs/linkage.md section 6 states it); without the account nothing is hit
  (the name-alone side is ``test_name_dictionary_attack.py``).
"""

from __future__ import annotations

import itertools
import os
import string
import sys
from collections.abc import Iterable
from pathlib import Path

import jellyfish
import pytest

from msin_fed import normalize
from msin_fed.linkage.mentions import read_mentions
from msin_fed.model.report import EntityMention
from msin_fed.oprf import derive_key_pair
from msin_fed.token_inputs import TokenInput
from msin_fed.tokenizer import LocalTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from data.synth import write_set

SK, _PK = derive_key_pair(os.urandom(32), b"msin test name with identifier")
OPRF = LocalTokenizer(SK)  # the attacker's oracle: the very key the nodes use

Shared = tuple[list[tuple[EntityMention, tuple[TokenInput, ...]]], set[bytes]]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Shared:
    """A synthetic network's mentions and the set of tokens the coordinator holds."""
    files = write_set(tmp_path_factory.mktemp("synth"), seed=23, people=150, members=3)[0]
    entries = [(m, inputs) for path in files for m, inputs in read_mentions(path).mentions]
    distinct = sorted({i.data for _m, inputs in entries for i in inputs})
    return entries, set(OPRF.tokenize(distinct))


def _hits(guesses: Iterable[bytes], held: set[bytes]) -> list[bytes]:
    guesses = sorted(set(guesses))
    return [g for g, t in zip(guesses, OPRF.tokenize(guesses), strict=True) if t in held]


def test_the_date_halves_of_the_new_kinds_hit_nothing(shared: Shared) -> None:
    entries, held = shared
    dates = {normalize.date_of_birth(m.date_of_birth.value) for m, _i in entries if m.date_of_birth is not None}
    assert len(dates) > 50
    guesses: list[bytes] = []
    for d in sorted(dates):
        year, month, day = d.split("-")
        low, high = sorted((month, day))
        for form in (d, f"{year}-{{{low},{high}}}", f"{year}-{{{high},{low}}}"):
            guesses += [f"{kind}:{sep}{form}".encode() for kind in ("nick_dob", "name_dob_swap", "name_bank")
                        for sep in ("", "|")]
            # The date halves of the kinds binding a date of birth to a phone or an address.
            guesses += [f"{kind}:{form}{tail}".encode() for kind in ("dob_phone", "dob_address", "dob_postcode")
                        for tail in ("", "|", "|+", "||district ", "||locality ")]
    assert {i.kind for _m, inputs in entries for i in inputs} >= {"nick_dob", "name_dob_swap", "dob_phone",
                                                                  "dob_address"}
    assert _hits(guesses, held) == []


def test_knowing_an_account_tells_the_sound_and_two_letters_of_its_names_and_no_more(shared: Shared) -> None:
    entries, held = shared
    # The attacker's dictionary of name sounds: every name word in the data.
    words = {w for m, _i in entries if m.name is not None for w in m.name.value.lower().split()}
    codes = {jellyfish.metaphone(w) for w in words if len(w) >= 2}
    prefixes = {"~" + a + b for a, b in itertools.product(string.ascii_lowercase, repeat=2)}
    heads = sorted(codes | prefixes)
    # True heads per account, from what the members themselves put in.
    truth: dict[str, set[str]] = {}
    for _m, inputs in entries:
        for i in inputs:
            if i.kind == "name_bank":
                head, account = i.data.decode().removeprefix("name_bank:").split("|", 1)
                truth.setdefault(account, set()).add(head)
    assert len(truth) >= 10
    for account in sorted(truth)[:10]:
        assert _hits([f"bank:{account}".encode()], held)  # one evaluation: the account is there
        found = _hits((f"name_bank:{h}|{account}".encode() for h in heads), held)
        got = {g.decode().removeprefix("name_bank:").split("|", 1)[0] for g in found}
        # The attack recovers the heads of the names on the account (sound codes found by
        # the dictionary, and every two-letter prefix), at a cost of 1 + len(heads).
        assert got == {h for h in truth[account] if h in codes or h.startswith("~")}
        assert {h for h in truth[account] if h.startswith("~")} <= got
    assert len(heads) < 676 + len(words)
    # Control: an account nobody recorded hits nothing whatever the heads.
    assert _hits((f"name_bank:{h}|000000:00000000".encode() for h in heads), held) == []
