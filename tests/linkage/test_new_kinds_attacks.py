"""Play each hostile party against the kinds added for recall (``name_address``,
``dob_address``, ``name_phone``, ``phone_home``, ``bank_near``, loose NINOs, the two-word
forms of three-word names).

* **STTG with the whole shared database and an evaluation oracle** (the nodes' own key,
  as a colluding member within budget would give it) sweeps a dictionary of the
  network's names (and, apart, its dates of birth) with every town, district, county and
  placeholder in the data as the place: it must hit nothing. Exports put the town, the
  county or "unknown address" in the street column, and a token of a name with such a
  "street" would be of a name and a town.
* **A hostile member** probing with what it knows of a victim (name and town) reads its
  own matches as ``ListMatches`` gives them (``MatchEngine.views``): nothing comes back;
  and its crafted "Nguyen Van ..." record at a house in multiple occupation links no one.
* **Structure**: the kinds and token counts of a record do not tell a foreign mobile (or
  one written as dialled from home) from a UK number of the same length; housemates of one
  family name and middle name share no name token.
* **Near tokens of identifiers** hold the whole identifier (``bank_near``, ``phone_home``):
  one digit unknown costs the guesses it always did.
* **The residual that stays**: knowing a phone, a name dictionary finds the names recorded
  with it at one evaluation per name (``name_phone``), as a postcode does with
  ``name_postcode``; the test measures it (docs/linkage.md section 6).

Tokens are made as a node makes them (``inputs_for_mention``, then the OPRF under a
local key) and stored by the coordinator's own ``MatchEngine`` in a real SQLite file.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import msin_fed.coordinator.matching as matching
import msin_fed.coordinator.store as store_mod
import pytest
import sqlalchemy as sa

import msin_fed.demo
from msin_fed import normalize
from msin_fed.errors import ValidationError
from msin_fed.linkage.mentions import mention_from_row, read_mentions
from msin_fed.model.registry import parse_mention
from msin_fed.model.report import EntityMention
from msin_fed.oprf import derive_key_pair
from msin_fed.token_inputs import inputs_for_mention
from msin_fed.tokenizer import LocalTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from data.synth import write_set
from test_clusters import engine_clusters, matcher_of
from test_repeated_entities import pair_set

SK, _PK = derive_key_pair(os.urandom(32), b"msin test new kinds attacks")
OPRF = LocalTokenizer(SK)  # the attacker's evaluation oracle: the very key the nodes use

Row = dict[str, str]

#: What members write in the street column when they have no street: the town, the
#: county, a placeholder, the kind of lodging.
NOT_STREETS = ["Lincolnshire", "Cambridgeshire", "Norfolk", "unknown address", "address unknown",
               "caravan", "HMO", "farm accommodation", "on site", "Boston Lincs"]

#: One member's messy export: people whose street column holds no street.
MESSY: list[tuple[str, Row]] = [
    ("x1", dict(given_name="Ionut", family_name="Popescu", date_of_birth="1991-04-12",
                street_address="Boston", locality="Boston")),
    ("x2", dict(given_name="Agnieszka", family_name="Nowak", date_of_birth="1987-11-02",
                street_address="Lincolnshire", postcode="PE21 8AA")),
    ("x3", dict(given_name="Vasile", family_name="Rusu", date_of_birth="1979-06-30",
                street_address="caravan", locality="Wisbech")),
    ("x4", dict(given_name="Darius", family_name="Kazlauskas", date_of_birth="1995-01-19",
                street_address="unknown address", locality="Spalding", phone="+370 612 34567")),
    ("x5", dict(given_name="Hung", family_name="Tran", date_of_birth="1998-09-09",
                street_address="HMO", postcode="PE13 2AB", locality="Wisbech")),
    ("x6", dict(given_name="Elena", family_name="Marin", date_of_birth="1983-02-27",
                street_address="Boston, Lincs", locality="Boston")),
]

Network = tuple[list[tuple[str, EntityMention]], dict[bytes, set[str]]]


def _mention(rid: str, row: Row) -> EntityMention:
    mention, problems = mention_from_row({"record_id": rid, **row})
    assert mention is not None, problems
    return mention


def _lenient(rid: str, row: Row) -> EntityMention | None:
    """The mention a node shares of ``row``: a value that fails validation is left out
    and kept as an invalid field (a bare district, an IBAN whose checksum fails)."""
    return parse_mention({"record_id": rid, **row}).mention


def _inputs(rows: Iterable[Row]) -> list[bytes]:
    """Every input the tokenizer forms from the guesses ``rows`` (a guess the tokenizer
    refuses, such as a bare district, forms none)."""
    out: list[bytes] = []
    for row in rows:
        mention = _lenient("guess", row)
        if mention is not None:
            out.extend(i.data for i in inputs_for_mention(mention))
    return out


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Network:
    """The demo's members, a synthetic network and the messy export, shared; and what
    the coordinator then holds: token value -> the records holding it."""
    synth = write_set(tmp_path_factory.mktemp("synth"), seed=17, people=60, members=3)[0]
    demo = sorted((Path(msin_fed.demo.__file__).parent / "data").glob("*.mentions.csv"))
    entries: list[tuple[str, str, EntityMention, list[bytes]]] = []
    for source, files in (("demo", demo), ("synth", synth)):
        for index, path in enumerate(files):
            for mention, inputs in read_mentions(path).mentions:
                entries.append((f"{source}{index}-{mention.record_id}", f"{source}{index}", mention,
                                [i.data for i in inputs]))
    for rid, row in MESSY:
        mention = _mention(rid, row)
        entries.append((rid, "messy", mention, [i.data for i in inputs_for_mention(mention)]))
    distinct = sorted({x for *_r, inputs in entries for x in inputs})
    token_of = dict(zip(distinct, OPRF.tokenize(distinct), strict=True))
    store = store_mod.SharedStore("sqlite://")
    engine = matching.MatchEngine(store)
    engine.ingest([(rid, member, [(x.split(b":", 1)[0].decode(), token_of[x]) for x in inputs])
                   for rid, member, _m, inputs in entries])
    held: dict[bytes, set[str]] = {}
    with store.read() as conn:  # STTG reads its own database
        t = store_mod.tokens
        for rid, value in conn.execute(sa.select(t.c.record_id, t.c.value)):
            held.setdefault(bytes(value), set()).add(rid)
    store.close()
    return [(rid, m) for rid, _member, m, _i in entries], held


def _hits(guesses: Iterable[bytes], held: dict[bytes, set[str]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for token in OPRF.tokenize(sorted(set(guesses))):
        for rid in held.get(token, ()):
            out[rid] += 1
    return out


def _places(mentions: Sequence[EntityMention]) -> tuple[set[str], set[str]]:
    """The attacker's place dictionary: every town and district in the data (and the
    towns postcode areas are named after)."""
    towns: set[str] = set()
    districts: set[str] = set()
    for m in mentions:
        for place in (m.address, m.site):
            if place is None:
                continue
            if place.locality.strip():
                towns.update(p.strip() for p in place.locality.split(","))
            district = normalize.postcode_district(place.postcode) if place.postcode.strip() else None
            if district:
                districts.add(district)
                towns.add(normalize.postcode_area_town(f"{district} 1AA"))
    return {t for t in towns if t}, districts


def _streets_of(town: str) -> list[str]:
    """What a street column holds when it holds no street, folded as the tokenizer
    folds streets: the town itself, a county, a placeholder, the kind of lodging."""
    out = []
    for value in (town, *NOT_STREETS):
        try:
            out.append(normalize.address(value))
        except ValidationError:
            continue
    return sorted(set(out))


def _folded_name(given: str, family: str) -> str:
    words = [*(normalize.name_words(given, "given_name") if given.strip() else ()),
             *(normalize.name_words(family, "family_name") if family.strip() else ())]
    return " ".join(sorted(set(words)))


def _place_halves(towns: set[str], districts: set[str]) -> list[str]:
    """The place half of every street-bound kind when the street is no street: the
    street column's value with the town or the district (``|<street>|locality <town>``)."""
    out = [f"{s}|locality {normalize.fold(t)}" for t in sorted(towns) for s in _streets_of(t)]
    out += [f"{s}|district {d}" for d in sorted(districts)
            for s in _streets_of(normalize.postcode_area_town(f"{d} 1AA"))]
    return out


