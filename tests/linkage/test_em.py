"""The EM fit of m and u on unlabelled tokens recovers what a labelled count would say."""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import pytest

from msin_fed.linkage import fitted, scoring
from msin_fed.linkage.core import candidate_pairs, entity_count
from msin_fed.linkage.em import (
    COMPARISONS,
    SESSIONS,
    Comparison,
    Session,
    comparison,
    comparison_vector,
    fit,
    fit_sessions,
    several_level,
)


def _network(seed: int) -> tuple[dict[str, dict[bytes, str]], dict[str, int], set[tuple[str, str]]]:
    """400 people at 4 members: a phone each (kept by 90% of mentions, 1 in 100 shared
    with a stranger's record), a name+dob token (always kept) and a street address that
    a third of people share with an unrelated housemate."""
    rng = random.Random(seed)
    tokens: dict[str, dict[bytes, str]] = {}
    member: dict[str, int] = {}
    truth: set[tuple[str, str]] = set()
    for person in range(400):
        house = person // 3 if person % 3 else person + 10_000
        held = []
        for m in rng.sample(range(4), rng.choice([1, 2, 2, 3])):
            rid = f"{m}-{person}"
            toks = {f"n{person}".encode(): "name_lsh_dob", f"h{house}".encode(): "address"}
            if rng.random() < 0.9:
                toks[f"p{person}".encode()] = "phone"
            tokens[rid], member[rid] = toks, m
            held.append(rid)
        truth.update((a, b) if a < b else (b, a) for i, a in enumerate(held) for b in held[i + 1:])
    return tokens, member, truth


def _levels(name: str) -> list[str]:
    return [n for n, _k in next(c for c in COMPARISONS if c.name == name).levels]


_INDEX = {c.name: i for i, c in enumerate(COMPARISONS)}


def test_comparison_levels_null_disagree_and_agree() -> None:
    a = {b"p1": "phone", b"x": "phone_near"}
    b = {b"p2": "phone", b"x": "phone_near"}
    c = {b"e": "email"}
    i, e = _INDEX["household"], _INDEX["email"]
    assert comparison_vector(a, b)[e] == -1  # not held by both
    assert _levels("household")[comparison_vector(a, b)[i] - 1] == "phone one digit"
    assert comparison_vector(a, {b"p3": "phone"})[i] == 0
    assert comparison_vector(a, c)[i] == -1
    # Held by both only as different kinds (a phone here, an address there): nothing to compare.
    assert comparison_vector(a, {b"h": "address"})[i] == -1


#: Comparisons of one token kind each, for generated sets whose kinds are independent.
_PHONE = comparison("phone", {"phone"}, ("exact", {"phone"}))
_ADDRESS = comparison("address", {"address"}, ("exact", {"address"}))
_NAME = comparison("name_dob", {"name_lsh_dob"}, ("exact", {"name_dob"}), ("similar", {"name_lsh_dob"}))
_NINO = comparison("nino", {"nino"}, ("exact", {"nino"}))
_HOUSE = comparison("address", {"address"}, ("address", {"address"}), several=("address",))


def test_em_recovers_m_and_the_match_share_without_labels() -> None:
    tokens, member, truth = _network(1)
    holders: dict[bytes, dict[str, int]] = {}
    for rid, held in tokens.items():
        for v in held:
            holders.setdefault(v, {})[rid] = member[rid]
    result = fit(tokens, member, candidate_pairs(holders.values()), random_pairs=50_000,
                 comparisons=(_PHONE, _ADDRESS, _NAME))
    ids = sorted(tokens)
    cross = sum(1 for i, a in enumerate(ids) for b in ids[i + 1:] if member[a] != member[b])
    assert abs(result.lam - len(truth) / cross) / (len(truth) / cross) < 0.1
    rows = {(c, level): (m, u) for c, level, m, u, _w in result.rows()}
    m_phone, _u = rows[("phone", "exact")]
    assert 0.95 < m_phone <= 1.0  # when both records hold a phone, one person's always agree
    m_addr, u_addr = rows[("address", "exact")]
    assert m_addr > 0.95 and u_addr < 0.01
    assert result.weight("name_dob", 2) > result.weight("address", 1)  # a shared house is weaker


def _simulated(seed: int) -> tuple[dict[str, dict[bytes, str]], dict[str, int], set[tuple[str, str]]]:
    """300 people at 4 members, dense enough that random pairs draw true matches: a NINO
    kept by 90% of mentions (else mistyped beyond a near miss), one of 40 houses, and a
    name with date of birth kept by 80% (else written another way)."""
    rng = random.Random(seed)
    tokens: dict[str, dict[bytes, str]] = {}
    member: dict[str, int] = {}
    truth: set[tuple[str, str]] = set()
    serial = 0
    for person in range(300):
        house = rng.randrange(40)
        held = []
        for m in rng.sample(range(4), rng.choice([2, 3, 4])):
            serial += 1
            rid = f"{m}-{person}-{serial}"
            nino = f"n{person}" if rng.random() < 0.9 else f"typo{serial}"
            name = f"d{person}" if rng.random() < 0.8 else f"other{serial}"
            tokens[rid] = {nino.encode(): "nino", name.encode(): "name_dob", f"b{name}".encode(): "name_lsh_dob",
                           f"h{house}".encode(): "address"}
            member[rid] = m
            held.append(rid)
        truth.update((a, b) if a < b else (b, a) for i, a in enumerate(held) for b in held[i + 1:])
    return tokens, member, truth


