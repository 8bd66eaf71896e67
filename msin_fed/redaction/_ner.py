"""The NER's own computation, with less overhead: same model, same weights, same decisions.

Two parts, both used only for the architecture of spaCy's CNN English pipelines (hash
embeddings of NORM, PREFIX, SUFFIX and SHAPE, a maxout window encoder, the transition-based
NER with a hidden layer), and only when that is exactly what is loaded; anything else runs
spaCy's own code.

* ``fold_embedding_projection``: the embedding step sums hashed rows of four tables,
  concatenates them and multiplies by the first maxout layer's weights. Matrix products
  distribute over sums, so each table is multiplied by its slice of those weights once,
  at load, and each token then sums 16 rows of the products: a quarter of the tok2vec's
  arithmetic (its largest matrix product) is gone. The result is the same up to float
  rounding (about 1e-6, the order of additions differs).
* ``PersonDecoder``: the greedy transition loop over a batch. spaCy runs it in C, one
  state at a time, with a BLAS call and a GIL round trip per token; here each step is a
  few numpy operations over every document of the batch at once. It is the same
  algorithm on the same scores: the feature sums in the same order, the same maxout,
  hidden layer, unseen-class masking, validity rules of the BILUO moves (for documents
  fresh from the tokenizer: no preset entities) and first-best choice. It only knows the
  PERSON-only moves that ``_pipeline.load_pipeline`` leaves; for a few documents
  spaCy's loop is cheaper and is used (each step costs the same however many documents
  it covers).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from spacy.attrs import IS_SPACE, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span
from thinc.api import Model

__all__ = ["PersonDecoder", "fold_embedding_projection"]

logger = logging.getLogger(__name__)

_F32 = npt.NDArray[np.float32]

_EMBED_ATTRS: list[int | str] = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
_MOVES = ("B-PERSON", "I-PERSON", "L-PERSON", "U-PERSON", "U-", "O")


def _nodes(model: Model[Any, Any], name: str) -> list[Model[Any, Any]]:
    return [n for n in model.walk() if n.name == name]


def fold_embedding_projection(nlp: Language) -> bool:
    """Give the NER's tok2vec a forward pass with the embedding projection folded into the
    tables (see the module doc); False, and nothing changed, if the model is not the expected one."""
    if "ner" not in nlp.pipe_names:
        return False
    ner: Any = nlp.get_pipe("ner")
    tok2vec = ner.model.layers[0]
    parts = _tok2vec_parts(tok2vec)
    if parts is None:
        logger.info("NER tok2vec not of the expected shape; spaCy's forward pass kept")
        return False
    tok2vec._func = _folded_forward(tok2vec, *parts)
    return True


def _tok2vec_parts(tok2vec: Model[Any, Any]) -> tuple[Any, ...] | None:
    features = _nodes(tok2vec, "extract_features")
    tables = _nodes(tok2vec, "hashembed")
    maxouts = _nodes(tok2vec, "maxout")
    norms = _nodes(tok2vec, "layernorm")
    windows = _nodes(tok2vec, "expand_window")
    encoders = [n for n in tok2vec.walk() if n.name.startswith("with_array(residual(")]
    linear = tok2vec.layers[-1]
    if not (
        tok2vec.name.endswith(">>list2array>>linear")
        and len(features) == 1
        and features[0].attrs.get("columns") == _EMBED_ATTRS
        and [t.attrs.get("column") for t in tables] == [0, 1, 2, 3]
        and len(maxouts) == len(norms) == len(windows) + 1
        and all(w.attrs.get("window_size") == 1 for w in windows)
        and len(encoders) == 1
        and encoders[0].attrs.get("pad") == len(windows)
        and linear.name == "linear"
        and "static_vectors" not in tok2vec.name
    ):
        return None
    width = tables[0].get_dim("nO")
    first: Any = maxouts[0].get_param("W")  # (nO, nP, 4 * width)
    if first.shape[2] != width * len(tables):
        return None
    nO, nP = first.shape[0], first.shape[1]
    flat = first.reshape(nO * nP, -1)
    projected = [_param(t, "E") @ flat[:, i * width : (i + 1) * width].T for i, t in enumerate(tables)]
    offsets = np.cumsum([0] + [p.shape[0] for p in projected[:-1]]).astype(np.uint32)
    table = np.ascontiguousarray(np.concatenate(projected), dtype=np.float32)
    return table, offsets, tables, maxouts, norms, linear


def _folded_forward(
    tok2vec: Model[Any, Any], table: _F32, offsets: npt.NDArray[np.uint32], tables: list[Model[Any, Any]],
    maxouts: list[Model[Any, Any]], norms: list[Model[Any, Any]], linear: Model[Any, Any],
) -> Callable[[Model[Any, Any], list[Doc], bool], tuple[_F32, Callable[[Any], Any]]]:
    ops: Any = linear.ops
    pad = len(maxouts) - 1
    seeds = [(t.attrs["seed"], t.get_param("E").shape[0]) for t in tables]

    def maxout_norm(Y: _F32, maxout: Model[Any, Any], norm: Model[Any, Any]) -> _F32:
        # thinc's Maxout (normalize=True) after its matrix product ``Y``: bias, maxout, LayerNorm.
        nO, nP = maxout.get_dim("nO"), maxout.get_dim("nP")
        Y += _param(maxout, "b").reshape(nO * nP)
        best: _F32 = ops.maxout(Y.reshape(Y.shape[0], nO, nP))[0]
        # thinc's LayerNorm: X.mean and X.var, sharing the centred values (numpy's var computes
        # them the same way), then the same scaling, in place.
        mu = best.mean(axis=1, keepdims=True)
        out: _F32 = best - mu
        var = np.square(out).sum(axis=1, keepdims=True) / out.shape[1] + 1e-08
        out *= var ** (-1.0 / 2.0)
        out *= _param(norm, "G")
        out += _param(norm, "b")
        return out

    def forward(model: Model[Any, Any], docs: list[Doc], is_train: bool) -> tuple[_F32, Callable[[Any], Any]]:
        if is_train:
            raise NotImplementedError("the folded tok2vec is for prediction only")
        lengths = [len(d) for d in docs]
        total = sum(lengths)
        width = linear.get_dim("nI")
        if total == 0:
            return ops.alloc2f(0, linear.get_dim("nO")), _no_backprop
        ids = np.concatenate([d.to_array(_EMBED_ATTRS) for d in docs if len(d)]).astype(np.uint64)
        keys = np.concatenate(
            [ops.hash(np.ascontiguousarray(ids[:, i]), seed) % rows + offsets[i] for i, (seed, rows) in enumerate(seeds)],
            axis=1,
        ).astype(np.uint32)
        X = maxout_norm(ops.gather_add(table, keys), maxouts[0], norms[0])
        # The encoder's input: every document after `pad` zero rows, and `pad` more at the end
        # (thinc's with_array(pad=...)), so that windows never reach across documents.
        flat = np.zeros((total + pad * (sum(1 for n in lengths if n) + 1), width), dtype=np.float32)
        rows = []
        at, start = pad, 0
        for n in lengths:
            if n:
                flat[at : at + n] = X[start : start + n]
                rows.append(np.arange(at, at + n))
                at += n + pad
                start += n
        for maxout, norm in zip(maxouts[1:], norms[1:], strict=True):
            W = _param(maxout, "W")
            product = ops.gemm(ops.seq2col(flat, 1), W.reshape(-1, W.shape[2]), trans2=True)
            flat += maxout_norm(product, maxout, norm)
        tokvecs = flat[np.concatenate(rows)]
        Y = ops.gemm(tokvecs, _param(linear, "W"), trans2=True)
        Y += _param(linear, "b")
        return Y, _no_backprop

    return forward


def _param(model: Model[Any, Any], name: str) -> Any:
    return model.get_param(name)


def _no_backprop(_d: Any) -> Any:
    raise NotImplementedError("the folded tok2vec is for prediction only")


class PersonDecoder:
    """The NER's greedy decoding of a batch of documents, vectorised over the documents
    (see the module doc). ``for_pipeline`` gives None when the pipeline is not one it knows."""

    def __init__(self, nlp: Language, moves: dict[str, int]) -> None:
        ner: Any = nlp.get_pipe("ner")
        self._nlp = nlp
        self._tok2vec, self._lower, self._upper = ner.model.layers
        self._moves = moves
        self._unseen = sorted(ner.model.attrs.get("unseen_classes", ()))
        self._label = nlp.vocab.strings["PERSON"]

    @classmethod
    def for_pipeline(cls, nlp: Language) -> PersonDecoder | None:
        """A decoder for ``nlp``'s NER if it is a greedy, PERSON-only transition model with a hidden layer."""
        if nlp.pipe_names != ["ner"]:
            return None
        ner: Any = nlp.get_pipe("ner")
        moves = getattr(ner, "moves", None)
        model = getattr(ner, "model", None)
        if moves is None or model is None or ner.cfg.get("beam_width") != 1 or not model.attrs.get("has_upper"):
            return None
        names = [moves.get_class_name(i) for i in range(moves.n_moves)]
        if sorted(names) != sorted(_MOVES) or len(model.layers) != 3:
            return None
        lower = model.layers[1]
        if lower.name != "precomputable_affine" or lower.get_dim("nF") != 3:
            return None
        return cls(nlp, {name: names.index(name) for name in names})

    def __call__(self, texts: Sequence[str]) -> list[Doc]:
        """The documents of ``texts`` with their PERSON entities set, as the NER would set them."""
        docs = [self._nlp.make_doc(t) for t in texts]
        self.annotate(docs)
        return docs

    def annotate(self, docs: list[Doc]) -> None:
        """Set the PERSON entities of ``docs`` (fresh from the tokenizer)."""
        lengths = np.array([len(d) for d in docs], dtype=np.int64)
        if not lengths.sum():
            for d in docs:
                d.set_ents([], default="outside")
            return
        tokvecs = self._tok2vec.predict(docs)
        cached = self._lower.predict(tokvecs)  # (tokens + 1, nF, nO, nP); row 0 is the padding
        nF, nO, nP = cached.shape[1], cached.shape[2], cached.shape[3]
        feats = [np.ascontiguousarray(cached[:, f].reshape(-1, nO * nP)) for f in range(nF)]
        bias = _param(self._lower, "b").reshape(nO * nP)
        W, b = _param(self._upper, "W"), _param(self._upper, "b")
        attrs = np.concatenate([d.to_array([SENT_START, IS_SPACE]) for d in docs if len(d)]).reshape(-1, 2)
        sent_start = np.append(attrs[:, 0] == 1, False)  # one past the end: the empty token
        is_space = attrs[:, 1] == 1
        ends: list[tuple[int, int, int]] = []
        mv = self._moves
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        doc_of = np.flatnonzero(lengths)
        pos = offsets[doc_of].copy()  # B(0), as an index into the batch's tokens
        end = (offsets + lengths)[doc_of]
        ent_start = np.full(len(doc_of), -1, dtype=np.int64)
        while len(doc_of):
            open_ = ent_start >= 0
            # Features (spaCy's set_context_tokens for the NER): B(0), the open entity's first
            # token, and B(0) - 1 inside an entity; -1 (the padding row) otherwise.
            f1 = np.where(open_, ent_start + 1, 0)
            f2 = np.where(open_, pos, 0)
            hidden = feats[0][pos + 1] + feats[1][f1]
            hidden += feats[2][f2]
            hidden += bias
            pieces = hidden.reshape(-1, nO, nP)
            best = pieces[:, :, 0]
            for p in range(1, nP):  # maxout; np.max over the short last axis is several times slower
                best = np.maximum(best, pieces[:, :, p])
            scores = best @ W.T
            scores += b
            if self._unseen:
                scores[:, self._unseen] = scores.min()
            # Validity of the moves (spaCy's ner.pyx, for documents without preset entities).
            remaining = end - pos
            nxt = np.where(remaining >= 2, pos + 1, len(sent_start) - 1)
            can_continue = (remaining >= 2) & ~sent_start[nxt]
            valid = np.zeros_like(scores, dtype=bool)
            valid[:, mv["B-PERSON"]] = ~open_ & can_continue & ~is_space[pos]
            valid[:, mv["I-PERSON"]] = open_ & can_continue
            valid[:, mv["L-PERSON"]] = open_
            valid[:, mv["U-PERSON"]] = ~open_ & ~is_space[pos]
            valid[:, mv["O"]] = ~open_
            scores[~valid] = -np.inf
            guess = scores.argmax(axis=1)  # the first of equal best, as spaCy's arg_max_if_valid
            begin = guess == mv["B-PERSON"]
            last = guess == mv["L-PERSON"]
            unit = guess == mv["U-PERSON"]
            for i in np.flatnonzero(last):
                ends.append((int(doc_of[i]), int(ent_start[i]), int(pos[i]) + 1))
            for i in np.flatnonzero(unit):
                ends.append((int(doc_of[i]), int(pos[i]), int(pos[i]) + 1))
            ent_start[begin] = pos[begin]
            ent_start[last] = -1
            pos += 1
            alive = pos < end
            if not alive.all():
                doc_of, pos, end, ent_start = doc_of[alive], pos[alive], end[alive], ent_start[alive]
        spans: list[list[Span]] = [[] for _ in docs]
        for k, start, stop in sorted(ends):
            spans[k].append(Span(docs[k], start - int(offsets[k]), stop - int(offsets[k]), label=self._label))
        for d, ents in zip(docs, spans, strict=True):
            d.set_ents(ents, default="outside")
