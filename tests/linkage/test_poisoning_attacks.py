"""A hostile member poisoning the matcher, played through the coordinator's ``MatchEngine``.

The member submits crafted records (real OPRF tokens under the nodes' key, as its own
node would make them; it knows the identifiers it plants) and the test reads what the
coordinator then matches and clusters.

* **Making a perpetrator's identifier look common.** The frequency discount counts the
  entities holding a value (``core.entity_count``): a NINO or phone held by six
  different people is an office line, not a person. Four or five records of one member
  holding a perpetrator's phone or NINO under made-up names used to make it so, and his
  records at two other members stopped matching. Now groups of one member's records
  alone count at most ``core.PER_MEMBER_ENTITIES`` (2) per member, so one member cannot,
  and a landline seen by several members still is common.
* **What stays (measured, docs/linkage.md section 6):** a value held by more than
  ``max_frequency`` (40) records is never paired, whoever holds them; one crafted record
  with a company's name and a made-up number makes the name one "two companies" trade
  under; one record holding a strong identifier of each of two people joins their
  clusters. Each is stated with its cost.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from msin_fed.coordinator.matching import MatchEngine
from msin_fed.coordinator.store import SharedStore

from msin_fed.linkage import core
from msin_fed.linkage.mentions import mention_from_row
from msin_fed.linkage.scoring import DEFAULT_MODEL, ScoringModel, fitted_model
from msin_fed.oprf import derive_key_pair
from msin_fed.token_inputs import inputs_for_mention
from msin_fed.tokenizer import LocalTokenizer

SK, _PK = derive_key_pair(os.urandom(32), b"msin test poisoning attacks")
OPRF = LocalTokenizer(SK)

Row = dict[str, str]
Records = Sequence[tuple[str, str, Row]]

#: Made-up people the hostile member writes beside the planted identifier.
_GIVEN = ["Ion", "Vasile", "Petru", "Andrei", "Mihai", "Radu", "Florin", "Dan", "Sorin", "Liviu"]
_FAMILY = ["Barbu", "Lungu", "Ciobanu", "Moraru", "Rusu", "Stan", "Tudor", "Ilie", "Munteanu", "Dinu"]


def _made_up(i: int) -> Row:
    return dict(given_name=_GIVEN[i % 10], family_name=_FAMILY[(3 * i + 1) % 10],
                date_of_birth=f"19{70 + i % 25}-{1 + i % 12:02d}-{1 + (7 * i) % 28:02d}")


def _tokens(row: Row) -> list[tuple[str, bytes]]:
    mention, problems = mention_from_row({"record_id": "x", **row})
    assert mention is not None, problems
    inputs = inputs_for_mention(mention)
    return list(zip([i.kind for i in inputs], OPRF.tokenize([i.data for i in inputs]), strict=True))


def _run(records: Records, path: Path, model: ScoringModel = DEFAULT_MODEL
         ) -> tuple[set[tuple[str, str]], list[set[str]]]:
    """Matched pairs and clusters after ``records`` are shared one at a time."""
    store = SharedStore(path)
    try:
        engine = MatchEngine(store, model)
        for rid, member, row in records:
            engine.ingest([(rid, member, _tokens(row))])
        return {(a, b) for a, b, _s in engine.pairs()}, [set(c.record_ids) for c in engine.clusters()]
    finally:
        store.close()


#: A perpetrator known to two members by his NINO only (an alias at the second).
NINO_PERP: list[tuple[str, str, Row]] = [
    ("p1", "m1", dict(given_name="Marian", family_name="Dobre", date_of_birth="1977-09-14",
                      national_id="JG103759A")),
    ("p2", "m2", dict(given_name="Marius", family_name="Dobrescu", national_id="JG 10 37 59 A")),
]
#: A perpetrator known to two members by his mobile only.
PHONE_PERP: list[tuple[str, str, Row]] = [
    ("p1", "m1", dict(given_name="Marian", family_name="Dobre", date_of_birth="1977-09-14",
                      phone="07700 900461")),
    ("p2", "m2", dict(email="md77@example.com", phone="+44 7700 900461")),
]


def _crafted(n: int, planted: Row, member: str = "hostile", start: int = 0) -> list[tuple[str, str, Row]]:
    return [(f"{member}-{i}", member, dict(_made_up(i), **planted)) for i in range(start, start + n)]


def test_one_member_cannot_make_a_perpetrators_nino_look_common(tmp_path: Path) -> None:
    """Five records with his NINO and five made-up people made it "held by six people"
    (added at most 3.5): his two records stopped matching, and at six his cluster went.
    Eight now change nothing for him."""
    for n in (5, 8):
        pairs, clusters = _run(NINO_PERP + _crafted(n, dict(national_id="JG103759A")), tmp_path / f"n{n}.db")
        assert ("p1", "p2") in pairs, n
        assert any({"p1", "p2"} <= c for c in clusters), n


def test_one_member_cannot_make_a_perpetrators_phone_look_common(tmp_path: Path) -> None:
    """Four records with his mobile under made-up names made it an office line."""
    for n in (4, 8):
        pairs, clusters = _run(PHONE_PERP + _crafted(n, dict(phone="07700900461")), tmp_path / f"n{n}.db")
        assert ("p1", "p2") in pairs, n
        assert any({"p1", "p2"} <= c for c in clusters), n


def test_the_cap_is_per_member_so_colluding_members_each_add_two(tmp_path: Path) -> None:
    """The cost of the attack is members, not records: each adds at most two entities.
    The phone (two entities of its own, his records sharing nothing else) is common at
    six, so two colluding members hide it; his NINO (one entity) needs three."""
    two = _crafted(4, dict(phone="07700900461"), "h1") + _crafted(4, dict(phone="07700900461"), "h2", 4)
    pairs, _clusters = _run(PHONE_PERP + two, tmp_path / "phone.db")
    assert ("p1", "p2") not in pairs  # the residual, at two members
    pairs, _clusters = _run(NINO_PERP + [r for h in ("h1", "h2") for r in
                                         _crafted(4, dict(national_id="JG103759A"), h, 4 * int(h[1]))],
                            tmp_path / "nino2.db")
    assert ("p1", "p2") in pairs
    three = [r for h in ("h1", "h2", "h3") for r in _crafted(4, dict(national_id="JG103759A"), h, 4 * int(h[1]))]
    pairs, _clusters = _run(NINO_PERP + three, tmp_path / "nino3.db")
    assert ("p1", "p2") not in pairs


#: An agency's landline and address given by ten workers it placed: six reported by one
#: member (an outreach visit), two each by two others. Nothing personal joins them.
AGENCY = dict(phone="01205 310555", street_address="Unit 4 Riverside Industrial Estate", postcode="PE21 7TB")
WORKERS = [(f"w{i}", "m1" if i < 6 else f"m{2 + (i - 6) // 2}", dict(_made_up(40 + i), **AGENCY)) for i in range(10)]


def test_a_landline_several_members_see_with_many_people_stays_common(tmp_path: Path) -> None:
    """The legitimate case the discount is for: one member's six workers count as two
    entities, but with the other members' four the landline is held by six and links
    nobody."""
    pairs, clusters = _run(WORKERS, tmp_path / "agency.db")
    assert pairs == set() and clusters == []
    holders = [rid for rid, _m, _r in WORKERS]
    toks = {rid: {v: k for k, v in _tokens(row)} for rid, _m, row in WORKERS}
    phone = next(v for v, k in toks["w0"].items() if k == "phone")
    member = {rid: m for rid, m, _r in WORKERS}
    assert core.entity_count(phone, "phone", holders, toks) == 10
    assert core.entity_count(phone, "phone", holders, toks, member=member) == 6


def test_flooding_a_value_past_the_pairing_limit_still_hides_it(tmp_path: Path) -> None:
    """The residual (docs/linkage.md section 6): a value held by more than
    ``max_frequency`` records is never paired, whoever holds them, so 39 records of one
    member with his NINO (his own name, so no grouping rule is tripped) hide it; 37
    do not."""
    assert DEFAULT_MODEL.max_frequency == 40
    him = dict(given_name="Marian", family_name="Dobre", date_of_birth="1977-09-14", national_id="JG103759A")
    flood = [(f"h{i}", "hostile", him) for i in range(39)]
    pairs, _clusters = _run(NINO_PERP + flood[:37], tmp_path / "under.db")
    assert ("p1", "p2") in pairs
    pairs, _clusters = _run(NINO_PERP + flood, tmp_path / "over.db")
    assert ("p1", "p2") not in pairs


COMPANY: list[tuple[str, str, Row]] = [
    ("c1", "m1", dict(company_name="Fenland Harvest Labour Ltd", phone="01945 580111")),
    ("c2", "m2", dict(company_name="Fenland Harvest Labour Limited")),
    ("c3", "m3", dict(company_name="Fenland Harvest Labour Ltd", company_number="07654321")),
]


def test_one_record_with_another_number_unlinks_a_companys_mentions(tmp_path: Path) -> None:
    """The residual of the phoenix rule: a name two companies trade under names neither,
    so one crafted record of the name with a made-up number unlinks the mentions without
    a number (and the one with it) at three members. It costs one record; STTG sees a
    company number given by one member only."""
    pairs, _clusters = _run(COMPANY, tmp_path / "before.db")
    assert {("c1", "c2"), ("c1", "c3"), ("c2", "c3")} <= pairs
    crafted = ("h0", "hostile", dict(company_name="Fenland Harvest Labour Ltd", company_number="09876543"))
    pairs, clusters = _run([*COMPANY, crafted], tmp_path / "after.db")
    assert pairs == set() and clusters == []


def test_one_record_holding_two_peoples_identifiers_joins_their_clusters(tmp_path: Path) -> None:
    """The residual of linkage itself: a record giving a victim's NINO and a
    perpetrator's phone (and no name to disagree) is what a real report of her using his
    phone looks like, and joins the two clusters. It needs a strong identifier of each;
    with a name, the phone's other-name rule keeps it from the perpetrator."""
    victim = dict(given_name="Ana", family_name="Lazar", date_of_birth="1999-02-03", national_id="JG103759A")
    perp = dict(given_name="Marian", family_name="Dobre", phone="07700 900461", vehicle_registration="AB12CDE")
    records = [("v1", "m1", victim), ("v2", "m2", victim), ("p1", "m3", perp), ("p2", "m4", dict(perp))]
    _pairs, clusters = _run(records, tmp_path / "before.db")
    assert sorted(map(sorted, clusters)) == [["p1", "p2"], ["v1", "v2"]]
    named = ("h0", "hostile", dict(given_name="Ana", family_name="Lazar", national_id="JG103759A",
                                   phone="07700900461"))
    _pairs, clusters = _run([*records, named], tmp_path / "named.db")
    assert sorted(map(sorted, clusters)) == [["h0", "v1", "v2"], ["p1", "p2"]]
    bare = ("h0", "hostile", dict(national_id="JG103759A", phone="07700900461"))
    _pairs, clusters = _run([*records, bare], tmp_path / "bare.db")
    assert sorted(map(sorted, clusters)) == [["h0", "p1", "p2", "v1", "v2"]]


