# ruff: noqa: E402 - thread limits must be set before numpy loads
"""Redaction benchmark: msin-fed's redactor against stock Presidio, same model, same corpus, same run.

    .venv/bin/python bench/redaction.py [--docs 300] [--repeats 3] [--seed 2026] [--split heldout]
                                        [--external 1500] [--no-adversarial]

Prints documents per second (median of the repeats) for stock Presidio (AnalyzerEngine +
AnonymizerEngine with their defaults and the same spaCy pipeline) and for what a member
runs to share, redaction plus the independent verification pass: batched
(``redact_many(verify=True)``, as ``msin redact --verify``; the headline) and one document
at a time (``redact_verified``, the node's share path), on one process and on two; redaction
without verification for reference; the ratio to stock; and per
identifier type the leak rate of each (share of planted identifiers still recoverable
from the output), for the first pass and for what is shared (a refused document shares
nothing). The corpus is the held-out split unless told otherwise. ``--external N`` adds
presidio-evaluator's sentences (stock and ours, per type, over-redaction, contractions);
the adversarial corpus of ``tests/redaction/data`` is summarised last.

``--external N`` adds an evaluation on text nobody here wrote: N sentences from
presidio-evaluator's own templates with Faker's en_GB locale (``bench/external.py``), per
in-scope type the leak rate (1 - recall), over-redaction (share of the words outside every
planted entity that were replaced) and contractions replaced, for stock Presidio and ours
(redaction + verification; a refused sentence leaks nothing, and the refusals are counted) in
the same run. ``--docs 0`` skips the corpus benchmark.
"""

from __future__ import annotations

import os

# One BLAS thread, for both contenders: "per core" means per core.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tldextract
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_anonymizer import AnonymizerEngine

from msin_fed.errors import RedactionRefused
from msin_fed.redaction import Redactor
from msin_fed.redaction._pipeline import best_installed_model
from msin_fed.redaction.corpus import CorpusDoc, generate, kept, leaked
from msin_fed.redaction.recognizers import known_identifiers

TYPES = ("PERSON", "PHONE", "EMAIL", "POSTCODE", "VEHICLE", "NINO", "IBAN", "SORT_CODE", "ACCOUNT", "PASSPORT",
         "DOB", "ADDRESS", "SITE", "COMPANY", "COMPANY_NUMBER")


def stock_presidio(model: str) -> Callable[[Sequence[str]], list[str]]:
    """Presidio as a new user sets it up: default recognizers, default anonymizer, our spaCy model."""
    # Stock e-mail validation would try to download the public suffix list; give it the
    # bundled snapshot so the benchmark never touches the network (same result, no wait).
    import tldextract.tldextract as tx

    tx.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}],
    })
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    anonymizer = AnonymizerEngine()

    def run(texts: Sequence[str]) -> list[str]:
        out = []
        for text in texts:
            results = analyzer.analyze(text, "en")
            out.append(anonymizer.anonymize(text=text, analyzer_results=results).text)  # type: ignore[arg-type]
        return out

    return run


def timed(fn: Callable[[], list[str]], n: int, clock: Callable[[], float] = time.process_time) -> tuple[float, list[str]]:
    """Documents per second of ``clock``: CPU time of this process by default (per core, and
    unaffected by other load on a shared machine), wall time for the multi-process run."""
    start = clock()
    out = fn()
    return n / (clock() - start), out


def leak_table(
    docs: list[CorpusDoc], outputs: list[str], refused: list[bool] | None = None
) -> tuple[dict[str, tuple[int, int]], tuple[int, int], float]:
    """Leaks per type; with ``refused``, a refused document leaks nothing (it is not shared)."""
    total: Counter[str] = Counter()
    leaks: Counter[str] = Counter()
    known_total = known_leaks = keep_total = keep_ok = 0
    for i, (doc, text) in enumerate(zip(docs, outputs, strict=True)):
        for p in doc.planted:
            hit = leaked(p, text) and not (refused and refused[i])
            if p.known:
                known_total += 1
                known_leaks += hit
            else:
                total[p.kind] += 1
                leaks[p.kind] += hit
        keep_total += len(doc.keep)
        keep_ok += sum(kept(v, text) for v in doc.keep)
    return ({t: (leaks[t], total[t]) for t in TYPES}, (known_leaks, known_total),
            keep_ok / keep_total if keep_total else 1.0)