def test_a_name_and_town_dictionary_recovers_nobody(network: Network) -> None:
    """STTG sweeps every name in the data with every place a town dictionary gives: the
    street-bound kinds with the town, a county or a placeholder as the street; and, for
    a sample of names, every input the tokenizer itself forms from a name and a town or
    district. The messy export holds records with exactly such streets; none may be hit."""
    mentions, held = network
    ms = [m for _r, m in mentions]
    towns, districts = _places(ms)
    assert {"Boston", "Wisbech", "Spalding"} <= towns and len(districts) >= 10
    names = sorted({(m.name.given, m.name.family) for m in ms if m.name is not None})
    assert len(names) > 100
    halves = _place_halves(towns, districts)
    words = sorted({_folded_name(g, f) for g, f in names} - {""})
    guesses = [f"name_address:{w}|{h}".encode() for w in words for h in halves]
    for given, family in names[::10]:
        person = dict(given_name=given, family_name=family)
        rows: list[Row] = [dict(person, locality=t) for t in sorted(towns)]
        rows += [dict(person, street_address=s, locality=t) for t in sorted(towns) for s in (t, *NOT_STREETS)]
        rows += [dict(person, street_address=s, postcode=d) for d in sorted(districts) for s in NOT_STREETS[:3]]
        # Every input a name and a place determine (the place alone, ``address``, is no person's).
        guesses += [g for g in _inputs(rows) if not g.startswith(b"address:")]
    assert len(guesses) > 50 * len(words)
    assert _hits(guesses, held) == Counter()


