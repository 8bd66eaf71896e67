"""Fit Fellegi-Sunter m/u by EM on unlabelled tuning data and set them beside the model.

Run:  python bench/fit_weights.py [--write]

For each tuning set (FEBRL4, the synthetic tune sets and the repeats sets with the
confusers and housemates of ``data/synth_confusers.py``; never the
held-out set) the records' tokens are made as ``msin link`` makes them (HMAC under a
random key stands in for the OPRF: the same equality structure, which is all the fit
sees), ``u`` is estimated on random cross-member pairs, ``m`` by EM in Splink's training
sessions (``em.SESSIONS``: one block of strong evidence each) and lambda by EM over the
pairs sharing a token with m and u fixed (``em.fit_sessions``). Printed per comparison
level: m, u, the
fitted weight log2(m/u), and the weight the default model gives a pair agreeing at
that level only (the model's kinds for that level scored at an entity count of 1).

The tuning sets are fitted per family (FEBRL4; the synthetic people sets; the confusers
sets) and on their union, which is what is shipped: ``--write`` stores the union fit in
``msin_fed/linkage/fitted_weights.json`` (:mod:`msin_fed.linkage.fitted`). A value held
by 2-3 and by 4 or more entities (``core.entity_count``) makes a level of its own (the
term-frequency adjustment counted in entities). ``--write`` also stores the fit of one
small set (``check_fit``) that ``tests/linkage/test_em.py`` refits in seconds.
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

from msin_fed.linkage import fitted
from msin_fed.linkage.core import candidate_pairs, entity_count
from msin_fed.linkage.em import COMPARISONS, Fit, fit_sessions
from msin_fed.linkage.mentions import read_mentions
from msin_fed.linkage.scoring import COMPANY_NAME_KINDS, DEFAULT_MODEL, IDENTITY_KINDS

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


def entity_counts(tokens: Tokens) -> tuple[set[bytes], dict[bytes, int]]:
    """Values that count as no agreement (held by more records than are ever paired; an
    identity value held by more than three entities; a company name two companies hold);
    and the entity count (``core.entity_count``) of the other values held by two or more
    (those held by four or more make the comparisons' ``4+ entities`` levels)."""
    holders: dict[bytes, list[str]] = {}
    kind: dict[bytes, str] = {}
    for rid, held in tokens.items():
        for value, k in held.items():
            holders.setdefault(value, []).append(rid)
            kind[value] = k
    common: set[bytes] = set()
    several: dict[bytes, int] = {}
    for value, group in holders.items():
        if len(group) > DEFAULT_MODEL.max_frequency:
            common.add(value)
        elif len(group) >= 3 and kind[value] not in IDENTITY_KINDS:
            # (a value of two holders is one entity's to the pair of them, as the model
            # scores it: core.score_pairs)
            n = entity_count(value, kind[value], group, tokens)
            if n >= 2:
                several[value] = n
        elif len(group) > 3 and entity_count(value, kind[value], group, tokens) > 3:
            common.add(value)
        elif kind[value] in COMPANY_NAME_KINDS and len(group) >= 2 and entity_count(value, kind[value], group, tokens) >= 2:
            common.add(value)  # a name two companies trade under names neither (the model gives it 0)
    return common, several


def model_weight(level_kinds: frozenset[str]) -> float:
    """The default model's weight of the strongest kind of a level."""
    return max(DEFAULT_MODEL.token_weight(k, 1) for k in level_kinds)


def report(name: str, result: Fit) -> list[str]:
    out = [f"{name}: {result.candidates} candidate pairs, {result.random_pairs} random pairs, "
           f"lambda {result.lam:.2e} (threshold equivalent log2((1-lambda)/lambda) "
           f"{math.log2((1 - result.lam) / result.lam):.1f}), {result.iterations} EM iterations",
           "  threshold equivalent by pair type: " + ", ".join(
               f"{t} {math.log2((1 - lam) / lam):.1f}" for t, lam in result.lam_by_type if lam > 1e-9),
           "  training sessions (pairs in the block, share fitted as matches): " + "; ".join(
               f"{n} {pairs} {share:.3f}" for n, pairs, share in result.sessions)
           + (f"; estimated by no session: {', '.join(result.unsessioned)}" if result.unsessioned else ""),
           f"  {'comparison':<15}{'level':<22}{'m':>9}{'u':>11}{'log2(m/u)':>11}{'model':>8}"]
    levels = {c.name: c.levels for c in COMPARISONS}
    for comp, level, m, u, w in result.rows():
        kinds = next((k for n, k in levels[comp] if n == level), frozenset())
        against = [DEFAULT_MODEL.disagreement.get(k, 0.0) for k, c in fitted.DISAGREEMENTS.items() if c == comp]
        model = f"{model_weight(kinds):8.1f}" if kinds else f"{-max(against, default=0.0):8.1f}"
        out.append(f"  {comp:<15}{level:<22}{m:9.4f}{u:11.2e}{w:11.1f}{model}")
    return out


def datasets_of(name: str, sets: Sequence[list[Path]]) -> list[fitted.Dataset]:
    """Each set's tokens (under one fresh key per set), members, candidates, common
    values and entity counts, record ids prefixed with ``name`` and the set's index."""
    datasets: list[fitted.Dataset] = []
    for i, files in enumerate(sets):
        tokens, member = tokens_of(files)
        tokens = {f"{name}{i}:{r}": t for r, t in tokens.items()}
        member = {f"{name}{i}:{r}": m for r, m in member.items()}
        common, several = entity_counts(tokens)
        datasets.append((tokens, member, candidates(tokens, member), common, several))
    return datasets


def tuning_fits(work: Path, random_pairs: int = 100_000, seeds: Sequence[int] | None = None,
                febrl: bool = True, families: bool = True) -> tuple[dict[str, Fit], Fit]:
    """The fit of each family of tuning sets (unless ``families`` is false) and of their
    union (what ships), written under ``work``: FEBRL4 (unless ``febrl`` is false) and,
    per seed of the tune split (or ``seeds``), the synthetic people set and the
    confusers set."""
    from data.synth import SPLITS, write_set
    from data.synth_confusers import write_confusers_set
    from linkage import febrl_files

    sets: dict[str, list[list[Path]]] = {"FEBRL4": [febrl_files(work)[0]] if febrl else [],
                                         "synthetic": [], "confusers": []}
    for seed in SPLITS["tune"] if seeds is None else seeds:
        sets["synthetic"].append(write_set(work / f"s{seed}", seed)[0])
        sets["confusers"].append(write_confusers_set(work / f"r{seed}", seed)[0])
    union: list[fitted.Dataset] = []
    fits: dict[str, Fit] = {}
    for name, family in sets.items():
        datasets = datasets_of(name, family)
        if datasets:
            union.extend(datasets)
            if families:
                fits[name] = fit_sessions(datasets, random_pairs=random_pairs)
    return fits, fit_sessions(union, random_pairs=random_pairs)


#: The small refit stored beside the shipped fit (``"check"`` in the file): the
#: confusers set of the first tune seed (persons, housemates, sites and companies,
#: every comparison but FEBRL's), with fewer random pairs. ``tests/linkage/test_em.py``
#: refits it in seconds where the whole union takes minutes: a change of kinds, rules,
#: generators or the fit that is not followed by ``--write`` shows there.
CHECK_SEED = 1
CHECK_RANDOM_PAIRS = 20_000


def check_fit(work: Path) -> Fit:
    """The fit of the check subset (:data:`CHECK_SEED`), written under ``work``."""
    from data.synth_confusers import write_confusers_set

    files = write_confusers_set(work / f"check{CHECK_SEED}", CHECK_SEED)[0]
    return fit_sessions(datasets_of("check", [files]), random_pairs=CHECK_RANDOM_PAIRS)


def fitted_model_column(result: Fit) -> dict[tuple[str, str], str]:
    """What the fitted model (``fitted.model_parameters`` of ``result``) gives each level."""
    params = fitted.model_parameters(fitted.load_fit(result))
    conditional = {(g, ks): w for g, ks, w in params.conditional}
    counted = {c: k for k, c in fitted.DISAGREEMENTS.items()}
    out: dict[tuple[str, str], str] = {}
    for c in COMPARISONS:
        kind_of = {n: max(k, key=lambda x: params.weights.get(x, 0.0)) for n, k in c.levels}
        several = dict(c.several)
        many = dict(c.many)
        disagree = params.disagreement.get(counted.get(c.name, ""), None)
        out[(c.name, "disagree")] = f"{-disagree:.1f}" if disagree is not None else "0 (prior)"
        for level, _kinds in c.levels:
            kind = kind_of[level]
            base = params.weights.get(kind_of[c.base_of(level)], 0.0)
            if level in several:
                out[(c.name, level)] = f"{params.several.get(kind, 0.0):.1f}"
            elif level in many:
                out[(c.name, level)] = f"{params.many.get(kind, 0.0):.1f}"
            elif (c.name, level) in fitted.CONDITIONAL_LEVELS:
                out[(c.name, level)] = f"{base - conditional[(c.name, fitted.CONDITIONAL_LEVELS[(c.name, level)])]:.1f}"
            elif level in dict(c.differ):
                cond = next(k for k, (comp, lv) in fitted.CONDITIONAL_DISAGREEMENTS.items() if (comp, lv) == (c.name, level))
                out[(c.name, level)] = f"{base - params.disagreement[cond]:.1f}"
            else:
                out[(c.name, level)] = f"{params.weights.get(kind, 0.0):.1f}"
    return out


def markdown(fits: dict[str, Fit], union: Fit) -> list[str]:
    """The docs' table: log2(m/u) per family, the union's m, u and weight, the fitted and
    the default model's weight (for disagree, the weight subtracted)."""
    names = list(fits)
    out = ["| comparison | level | " + " | ".join(names) + " | union: m | u | log2(m/u) | fitted model | default model |",
           "|---" * (len(names) + 7) + "|"]
    per = {n: {(c, lv): w for c, lv, _m, _u, w in f.rows()} for n, f in fits.items()}
    column = fitted_model_column(union)
    levels = {c.name: c.levels for c in COMPARISONS}
    for comp, level, m, u, w in union.rows():
        kinds = next((k for n, k in levels[comp] if n == level), frozenset())
        against = [DEFAULT_MODEL.disagreement.get(k, 0.0) for k, c in fitted.DISAGREEMENTS.items() if c == comp]
        default = f"{model_weight(kinds):.1f}" if kinds else f"{-max(against, default=0.0):.1f}"
        fam = " | ".join(f"{per[n][(comp, level)]:.1f}" if (comp, level) in per[n] else "" for n in names)
        out.append(f"| {comp} | {level} | {fam} | {m:.4f} | {u:.2e} | {w:.1f} | {column[(comp, level)]} | {default} |")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"store the union fit in {fitted.PATH.name}")
    parser.add_argument("--random-pairs", type=int, default=100_000, help="random pairs per set for u")
    parser.add_argument("--markdown", action="store_true", help="print the docs' table of the fits too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fits, result = tuning_fits(Path(tmp), args.random_pairs)
        for name, family in fits.items():
            print("\n".join(report(name, family)), flush=True)
            print()
        print("\n".join(report("union of the tuning sets (shipped)", result)))
        if args.markdown:
            print()
            print("\n".join(markdown(fits, result)))
        if args.write:
            fitted.write(result, fitted.PATH, check=check_fit(Path(tmp)))
            print(f"\nwrote {fitted.PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
