# ruff: noqa: E402 - thread limits must be set before numpy loads
"""How independent is the verification pass? Weaken the first pass, count what the residue scan catches.

    python bench/verifier.py [--docs 300] [--seed 2026] [--adversarial tests/redaction/data] [--external 500]

For each recogniser of ``redaction_recognizers()`` in turn (and for the record's own
identifiers as a deny-list), the first pass runs without it on the adversarial corpus
(``tests/redaction/data/adversarial_*.jsonl``, when present) and the project's held-out
corpus (``corpus.generate("heldout", ...)``), and, with ``--external N``, N sentences of
presidio-evaluator's templates filled by Faker en_GB (``bench/external.py``: never looked
at while tuning the scan; its names come from Faker, as the scan's gazetteer does, so its
person figure flatters the scan). Of the planted identifiers that the
weakened first pass lets through, the figure is the share the residue scan
(``msin_fed.redaction._residue``, the verification pass) flags: a finding overlapping
the identifier's surviving characters. The full first pass is shown too (what it lets
through with nothing switched off). Then the false-refusal rate: documents of the
tuning and held-out splits whose redaction leaked nothing, yet the scan refused.

An identifier leaks when its letters and digits survive in sequence after folding (case,
diacritics, compatibility forms, format characters, letter O for zero), not running into
a longer word or number; for a person in the project corpus, when any of its name words
survives (``corpus.leaked``).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from msin_fed.errors import Finding
from msin_fed.redaction import Redactor
from msin_fed.redaction._residue import ResidueScanner
from msin_fed.redaction._text import fold as fold_same_length
from msin_fed.redaction.corpus import generate, leaked
from msin_fed.redaction.recognizers import redaction_recognizers

DATA = Path(__file__).resolve().parent.parent / "tests" / "redaction" / "data"
DENY_LIST = "KnownIdentifiers (deny-list)"


@dataclass
class Hidden:
    kind: str
    surface: str


@dataclass
class Case:
    corpus: str
    text: str
    known: Sequence[object]
    hidden: list[Hidden]


def _fold_char(ch: str) -> str:
    out = unicodedata.normalize("NFKC", ch)
    if unicodedata.category(ch) == "Cf":
        return ""
    out = "".join(c for c in unicodedata.normalize("NFKD", out) if not unicodedata.combining(c))
    return out.casefold().replace("o", "0")


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` folded, and for each folded character the index of the original one."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch):
            chars.append(c)
            index.append(i)
    return "".join(chars), index


def surviving_spans(surface: str, output: str) -> list[tuple[int, int]]:
    """Where ``surface``'s letters and digits survive in ``output`` (positions in ``output``)."""
    needle = "".join(c for c in _folded(surface)[0] if c.isalnum())
    if not needle:
        return []
    hay, index = _folded(output)
    where = [i for i, ch in enumerate(hay) if ch.isalnum()]
    squashed = "".join(hay[i] for i in where)
    spans = []
    for m in re.finditer(f"(?={re.escape(needle)})", squashed):
        first, last = where[m.start()], where[m.start() + len(needle) - 1]
        if first > 0 and _same_class(hay[first - 1], needle[0]):
            continue
        if last + 1 < len(hay) and _same_class(hay[last + 1], needle[-1]):
            continue
        spans.append((index[first], index[last] + 1))
    return spans


def _same_class(a: str, b: str) -> bool:
    return (a.isalpha() and b.isalpha()) or (a.isdigit() and b.isdigit())


def person_spans(surface: str, output: str) -> list[tuple[int, int]]:
    folded = fold_same_length(output)
    words = set(re.findall(r"[^\W\d_]{3,}", fold_same_length(surface)))
    return [(m.start(), m.end()) for m in re.finditer(r"[^\W\d_]{3,}", folded) if m.group(0) in words]


def leak_spans(case: Case, item: Hidden, output: str) -> list[tuple[int, int]]:
    if case.corpus == "heldout":
        from msin_fed.redaction.corpus import Planted

        if not leaked(Planted(item.kind, item.surface, False), output):
            return []
        if item.kind == "PERSON":
            return person_spans(item.surface, output) or [(0, len(output))]
        return surviving_spans(item.surface, output) or [(0, len(output))]
    return surviving_spans(item.surface, output)


