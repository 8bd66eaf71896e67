"""The EM fit of m and u on unlabelled tokens recovers what a labelled count would say."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from msin_fed.linkage import fitted, scoring
from msin_fed.linkage.core import candidate_pairs
from msin_fed.linkage.em import COMPARISONS, comparison_vector, fit


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


def test_comparison_levels_null_disagree_and_agree() -> None:
    a = {b"p1": "phone", b"x": "phone_near"}
    b = {b"p2": "phone", b"x": "phone_near"}
    c = {b"e": "email"}
    vec = dict(zip(["phone", "email"], comparison_vector(a, b)[:2], strict=True))
    assert vec == {"phone": 2, "email": -1}  # one digit apart; e-mail not held by both
    assert comparison_vector(a, {b"p3": "phone"})[0] == 0
    assert comparison_vector(a, c)[0] == -1


def test_em_recovers_m_and_the_match_share_without_labels() -> None:
    tokens, member, truth = _network(1)
    holders: dict[bytes, dict[str, int]] = {}
    for rid, held in tokens.items():
        for v in held:
            holders.setdefault(v, {})[rid] = member[rid]
    result = fit(tokens, member, candidate_pairs(holders.values()), random_pairs=50_000)
    ids = sorted(tokens)
    cross = sum(1 for i, a in enumerate(ids) for b in ids[i + 1:] if member[a] != member[b])
    assert abs(result.lam - len(truth) / cross) / (len(truth) / cross) < 0.1
    rows = {(c, level): (m, u) for c, level, m, u, _w in result.rows()}
    m_phone, _u = rows[("phone", "exact")]
    assert 0.95 < m_phone <= 1.0  # when both records hold a phone, one person's always agree
    m_addr, u_addr = rows[("address", "exact")]
    assert m_addr > 0.95 and u_addr < 0.01
    assert result.weight("name_dob", 4) > result.weight("address", 1)  # a shared house is weaker


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
              comparison: str) -> tuple[float, float]:
    """m and u of a comparison's exact level counted with the labels, over all cross-member pairs."""
    index = [c.name for c in COMPARISONS].index(comparison)
    agree = {True: 0, False: 0}
    seen = {True: 0, False: 0}
    ids = sorted(tokens)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if member[a] == member[b]:
                continue
            level = comparison_vector(tokens[a], tokens[b])[index]
            if level < 0:
                continue
            same = (a, b) in truth
            seen[same] += 1
            agree[same] += level == 1
    return agree[True] / seen[True], agree[False] / seen[False]


def test_em_recovers_known_m_and_u_where_random_pairs_hold_matches() -> None:
    tokens, member, truth = _simulated(7)
    holders: dict[bytes, dict[str, int]] = {}
    for rid, held in tokens.items():
        for v in held:
            holders.setdefault(v, {})[rid] = member[rid]
    result = fit(tokens, member, candidate_pairs(holders.values()), random_pairs=60_000)
    rows = {(c, level): (m, u) for c, level, m, u, _w in result.rows()}
    for comparison in ("nino", "address", "name_dob"):
        m_true, u_true = _labelled(tokens, member, truth, comparison)
        m_fit, u_fit = rows[(comparison, "exact")]
        assert abs(m_fit - m_true) < 0.03, comparison
        # u of a rare level is far below what the random pairs' true matches alone give
        assert abs(u_fit - u_true) < max(0.25 * u_true, 2e-5), comparison
    cross = sum(1 for i, a in enumerate(sorted(tokens)) for b in sorted(tokens)[i + 1:] if member[a] != member[b])
    assert abs(result.lam - len(truth) / cross) / (len(truth) / cross) < 0.1


def test_a_common_value_counts_as_no_agreement_in_the_fit() -> None:
    a = {b"landline": "phone", b"n1": "nino"}
    b = {b"landline": "phone", b"n2": "nino"}
    assert comparison_vector(a, b)[0] == 1
    assert comparison_vector(a, b, common={b"landline"})[0] == 0


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
    weights, disagreement, groups, threshold = fitted.model_parameters(shipped)
    assert threshold == pytest.approx(shipped.threshold_of("person"), abs=0.01)
    for c in COMPARISONS:
        prior = threshold - shipped.threshold_of(fitted.TYPE_OF[c.name]) if c.name in fitted.TYPE_OF else 0.0
        exact = max(shipped.weight(c.name, c.levels[0][0]) + prior, 0.0)
        for level, kinds in c.levels:
            m, _u, w = shipped.levels[(c.name, level)]
            expected = exact / 2 if m < fitted.UNSEEN_M else max(w + prior, 0.0)
            for kind in kinds:
                assert weights[kind] >= round(expected, 2) - 1e-9, (c.name, level, kind)
                assert groups[kind] in {x.name for x in COMPARISONS}
    for kind, comp in fitted.DISAGREEMENTS.items():
        assert disagreement[kind] == pytest.approx(max(-shipped.weight(comp, "disagree"), 0.0), abs=0.01)
    model = scoring.fitted_model()
    # One whole name with its date of birth counts once, however many name kinds it shares.
    name = [("name_dob", 1), ("name_phon_dob", 1), ("part_dob", 1), ("name_lsh_dob", 1)]
    assert model.pair_score(name) == pytest.approx(max(weights[k] for k, _n in name))