def _shared_counts(a: Row, b: Row) -> dict[str, tuple[int, int]]:
    """What STTG sees of two records of one phone: per kind, how many tokens each holds
    and how many of them the two share."""
    ta, tb = _tokens(a), _tokens(b)
    va, vb = {v for _k, v in ta}, {v for _k, v in tb}
    out: dict[str, tuple[int, int]] = {}
    for kind in {k for k, _v in ta}:
        mine = [v for k, v in ta if k == kind]
        out[kind] = (len(mine), sum(1 for v in mine if v in vb))
    assert va & vb
    return out


def test_fillers_do_not_show_which_tokens_are_real_when_two_records_share_a_phone() -> None:
    """STTG with the database alone, reading which tokens two records of one phone share.
    Every phone gives 1 + 3 ``phone_home`` tokens so that the counts do not tell a foreign
    mobile written as dialled from home (its readings as a mobile of the home countries)
    from a UK number (fillers); but random fillers never match, so two records of one
    such phone shared 3 of them and two of a UK number 1. Likewise a phone's repeated
    digits showed as the ``phone_near`` tokens two records of it do not share. Fillers
    are now of the whole value (and their place), so two records of one phone share all."""
    person = dict(given_name="Ana", family_name="Pop")
    foreign = _shared_counts(dict(person, phone="0722 123 456"), dict(person, phone="0722123456"))
    uk = _shared_counts(dict(person, phone="07911 123456"), dict(person, phone="07911123456"))
    assert foreign["phone_home"] == uk["phone_home"] == (4, 4)
    repeats = _shared_counts(dict(person, phone="07700 900111"), dict(person, phone="07700900111"))
    plain = _shared_counts(dict(person, phone="07912 345678"), dict(person, phone="07912345678"))
    assert repeats["phone_near"] == plain["phone_near"] == (13, 13)
    # A phone one digit off still shares only its real neighbour, no filler.
    near = _shared_counts(dict(person, phone="07700 900111"), dict(person, phone="07700 900112"))
    assert near["phone_near"][1] >= 1 and near.get("phone_home", (4, 0))[1] == 0