def _labelled(tokens: dict[str, dict[bytes, str]], member: dict[str, int], truth: set[tuple[str, str]],
              comparisons: tuple[Comparison, ...], name: str) -> tuple[list[float], list[float]]:
    """m and u of every level of a comparison counted with the labels, over all
    cross-member pairs where it is observed (index 0 = disagree)."""
    index = [c.name for c in comparisons].index(name)
    size = len(comparisons[index].levels) + 1
    agree = {True: [0] * size, False: [0] * size}
    ids = sorted(tokens)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if member[a] == member[b]:
                continue
            level = comparison_vector(tokens[a], tokens[b], comparisons)[index]
            if level >= 0:
                agree[(a, b) in truth][level] += 1
    return ([n / sum(agree[True]) for n in agree[True]], [n / sum(agree[False]) for n in agree[False]])


def _labelled_all(tokens: dict[str, dict[bytes, str]], member: dict[str, int], truth: set[tuple[str, str]],
                  comparisons: tuple[Comparison, ...]) -> dict[str, tuple[list[float], list[float]]]:
    """:func:`_labelled` of every comparison in one pass over the pairs."""
    agree = {c.name: {True: [0] * (len(c.levels) + 1), False: [0] * (len(c.levels) + 1)} for c in comparisons}
    ids = sorted(tokens)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if member[a] == member[b]:
                continue
            for c, level in zip(comparisons, comparison_vector(tokens[a], tokens[b], comparisons), strict=True):
                if level >= 0:
                    agree[c.name][(a, b) in truth][level] += 1
    return {n: ([x / sum(d[True]) for x in d[True]], [x / sum(d[False]) for x in d[False]]) for n, d in agree.items()}


#: Independent by construction: a NINO, a house and a name with its date of birth.
_INDEPENDENT = (_NINO, _ADDRESS, comparison("name_dob", {"name_dob"}, ("exact", {"name_dob"})))


def test_em_recovers_known_m_and_u_where_random_pairs_hold_matches() -> None:
    tokens, member, truth = _simulated(7)
    holders: dict[bytes, dict[str, int]] = {}
    for rid, held in tokens.items():
        for v in held:
            holders.setdefault(v, {})[rid] = member[rid]
    result = fit(tokens, member, candidate_pairs(holders.values()), random_pairs=60_000, comparisons=_INDEPENDENT)
    rows = {(c, level): (m, u) for c, level, m, u, _w in result.rows()}
    for name in ("nino", "address", "name_dob"):
        m_true, u_true = (x[1] for x in _labelled(tokens, member, truth, _INDEPENDENT, name))
        m_fit, u_fit = rows[(name, "exact")]
        assert abs(m_fit - m_true) < 0.03, name
        # u of a rare level is far below what the random pairs' true matches alone give
        assert abs(u_fit - u_true) < max(0.25 * u_true, 2e-5), name
    cross = sum(1 for i, a in enumerate(sorted(tokens)) for b in sorted(tokens)[i + 1:] if member[a] != member[b])
    assert abs(result.lam - len(truth) / cross) / (len(truth) / cross) < 0.1


def _people(seed: int) -> tuple[dict[str, dict[bytes, str]], dict[str, int], set[tuple[str, str]]]:
    """400 people at 4 members whose evidence is *dependent*: the tokens of a name with
    the date of birth, the name with the postcode and the date with the postcode are made
    from three fields, as ``token_inputs`` makes them (a name written another way breaks
    two of them at once; a move breaks the two with the postcode). Names (80 of them),
    dates (300) and postcodes (60) repeat across people, so strangers share some of it;
    a NINO, kept by 90% of mentions, is independent of all that."""
    rng = random.Random(seed)
    tokens: dict[str, dict[bytes, str]] = {}
    member: dict[str, int] = {}
    truth: set[tuple[str, str]] = set()
    serial = 0
    for person in range(400):
        name, dob, post = rng.randrange(80), rng.randrange(300), rng.randrange(60)
        held = []
        for m in rng.sample(range(4), rng.choice([1, 2, 2, 3])):
            serial += 1
            rid = f"{m}-{person}-{serial}"
            n = f"{name}" if rng.random() < 0.9 else f"x{serial}"
            d = f"{dob}" if rng.random() < 0.9 else f"y{serial}"
            p = f"{post}" if rng.random() < 0.7 else f"z{serial}"
            toks = {f"nd{n}/{d}".encode(): "name_dob", f"np{n}/{p}".encode(): "name_postcode",
                    f"dp{d}/{p}".encode(): "dob_postcode"}
            if rng.random() < 0.9:
                toks[f"ni{person}".encode()] = "nino"
            tokens[rid], member[rid] = toks, m
            held.append(rid)
        truth.update((a, b) if a < b else (b, a) for i, a in enumerate(held) for b in held[i + 1:])
    return tokens, member, truth