def test_a_date_of_birth_and_town_dictionary_recovers_nobody(network: Network) -> None:
    """The same sweep with every date of birth in the data instead of a name
    (``dob_address``, by town and by district): a date and a town is no one's street."""
    mentions, held = network
    ms = [m for _r, m in mentions]
    towns, districts = _places(ms)
    dates = sorted({normalize.date_of_birth(m.date_of_birth.value) for m in ms if m.date_of_birth is not None})
    assert len(dates) > 50
    guesses = [f"dob_address:{d}|{h}".encode() for d in dates for h in _place_halves(towns, districts)]
    assert _hits(guesses, held) == Counter()


def test_the_attack_finds_a_person_once_it_knows_the_street(network: Network) -> None:
    """The control: with a real street known, ``name_address`` is hit, so the empty
    sweeps above are the tokens' doing, not the harness's."""
    mentions, held = network
    found = 0
    for rid, m in mentions:
        a = m.address
        if m.name is None or a is None or not a.locality.strip() or rid.startswith("x"):
            continue
        guess = dict(given_name=m.name.given, family_name=m.name.family, street_address=a.value,
                     locality=a.locality)
        made = [g for g in _inputs([guess]) if g.startswith(b"name_address:")]
        if not made:  # a street the tokenizer binds no name to (a typo made it no street)
            continue
        assert rid in _hits(made, held)
        found += 1
        if found == 10:
            break
    assert found == 10


def _probe(records: Sequence[tuple[str, str, Row]], probes: Sequence[tuple[str, Row]],
           path: Path) -> dict[str, matching.MatchView]:
    """Store ``records``, then the hostile member's ``probes``; what ListMatches would
    tell that member about each probe (the engine's own views)."""
    store = store_mod.SharedStore(path)
    try:
        engine = matching.MatchEngine(store)
        for rid, member, row in [*records, *((rid, "hostile", row) for rid, row in probes)]:
            mention = _lenient(rid, row)
            if mention is None:  # a probe the node refuses to share is no probe
                continue
            inputs = inputs_for_mention(mention)
            toks = list(zip([i.kind for i in inputs], OPRF.tokenize([i.data for i in inputs]), strict=True))
            engine.ingest([(rid, member, toks)])
        return engine.views([rid for rid, _row in probes])
    finally:
        store.close()


