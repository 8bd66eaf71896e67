"""The clusters' false pairs on the *tuning* split, by the merge that makes them.

Run:  python bench/cluster_merges.py [--split tune|test] [--sets confusers]

Per seed, runs the matcher as ``msin link`` does (normalization, HMAC tokens, which give
the same pairs as OPRF ones, ``Matcher.pairs``) and replays ``core.cluster_records``
with its ``on_merge`` hook: every merge that puts a false cross-member pair in a cluster
is counted by what joined the two clusters (every pair across matched, or some; a
joining pair true or false; a side already of two entities; the joining pair's score;
the sizes) and by the confuser class of its records (``confusers.csv``). Then the true
pairs the clusters miss inside one component of matched pairs (split by the clustering)
against the false pairs the clustering keeps apart (those plain union-find would make).
No record, value or identifier is printed. Never run on the held-out set (tuning
discipline, docs/linkage.md section 5).
"""

from __future__ import annotations

import argparse
import collections
import csv
import itertools
import re
import sys
import tempfile
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import linkage as bench

from msin_fed.linkage import core
from msin_fed.linkage.disjoint import DisjointSets
from msin_fed.linkage.mentions import read_mentions
from msin_fed.linkage.pipeline import build_matcher

Pair = tuple[str, str]
Key = tuple[int, str]


def _classes(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as handle:
        return {r["record_id"]: re.sub(r"\d.*", "", r["entity_id"]) for r in csv.DictReader(handle)}


def _cross(groups: Iterable[Iterable[str]], member: dict[str, Hashable]) -> set[Pair]:
    out: set[Pair] = set()
    for g in groups:
        for a, b in itertools.combinations(sorted(g), 2):
            if member[a] != member[b]:
                out.add((a, b))
    return out


def _replay(
    files: Sequence[Path], truth: Iterable[Pair], classes: dict[str, str], merges: collections.Counter[str],
    classes_of: collections.Counter[str], split: collections.Counter[str],
) -> int:
    """Count one seed's merges into the counters; its number of false pairs in clusters."""
    true = {(a, b) if a < b else (b, a) for a, b in truth}
    entity: DisjointSets[str] = DisjointSets()
    for a, b in true:
        entity.union(a, b)
    # Records keyed (file index, record id), as msin link keys them; counted by record id.
    m, _distinct, _evaluated = build_matcher([read_mentions(f) for f in files], bench.hmac_tokenize)
    keyed = m.pairs()
    scored = [(p.left[1], p.right[1], p.score) for p in keyed]
    member = {rid: mid for (_f, rid), mid in m._member.items()}
    matched = {(a, b) for a, b, _s in scored} | {(b, a) for a, b, _s in scored}

    def on_merge(ka: Key, kb: Key, score: float, kleft: Sequence[Key], kright: Sequence[Key]) -> None:
        a, b, left, right = ka[1], kb[1], [k[1] for k in kleft], [k[1] for k in kright]
        cross = [(x, y) for x in left for y in right if member[x] != member[y]]
        false = sum(1 for x, y in cross if entity.find(x) != entity.find(y))
        if not false:
            return
        links = sum(1 for x in left for y in right if (x, y) in matched)
        every = links == len(left) * len(right)
        mixed = any(len({entity.find(r) for r in side}) > 1 for side in (left, right))
        edge = "true" if entity.find(a) == entity.find(b) else "false"
        sizes = "1x1" if len(left) == len(right) == 1 else "1xN" if min(len(left), len(right)) == 1 else "NxM"
        merges[f"{'every pair across matched' if every else 'some pairs across':26s} "
               f"joining pair {edge:5s} {'a side mixed' if mixed else 'sides pure':12s} "
               f"{'weak (<12)' if score < 12 else 'strong':10s} {sizes}"
               f"{' one-pair bridge' if links == 1 and sizes == 'NxM' else ''}"] += false
        classes_of["+".join(sorted({classes.get(a, "base"), classes.get(b, "base")}))] += false

    groups = core.cluster_records([(p.left, p.right, p.score) for p in keyed], m._values, m._key,
                                  on_merge=on_merge, member=m._member)
    found = _cross(({k[1] for k in g} for g in groups), member)
    component: DisjointSets[str] = DisjointSets()
    for a, b, _s in scored:
        component.union(a, b)
    comps: dict[str, set[str]] = collections.defaultdict(set)
    for a, b, _s in scored:
        comps[component.find(a)] |= {a, b}
    plain = _cross(comps.values(), member)
    split["true pairs split inside a component"] += len((true - found) & plain)
    split["false pairs kept apart (union-find would join)"] += len((plain - true) - found)
    return len(found - true)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=["tune", "test"], default="tune")
    parser.add_argument("--sets", default="confusers")
    args = parser.parse_args()
    from data.synth import SPLITS, write_repeats_set, write_set
    from data.synth_confusers import write_confusers_set

    makers = {"synthetic": write_set, "repeats": write_repeats_set, "confusers": write_confusers_set}
    merges: collections.Counter[str] = collections.Counter()
    classes_of: collections.Counter[str] = collections.Counter()
    split: collections.Counter[str] = collections.Counter()
    false_total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for label in args.sets.split(","):
            for seed in SPLITS[args.split]:
                work = Path(tmp) / f"{label}-{seed}"
                files, truth = makers[label](work, seed)
                false_total += _replay(files, truth, _classes(work / "confusers.csv"), merges, classes_of, split)
    print(f"{args.split} {args.sets}: {false_total} false pairs in clusters")
    print("by the merge that made them (pairs):")
    for k, n in merges.most_common():
        print(f"{n:5d}  {k}")
    print("by the joining pair's confuser classes (pairs):")
    for k, n in classes_of.most_common():
        print(f"{n:5d}  {k}")
    for k, n in split.items():
        print(f"{n:5d}  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