#: One comparison of the person (name, date of birth, postcode), as in :data:`COMPARISONS`.
_PERSON = comparison("person", {"name_dob", "name_postcode", "dob_postcode"},
                     ("name and date", {"name_dob"}), ("name and postcode", {"name_postcode"}),
                     ("date and postcode", {"dob_postcode"}))


def test_a_joint_comparison_recovers_m_and_u_of_dependent_evidence() -> None:
    """Splink's one comparison per concept: the person's dependent tokens as levels of one
    comparison fit the m and u the labels give; fitted as three comparisons (the
    independence the fit assumes, broken), one person seen twice counts his name and
    date three times over."""
    tokens, member, truth = _people(3)
    holders: dict[bytes, dict[str, int]] = {}
    for rid, held in tokens.items():
        for v in held:
            holders.setdefault(v, {})[rid] = member[rid]
    joint = (_NINO, _PERSON)
    result = fit(tokens, member, candidate_pairs(holders.values()), random_pairs=80_000, comparisons=joint)
    m_true, u_true = _labelled(tokens, member, truth, joint, "person")
    # Of one person's pairs whose person evidence agrees at all, the share at each level;
    # and the chance that strangers agree at it. (The share that disagrees is not
    # recovered: a pair of one person sharing only the NINO fits as a non-match, and the
    # pairs sharing nothing are no candidates; see docs/linkage.md, the EM section.)
    agreeing = 1 - result.m[1][0]
    for level in range(1, len(_PERSON.levels) + 1):
        assert result.m[1][level] / agreeing == pytest.approx(m_true[level] / (1 - m_true[0]), abs=0.03), level
        assert result.u[1][level] == pytest.approx(u_true[level], rel=0.4), level
    separate = (_NINO, comparison("a", {"name_dob"}, ("exact", {"name_dob"})),
                comparison("b", {"name_postcode"}, ("exact", {"name_postcode"})),
                comparison("c", {"dob_postcode"}, ("exact", {"dob_postcode"})))
    apart = fit(tokens, member, candidate_pairs(holders.values()), random_pairs=80_000, comparisons=separate)
    everything = sum(apart.weight(c, 1) for c in ("a", "b", "c"))
    truth_weight = math.log2(m_true[1] / u_true[1])  # all three agree: level "name and date"
    assert everything > truth_weight + 8
    assert result.weight("person", 1) < everything - 8


def test_training_sessions_fit_a_person_known_only_by_a_document_as_one_person() -> None:
    """One EM over every candidate pair settles on the fixed point where a person's pairs
    that share only the NINO are non-matches (m of the person's disagree level near 0).
    Splink's training sessions, u fixed from random pairs: blocked on the NINO, the
    person's m is fitted on pairs that are one person whatever their names say; blocked
    on the name with the date, the NINO's. Both recover what the labels give."""
    tokens, member, truth = _people(3)
    holders: dict[bytes, dict[str, int]] = {}
    for rid, held in tokens.items():
        for v in held:
            holders.setdefault(v, {})[rid] = member[rid]
    joint = (_NINO, _PERSON)
    sessions = (Session("nino", (("nino", ("exact",)),)), Session("name", (("person", ("name and date",)),)))
    data: list[fitted.Dataset] = [(tokens, member, candidate_pairs(holders.values()), set(), {})]
    result = fit_sessions(data, comparisons=joint, sessions=sessions, random_pairs=80_000)
    everything = fit(tokens, member, candidate_pairs(holders.values()), random_pairs=80_000, comparisons=joint)
    labelled = _labelled_all(tokens, member, truth, joint)
    m_person, m_nino = labelled["person"][0], labelled["nino"][0]
    assert m_person[0] > 0.1  # the labels: a person's pairs often share no person token
    assert everything.m[1][0] < 0.01  # one EM over everything: those pairs are no match
    assert result.m[1][0] == pytest.approx(m_person[0], abs=0.05)
    for level in range(1, len(_PERSON.levels) + 1):
        assert result.m[1][level] == pytest.approx(m_person[level], abs=0.05), level
    assert result.m[0][1] == pytest.approx(m_nino[1], abs=0.03)
    assert [s[0] for s in result.sessions] == ["nino", "name"] and not result.unsessioned
    ids = sorted(tokens)
    cross = sum(1 for i, a in enumerate(ids) for b in ids[i + 1:] if member[a] != member[b])
    assert result.lam == pytest.approx(len(truth) / cross, rel=0.15)


