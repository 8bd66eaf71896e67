"""The synthetic corpus: deterministic, splits apart, and a small leak check on the held-out split."""

from __future__ import annotations

from collections import Counter

import pytest

from msin_fed.redaction import Redactor
from msin_fed.redaction.corpus import Planted, generate, kept, leaked


def test_deterministic_per_seed() -> None:
    assert [d.text for d in generate("tuning", 5, seed=1)] == [d.text for d in generate("tuning", 5, seed=1)]
    assert [d.text for d in generate("tuning", 5, seed=1)] != [d.text for d in generate("tuning", 5, seed=2)]


def test_splits_use_different_names_and_templates() -> None:
    tuning = generate("tuning", 60)
    heldout = generate("heldout", 60)
    names = lambda docs: {p.surface.lower() for d in docs for p in d.planted if p.kind == "PERSON"}  # noqa: E731
    assert not {n for n in names(tuning) if " " in n} & {n for n in names(heldout) if " " in n}
    assert not {d.text.split(".")[0] for d in tuning} & {d.text.split(".")[0] for d in heldout}


def test_every_type_is_planted() -> None:
    kinds = {p.kind for d in generate("heldout", 80) for p in d.planted}
    assert kinds >= {"PERSON", "PHONE", "EMAIL", "POSTCODE", "VEHICLE", "NINO", "IBAN", "SORT_CODE", "ACCOUNT",
                     "PASSPORT", "DOB", "ADDRESS", "SITE", "COMPANY", "COMPANY_NUMBER"}


def test_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="split"):
        generate("test", 1)


def test_leak_measure() -> None:
    assert leaked(Planted("PHONE", "07700 900123", False), "call 07700-900-123")
    assert not leaked(Planted("PHONE", "07700 900123", False), "call <PHONE_1>")
    assert leaked(Planted("PERSON", "Ion POPESCU", False), "then popescu left")
    assert not leaked(Planted("PERSON", "Ion Popescu", False), "<PERSON_1> left")
    assert kept("£450", "paid £450")


def test_heldout_sample_meets_targets(redactor: Redactor) -> None:
    docs = generate("heldout", 40, seed=11)
    results = redactor.redact_many([(d.text, d.known) for d in docs])
    total: Counter[str] = Counter()
    leaks: Counter[str] = Counter()
    for doc, result in zip(docs, results, strict=True):
        for p in doc.planted:
            key = "known" if p.known else p.kind
            total[key] += 1
            leaks[key] += leaked(p, result.text)
        assert all(kept(v, result.text) for v in doc.keep)
        redactor.verify(result.text)
    assert leaks["known"] == 0
    structured = [k for k in total if k not in ("known", "PERSON")]
    assert sum(leaks[k] for k in structured) <= 0.01 * sum(total[k] for k in structured)
    assert leaks["PERSON"] <= 0.05 * total["PERSON"]
