"""Residue scan benchmark: the coordinator's intake check, against the scanner it replaced, same run.

    .venv/bin/python bench/residue_scan.py [--docs 300] [--repeats 7] [--seed 31337] [--external 500]

The coordinator re-checks every narrative it receives with the residue scan
(``ResidueScanner.scan``, what ``Redactor.verify`` runs); its cost per narrative bounds
verified intake per core. Prints, per text set, narratives per CPU-second and µs per
narrative (CPU time of this process, median of ``--repeats`` interleaved runs) of the
current scanner and of the frozen scanner it replaced (``bench/residue_reference.py``),
and the ratio; and checks that both find the same (it exits 1 if not).

Text sets, none of them the texts the scan was tuned on (the tuning split, seed 1):
held-out corpus reports as the node's redactor leaves them (what the coordinator
receives; the headline), the same reports as written (identifiers in place, so every
detector has findings to report), and presidio-evaluator sentences redacted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.residue_reference import ResidueScanner as ReferenceScanner
from msin_fed.redaction import Redactor
from msin_fed.redaction._residue import ResidueScanner
from msin_fed.redaction.corpus import generate


def per_text(scan: Callable[[str], object], texts: Sequence[str]) -> float:
    """CPU seconds per text of one pass over ``texts``."""
    start = time.process_time()
    for text in texts:
        scan(text)
    return (time.process_time() - start) / len(texts)


def compare(label: str, texts: Sequence[str], repeats: int) -> bool:
    new, old = ResidueScanner(), ReferenceScanner()
    same = all(new.scan(t) == old.scan(t) for t in texts)  # also warms both
    with_findings = sum(bool(new.scan(t)) for t in texts)
    times: dict[str, list[float]] = {"new": [], "old": []}
    for _ in range(repeats):  # interleaved: a change of load hits both alike
        times["old"].append(per_text(old.scan, texts))
        times["new"].append(per_text(new.scan, texts))
    med = {k: statistics.median(v) for k, v in times.items()}
    mean_len = sum(map(len, texts)) / len(texts)
    print(f"\n{label}: {len(texts)} texts, {mean_len:.0f} characters on average, {with_findings} with findings")
    for key, name in (("old", "before (frozen reference)"), ("new", "ResidueScanner.scan")):
        print(f"  {name:28} {1 / med[key]:9,.0f} narratives/s   {med[key] * 1e6:7.0f} µs per narrative")
    print(f"  speed-up {med['old'] / med['new']:.2f}x; same findings on every text: {'yes' if same else 'NO'}")
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=300, help="held-out corpus reports")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=31337)
    parser.add_argument("--external", type=int, default=500, help="presidio-evaluator sentences (0: skip)")
    args = parser.parse_args()

    redactor = Redactor()
    docs = generate("heldout", args.docs, seed=args.seed)
    redacted = [r.text for r in redactor.redact_many([(d.text, d.known) for d in docs])]
    print(f"residue scan, CPU time of one process, median of {args.repeats} interleaved runs; "
          f"held-out split seed {args.seed}")
    ok = compare("HEADLINE held-out reports, redacted (what the coordinator checks)", redacted, args.repeats)
    ok &= compare("held-out reports as written (identifiers in place)", [d.text for d in docs], args.repeats)
    if args.external:
        from bench.external import generate as external

        sentences = [s.text for s in external(args.external, seed=args.seed)]
        ext = [r.text for r in redactor.redact_many([(t, ()) for t in sentences])]
        ok &= compare("presidio-evaluator sentences, redacted", ext, args.repeats)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
