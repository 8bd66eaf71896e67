"""Precision and recall of the clusters per entity type (person, company, site) on the
repeats and confusers sets of a split, with tokens per mention.

Run:  python bench/org_recall.py [--split tune|test]

A pair is typed as ``bench/recall_misses.py`` types it: company when either mention
names a company, else site when either names a site, else person. HMAC tokens (the
same pairs as OPRF ones). Never run on the held-out set (docs/linkage.md section 5).
"""

from __future__ import annotations

import argparse
import collections
import csv
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import linkage as bench

from msin_fed.linkage import pipeline
from msin_fed.linkage.mentions import read_mentions

Pair = tuple[str, str]


def _kinds(files: list[Path]) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in files:
        with open(f, newline="", encoding="utf-8") as h:
            for r in csv.DictReader(h):
                out[r["record_id"]] = ("company" if r.get("company_name", "").strip() else
                                       "site" if r.get("site_name", "").strip() else "person")
    return out


def _type(kinds: dict[str, str], pair: Pair) -> str:
    ka, kb = kinds[pair[0]], kinds[pair[1]]
    return "company" if "company" in (ka, kb) else "site" if "site" in (ka, kb) else "person"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=["tune", "test"], default="tune")
    parser.add_argument("--sets", default="repeats,confusers")
    args = parser.parse_args()
    from data.synth import SPLITS, write_repeats_set
    from data.synth_confusers import write_confusers_set

    makers = {"repeats": write_repeats_set, "confusers": write_confusers_set}
    pipeline.oprf_tokenize = lambda inputs, sk=None: bench.hmac_tokenize(inputs)  # type: ignore[assignment]
    counts: collections.Counter[tuple[str, str, str]] = collections.Counter()
    records = tokens = evaluations = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for label in args.sets.split(","):
            for seed in SPLITS[args.split]:
                files, truth = makers[label](work / f"{label}-{seed}", seed)
                out = work / f"{label}-{seed}.csv"
                bench.run_msin_link(files, out)
                found = bench.cluster_pairs(out)
                kinds = _kinds(files)
                true = {tuple(sorted(p)) for p in truth}
                for p in found | true:
                    t = _type(kinds, p)  # type: ignore[arg-type]
                    counts[(label, t, "tp" if p in found and p in true else "fp" if p in found else "fn")] += 1
                for f in files:
                    for _m, inputs in read_mentions(f).mentions:
                        records += 1
                        tokens += len(inputs)
                        # a filler costs no evaluation; its pad costs one per padded value
                        evaluations += sum(not i.filler for i in inputs) + len({i.pad for i in inputs if i.filler})
    for label in args.sets.split(","):
        for t in ("company", "site", "person"):
            tp, fp, fn = (counts[(label, t, k)] for k in ("tp", "fp", "fn"))
            p = tp / (tp + fp) if tp + fp else 1.0
            r = tp / (tp + fn) if tp + fn else 1.0
            print(f"{args.split} {label:9s} {t:7s} precision {p:.4f} recall {r:.4f}  (tp {tp} fp {fp} fn {fn})")
    print(f"{args.split} per mention: tokens {tokens / records:.2f}, OPRF evaluations {evaluations / records:.2f}"
          f" ({records} mentions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