def _households(seed: int) -> tuple[dict[str, dict[bytes, str]], dict[str, int], set[tuple[str, str]]]:
    """300 people at 4 members: a name with date of birth (given in 85% of mentions), a
    phone (70%), and an address, which half of them share with a housemate."""
    rng = random.Random(seed)
    tokens: dict[str, dict[bytes, str]] = {}
    member: dict[str, int] = {}
    truth: set[tuple[str, str]] = set()
    serial = 0
    for person in range(300):
        house = person // 2 if person < 150 else 1000 + person
        held = []
        for m in rng.sample(range(4), rng.choice([1, 2, 2, 3])):
            serial += 1
            rid = f"{m}-{person}-{serial}"
            toks = {f"h{house}".encode(): "address"}
            if rng.random() < 0.85:
                toks[f"d{person}".encode()] = "name_dob"
            if rng.random() < 0.7:
                toks[f"p{person}".encode()] = "phone"
            tokens[rid], member[rid] = toks, m
            held.append(rid)
        truth.update((a, b) if a < b else (b, a) for i, a in enumerate(held) for b in held[i + 1:])
    return tokens, member, truth


def test_a_value_held_by_a_household_is_its_own_level_and_fits_weaker() -> None:
    """Splink's term-frequency adjustment counted in entities: a house's address (its
    holders form 2 or 3 groups by ``core.entity_count``) is the ``several`` level; fitted
    without labels, it weighs far less than an address held by one person, and its u is
    what the labels say."""
    tokens, member, truth = _households(5)
    holders: dict[bytes, dict[str, int]] = {}
    for rid, held in tokens.items():
        for v in held:
            holders.setdefault(v, {})[rid] = member[rid]
    counts = {v: entity_count(v, tokens[next(iter(g))][v], list(g), tokens) for v, g in holders.items() if len(g) > 1}
    entities = {v: n for v, n in counts.items() if 2 <= n <= 3}
    common = {v for v, n in counts.items() if n > 3}
    comps = (_HOUSE,)
    index, levels = 0, [n for n, _k in _HOUSE.levels]
    address, several_name = levels.index("address") + 1, several_level("address")
    # Two housemates, one of whom gave no name: nothing says their names differ.
    a, b = next((tokens[x], tokens[y]) for v in entities if v.startswith(b"h") for x in holders[v] for y in holders[v]
                if x.split("-")[1] != y.split("-")[1] and "name_dob" not in tokens[x].values())
    assert levels[comparison_vector(a, b, comps, entities=entities)[index] - 1] == several_name
    assert levels[comparison_vector(a, b, comps)[index] - 1] == "address"
    result = fit(tokens, member, candidate_pairs(holders.values()), random_pairs=50_000, common=common,
                 entities=entities, comparisons=(_HOUSE, _PHONE, _NAME))
    several = levels.index(several_name) + 1
    assert result.weight("address", several) < result.weight("address", address) - 3
    ids = sorted(tokens)
    seen = agree = 0
    for i, x in enumerate(ids):
        for y in ids[i + 1:]:
            if member[x] == member[y] or (x, y) in truth or (y, x) in truth:
                continue
            level = comparison_vector(tokens[x], tokens[y], comps, common=common, entities=entities)[index]
            seen += level >= 0
            agree += level == several
    assert result.u[index][several] == pytest.approx(agree / seen, rel=0.25)


def test_a_value_held_by_four_or_more_entities_is_its_own_level() -> None:
    """The rest of the term-frequency adjustment: an agency's landline (held by 12
    entities) is the household's ``phone, 4+ entities`` level when nothing better of the
    household agrees, and fits far weaker than a couple's phone; in a comparison without
    such a level (the person) a value that common is no agreement."""
    index, levels = _INDEX["household"], _levels("household")
    a = {b"landline": "phone", b"pp": "phon_postcode"}
    b = {b"landline": "phone", b"pp": "phon_postcode"}
    assert levels[comparison_vector(a, b, entities={b"landline": 12})[index] - 1] == "phone, 4+ entities"
    assert levels[comparison_vector(a, b, entities={b"landline": 3})[index] - 1] == "phone, 2-3 entities"
    house = {b"landline": "phone", b"home": "address"}
    assert levels[comparison_vector(house, dict(house), entities={b"landline": 12})[index] - 1] == "address"
    assert comparison_vector(a, b, entities={b"pp": 5})[_INDEX["person"]] == 0
    assert comparison_vector(a, b)[_INDEX["person"]] > 0
    shipped = fitted.load()
    assert shipped.weight("household", "phone, 4+ entities") < shipped.weight("household", "phone, 2-3 entities") - 3
    model = scoring.fitted_model()
    assert model.token_weight("phone", 12) <= model.many["phone"] < model.several["phone"]


def test_a_common_value_counts_as_no_agreement_in_the_fit() -> None:
    a = {b"landline": "phone", b"n1": "nino"}
    b = {b"landline": "phone", b"n2": "nino"}
    assert comparison_vector(a, b)[_INDEX["household"]] == 1
    assert comparison_vector(a, b, common={b"landline"})[_INDEX["household"]] == 0


