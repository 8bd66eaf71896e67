"""The EM fit of m and u on unlabelled tokens recovers what a labelled count would say."""

from __future__ import annotations

import random

from msin_fed.linkage.core import candidate_pairs
from msin_fed.linkage.em import comparison_vector, fit


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