def test_a_member_probing_with_a_name_and_a_town_learns_nothing(tmp_path: Path) -> None:
    """A hostile member knows a victim's name and town (from a poster, a social-media
    profile) and wants to know whether another member holds her. It submits a record per
    form a name and a town give; ListMatches must show no match for any. The victim is
    held by one member with her town in the street column, by another with her address."""
    victim = dict(given_name="Ionut", family_name="Popescu", date_of_birth="1991-04-12")
    records = [("v1", "m1", dict(victim, street_address="Boston", locality="Boston", phone="07700 900555")),
               ("v2", "m2", dict(victim, street_address="Boston, Lincs", locality="Boston"))]
    name = dict(given_name="Ionut", family_name="Popescu")
    probes = [(f"p{i}", dict(name, **place)) for i, place in enumerate([
        dict(locality="Boston"), dict(street_address="Boston", locality="Boston"),
        dict(street_address="Boston, Lincs", locality="Boston"), dict(street_address="Lincolnshire", locality="Boston"),
        dict(street_address="Boston", postcode="PE21 8AA"), dict(postcode="PE21"),
    ])]
    assert _probe(records, probes, tmp_path / "shared.db") == {}
    # The control: knowing her date of birth (an identifier of hers), the probe matches.
    known = _probe(records, [("q", dict(victim, locality="Boston"))], tmp_path / "control.db")
    assert set(known) == {"q"} and known["q"].other_members == frozenset({"m1", "m2"})


#: A house in multiple occupation: Vietnamese men of one family name and the commonest
#: middle name, and the hostile member's record of a perpetrator written the same way.
HMO = dict(street_address="14 Fydell Street", postcode="PE21 8LF", locality="Boston")
HOUSEMATES: list[tuple[str, str, Row]] = [
    ("n1", "m1", dict(given_name="Van Hung", family_name="Nguyen", date_of_birth="1990-01-04", **HMO)),
    ("n2", "m2", dict(given_name="Van Nam", family_name="Nguyen", date_of_birth="1993-07-21", **HMO)),
    ("n3", "m3", dict(given_name="Van Duc", family_name="Nguyen", **HMO)),
    ("n4", "m4", dict(given_name="Van Minh", family_name="Nguyen", **HMO)),
]


def test_men_of_one_family_and_middle_name_at_one_house_are_not_one_person(tmp_path: Path) -> None:
    """``Nguyen Van Hung`` and ``Nguyen Van Nam`` share the two-word form ``Nguyen Van``;
    at one postcode that form is a house of countrymen, not a person. Nor can a hostile
    member's "Nguyen Van Tuan" there (a perpetrator's record) join any of them."""
    crafted = ("h1", "hostile", dict(given_name="Van Tuan", family_name="Nguyen", phone="07700 900777", **HMO))
    records = [*HOUSEMATES, crafted]
    assert pair_set(matcher_of(records).pairs()) == set()
    assert engine_clusters(records, tmp_path / "shared.db") == []
    # And the coordinator learns no shared name between them: only the house.
    shared = set.intersection(*({i.data for i in inputs_for_mention(_mention(r, row))}
                                for r, _member, row in HOUSEMATES[:2]))
    assert {x.split(b":", 1)[0] for x in shared} <= {b"address"}


def test_a_dropped_middle_name_still_links_by_the_date_of_birth() -> None:
    """The recall the two-word forms were for stays where they bind a date of birth."""
    records = [HOUSEMATES[0], ("n5", "m5", dict(given_name="Hung", family_name="Nguyen",
                                                date_of_birth="04/01/1990", locality="Boston"))]
    assert pair_set(matcher_of(records).pairs()) == {("n1", "n5")}


def _shape(row: Row) -> Counter[str]:
    """What the coordinator sees of a record: its kinds, each with its token count."""
    return Counter(i.kind for i in inputs_for_mention(_mention("r", row)))