def adversarial_cases(data: Path) -> list[Case]:
    cases = []
    for path in sorted(data.glob("adversarial_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                hidden = [Hidden(row["class"], h) for h in row["hides"]]
                cases.append(Case("adversarial", row["text"], row.get("known", []), hidden))
    return cases


def heldout_cases(n: int, seed: int) -> list[Case]:
    return [
        Case("heldout", d.text, d.known, [Hidden(p.kind, p.surface) for p in d.planted])
        for d in generate("heldout", n, seed)
    ]


def external_cases(n: int, seed: int) -> list[Case]:
    from bench.external import generate as external_generate

    return [
        Case("external", s.text, (), [Hidden(sp.kind, sp.value) for sp in s.spans if sp.in_scope])
        for s in external_generate(n, seed)
    ]


def weaken(redactor: Redactor, off: str | None) -> None:
    """The redactor's first pass without the recogniser named ``off`` (None: all of them)."""
    recognizers = [r for r in redaction_recognizers() if off is None or r.name != off]
    redactor._analyzer = redactor._analyzer_with(recognizers)


def overlaps(findings: Sequence[Finding], spans: list[tuple[int, int]]) -> bool:
    return any(f.start < b and a < f.end for f in findings for a, b in spans)


SHOW_MISSES = False


def measure(redactor: Redactor, scanner: ResidueScanner, cases: list[Case], off: str | None) -> dict[str, Counter[str]]:
    weaken(redactor, None if off == DENY_LIST else off)
    items = [(c.text, () if off == DENY_LIST else c.known) for c in cases]
    outputs = [r.text for r in redactor.redact_many(items)]  # type: ignore[arg-type]
    through: dict[str, Counter[str]] = {"through": Counter(), "caught": Counter()}
    for case, output in zip(cases, outputs, strict=True):
        findings = scanner.scan(output)
        for item in case.hidden:
            spans = leak_spans(case, item, output)
            if not spans:
                continue
            through["through"][case.corpus] += 1
            if overlaps(findings, spans):
                through["caught"][case.corpus] += 1
            elif SHOW_MISSES:  # synthetic corpora only: these identifiers are made up
                a, b = spans[0]
                print(f"    missed [{off}] {case.corpus} {item.kind}: ...{output[max(0, a - 40):b + 20]!r}")
    return through


def false_refusals(redactor: Redactor, scanner: ResidueScanner, n: int, seed: int) -> None:
    weaken(redactor, None)
    from msin_fed.redaction.corpus import Planted

    for split in ("tuning", "heldout"):
        docs = generate(split, n, seed)
        outputs = [r.text for r in redactor.redact_many([(d.text, d.known) for d in docs])]
        clean = [o for d, o in zip(docs, outputs, strict=True)
                 if not any(leaked(Planted(p.kind, p.surface, p.known), o) for p in d.planted)]
        refused_clean = sum(bool(scanner.scan(o)) for o in clean)
        refused_all = sum(bool(scanner.scan(o)) for o in outputs)
        print(f"  {split:8s}: {refused_all} of {len(docs)} documents refused; of the {len(clean)} whose redaction "
              f"leaked nothing, {refused_clean} refused (false-refusal rate {refused_clean / max(1, len(clean)):.1%})")


def external_false_refusals(redactor: Redactor, scanner: ResidueScanner, cases: list[Case]) -> None:
    weaken(redactor, None)
    outputs = [r.text for r in redactor.redact_many([(c.text, ()) for c in cases])]
    clean = [o for c, o in zip(cases, outputs, strict=True) if not any(leak_spans(c, h, o) for h in c.hidden)]
    refused = sum(bool(scanner.scan(o)) for o in clean)
    nothing = [c for c in cases if not c.hidden]
    refused_nothing = sum(bool(scanner.scan(c.text)) for c in nothing)
    print(f"  external: of the {len(clean)} sentences whose redaction leaked nothing, {refused} refused "
          f"({refused / max(1, len(clean)):.1%}); of the {len(nothing)} with nothing in scope to hide, "
          f"{refused_nothing} refused as written")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--adversarial", type=Path, default=DATA)
    parser.add_argument("--external", type=int, default=0, help="presidio-evaluator sentences to add (0: none)")
    parser.add_argument("--only", nargs="*", default=None, help="recognisers to switch off (default: each in turn)")
    parser.add_argument("--show-misses", action="store_true", help="print what the scan missed (synthetic data)")
    args = parser.parse_args()
    global SHOW_MISSES
    SHOW_MISSES = args.show_misses

    redactor = Redactor()
    scanner = ResidueScanner()
    scanner.warm()
    cases = adversarial_cases(args.adversarial) + heldout_cases(args.docs, args.seed)
    if args.external:
        cases += external_cases(args.external, args.seed)
    corpora = sorted({c.corpus for c in cases})
    print(f"cases: {Counter(c.corpus for c in cases)}; hidden identifiers: "
          f"{Counter(c.corpus for c in cases for _ in c.hidden)}")
    names = [None, *(r.name for r in redaction_recognizers()), DENY_LIST]
    if args.only is not None:
        names = [n for n in names if n in args.only or (n is None and "none" in args.only)]
    total: dict[str, Counter[str]] = {"through": Counter(), "caught": Counter()}
    header = "".join(f" | {c + ' through':>20s} | {'caught':>14s}" for c in corpora)
    print(f"\n{'switched off':34s}{header}")
    started = time.perf_counter()
    for off in names:
        got = measure(redactor, scanner, cases, off)
        if off is not None:
            for key in total:
                total[key].update(got[key])
        cells = "".join(
            f" | {got['through'][c]:20d} | {_pct(got['caught'][c], got['through'][c]):>14s}" for c in corpora
        )
        print(f"{off or '(nothing: full first pass)':34s}{cells}", flush=True)
    cells = "".join(f" | {total['through'][c]:20d} | {_pct(total['caught'][c], total['through'][c]):>14s}" for c in corpora)
    print(f"{'all switched-off runs':34s}{cells}")
    all_through, all_caught = sum(total["through"].values()), sum(total["caught"].values())
    print(f"\noverall: the residue scan caught {all_caught} of {all_through} identifiers the weakened first "
          f"passes let through ({_pct(all_caught, all_through)})  [{time.perf_counter() - started:.0f}s]")
    print("\nfalse refusals of the residue scan after the full first pass:")
    false_refusals(redactor, scanner, args.docs, args.seed)
    external = [c for c in cases if c.corpus == "external"]
    if external:
        external_false_refusals(redactor, scanner, external)


def _pct(a: int, b: int) -> str:
    return f"{a} ({a / b:.1%})" if b else "-"


if __name__ == "__main__":
    main()
