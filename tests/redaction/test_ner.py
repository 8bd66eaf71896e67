"""The NER's faster computation (folded embedding projection, batch decoder) decides as spaCy's own."""

from __future__ import annotations

import numpy as np
import pytest
from spacy.language import Language

from msin_fed.redaction._ner import PersonDecoder
from msin_fed.redaction._pipeline import load_pipeline
from msin_fed.redaction._text import caps_to_title
from msin_fed.redaction.corpus import generate

EDGE_TEXTS = [
    "",
    " ",
    "Ion",
    "ION POPESCU called from Wisbech.",
    "Mr  Ion\n\nPopescu   said that  Maria Ionescu   keeps the passports",
    "\n\nNguyen Van Minh",
    "paid £138 a week by Darius Kowalski",
]


@pytest.fixture(scope="module")
def spacy_own() -> Language:
    """The same pruned, person-only pipeline running spaCy's own tok2vec and decoder."""
    return load_pipeline(fold_embeddings=False)


@pytest.fixture(scope="module")
def folded() -> Language:
    return load_pipeline()


@pytest.fixture(scope="module")
def texts() -> list[str]:
    out = list(EDGE_TEXTS)
    for split in ("tuning", "heldout"):
        docs = generate(split, 60, seed=99)
        out += [caps_to_title(d.text) for d in docs] + [d.text for d in docs[:20]]
    return out


def _ents(docs: object) -> list[list[tuple[int, int, str]]]:
    return [[(e.start, e.end, e.label_) for e in doc.ents] for doc in docs]  # type: ignore[attr-defined]


def test_folded_tok2vec_gives_spacys_vectors(spacy_own: Language, folded: Language, texts: list[str]) -> None:
    docs = [folded.make_doc(t) for t in texts[:40]]
    ours = folded.get_pipe("ner").model.layers[0].predict(docs)  # type: ignore[attr-defined]
    theirs = spacy_own.get_pipe("ner").model.layers[0].predict(docs)  # type: ignore[attr-defined]
    assert ours.shape == theirs.shape
    # Same arithmetic in another order: equal up to float rounding.
    assert np.allclose(ours, theirs, rtol=0, atol=1e-4)


def test_folded_pipeline_finds_the_same_persons(spacy_own: Language, folded: Language, texts: list[str]) -> None:
    expected = _ents(spacy_own.pipe(texts, batch_size=32))
    assert sum(map(len, expected)) > 100
    assert _ents(folded.pipe(texts, batch_size=32)) == expected
    assert _ents(folded(t) for t in texts[:30]) == expected[:30]


@pytest.mark.parametrize("batch", [1, 7, 64])
def test_batch_decoder_finds_the_same_persons(spacy_own: Language, folded: Language, texts: list[str], batch: int) -> None:
    decoder = PersonDecoder.for_pipeline(folded)
    assert decoder is not None
    expected = _ents(spacy_own.pipe(texts, batch_size=32))
    got = [doc for i in range(0, len(texts), batch) for doc in decoder(texts[i : i + batch])]
    assert _ents(got) == expected
    # Tokens outside the entities are marked outside, as spaCy's NER leaves them.
    assert all(t.ent_iob_ in ("B", "I", "O") for doc in got for t in doc)


def test_decoder_only_for_the_person_only_ner() -> None:
    assert PersonDecoder.for_pipeline(load_pipeline(person_only=False)) is None