def test_the_shipped_fit_is_a_fit_and_reloads_as_written(tmp_path: Path) -> None:
    shipped = fitted.load()
    # Every stored weight is its own log2(m/u), lambda gives the threshold, and every
    # comparison the token model makes was observed in the tuning data.
    for (comp, level), (m, u, w) in shipped.levels.items():
        assert abs(w - math.log2(m / u)) < 0.01, (comp, level)
    assert {c for c, _l in shipped.levels} == {c.name for c in COMPARISONS}
    assert 8 < shipped.threshold < 16
    # A fit of a small fixed dataset, written and read back, gives the fit's own weights.
    tokens, member, _truth = _network(3)
    holders: dict[bytes, dict[str, int]] = {}
    for rid, held in tokens.items():
        for v in held:
            holders.setdefault(v, {})[rid] = member[rid]
    result = fit(tokens, member, candidate_pairs(holders.values()), random_pairs=20_000)
    path = tmp_path / "fit.json"
    fitted.write(result, path)
    again = fitted.load(path)
    for comp, level, m, u, w in result.rows():
        assert again.levels[(comp, level)] == pytest.approx((m, u, w), rel=1e-4, abs=1e-3)
    assert again.threshold == pytest.approx(math.log2((1 - result.lam) / result.lam), abs=1e-3)
    path.write_text('{"lambda": 0.1}', encoding="utf-8")
    with pytest.raises(ValueError, match="comparisons"):
        fitted.load(path)


def test_the_fitted_model_takes_every_number_from_the_fit() -> None:
    shipped = fitted.load()
    params = fitted.model_parameters(shipped)
    weights, disagreement, groups = params.weights, params.disagreement, params.groups
    assert params.threshold == pytest.approx(shipped.threshold_of("person"), abs=0.01)
    for c in COMPARISONS:
        prior = params.threshold - shipped.threshold_of(fitted.TYPE_OF[c.name]) if c.name in fitted.TYPE_OF else 0.0
        best = max(shipped.weight(c.name, c.levels[0][0]) + prior, 0.0)
        skip = set(dict(c.differ)) | set(dict(c.several))
        for level, kinds in c.levels:
            if level in skip:
                continue
            m, _u, w = shipped.levels[(c.name, level)]
            expected = best / 2 if m < fitted.UNSEEN_M else max(w + prior, 0.0)
            for kind in kinds:
                # A kind a hostile member may know weighs at most its prior cap.
                want = min(expected, fitted.WEAK_SHARE * params.threshold) if kind in fitted.WEAK_KINDS else expected
                assert weights[kind] >= want - 0.011, (c.name, level, kind)  # rounded to 0.01
                if kind in fitted.WEAK_KINDS:
                    assert weights[kind] <= fitted.WEAK_SHARE * params.threshold + 0.01, kind
                assert groups[kind] in {x.name for x in COMPARISONS}  # nid_near: the first document's
    for kind, comp in fitted.DISAGREEMENTS.items():
        assert disagreement[kind] == pytest.approx(max(-shipped.weight(comp, "disagree"), 0.0), abs=0.01)
    by_name = {c.name: c for c in COMPARISONS}
    # A shared phone or bank account whose holders' names differ weighs its fitted level.
    for kind, (comp, level) in fitted.CONDITIONAL_DISAGREEMENTS.items():
        base = by_name[comp].base_of(level)
        differ = shipped.weight(comp, level)
        assert differ < shipped.weight(comp, base)
        assert shipped.weight(comp, base) - disagreement[kind] == pytest.approx(differ, abs=0.02), kind
    # So does an address shared by people whose names differ, a name and postcode shared
    # by people whose dates of birth differ, a plate: the base level less the difference.
    delta = {(g, k): w for g, k, w in params.conditional}
    # A level no random pair reached (u at its comparison's floor) counts as no evidence;
    # the model never subtracts more than a capped weak base kind weighs.
    cap = fitted.WEAK_SHARE * params.threshold
    for (comp, level), kinds in fitted.CONDITIONAL_LEVELS.items():
        base = by_name[comp].base_of(level)
        floor = min(u for (c, _lv), (_m, u, _w) in shipped.levels.items() if c == comp)
        unreached = shipped.levels[(comp, level)][1] <= floor * 1.001
        base_w = max(shipped.weight(comp, base), 0.0)
        expected = base_w - (0.0 if unreached else max(shipped.weight(comp, level), 0.0))
        weak = by_name[comp].kinds_of(base) <= fitted.WEAK_KINDS
        expected = min(expected, min(base_w, cap) if weak else base_w)
        assert delta[(comp, kinds)] == pytest.approx(max(expected, 0.0), abs=0.02), (comp, level)
        assert set(kinds) <= set(disagreement)
    # A name with its date that differs (core's twins and father-and-son rules): the
    # person's disagree weight, waived in the model's own sum by any agreement.
    assert disagreement["name_dob"] == pytest.approx(max(-shipped.weight("person", "disagree"), 0.0), abs=0.01)
    assert set(params.waived_by["name_dob"]) == set(groups.values())
    model = scoring.fitted_model()
    # One whole name with its date of birth counts once, however many name kinds it
    # shares, and so does the person seen at one postcode with that name and date.
    name = [("name_dob", 1), ("name_phon_dob", 1), ("part_dob", 1), ("name_lsh_dob", 1), ("name_postcode", 1),
            ("dob_postcode", 1)]
    assert model.pair_score(name) == pytest.approx(max(weights[k] for k, _n in name))
    for kind in ("nick_dob", "name_dob_swap", "name_postcode", "dob_postcode", "dob_address"):
        assert groups[kind] == "person" and weights[kind] > 0
    # A household's phone and address are one agreement.
    assert model.pair_score([("phone", 1), ("address", 1)]) == pytest.approx(max(weights["phone"], weights["address"]))


