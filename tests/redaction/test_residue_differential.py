"""The faster residue scan finds exactly what the scanner it replaced found.

The scan is what the coordinator refuses records by, so being cheaper must not change a
single finding. ``bench/residue_reference.py`` is the scanner as it was before (frozen, not
to be edited); each test runs both on the same texts and compares the whole findings
(types, positions, scores): the adversarial corpus (both halves, as written and as the
redactor leaves them), the generated corpus's tuning and held-out splits (as written, with
every identifier in place, and redacted), presidio-evaluator's sentences, and
hypothesis-made text dense in what the patterns key on (cue words, digits, separators,
placeholders) and in odd Unicode (look-alike letters, full-width forms, zero-width and
format characters, the letters IGNORECASE folds oddly).
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.residue_reference import ResidueScanner as ReferenceScanner
from msin_fed.redaction import Redactor
from msin_fed.redaction._residue import ResidueScanner
from msin_fed.redaction.corpus import generate

DATA = Path(__file__).parent / "data"
NEW = ResidueScanner()
OLD = ReferenceScanner()


def _differences(texts: list[str]) -> list[tuple[int, object, object]]:
    out = []
    for i, text in enumerate(texts):
        new, old = NEW.scan(text), OLD.scan(text)
        if new != old:
            out.append((i, new, old))
    return out


def _adversarial() -> list[tuple[str, tuple[str, ...]]]:
    cases = []
    for split in ("tuning", "heldout"):
        for line in (DATA / f"adversarial_{split}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                cases.append((case["text"], tuple(case.get("known", ()))))
    return cases


def test_adversarial_corpus_as_written_and_redacted(redactor: Redactor) -> None:
    cases = _adversarial()
    assert len(cases) > 200
    redacted = [r.text for r in redactor.redact_many(cases)]
    texts = [t for t, _ in cases] + redacted
    assert sum(bool(OLD.scan(t)) for t in texts) > 100  # the comparison covers findings, not only clean text
    assert _differences(texts) == []


def test_generated_corpus_splits_as_written() -> None:
    texts = [d.text for split in ("tuning", "heldout") for seed in (3, 11) for d in generate(split, 150, seed)]
    assert _differences(texts) == []


def test_generated_corpus_splits_redacted(redactor: Redactor) -> None:
    docs = [d for split in ("tuning", "heldout") for d in generate(split, 60, 5)]
    texts = [r.text for r in redactor.redact_many([(d.text, d.known) for d in docs])]
    assert _differences(texts) == []


def test_presidio_evaluator_sentences(redactor: Redactor) -> None:
    from bench.external import generate as external

    texts = [s.text for s in external(400, seed=7)]
    texts += [r.text for r in redactor.redact_many([(t, ()) for t in texts])]
    assert _differences(texts) == []


# Fragments the patterns key on, shapes, and characters that test the index's assumptions.
_FRAGMENTS = [
    "called", "named", "name is", "known as", "aka", "a.k.a.", "alias", "Mr", "mrs", "Dr.", "hi", "surname", "first name",
    "boss", "driver", "worker", "spoke to", "said", "told", "who", "was seen", "gave her", "dob", "D.O.B", "born",
    "date of birth", "aged", "in", "at", "from", "of", "black", "silver", "van", "reg", "plate", "minibus", "licence",
    "passport no.", "permit", "id card", "zip", "post code", "postal code", "Spain", "Poland", "Romania", "sort code",
    "account", "iban", "phone", "call", "text", "whatsapp", "one", "two", "oh", "double", "seven", "nine", "zero",
    "makes her", "so he is", "which means she was", "Uncle", "Auntie", "they call him", "refers to him as",
    "flat", "Apt.", "unit", "P.O. Box", "box", "suite", "Street", "Road", "Close", "Lane", "Way", "High Street",
    "@", "(at)", "[dot]", " dot ", "gmail", "com", ".co.uk", "＠", "Popescu", "Gheorghe", "Ion", "Hall", "North",
    "Wood", "Smith", "Sarah", "Johnson", "kola", "ndubuisi", "Leicester", "Victoria", "Lagos", "state", "station",
    "<PERSON_1>", "<PHONE_2>", "<DOB_1>", "<ADDRESS_1>", "<ACCOUNT_1>", "PE13 2AB", "AB12 CDE", "GB82 WEST 1234",
    "QQ123456D", "07700 900123", "+44", "0040", "(0)", "12/03/1985", "1 Dec 2003", "£1500", "2019-2023", "80-77-73",
    "O77OO", "9OO", "Il", "ſ", "ı", "İ", "K", "０７７", "\u200b", "\u00a0", "\u2013", "\u2019", "Ștefan", "Łukasz",
    "Р", "о", "Олена", ":", ";", ",", ".", "!", "?", "(", ")", "-", "'", '"', "\n", "\t",
]
_PIECE = st.one_of(
    st.sampled_from(_FRAGMENTS),
    st.text(alphabet="0123456789", min_size=1, max_size=8),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9),
    st.sampled_from([" ", " ", " ", "  ", ", ", ". ", "-", " - "]),
    st.characters(codec="utf-8"),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECE, min_size=1, max_size=60).map("".join))
def test_made_up_text(text: str) -> None:
    assert NEW.scan(text) == OLD.scan(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_unicode_text(text: str) -> None:
    assert NEW.scan(text) == OLD.scan(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(
    st.sampled_from(["O", "o", "I", "l", "0", "1", "7", "9", " ", "-", "/", ".", "Oo", "lI", "Il1", "£", "ſ", "\uff10", "é", "_"]),
    st.text(alphabet="ABOabo0123456789Il ", max_size=6),
    st.characters(codec="utf-8"),
), max_size=40).map("".join))
def test_prepared_text_is_the_same(text: str) -> None:
    # What the shapes read: compatibility characters and digit look-alikes folded.
    import bench.residue_reference as reference
    import msin_fed.redaction._residue as residue

    assert residue._prepare(text) == reference._prepare(text)
