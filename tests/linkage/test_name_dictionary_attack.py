"""The name-dictionary attack on the coordinator's view, played as STTG (issue 16).

STTG holds every token the coordinator stores. In the worst case it can also have inputs
evaluated, as a colluding member within its budget could. With a dictionary of the
names in the data (every one of them, both orders, with and without diacritics) but no
date of birth, it must recover nobody: no stored token may be a function of a name
alone. Tokens are made as a node makes them (``inputs_for_mention``, then the OPRF under
a local key) and stored by the coordinator's own ``MatchEngine``.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import jellyfish
import msin_fed.coordinator.matching as matching
import msin_fed.coordinator.store as store_mod
import pytest
import sqlalchemy as sa

import msin_fed.demo
from msin_fed import names, normalize
from msin_fed.linkage.mentions import mention_from_row, read_mentions
from msin_fed.model.identifiers import DateOfBirth, PersonName
from msin_fed.model.report import EntityMention
from msin_fed.oprf import derive_key_pair
from msin_fed.token_inputs import LSH_BANDS, TokenInput, inputs_for_mention, name_band_keys
from msin_fed.tokenizer import LocalTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from data.synth import write_set
from fuzzy_tokens import old_from_name

SK, _PK = derive_key_pair(os.urandom(32), b"msin test name dictionary")
OPRF = LocalTokenizer(SK)  # the attacker's evaluation oracle: the very key the nodes use


Network = tuple[list[tuple[str, EntityMention]], dict[bytes, set[str]]]


def _demo_files() -> list[Path]:
    return sorted((Path(msin_fed.demo.__file__).parent / "data").glob("*.mentions.csv"))


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Network:
    """Every mention shared (the demo's members and a synthetic network) by record id,
    and what the coordinator then holds: token value -> the records holding it."""
    synth = write_set(tmp_path_factory.mktemp("synth"), seed=16, people=150, members=3)[0]
    entries: list[tuple[str, str, EntityMention, tuple[TokenInput, ...]]] = []
    for source, files in (("demo", _demo_files()), ("synth", synth)):
        for index, path in enumerate(files):
            for mention, inputs in read_mentions(path).mentions:
                entries.append((f"{source}{index}-{mention.record_id}", f"{source}{index}", mention, inputs))
    distinct = sorted({i.data for *_x, inputs in entries for i in inputs})
    token_of = dict(zip(distinct, OPRF.tokenize(distinct), strict=True))
    store = store_mod.SharedStore("sqlite://")
    engine = matching.MatchEngine(store)
    engine.ingest([(rid, member, [(i.kind, token_of[i.data]) for i in inputs])
                   for rid, member, _m, inputs in entries])
    held: dict[bytes, set[str]] = {}
    with store.read() as conn:  # STTG reads its own database
        t = store_mod.tokens
        for rid, value in conn.execute(sa.select(t.c.record_id, t.c.value)):
            held.setdefault(bytes(value), set()).add(rid)
    store.close()
    return [(rid, m) for rid, _member, m, _i in entries], held


def _names(mentions: Iterable[EntityMention]) -> set[tuple[str, str]]:
    """The attacker's dictionary: every name in the data, both ways round, also folded."""
    out: set[tuple[str, str]] = set()
    for m in mentions:
        if m.name is not None:
            g, f = m.name.given, m.name.family
            for given, family in ((g, f), (f, g)):
                out.add((given, family))
                out.add((" ".join(normalize.name_words(given, "given_name")) if given.strip() else "",
                         " ".join(normalize.name_words(family, "family_name")) if family.strip() else ""))
    return {n for n in out if any(n)}


def _from_name_alone(given: str, family: str) -> list[bytes]:
    """Every input the attacker can form from a name and nothing else: the tokenizer's
    own inputs for a name-only mention (of the whole name and of each word), the
    ``name_lsh_dob`` bands of the name with the date of birth wholly unknown, and the
    bands of the previous design over the name's bigrams (the attack in the issue,
    which ranked 3 of the 4 demo people with a date of birth in its top 4)."""
    out: list[bytes] = []
    whole = PersonName.of(given, family)
    words = normalize.name_words(whole.value, "given_name")
    for name in (whole, *(PersonName.of(w) for w in words)):
        alone = EntityMention("guess", name=name)
        out.extend(i.data for i in inputs_for_mention(alone))
        out.extend(old_from_name(alone))
    for band, key in enumerate(name_band_keys(words)):
        out.append(f"name_lsh_dob:{band}|{key}|****-**-**".encode())
    # The name halves of the kinds that bind a name's sound to a postcode or a phone.
    phon = " ".join(sorted({jellyfish.metaphone(w) for w in words}))
    out.extend(f"{kind}:{phon}{tail}".encode() for kind in ("phon_postcode", "name_phone_near")
               for tail in ("", "|", "|+"))
    # ... and the name halves of the kind that binds a name word to a bank account.
    heads = {jellyfish.metaphone(w) for w in words} | {"~" + w[:2] for w in words}
    out.extend(f"name_bank:{head}{tail}".encode() for head in sorted(heads) for tail in ("", "|"))
    # The name halves of the nickname and day/month-swap kinds: the name as written and
    # with each word read as every canonical name it may stand for, the date unknown.
    forms = {" ".join(sorted(words))} | {
        " ".join(sorted((*words[:i], key, *words[i + 1 :])))
        for i, word in enumerate(words) for key in names.name_keys(word)}
    out.extend(f"{kind}:{form}{tail}".encode() for kind in ("nick_dob", "name_dob_swap")
               for form in sorted(forms) for tail in ("", "|", "|****-**-**"))
    # The name halves of the typo kind: each word whole and with each letter deleted.
    out.extend(f"part_near_dob:part|{tail}{w[:i] + w[i + 1:]}".encode() for w in words for i in range(len(w) + 1)
               for tail in ("", "|"))
    # The name halves of the kinds that bind the whole name (or two of its three words)
    # to a phone or a street address, with the other half empty or a bare separator.
    whole_forms = {" ".join(sorted(set(words)))} | (
        {" ".join(sorted(set(words) - {w})) for w in words} if len(set(words)) == 3 else set())
    out.extend(f"{kind}:{form}{tail}".encode() for kind in ("name_phone", "name_address", "name_postcode",
                                                             "name_dob")
               for form in sorted(whole_forms) for tail in ("", "|", "|+", "||locality "))
    return out


def _ranking(guesses: list[bytes], held: dict[bytes, set[str]]) -> Counter[str]:
    """Records by the number of the attacker's evaluated guesses they hold."""
    hits: Counter[str] = Counter()
    for token in OPRF.tokenize(sorted(set(guesses))):
        for rid in held.get(token, ()):
            hits[rid] += 1
    return hits


def test_a_name_dictionary_recovers_nobody(network: Network) -> None:
    mentions, held = network
    dictionary = _names(m for _r, m in mentions)
    assert len(dictionary) > 100 and sum(m.date_of_birth is not None for _r, m in mentions) > 50
    # The network holds the kinds the attack below evaluates the name halves of.
    kinds = {i.kind for m in (m for _r, m in mentions) for i in inputs_for_mention(m)}
    assert {"nick_dob", "name_dob_swap", "name_phone", "name_address"} <= kinds
    guesses = [x for given, family in sorted(dictionary) for x in _from_name_alone(given, family)]
    assert len(guesses) >= LSH_BANDS * len(dictionary)
    # Nothing is hit, so nothing can be ranked: not one record, not one person.
    assert _ranking(guesses, held) == Counter()


def test_a_date_of_birth_dictionary_recovers_nobody(
    network: Network,
) -> None:
    mentions, held = network
    dates = {m.date_of_birth.value for _r, m in mentions if m.date_of_birth is not None}
    guesses = [i.data for d in sorted(dates)
               for i in inputs_for_mention(EntityMention("guess", date_of_birth=DateOfBirth(d)))]
    assert _ranking(guesses, held) == Counter()


def test_the_same_attack_with_the_date_of_birth_finds_each_person(
    network: Network,
) -> None:
    """The control: the harness does find people once the attacker knows a date of
    birth too, so the empty rankings above are the tokens' doing, not the harness's."""
    mentions, held = network
    people = [(r, m) for r, m in mentions if m.name is not None and m.date_of_birth is not None]
    for rid, m in people[:: max(1, len(people) // 25)]:
        assert m.name is not None and m.date_of_birth is not None
        guess = EntityMention("guess", name=m.name, date_of_birth=m.date_of_birth)
        hits = _ranking([i.data for i in inputs_for_mention(guess)], held)
        assert hits[rid] == max(hits.values()), "the record holding them must rank first"


#: Words that name many businesses and places: an attacker's dictionary of them.
COMMON_WORDS = ["farm", "farms", "manor", "green", "view", "fresh", "produce", "labour",
                "services", "service", "recruitment", "staffing", "solutions", "packing",
                "house", "hall", "lane", "park", "growers", "foods", "agency", "eastfield"]


def test_org_tokens_never_stand_for_a_common_word_alone() -> None:
    """STTG with an oracle evaluates every site and company input that a common word
    alone determines (the word as a whole name, with no place); among the tokens of
    sites and companies whose names hold those words, or are one of them with a legal
    form, none may be hit."""
    rows = [
        dict(company_name="Green View Produce Ltd", postcode="PE21 7TB"),
        dict(company_name="Fresh Farms Limited"),
        dict(company_name="Eastfield Staffing Solutions Ltd", company_number="09876543"),
        dict(company_name="Labour Services"),
        dict(site_name="Manor Farm", postcode="PE21 8AA", locality="Boston"),
        dict(site_name="Green Lane Packing House", locality="Wisbech"),
        dict(site_name="Farms", postcode="WR11 4TP"),
        # companies named by one common word, with an English or a foreign legal form
        dict(company_name="Recruitment Ltd", postcode="PE21 7TB"),
        dict(company_name="FARMS LIMITED"),
        dict(company_name="Staffing Sp. z o.o."),
        dict(company_name="UAB Produce", company_number="01234567"),
    ]
    held: set[bytes] = set()
    for i, row in enumerate(rows):
        mention, problems = mention_from_row({"record_id": f"o{i}", **row})
        assert mention is not None, problems
        held.update(OPRF.tokenize([t.data for t in inputs_for_mention(mention)]))
    guesses: list[bytes] = []
    for word in COMMON_WORDS:
        for column in ("company_name", "site_name"):
            mention, _problems = mention_from_row({"record_id": "guess", column: word})
            assert mention is not None
            guesses.extend(t.data for t in inputs_for_mention(mention))
        guesses.extend(f"{k}:company|={w}".encode() for k in ("company_near",) for w in (word, word[:-1]))
        guesses.append(f"company_head:{word}".encode())  # a leading word alone: never a head
    assert guesses and not held & set(OPRF.tokenize(guesses))
    # The control: the whole multi-word name does hit (the attack can find what exists).
    mention, _p = mention_from_row({"record_id": "guess", "company_name": "Labour Services Ltd"})
    assert mention is not None
    assert held & set(OPRF.tokenize([t.data for t in inputs_for_mention(mention)]))