def test_the_fitted_model_scores_a_pair_as_the_fit_does() -> None:
    """The fitted model's score of a pair is the fit's log-likelihood ratio of its
    comparison vector: every comparison's level, disagreements and conditional levels
    included (for values held by one entity)."""
    shipped = fitted.load()
    model = scoring.fitted_model()
    w = shipped.weight
    # Namesakes at one postcode and address, with other dates of birth (no name band):
    # the person at "name and postcode, dates differ", the household at "address, names
    # differ" is not read (the names agree at the postcode).
    # Both are capped by the weak-field prior, which keeps the fit's difference. No
    # random pair reaches the first (namesakes of one house are too rare to draw), so
    # the fit cannot tell it from "name and postcode": it weighs nothing.
    cap = fitted.WEAK_SHARE * model.threshold
    shared = [("name_postcode", 1), ("phon_postcode", 1)]
    both = ["name_lsh_dob", "dob_postcode"]
    def floor_of(comparison: str) -> float:
        return min(u for (c, _lv), (_m, u, _w) in shipped.levels.items() if c == comparison)

    floor = floor_of("person")
    base, level = w("person", "name and postcode"), w("person", "name and postcode, dates differ")
    unreached = shipped.levels[("person", "name and postcode, dates differ")][1] <= floor * 1.001
    expected = min(base, cap) - min(base - (0.0 if unreached else level), min(base, cap))
    assert model.pair_score(shared, both) == pytest.approx(expected, abs=0.1)
    # Housemates: one address, their names at that postcode differ, no date of birth.
    # (Never more subtracted than the capped base weighs: the pair then scores 0, no evidence.)
    house = w("household", "address")
    unreached = shipped.levels[("household", "address, names differ")][1] <= floor_of("household") * 1.001
    lost = house - (0.0 if unreached else w("household", "address, names differ"))
    expected = min(house, cap) - min(lost, min(house, cap))
    assert model.pair_score([("address", 1)], ["phon_postcode"]) == pytest.approx(expected, abs=0.05)
    # One name word with the date of birth (no band) agrees on the person: no
    # disagreement of it; a NINO disagreement does count; a shared NINO waives the person's.
    # (a first name with the birthday is capped by the privacy floor, fitted.WEAK_KINDS)
    assert model.pair_score([("part_dob", 1)], ["name_lsh_dob"]) == pytest.approx(
        min(w("person", "one part and date"), cap), abs=0.05)
    assert model.pair_score([("name_dob", 1)], ["nino"]) == pytest.approx(
        w("person", "name and date") + w("nino", "disagree"), abs=0.05)
    assert model.pair_score([("nino", 1)], ["name_lsh_dob"]) == pytest.approx(w("nino", "exact"), abs=0.05)
    assert model.pair_score([("vehicle", 1)], ["name_lsh_dob"]) == pytest.approx(
        max(w("vehicle", "exact, names differ"), 0.0) + w("person", "disagree"), abs=0.05)  # a level weighs >= 0