def test_the_shape_of_a_record_does_not_tell_a_foreign_mobile() -> None:
    """Phones of one length (the ``phone_near`` count shows the length) give the same
    kinds and counts, whether UK, a mobile of the network's home countries, or written
    as dialled from home without its prefix."""
    person = dict(given_name="Ana", family_name="Pop")
    twelve = ["07911 123456", "01205 360123", "+359 88 123 4567", "+353 87 123 4567", "+380 50 123 4567",
              "07700 900123"]
    eleven = ["+40 722 123 456", "0722 123 456", "+48 512 345 678", "512 345 678"]
    for group in (twelve, eleven):
        shapes = [_shape(dict(person, phone=p)) for p in group]
        assert {len(normalize.phone(p, normalize.phone_region(p))) for p in group} == {len(normalize.phone(
            group[0], normalize.phone_region(group[0])))}
        assert all(s == shapes[0] for s in shapes), [dict(s) for s in shapes]
    # The readings from home still agree with the number written with its prefix.
    home = {i.data for i in inputs_for_mention(_mention("a", dict(person, phone="0722 123 456")))}
    abroad = {i.data for i in inputs_for_mention(_mention("b", dict(person, phone="+40 722 123 456")))}
    assert b"phone_home:+40722123456" in home & abroad


def test_near_tokens_of_a_bank_account_hold_the_whole_account(network: Network) -> None:
    """``bank_near`` and ``phone_home`` are of whole identifiers: the attacker knowing an
    account (or phone) with one digit unknown finds nothing in its neighbourhood of
    deletions (unlike ``phone_near``, whose deletion variants are the kind's design), so
    it needs the ten guesses a strong token always cost."""
    row = dict(given_name="Mihai", family_name="Ionescu", bank_account="20-00-00 12345678", phone="0722 123 456")
    mention = _mention("b1", row)
    inputs = inputs_for_mention(mention)
    near = [i.data.decode() for i in inputs if i.kind in ("bank_near", "phone_home")]
    assert "bank_near:200000:12345678" in near
    held = {t: {"b1"} for t in OPRF.tokenize([i.data for i in inputs])}
    guesses: list[bytes] = []
    for kind, value in (("bank_near", "200000:12345678"), ("phone_home", "+40722123456")):
        for i in range(len(value)):
            if value[i].isdigit():
                guesses.append(f"{kind}:{value[:i] + value[i + 1:]}".encode())
                guesses.append(f"{kind}:{value[:i] + '*' + value[i + 1:]}".encode())
    assert _hits(guesses, held) == Counter()
    # An IBAN whose checksum fails gives at most six repairs, each a whole valid account.
    bad = _lenient("b2", dict(row, bank_account="GB82 WEST 1234 5698 7654 33"))
    assert bad is not None
    repairs = [i.data.decode().removeprefix("bank_near:") for i in inputs_for_mention(bad) if i.kind == "bank_near"]
    assert 1 <= len(repairs) <= 6
    assert all(len(r.split(":")[0]) == 6 and len(r.split(":")[1]) == 8 for r in repairs)


def test_knowing_a_phone_a_name_dictionary_tells_the_names_given_with_it(network: Network) -> None:
    """The residual that stays (docs/linkage.md section 6): ``name_phone`` is of a whole
    name and a phone, so STTG knowing a phone (an agency's public landline) learns the
    names recorded with it at one evaluation per dictionary name, as it learns the names
    at a known postcode from ``name_postcode``. Without the phone nothing is hit (the
    sweeps above and ``test_name_dictionary_attack.py``)."""
    mentions, held = network
    by_phone: dict[str, set[str]] = {}
    for rid, m in mentions:
        for i in inputs_for_mention(m):
            if i.kind == "name_phone":
                words, phone = i.data.decode().removeprefix("name_phone:").split("|")
                by_phone.setdefault(phone, set()).add(words)
    # The attacker's dictionary: every name in the data, as the tokenizer folds it.
    dictionary = sorted({w for ws in by_phone.values() for w in ws})
    busiest = max(by_phone, key=lambda p: len(by_phone[p]))
    assert len(by_phone[busiest]) >= 4  # an agency's landline, given by many workers
    guesses = [f"name_phone:{w}|{busiest}".encode() for w in dictionary]
    found = _hits(guesses, held)
    holders = {rid for rid, m in mentions for i in inputs_for_mention(m)
               if i.kind == "name_phone" and i.data.decode().endswith("|" + busiest)}
    assert set(found) == holders
    assert len(guesses) == len(dictionary) < 1_500


