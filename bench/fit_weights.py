"""Fit Fellegi-Sunter m/u by EM on unlabelled tuning data and set them beside the model.

Run:  python bench/fit_weights.py

For each tuning set (FEBRL4 and the synthetic tune and repeats sets; never the
held-out set) the records' tokens are made as ``msin link`` makes them (HMAC under a
random key stands in for the OPRF: the same equality structure, which is all the fit
sees), ``u`` is estimated on random cross-member pairs, ``m`` and lambda by EM on the
pairs sharing a token (``msin_fed.linkage.em``). Printed per comparison level: m, u, the
fitted weight log2(m/u), and the weight the default model gives a pair agreeing at
that level only (the model's kinds for that level scored at an entity count of 1).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from msin_fed.linkage.core import candidate_pairs
from msin_fed.linkage.em import COMPARISONS, Fit, fit
from msin_fed.linkage.mentions import read_mentions
from msin_fed.linkage.scoring import DEFAULT_MODEL

Tokens = dict[str, dict[bytes, str]]


def tokens_of(files: Sequence[Path]) -> tuple[Tokens, dict[str, int]]:
    key = secrets.token_bytes(32)
    tokens: Tokens = {}
    member: dict[str, int] = {}
    for index, path in enumerate(files):
        for mention, inputs in read_mentions(path).mentions:
            rid = f"{index}:{mention.record_id}"
            tokens[rid] = {hmac.new(key, i.data, hashlib.sha512).digest(): i.kind for i in inputs}
            member[rid] = index
    return tokens, member


def candidates(tokens: Tokens, member: dict[str, int]) -> set[tuple[str, str]]:
    holders: dict[bytes, dict[str, int]] = {}
    for rid, held in tokens.items():
        for value in held:
            holders.setdefault(value, {})[rid] = member[rid]
    groups = [g for g in holders.values() if 2 <= len(g) <= DEFAULT_MODEL.max_frequency]
    return candidate_pairs(groups)


def model_weight(level_kinds: frozenset[str]) -> float:
    """The default model's weight of the strongest kind of a level."""
    return max(DEFAULT_MODEL.token_weight(k, 1) for k in level_kinds)


def report(name: str, result: Fit) -> list[str]:
    out = [f"{name}: {result.candidates} candidate pairs, {result.random_pairs} random pairs, "
           f"lambda {result.lam:.2e} (threshold equivalent log2((1-lambda)/lambda) "
           f"{math.log2((1 - result.lam) / result.lam):.1f}), {result.iterations} EM iterations",
           f"  {'comparison':<15}{'level':<22}{'m':>9}{'u':>11}{'log2(m/u)':>11}{'model':>8}"]
    levels = {c.name: c.levels for c in COMPARISONS}
    for comp, level, m, u, w in result.rows():
        kinds = next((k for n, k in levels[comp] if n == level), frozenset())
        model = f"{model_weight(kinds):8.1f}" if kinds else f"{-DEFAULT_MODEL.disagreement.get(comp, 0.0):8.1f}"
        out.append(f"  {comp:<15}{level:<22}{m:9.4f}{u:11.2e}{w:11.1f}{model}")
    return out


def main() -> int:
    from data.synth import SPLITS, write_repeats_set, write_set
    from linkage import febrl_files

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sets: list[tuple[str, list[Path]]] = []
        febrl, _truth, _blanked = febrl_files(work)
        sets.append(("FEBRL4", list(febrl)))
        for seed in SPLITS["tune"]:
            sets.append((f"synthetic tune seed {seed}", write_set(work / f"s{seed}", seed)[0]))
            sets.append((f"repeats tune seed {seed}", write_repeats_set(work / f"r{seed}", seed)[0]))
        for name, files in sets:
            tokens, member = tokens_of(files)
            print("\n".join(report(name, fit(tokens, member, candidates(tokens, member)))))
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