def corpus_benchmark(args: argparse.Namespace, model: str) -> None:
    """Throughput and leak rates on this project's own generated corpus (held-out split by default)."""
    docs = generate(args.split, args.docs, seed=args.seed)
    items = [(d.text, d.known) for d in docs]
    texts = [d.text for d in docs]
    print(f"corpus: {args.split} split, {len(docs)} documents, seed {args.seed}; spaCy model {model}; "
          f"{os.cpu_count()} CPUs; median of {args.repeats} runs")

    stock = stock_presidio(model)
    stock([d.text for d in docs[:5]])  # warm-up
    redactor = Redactor(model)
    redactor.redact_many(items[:5], verify=True)
    refused: dict[str, int] = {}

    def batch_verified(workers: int = 1) -> list[str]:
        # redact_many(items, verify=True) is exactly this, except that it raises at the first refusal.
        out = [r.text for r in redactor.redact_many(items, workers=workers)]
        refused["batch"] = sum(1 for f in redactor.residue(out) if f)
        return out

    def two_verified() -> list[str]:
        # As `msin redact --verify --workers 2`: redaction in two processes, the (cheap) residue
        # scan in this one; a refused record is counted, not raised.
        out = [r.text for r in redactor.redact_many(items, workers=2)]
        refused["two"] = sum(1 for f in redactor.residue(out) if f)
        return out

    def per_document() -> list[str]:
        # The node's share path: one report at a time, redact_verified (redact, then verify).
        out, refused["single"] = [], 0
        for text, known in items:
            try:
                out.append(redactor.redact_verified(text, known).text)
            except RedactionRefused:
                refused["single"] += 1
                out.append(redactor.redact(text, known).text)
        return out

    def forget_records() -> None:
        # Every repeat redacts the same documents; a member redacts each report once. Forget the
        # compiled forms of the known identifiers (and re's own cache of them) before each run.
        known_identifiers._bounded.cache_clear()
        re.purge()

    # Interleaved repeats, so that a change of load on the machine hits every contender alike.
    runs: dict[str, tuple[Callable[[], list[str]], Callable[[], float]]] = {
        "stock": (lambda: stock(texts), time.process_time),
        "batch": (batch_verified, time.process_time),
        "single": (per_document, time.process_time),
        "redact only": (lambda: [r.text for r in redactor.redact_many(items)], time.process_time),
        "two": (two_verified, time.perf_counter),
    }
    rates: dict[str, list[float]] = {k: [] for k in runs}
    outs: dict[str, list[str]] = {}
    for _ in range(args.repeats):
        for key, (fn, clock) in runs.items():
            if key != "stock":
                forget_records()
            rate, outs[key] = timed(fn, len(docs), clock)
            rates[key].append(rate)
    assert outs["two"] == outs["batch"] == outs["single"] == outs["redact only"], "every path must give the same output"
    med = {k: statistics.median(v) for k, v in rates.items()}
    stock_rate = med["stock"]
    stock_out, ours_out = outs["stock"], outs["batch"]

    def row(label: str, key: str, note: str = "") -> None:
        print(f"  {label:44} {med[key]:8.1f}   {med[key] / stock_rate:5.2f}x stock{note}")

    print("\nthroughput (documents per CPU-second of one process, median; the 2-process row is wall-clock)")
    print(f"  {'stock Presidio (1 process)':44} {stock_rate:8.1f}")
    print("  what a member runs to share, redaction + independent verification:")
    row("HEADLINE redact_many(verify=True), 1 process", "batch",
        f" per core   (msin redact --verify; {refused['batch']} of {len(docs)} refused)")
    row("redact_verified per document, 1 process", "single",
        f" per core   (node share path; {refused['single']} of {len(docs)} refused)")
    row("redact_many(verify=True), 2 processes", "two", "  (wall clock)")
    print("  for reference, without the verification pass:")
    row("redact_many, 1 process", "redact only", " per core")

    stock_leaks, _, stock_keep = leak_table(docs, stock_out)
    ours_leaks, (known_leaks, known_total), ours_keep = leak_table(docs, ours_out)
    refused_docs = [bool(f) for f in redactor.residue(ours_out)]
    shared_leaks, _, _ = leak_table(docs, ours_out, refused_docs)
    print("\nleak rate per type (identifiers not in structured fields; share still recoverable);")
    print(f"  'shared' counts a document the verification pass refuses ({sum(refused_docs)}) as leaking nothing")
    print(f"  {'type':16} {'planted':>8} {'stock':>8} {'first pass':>11} {'shared':>8}")

    def rate(table: dict[str, tuple[int, int]]) -> float:
        return sum(v[0] for v in table.values()) / max(1, sum(v[1] for v in table.values()))

    for t in TYPES:
        (sl, n), (ol, _), (hl, _) = stock_leaks[t], ours_leaks[t], shared_leaks[t]
        if n:
            print(f"  {t:16} {n:8d} {100 * sl / n:7.1f}% {100 * ol / n:10.1f}% {100 * hl / n:7.1f}%")
    print(f"  {'all':16} {sum(v[1] for v in ours_leaks.values()):8d} {100 * rate(stock_leaks):7.1f}% "
          f"{100 * rate(ours_leaks):10.1f}% {100 * rate(shared_leaks):7.1f}%")
    print(f"\nidentifiers in structured fields (deny-list): {known_leaks} of {known_total} leaked")
    print(f"look-alikes kept (amounts, counts, durations, towns, dates): stock {100 * stock_keep:.1f}%, "
          f"msin-fed {100 * ours_keep:.1f}%")