def test_conditional_and_waived_disagreements_of_a_scoring_model() -> None:
    model = scoring.ScoringModel(
        weights={"address": 8.0, "part_dob": 6.0, "name_lsh_dob": 2.0},
        disagreement={"phon_postcode": 1.0, "name_lsh_dob": 3.0},
        groups={"address": "address", "part_dob": "name", "name_lsh_dob": "name"},
        conditional=(("address", ("phon_postcode", "name_lsh_dob"), 4.0),),
        waived_by={"name_lsh_dob": ("name",)},
        threshold=5.0,
    )
    assert model.pair_score([("address", 1)]) == 8.0
    assert model.pair_score([("address", 1)], ["phon_postcode"]) == 8.0 - 1.0 - 4.0
    assert model.pair_score([], ["phon_postcode"]) == -1.0  # no address shared: no conditional
    assert model.pair_score([("part_dob", 1)], ["name_lsh_dob"]) == 6.0  # waived by its group
    assert model.pair_score([("address", 1)], ["name_lsh_dob"]) == 8.0 - 3.0 - 4.0
    assert model.pair_score([("address", 1)], ["name_lsh_dob", "phon_postcode"]) == 8.0 - 3.0 - 1.0 - 4.0  # once
    # The names agree with the date of birth (one word): no conditional, no band disagreement.
    assert model.pair_score([("address", 1), ("part_dob", 1)], ["name_lsh_dob", "phon_postcode"]) == 8.0 + 6.0 - 1.0
    # The group's own agreement does not waive its conditional level: a name and
    # postcode (group "person") of people whose dates differ.
    person = scoring.ScoringModel(
        weights={"name_postcode": 9.0, "name_dob": 9.0}, disagreement={"name_lsh_dob": 3.0},
        groups={"name_postcode": "person", "name_dob": "person", "name_lsh_dob": "person"},
        conditional=(("person", ("name_lsh_dob",), 4.0),), waived_by={"name_lsh_dob": ("person",)}, threshold=5.0)
    assert person.pair_score([("name_postcode", 1)], ["name_lsh_dob"]) == 9.0 - 4.0
    assert person.pair_score([("name_postcode", 1)]) == 9.0
    with pytest.raises(ValueError, match="disagreement kind"):
        scoring.ScoringModel(weights={"address": 1.0}, groups={"address": "address"},
                             conditional=(("address", ("phon_postcode",), 1.0),), threshold=1.0)
    with pytest.raises(ValueError, match="group"):
        scoring.ScoringModel(weights={"address": 1.0}, disagreement={"phon_postcode": 0.0},
                             conditional=(("house", ("phon_postcode",), 1.0),), threshold=1.0)


def test_a_name_and_postcode_with_other_dates_is_its_own_level() -> None:
    index, levels = _INDEX["person"], _levels("person")
    a = {b"np": "name_postcode", b"pp": "phon_postcode", b"la": "name_lsh_dob"}
    other_date = {b"np": "name_postcode", b"pp": "phon_postcode", b"lb": "name_lsh_dob"}
    same_date = {b"np": "name_postcode", b"pp": "phon_postcode", b"la": "name_lsh_dob"}
    no_date = {b"np": "name_postcode", b"pp": "phon_postcode"}
    assert levels[comparison_vector(a, other_date)[index] - 1] == "name and postcode, dates differ"
    assert levels[comparison_vector(a, same_date)[index] - 1] == "name and postcode"
    assert levels[comparison_vector(a, no_date)[index] - 1] == "name and postcode"
    # The name with the date of birth agreeing too is the better level, not a second one.
    full = {b"np": "name_postcode", b"nd": "name_dob", b"dp": "dob_postcode"}
    assert levels[comparison_vector(full, dict(full))[index] - 1] == "name and date"


def test_a_shared_identifier_of_differently_named_holders_is_its_own_level() -> None:
    a = {b"p": "phone", b"xa": "prefix_phone", b"na": "name_phone_near", b"bank": "bank", b"ba": "name_bank"}
    b = {b"p": "phone", b"xb": "prefix_phone", b"nb": "name_phone_near", b"bank": "bank", b"bb": "name_bank"}
    same = {b"p": "phone", b"xa": "prefix_phone", b"na": "name_phone_near", b"bank": "bank", b"ba": "name_bank"}
    differ, agree = comparison_vector(a, b), comparison_vector(a, same)
    assert _levels("household")[differ[_INDEX["household"]] - 1] == "phone, names differ"
    assert _levels("household")[agree[_INDEX["household"]] - 1] == "phone"
    assert _levels("bank")[differ[_INDEX["bank"]] - 1] == "exact, names differ"
    assert _levels("bank")[agree[_INDEX["bank"]] - 1] == "exact"
    # A record without the name kinds says nothing about the names: the plain level.
    assert comparison_vector(a, {b"p": "phone"})[_INDEX["household"]] == 1
    # The name with a phone one digit off is a fallback: null once the phone agrees.
    assert differ[_INDEX["name_phone"]] == -1
    # The nickname and the swapped day and month are levels of the person.
    nick = comparison_vector({b"n": "nick_dob", b"l": "name_lsh_dob"}, {b"n": "nick_dob", b"m": "name_lsh_dob"})
    assert _levels("person")[nick[_INDEX["person"]] - 1] == "nickname and date"


def _close_to(again: dict[str, object], shipped: dict[str, object]) -> None:
    """Two stored fits agree: pair counts and levels equal, m and u within 1%,
    weights within 0.03 bit."""
    assert again["candidate_pairs"] == shipped["candidate_pairs"]
    assert again["random_pairs"] == shipped["random_pairs"]
    assert again["lambda"] == pytest.approx(shipped["lambda"], rel=2e-2)
    assert again["sessions"] == shipped["sessions"]
    comparisons = again["comparisons"]
    assert isinstance(comparisons, dict) and isinstance(shipped["comparisons"], dict)
    assert set(comparisons) == set(shipped["comparisons"])
    for comp, by_level in shipped["comparisons"].items():
        assert set(comparisons[comp]) == set(by_level), comp
        for level, values in by_level.items():
            got = comparisons[comp][level]
            assert got["m"] == pytest.approx(values["m"], rel=0.01, abs=1e-6), (comp, level)
            assert got["u"] == pytest.approx(values["u"], rel=0.01), (comp, level)
            assert got["weight"] == pytest.approx(values["weight"], abs=0.03), (comp, level)


