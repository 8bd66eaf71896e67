"""bench/external.py: presidio-evaluator's generator runs offline and seeded, and its scoring is right."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import presidio_evaluator  # noqa: F401  (a test dependency: missing, this must fail, not skip)
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.external import (
    Sentence,
    Span,
    evaluate,
    generate,
    replaced_ranges,
    survives,
)


@pytest.fixture(scope="module")
def sentences() -> list[Sentence]:
    return generate(300, seed=11)


def test_generation_is_offline_and_seeded(monkeypatch: pytest.MonkeyPatch, sentences: list[Sentence]) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("the generator tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    again = generate(300, seed=11)
    assert [s.text for s in again] == [s.text for s in sentences]
    assert [s.spans for s in again] == [s.spans for s in sentences]
    assert [s.text for s in generate(50, seed=12)] != [s.text for s in sentences[:50]]


def test_spans_are_where_they_say(sentences: list[Sentence]) -> None:
    kinds = set()
    for s in sentences:
        assert "\\n" not in s.text and "}}" not in s.text
        for sp in s.spans:
            assert s.text[sp.start:sp.end] == sp.value and sp.value.strip()
            kinds.add(sp.kind)
    assert {"PERSON", "PHONE", "ADDRESS", "CARD"} <= kinds


def test_replaced_ranges() -> None:
    original = "Call Ion Popescu on 07700 900123 today."
    assert replaced_ranges(original, original) == []
    assert replaced_ranges(original, "Call <PERSON_1> on <PHONE_1> today.") == [(5, 16), (20, 32)]
    assert replaced_ranges(original, "Call <PERSON> on 07700 900123 today.") == [(5, 16)]


def test_scores() -> None:
    text = "I didn't see Ion Popescu at 12 Mill Lane, Boston."
    sent = Sentence(text, (
        Span("PERSON", 13, 24, "Ion Popescu", True),
        Span("ADDRESS", 28, 40, "12 Mill Lane", True),
        Span("city", 42, 48, "Boston", False),
    ), 0)
    kept = evaluate([sent], [text])
    assert kept.leaked == kept.planted == {"PERSON": 1, "ADDRESS": 1}
    assert (kept.words, kept.words_replaced, kept.contractions, kept.contractions_replaced) == (4, 0, 1, 0)
    perfect = evaluate([sent], ["I didn't see <PERSON_1> at <ADDRESS_1>, Boston."])
    assert sum(perfect.leaked.values()) == 0 and perfect.out_of_scope_replaced["city"] == 0
    over = evaluate([sent], ["I <PERSON_2> see <PERSON_1> at <ADDRESS_1>, <PERSON_3>."])
    assert (over.words_replaced, over.contractions_replaced, over.out_of_scope_replaced["city"]) == (1, 1, 1)
    half = evaluate([sent], ["I didn't see Ion <PERSON_1> at 12 <ADDRESS_1>, Boston."])
    assert sum(half.leaked.values()) == 0
    assert half.partial == {"PERSON": 1}  # "Ion" is left
    refused = evaluate([sent], [text], [True])
    assert sum(refused.leaked.values()) == 0 and refused.refused == 1


@pytest.mark.parametrize(
    ("value", "output", "leaks"),
    [
        ("07700 900123", "ring 07700-900-123", True),
        ("Ion Popescu", "ION POPESCU said", True),
        ("Ștefan", "Stefan", True),
        ("12 Mill Lane", "<ADDRESS_1>", False),
        ("Hall", "Hallam", False),
        ("900", "19001", False),
    ],
)
def test_survives(value: str, output: str, leaks: bool) -> None:
    assert survives(value, output) is leaks
