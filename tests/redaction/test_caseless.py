"""The redactor on a narrative whose case carries nothing: all in capitals or all in lower case.

Its recognizers and NER read capitals (a street is capitalised words before a street type,
spaced codes are capitals); such a narrative is analysed with its case repaired
(``_case.repair_case``). Before, 12 and 23 of the tuning half's 157 hidden identifiers
leaked from it upper- and lower-cased.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from msin_fed.redaction import Redactor
from msin_fed.redaction._case import repair_case

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_adversarial import survives

DATA = Path(__file__).parent / "data"


def _leaks(redactor: Redactor, cases: list[dict[str, object]], form: object) -> list[str]:
    items = [(form(c["text"]), [form(k) for k in c.get("known", [])]) for c in cases]  # type: ignore[operator, attr-defined]
    out = redactor.redact_many(items)
    return [h for c, o in zip(cases, out, strict=True) for h in c["hides"] if survives(h, o.text)]  # type: ignore[attr-defined]


def test_names_streets_and_codes_in_capitals_or_lower_case_are_redacted(redactor: Redactor) -> None:
    lines = (DATA / "adversarial_tuning.jsonl").read_text(encoding="utf-8").splitlines()
    cases = [c for c in (json.loads(line) for line in lines if line.strip()) if c.get("hides")]
    assert len(cases) > 100
    assert len(_leaks(redactor, cases, str.upper)) <= 1
    assert len(_leaks(redactor, cases, str.lower)) <= 2
    for text, hidden in (("THE WORKERS SLEEP IN A HOUSE ON WENLOCK CRESCENT NEAR THE DEPOT.", "WENLOCK"),
                         ("the caravan is at postcode p e 2 1 7 c k, behind the farm shop.", "p e 2 1 7 c k"),
                         ("they were driven to the farm every morning by gheorghe ionescu.", "ionescu")):
        assert not survives(hidden, redactor.redact(text).text), text


def test_case_is_repaired_only_where_it_carries_nothing() -> None:
    assert repair_case("The worker said <PERSON_1> drove them to the farm near Spalding every day.") is None
    repaired = repair_case("THE WORKER SAID <PERSON_1> DROVE THEM TO THE FARM NEAR SPALDING EVERY DAY.")
    assert repaired is not None and "<PERSON_1>" in repaired and len(repaired) == 74
    assert repaired.startswith("The worker") and "drove them to the farm" in repaired and "Spalding" in repaired