def test_the_shipped_file_is_what_bench_fit_weights_computes(tmp_path: Path) -> None:
    """``bench/fit_weights.py --write`` stores, beside the union fit of every tuning set
    (minutes to recompute), the fit of a small subset made by the same code at the same
    time (the confusers set of tune seed 1: persons, housemates, sites and companies).
    Refitting that subset (fixed seed; HMAC under a fresh key, whose equality structure
    is all the fit sees) reproduces what is stored, so a change of data, kinds, rules or
    the fit not followed by ``--write`` shows here; and the union was fitted by the same
    training sessions over more pairs than the subset."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import fit_weights

    shipped = json.loads(fitted.PATH.read_text(encoding="utf-8"))
    again = fitted.to_json(fit_weights.check_fit(tmp_path))
    _close_to(again, shipped["check"])
    assert set(shipped["sessions"]) == set(again["sessions"]) == {s.name for s in SESSIONS}
    assert shipped["candidate_pairs"] > 5 * again["candidate_pairs"]
    assert shipped["estimated_by_no_session"] == ["site"]  # site records hold nothing else


def test_every_token_kind_is_read_by_a_comparison_of_the_fit() -> None:
    """A kind added to ``scoring.token_kinds()`` must be given a comparison level (or read
    by a conditional one) before the fit, and so the fitted model, can weigh it."""
    read: set[str] = set()
    for c in COMPARISONS:
        read |= c.presence
        for _name, kinds in (*c.levels, *c.differ):
            read |= kinds
    assert scoring.token_kinds() <= read, sorted(scoring.token_kinds() - read)
    params = fitted.model_parameters(fitted.load())
    weighed = set(params.weights) | set(params.disagreement)
    assert scoring.token_kinds() <= weighed, sorted(scoring.token_kinds() - weighed)


def _person_tokens(**row: str) -> dict[bytes, str]:
    """A mention's tokens as ``msin link`` makes them (HMAC under a fixed test key)."""
    import hashlib
    import hmac

    from msin_fed.linkage.mentions import mention_from_row
    from msin_fed.token_inputs import inputs_for_mention

    mention, problems = mention_from_row({"record_id": "x", **row})
    assert mention is not None, problems
    return {hmac.new(b"k" * 32, i.data, hashlib.sha512).digest(): i.kind for i in inputs_for_mention(mention)}


def test_a_family_member_at_the_house_landline_is_read_by_the_fit_as_the_model_reads_him() -> None:
    """The model subtracts for a shared phone whose holders' given names differ
    (``core._word_differs``: the family name agrees, the given name does not), so the fit
    puts that pair at the "phone, names differ" level; at the plain phone level (as
    before) the family members made a household's phone look like a stranger's and its
    ``u`` too high (the fitted phone of 2-3 entities fell below the threshold)."""
    phone = "07700 900461"
    father = _person_tokens(given_name="Piotr", family_name="Nowak", phone=phone)
    son = _person_tokens(given_name="Marek", family_name="Nowak", phone=phone)
    again = _person_tokens(given_name="Piotr", family_name="Nowak", phone=phone)
    levels, i = _levels("household"), _INDEX["household"]
    assert levels[comparison_vector(father, son)[i] - 1] == "phone, names differ"
    assert levels[comparison_vector(father, again)[i] - 1] == "phone"
    # and the fitted model subtracts the fitted difference for it, as for names that differ
    params = fitted.model_parameters(fitted.load())
    assert params.disagreement["prefix_phone"] == params.disagreement["name_phone_near"] > 0


def test_a_value_only_the_pair_holds_is_one_entitys_to_the_pair() -> None:
    """Two records sharing only a plate (nothing else joins them) were counted as two
    entities holding it, and weighed at a model's level of a value of 2-3 entities:
    whether the two are one is the pair's own question, as for a document."""
    from msin_fed.linkage.matcher import Matcher

    model = scoring.ScoringModel(weights={"vehicle": 12.0}, several={"vehicle": 5.0}, threshold=10.0)
    a = _person_tokens(given_name="Ion", family_name="Rusu", vehicle_registration="AB12 CDE")
    b = _person_tokens(vehicle_registration="AB12CDE", postcode="PE21 8LF", street_address="14 Fydell Street")
    matcher: Matcher[str] = Matcher(model)
    matcher.add("a", "m1", [(k, v) for v, k in a.items()])
    matcher.add("b", "m2", [(k, v) for v, k in b.items()])
    assert [(p.left, p.right, p.score) for p in matcher.pairs()] == [("a", "b", 12.0)]
    # A third holder at another member, unrelated, makes it a value of two entities.
    c = _person_tokens(given_name="Dan", family_name="Stan", date_of_birth="1980-01-02",
                       vehicle_registration="AB12 CDE")
    matcher.add("c", "m3", [(k, v) for v, k in c.items()])
    assert matcher.pairs() == []