#: What a hostile member may know of someone without holding her: one weak field each.
VICTIM = dict(given_name="Ana", family_name="Lazar", date_of_birth="1999-02-03", phone="07700 900333",
              street_address="14 Fydell Street", postcode="PE21 8LF", locality="Boston")
WEAK_PROBES = {
    "a phone one digit off": dict(phone="07700900334"),
    "the street address": dict(street_address="14 Fydell Street", postcode="PE21 8LF"),
    "the name and postcode": dict(given_name="Ana", family_name="Lazar", postcode="PE21 8LF"),
    "the date of birth and postcode": dict(date_of_birth="1999-02-03", postcode="PE21 8LF"),
}


@pytest.mark.parametrize("name", ["default", "fitted"])
def test_no_single_weak_field_links_a_crafted_record_under_either_model(tmp_path: Path, name: str) -> None:
    """A crafted record of one weak field must neither tell a member that another holds
    her (ListMatches) nor let it chain her to a perpetrator's cluster. Under the default
    model none matches; the EM fit alone would match every one of them (an address held
    by one household fits 15, a name or date of birth at a postcode 15, a phone one
    digit off 11, against a threshold of 11.2), so the fitted model caps those kinds at
    a prior below its threshold (``fitted.WEAK_KINDS``), and this guards it too."""
    model = DEFAULT_MODEL if name == "default" else fitted_model()
    for label, row in WEAK_PROBES.items():
        store = SharedStore(tmp_path / f"{label}.db")
        try:
            engine = MatchEngine(store, model)
            engine.ingest([("v", "m1", _tokens(VICTIM))])
            engine.ingest([("h", "hostile", _tokens(row))])
            assert engine.views(["h"]) == {}, label
        finally:
            store.close()


def test_one_record_with_another_nino_cuts_a_member_out_of_a_perpetrators_cluster(tmp_path: Path) -> None:
    """The residual of the cluster rule (two NINOs never share a cluster unless matched
    with each other): a crafted record of his name, date of birth and phone with a
    made-up NINO matches his phone records more strongly than they match each other, so
    the cluster is built around it and the member holding only his real NINO is cut out.
    One record, knowing three of his fields; STTG sees a pair matched despite two NINOs."""
    perp = dict(given_name="Marian", family_name="Dobre")
    records = [("p1", "m1", dict(perp, national_id="JG103759A")),
               ("p2", "m2", dict(perp, national_id="JG103759A", phone="07700 900461")),
               ("p3", "m3", dict(perp, phone="07700 900461", date_of_birth="1977-09-14"))]
    _pairs, clusters = _run(records, tmp_path / "before.db")
    assert clusters == [{"p1", "p2", "p3"}]
    crafted = ("h0", "hostile", dict(perp, date_of_birth="1977-09-14", phone="07700900461", national_id="AB123456C"))
    _pairs, clusters = _run([*records, crafted], tmp_path / "after.db")
    assert clusters == [{"h0", "p2", "p3"}]
