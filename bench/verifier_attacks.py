# ruff: noqa: E402 - thread limits must be set before numpy loads
"""The coordinator's verifier against a faulty or hostile node: what gets past it, what it refuses wrongly.

    python bench/verifier_attacks.py [--docs 300] [--seed 5] [--honest-cache PATH]

Escapes: the adversarial corpus's narratives that hide an identifier and that the verifier
refuses as written (``tests/redaction/verifier_mutations.refused_corpus``), sent through
each mutation of ``tests/redaction/verifier_mutations`` (case classes and placeholders
put inside identifiers among them); a mutated text the verifier accepts is an escape.

False refusals: reports of the ``tuning`` and ``heldout`` splits redacted by the redactor
(``--docs`` of each), those the verifier passes as written, then the same texts written
another way an honest node may write them (wrapped at a width, all in capitals, all in
lower case with the placeholders as written); a refusal of such a text is a false refusal.
``--honest-cache`` keeps the redacted texts in a file, so that two builds (run the script
with each build's Python) judge the same texts.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import logging
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "redaction"))

from msin_fed.coordinator.server import load_verifier
from verifier_mutations import CASELESS, MUTATIONS, PLACEHOLDER_INSIDE, refused_corpus

from msin_fed.errors import RedactionRefused

_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_[0-9]+>")


def _lower_but_placeholders(text: str) -> str:
    out, last = [], 0
    for m in _PLACEHOLDER.finditer(text):
        out += [text[last : m.start()].lower(), m.group(0)]
        last = m.end()
    return "".join([*out, text[last:].lower()])


HONEST_FORMS = {
    "as written": lambda t: t,
    "wrapped at 20": lambda t: "\n".join(textwrap.wrap(t, 20)),
    "wrapped at 60 (CRLF)": lambda t: "\r\n".join(textwrap.wrap(t, 60)),
    "all in capitals": str.upper,
    "all in lower case": _lower_but_placeholders,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=300, help="reports of each split for the false refusals")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--honest-cache", type=Path, help="redacted texts, written on first use")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # a refusal logs its counts per type
    verifier = load_verifier()

    def refuses(text: str) -> bool:
        try:
            verifier.verify(text)
        except RedactionRefused:
            return True
        return False

    refused = [t for t in refused_corpus() if refuses(t)]
    print(f"escapes: of {len(refused)} refused corpus narratives, accepted after the mutation")
    classes = {**{k: MUTATIONS[k] for k in CASELESS}, **PLACEHOLDER_INSIDE}
    for name, fn in {**classes, **{k: v for k, v in MUTATIONS.items() if k not in classes}}.items():
        changed = [fn(t) for t in refused if fn(t) != t]
        print(f"  {name:40s} {sum(not refuses(t) for t in changed):4d} of {len(changed)}")

    if args.honest_cache and args.honest_cache.exists():
        honest = json.loads(args.honest_cache.read_text())
    else:
        from msin_fed.redaction import Redactor
        from msin_fed.redaction.corpus import generate

        docs = [d for split in ("tuning", "heldout") for d in generate(split, args.docs, args.seed)]
        honest = [r.text for r in Redactor().redact_many([(d.text, d.known) for d in docs])]
        if args.honest_cache:
            args.honest_cache.write_text(json.dumps(honest))
    clean = [t for t in honest if not refuses(t)]
    print(f"false refusals: of {len(clean)} honest redacted reports the verifier passes as written "
          f"({len(honest)} redacted)")
    for name, fn in HONEST_FORMS.items():
        print(f"  {name:40s} {sum(refuses(fn(t)) for t in clean):4d} of {len(clean)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