def external_evaluation(n: int, seed: int, model: str) -> None:
    """presidio-evaluator's templates with Faker en_GB: per-type leak and over-redaction, stock vs ours."""
    from bench.external import OUT_OF_SCOPE, TYPES, evaluate
    from bench.external import generate as generate_external

    sentences = generate_external(n, seed=seed)
    texts = [s.text for s in sentences]
    stock_out = stock_presidio(model)(texts)
    redactor = Redactor(model)
    ours_out = [r.text for r in redactor.redact_many([(t, ()) for t in texts])]
    refused = [bool(f) for f in redactor.residue(ours_out)]  # what redact_many(verify=True) would refuse
    stock, ours, first_pass = evaluate(sentences, stock_out), evaluate(sentences, ours_out, refused), \
        evaluate(sentences, ours_out)

    print(f"\nexternal evaluation: presidio-evaluator templates, Faker en_GB, {len(sentences)} sentences, seed {seed}")
    print(f"  msin-fed: redaction + verification; {ours.refused} of {len(sentences)} refused (a refused sentence "
          f"is not shared, so leaks nothing); 'first pass' is the redaction alone")
    print("  leak: the span's letters and digits survive in sequence (= 1 - recall)")
    print(f"  {'type (in scope)':16} {'planted':>8} {'stock':>8} {'msin-fed':>9} {'first pass':>11}")

    def line(label: str, n: int, t: str | None) -> None:
        print(f"  {label:16} {n:8d} {100 * stock.leak_rate(t):7.1f}% {100 * ours.leak_rate(t):8.1f}% "
              f"{100 * first_pass.leak_rate(t):10.1f}%")

    for t in TYPES:
        if stock.planted[t]:
            line(t, stock.planted[t], t)
    line("all", sum(stock.planted.values()), None)
    print(f"  PERSON, counting any name word (3+ letters) left in place: stock "
          f"{100 * stock.leak_rate('PERSON', partial=True):.1f}%, msin-fed {100 * ours.leak_rate('PERSON', partial=True):.1f}%")
    absent = [t for t in TYPES if not stock.planted[t]]
    print(f"  not generated by its templates: {', '.join(absent) or '-'}; NINO, passports, plates, sort codes: none")
    for label, sc in (("stock", stock), ("msin-fed", ours)):
        print(f"  {label:9} over-redaction {sc.words_replaced} of {sc.words} other words "
              f"({100 * sc.words_replaced / max(1, sc.words):.2f}%); contractions replaced "
              f"{sc.contractions_replaced} of {sc.contractions}")
    print("  out of scope (excluded from the leak rates), share of spans replaced:")
    for t in OUT_OF_SCOPE:
        if stock.out_of_scope[t]:
            k = stock.out_of_scope[t]
            print(f"    {t:16} {k:6d}   stock {100 * stock.out_of_scope_replaced[t] / k:5.1f}%   "
                  f"msin-fed {100 * ours.out_of_scope_replaced[t] / k:5.1f}%")


def adversarial_summary(model: str) -> None:
    """The adversarial corpus (tests/redaction/data) through redact_verified, split by split."""
    from tests.redaction.test_adversarial import SPLITS, load, outcome

    redactor = Redactor(model)
    print("\nadversarial corpus (tests/redaction/data), redact_verified: leaked = a hidden identifier that")
    print("  survives in a record that was not refused; lost = harmless text replaced")
    for split in SPLITS:
        cases = load(split)
        leaked = lost = refused = 0
        for case in cases:
            gone, missing, was_refused = outcome(redactor, case)
            leaked, lost, refused = leaked + len(gone), lost + len(missing), refused + was_refused
        hides, keeps = sum(len(c["hides"]) for c in cases), sum(len(c["keep"]) for c in cases)
        print(f"  {split:8} {len(cases):4d} cases: {leaked} of {hides} identifiers leaked, {lost} of {keeps} "
              f"harmless values lost, {refused} cases refused")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--split", default="heldout", choices=("heldout", "tuning"))
    parser.add_argument("--spacy-model", default=None)
    parser.add_argument("--external", type=int, default=0, metavar="N",
                        help="also evaluate on N presidio-evaluator sentences (Faker en_GB); --docs 0 for only this")
    parser.add_argument("--no-adversarial", action="store_true", help="skip the adversarial corpus summary")
    args = parser.parse_args()

    model = args.spacy_model or best_installed_model()
    if args.docs > 0:
        corpus_benchmark(args, model)
    if args.external > 0:
        external_evaluation(args.external, args.seed, model)
    if not args.no_adversarial:
        adversarial_summary(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