def test_the_name_and_date_halves_of_the_new_kinds_hit_nothing(network: Network) -> None:
    """The new kinds evaluated with their other half empty (every name, every date of
    birth in the data): no token of them is of a name or a date alone."""
    mentions, held = network
    ms = [m for _r, m in mentions]
    words = sorted({_folded_name(m.name.given, m.name.family) for m in ms if m.name is not None} - {""})
    dates = sorted({normalize.date_of_birth(m.date_of_birth.value) for m in ms if m.date_of_birth is not None})
    tails = ("", "|", "|+", "||locality ", "||district ")
    guesses = [f"{kind}:{w}{tail}".encode() for kind in ("name_phone", "name_address", "name_dob", "name_postcode")
               for w in words for tail in tails]
    guesses += [f"{kind}:{d}{tail}".encode() for kind in ("dob_phone", "dob_address") for d in dates for tail in tails]
    assert {k for m in ms for k in (i.kind for i in inputs_for_mention(m))} >= {
        "name_phone", "name_address", "dob_phone", "dob_address", "phone_home", "bank_near"}
    assert _hits(guesses, held) == Counter()


@pytest.mark.parametrize(("street", "bound"), [
    ("12 High Street", True), ("High Street", True), ("127Manor Road", True), ("Boston Road", False),
    ("12 Manor Farm", True), ("Flat 2, 67 Chapel St", True),
    ("Boston", False), ("Boston, Lincs", False), ("Flat 2 Boston", False), ("Lincolnshire", False),
    ("unknown address", False), ("caravan", False), ("Manor Farm", False), ("Road", False),
])
def test_a_name_is_bound_only_to_a_street_of_its_own(street: str, bound: bool) -> None:
    """What the street column must hold for ``name_address`` and ``dob_address``: a word
    of its own (not its town's: ``Boston Road`` in Boston is the town and a road) with
    a house number or a thoroughfare word."""
    mention = _lenient("s", dict(given_name="Ana", family_name="Pop", date_of_birth="1990-02-03",
                                 street_address=street, locality="Boston", postcode="PE21 8AA"))
    assert mention is not None
    kinds = {i.kind for i in inputs_for_mention(mention)}
    assert ("name_address" in kinds) is bound and ("dob_address" in kinds) is bound
    assert "address" in kinds  # the address itself is still matched on


def test_the_typo_kind_of_a_name_word_is_of_the_word_and_the_whole_date(network: Network) -> None:
    """``part_near_dob`` (the longest name word whole and with each letter deleted, with
    the date of birth and the initials of the other words): every word in the data and each of its deletions with the date
    left out, and every date of birth with the word left out, hit nothing. Knowing a
    person's date of birth, the sweep costs one evaluation per dictionary word and initial
    (``part_dob`` costs one per word): *N* x ~36,500 dates for the whole network (section 6)."""
    mentions, held = network
    ms = [m for _r, m in mentions]
    words = sorted({w for m in ms if m.name is not None for w in _folded_name(m.name.given, m.name.family).split()})
    variants = sorted({w[:i] + w[i + 1:] for w in words for i in range(len(w))} | set(words))
    dates = sorted({normalize.date_of_birth(m.date_of_birth.value) for m in ms if m.date_of_birth is not None})
    assert len(words) > 100 and len(dates) > 50
    guesses = [f"part_near_dob:part|{tail}{v}".encode() for v in variants for tail in ("", "|", "****-**-**|")]
    guesses += [f"part_near_dob:part|{d}{tail}".encode() for d in dates for tail in ("", "|")]
    assert "part_near_dob" in {i.kind for m in ms for i in inputs_for_mention(m)}
    assert _hits(guesses, held) == Counter()
    # The control: a date of birth known, the dictionary's words find the records of it.
    target = next(m for m in ms if m.date_of_birth is not None and m.name is not None
                  and any(i.kind == "part_near_dob" for i in inputs_for_mention(m)))
    dob = normalize.date_of_birth(target.date_of_birth.value)  # type: ignore[union-attr]
    # (and the initials of the person's other name words: 26 guesses for a two-word name)
    found = _hits([f"part_near_dob:part|{dob}|{i}|{w}".encode() for w in words for i in "abcdefghijklmnopqrstuvwxyz"],
                  held)
    assert found and len(words) < 2_000
