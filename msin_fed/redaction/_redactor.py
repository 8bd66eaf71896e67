"""The redactor: analysis, record-aware placeholders, and the independent verification pass."""

from __future__ import annotations

import logging
import multiprocessing
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from presidio_analyzer import (
    AnalyzerEngine,
    ContextAwareEnhancer,
    EntityRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from msin_fed.errors import Finding, RedactionRefused, ValidationError
from msin_fed.model.identifiers import Identifier
from msin_fed.redaction._case import repair_case
from msin_fed.redaction._ner import PersonDecoder
from msin_fed.redaction._normalise import NormalisedText, normalise
from msin_fed.redaction._pipeline import PrunedSpacyEngine, load_pipeline
from msin_fed.redaction._reread import recased, unsplit
from msin_fed.redaction._residue import ResidueScanner
from msin_fed.redaction._text import COMMON_WORDS, PLACEHOLDER, caps_to_title, fold
from msin_fed.redaction._vocab import is_english_word, is_kept_word, is_name_word, is_world_town
from msin_fed.redaction.recognizers import (
    KnownIdentifierRecognizer,
    redaction_recognizers,
    verification_recognizers,
)
from msin_fed.redaction.recognizers._base import pattern_matches, plain_pattern_recognizer

__all__ = ["PLACEHOLDER_TYPES", "RedactionResult", "Redactor"]

logger = logging.getLogger(__name__)

#: Analyzer entity type -> placeholder type written into the text.
PLACEHOLDER_TYPES: dict[str, str] = {
    "PERSON": "PERSON",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "UK_POSTCODE": "POSTCODE",
    "STREET_ADDRESS": "ADDRESS",
    "UK_VEHICLE_REGISTRATION": "VEHICLE",
    "VEHICLE_REGISTRATION": "VEHICLE",
    "UK_NINO": "NINO",
    "UK_PASSPORT": "PASSPORT",
    "PASSPORT": "PASSPORT",
    "UK_DRIVING_LICENCE": "DRIVING_LICENCE",
    "IBAN_CODE": "IBAN",
    "SORT_CODE": "SORT_CODE",
    "BANK_ACCOUNT": "ACCOUNT",
    "COMPANY": "COMPANY",
    "COMPANY_NUMBER": "COMPANY_NUMBER",
    "SITE": "SITE",
    "DATE_OF_BIRTH": "DOB",
    "NATIONAL_ID": "NATIONAL_ID",
    "IDENTIFIER": "IDENTIFIER",
    "CREDIT_CARD": "CARD",
    "POSTCODE": "POSTCODE",
}

_NAME_WORD = re.compile(r"[^\W\d_]{3,}")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_BATCH = 64
#: Below this many texts spaCy's own decoding loop is cheaper than the vectorised one (its
#: per-step cost is paid once per token of the longest text, whatever the batch).
_DECODER_MIN = 8


@dataclass(frozen=True)
class RedactionResult:
    """A redacted narrative and how many distinct entities of each placeholder type it replaced."""

    text: str
    entities: dict[str, int] = field(default_factory=dict)


class _NoContextEnhancer(ContextAwareEnhancer):
    """Our recognizers check their own context (and need it, not just a score bump); Presidio's
    lemma-window enhancer would cost a third of the analysis time for nothing."""

    def __init__(self) -> None:
        super().__init__(0.0, 0.0, 0, 0)

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: object,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        """Results unchanged."""
        return raw_results


@dataclass
class _Span:
    start: int
    end: int
    entity_type: str
    score: float
    group: int | None


class Redactor:
    """Presidio-based redaction of exploitation-report narratives.

    ``spacy_model`` names an installed spaCy pipeline; ``None`` picks the best English one
    installed. ``threshold`` is the score a finding needs to be redacted;
    ``verify_threshold`` the score residue needs to refuse a share.

    Verification is the residue scan (``_residue.py``): identifier shapes and a names
    gazetteer, sharing no code and no method with the detectors that redact. With
    ``recheck`` the detectors' own second run (NER and recognizers on the redacted text)
    is added to it; it costs a second NER pass and finds little the scan does not.
    """

    def __init__(
        self,
        spacy_model: str | None = None,
        *,
        threshold: float = 0.4,
        verify_threshold: float = 0.5,
        recheck: bool = False,
    ) -> None:
        self._model_name = spacy_model
        self._nlp = load_pipeline(spacy_model)
        self._engine = PrunedSpacyEngine(self._nlp)
        self._decoder = PersonDecoder.for_pipeline(self._nlp)
        self.threshold = threshold
        self.verify_threshold = verify_threshold
        self._analyzer = self._analyzer_with(redaction_recognizers())
        self._verifier = self._analyzer_with(verification_recognizers())
        self._scanner = ResidueScanner()
        self.recheck = recheck
        self._anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]

    def _analyzer_with(self, recognizers: Iterable[EntityRecognizer]) -> AnalyzerEngine:
        registry = RecognizerRegistry(supported_languages=["en"])
        for rec in recognizers:
            registry.add_recognizer(rec)
        return AnalyzerEngine(
            registry=registry, nlp_engine=self._engine, supported_languages=["en"],
            context_aware_enhancer=_NoContextEnhancer(),
        )

    # -- public recipes -------------------------------------------------------------

    def redact(self, text: str, known: Sequence[Identifier | str] = ()) -> RedactionResult:
        """Replace identifying spans of ``text`` with numbered placeholders."""
        return self.redact_many([(text, known)])[0]

    def redact_verified(self, text: str, known: Sequence[Identifier | str] = ()) -> RedactionResult:
        """Redact, then verify independently; raises RedactionRefused on residue."""
        result = self.redact(text, known)
        self.verify(result.text)
        return result

    def redact_many(
        self,
        items: Sequence[tuple[str, Sequence[Identifier | str]]],
        workers: int = 1,
        *,
        verify: bool = False,
    ) -> list[RedactionResult]:
        """Redact many narratives, batched through spaCy; ``workers`` > 1 uses that many processes.

        With ``verify``, every redacted text then goes through the independent verification
        pass (batched through spaCy too, in the same process as its redaction), and the first
        one with residue raises RedactionRefused, noting which item it was.
        """
        for i, (text, _known) in enumerate(items):
            if not isinstance(text, str):
                raise ValidationError(f"items[{i}].text", f"must be text, not {type(text).__name__}")
        if workers > 1 and len(items) >= 2 * workers:
            return self._redact_parallel(items, workers, verify)
        normalised = [normalise(text) for text, _ in items]
        # A narrative all in capitals or all in lower case is read with its case repaired.
        read = [repair_case(n.text) or n.text for n in normalised]
        docs = self._docs([caps_to_title(t) for t in read])
        results = [
            self._redact_doc(n, known, doc, t)
            for n, (_, known), doc, t in zip(normalised, items, docs, read, strict=True)
        ]
        if verify:
            for i, findings in enumerate(self.residue([r.text for r in results])):
                if findings:
                    _refuse(findings, f"item {i}")
        return results

    def warm(self) -> None:
        """Build what the first :meth:`verify` would build (the scan's gazetteer and
        lexicon, about 0.7 s of CPU), so that serving starts with it done."""
        self._scanner.warm()
        self._scanner.scan("Paid £20 a day at a farm near Leeds, called <PERSON_1> on 07700 900123.")
        recased("PAID £20 A DAY AT A FARM, CALLED <PERSON_1>.")  # the given names of the recased reading

    def verify(self, text: str) -> None:
        """Scan ``text`` for residue, independently of redaction; raise RedactionRefused if any remains.

        Placeholders written by a redactor (``<PERSON_1>``) are never findings.
        """
        if not isinstance(text, str):
            raise ValidationError("text", f"must be text, not {type(text).__name__}")
        findings = self.residue([text])[0]
        if findings:
            _refuse(findings)

    def residue(self, texts: Sequence[str]) -> list[tuple[Finding, ...]]:
        """The verification findings of each of ``texts`` (empty: clean).

        Independent of redaction in code and in method: the residue scanner's shapes and
        names gazetteer (plus, with ``recheck``, the detectors run afresh on the text).
        """
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValidationError(f"texts[{i}]", f"must be text, not {type(text).__name__}")
        found = [tuple(f for f in _scan(self._scanner, text) if f.score >= self.verify_threshold) for text in texts]
        if not self.recheck:
            return found
        docs = self._docs([caps_to_title(t) for t in texts])
        return [
            tuple(sorted(set(scan) | set(self._residue_doc(text, doc)), key=lambda f: (f.start, f.end, f.entity_type)))
            for scan, text, doc in zip(found, texts, docs, strict=True)
        ]

    def _docs(self, texts: list[str]) -> Iterable[Doc]:
        """The NER over ``texts``: batches decoded by the vectorised decoder (``_ner.py``), a few
        texts through ``nlp.pipe``, one text by a plain call (a pipe of one costs about a
        quarter more: the share path redacts one report at a time)."""
        if len(texts) == 1:
            return [self._nlp(texts[0])]
        if self._decoder is not None and len(texts) >= _DECODER_MIN:
            return [doc for i in range(0, len(texts), _BATCH) for doc in self._decoder(texts[i : i + _BATCH])]
        return self._nlp.pipe(texts, batch_size=_BATCH)

    def _residue_doc(self, text: str, doc: Doc) -> tuple[Finding, ...]:
        results = _analyze(self._verifier, text, self._engine.artifacts(doc), self.verify_threshold)
        masked = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]
        return tuple(sorted(
            {
                Finding(r.entity_type, r.start, r.end, round(float(r.score), 2))
                for r in results
                if not any(r.start < e and s < r.end for s, e in masked)
                and not _is_placeholder_word(text, r)
                and not (r.entity_type == "PERSON" and _not_a_name(text, r.start, r.end))
            },
            key=lambda f: (f.start, f.end, f.entity_type),
        ))

    # -- internals ------------------------------------------------------------------

    def _redact_doc(
        self, norm: NormalisedText, known: Sequence[Identifier | str], doc: Doc, text: str
    ) -> RedactionResult:
        """Find spans on ``text``, the normalised text (what every detector reads) or its
        case-repaired copy (the same length), then replace the original characters they cover."""
        ad_hoc: list[EntityRecognizer] | None = [KnownIdentifierRecognizer(known)] if known else None
        results = _analyze(self._analyzer, text, self._engine.artifacts(doc), self.threshold, ad_hoc or ())
        spans = [
            _Span(_person_start(text, r), r.end, r.entity_type, float(r.score), _group(r))
            for r in _split_persons(text, results)
            if not (r.entity_type == "PERSON" and _group(r) is None and _not_a_name(text, r.start, r.end))
            and not _ner_common_words(text, r)
        ]
        spans += _propagate_names(text, spans)
        merged = _merge(text, _extend_names(text, spans))
        if not merged:
            return RedactionResult(norm.original, {})
        placeholders = _number(text, merged)
        if not norm.is_identity():
            merged = [_Span(*norm.to_original(s.start, s.end), s.entity_type, s.score, s.group) for s in merged]
            merged, placeholders = _merge_mapped(merged, placeholders)
        anonymized = self._anonymizer.anonymize(
            text=norm.original,
            analyzer_results=[AnonymizerResult(ph, s.start, s.end, s.score) for s, ph in zip(merged, placeholders, strict=True)],
            operators={ph: OperatorConfig("replace", {"new_value": ph}) for ph in set(placeholders)},
        )
        counts = Counter(ph[1:].rsplit("_", 1)[0] for ph in set(placeholders))
        return RedactionResult(anonymized.text, dict(sorted(counts.items())))

    def _redact_parallel(
        self, items: Sequence[tuple[str, Sequence[Identifier | str]]], workers: int, verify: bool
    ) -> list[RedactionResult]:
        size = max(1, -(-len(items) // (workers * 4)))
        chunks = [(list(items[i : i + size]), verify) for i in range(0, len(items), size)]
        global _FORKED
        methods = multiprocessing.get_all_start_methods()
        if "fork" in methods:
            # The children inherit this loaded redactor: no second model load.
            _FORKED = self
            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
                parts = list(pool.map(_redact_chunk_forked, chunks))
        else:  # pragma: no cover - spawn platforms load the model once per worker
            with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(self._model_name,)) as pool:
                parts = list(pool.map(_redact_chunk_forked, chunks))
        results = [r for part, _ in parts for r in part]
        for i, findings in enumerate(f for _, residue in parts for f in residue):
            if findings:
                _refuse(findings, f"item {i}")
        return results


#: Line breaks, read as the spaces they stand for: a narrative wrapped at a width (by an
#: export, a text field, a faulty node) breaks ``PE21 7CK`` or ``QQ 12 34 56 D`` across
#: lines, where the shapes' separators are spaces only. A carriage return is read as a
#: zero-width separator, so ``\r\n`` is one separator as a space is. Same length: the
#: findings' positions stay those of the text.
_LINE_BREAKS = str.maketrans({"\n": " ", "\r": "\u200b", "\x0b": " ", "\x0c": " ", "\x85": " ",
                              "\u2028": " ", "\u2029": " "})
#: A placeholder whose number is long enough to be an identifier (``<PHONE_07700900123>``):
#: no redactor numbers placeholders so (``<PHONE_1>``), so its digits are read as text.
_LONG_PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*)_([0-9]{5,})>")


def _scan(scanner: ResidueScanner, text: str) -> list[Finding]:
    """The residue scan of ``text``; and of it with line breaks read as spaces, the digits
    of long-numbered placeholders unmasked and fillers inside identifiers read as nothing;
    and, when its case carries nothing, of it recased (``_reread``). Each finding once."""
    first = scanner.scan(text)
    read = _LONG_PLACEHOLDER.sub(lambda m: " " * (len(m.group(1)) + 2) + m.group(2) + " ", text.translate(_LINE_BREAKS))
    read, apart, cuts = unsplit(read)
    again = recased(read, text)
    if read == text and not cuts and again is None:
        return list(first)
    found = set(first)
    if read != text:
        found |= set(scanner.scan(read))
    if cuts:
        found |= {f for f in scanner.scan(apart) if any(_across(f, s, e, apart) for s, e in cuts)}
    if again is not None:
        found |= set(scanner.scan(again))
    return sorted(found, key=lambda f: (f.start, f.end, f.entity_type))


def _across(finding: Finding, start: int, end: int, text: str) -> bool:
    """A finding of the reading with fillers between identifier parts cut (``start``-``end``)
    that spans the cut (``07700 <DATE> 900123``) or begins right after it, its cue before
    (``postcode <DATE_1> 4000``). One that ends before it (``Flat 5 <ADDRESS_1>``) was read as
    it stands on the first reading."""
    return (finding.start <= start and end <= finding.end) or (
        finding.start >= end and not text[end : finding.start].strip(" \t\u200b")
    )


_FORKED: Redactor | None = None


def _analyze(
    engine: AnalyzerEngine,
    text: str,
    artifacts: NlpArtifacts,
    threshold: float,
    ad_hoc: Sequence[EntityRecognizer] = (),
) -> list[RecognizerResult]:
    """``engine.analyze(text, "en", nlp_artifacts=..., score_threshold=..., ad_hoc_recognizers=...)``
    without its per-call overhead.

    The engine's context enhancer is a no-op here and its explanations are never read;
    what it costs besides (a pass over all results per recognizer, explanation objects
    per match, per-pattern clock readings) was a fifth of the analysis. The same
    recognizers run on the same text, with the same threshold and duplicate removal.
    """
    recognizers = engine.registry.get_recognizers(language="en", all_fields=True)
    entities = engine.get_supported_entities(language="en")
    results: list[RecognizerResult] = []
    for rec in (*recognizers, *ad_hoc):
        if not rec.is_loaded:
            rec.load()
            rec.is_loaded = True
        found = pattern_matches(rec, text) if plain_pattern_recognizer(rec) else rec.analyze(
            text=text, entities=entities, nlp_artifacts=artifacts
        )
        for r in found or ():
            if not r.recognition_metadata:
                r.recognition_metadata = {}
            r.recognition_metadata.setdefault(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, rec.id)
            r.recognition_metadata.setdefault(RecognizerResult.RECOGNIZER_NAME_KEY, rec.name)  # type: ignore[has-type]
            if r.score >= threshold:
                results.append(r)
    return EntityRecognizer.remove_duplicates(results)


def _init_worker(model: str | None) -> None:  # pragma: no cover - spawn platforms only
    global _FORKED
    _FORKED = Redactor(model)


def _redact_chunk_forked(
    chunk: tuple[list[tuple[str, Sequence[Identifier | str]]], bool],
) -> tuple[list[RedactionResult], list[tuple[Finding, ...]]]:
    """Redact (and verify) one chunk in a worker; findings go back as data, raised by the parent."""
    assert _FORKED is not None
    items, verify = chunk
    results = _FORKED.redact_many(items, workers=1)
    return results, (_FORKED.residue([r.text for r in results]) if verify else [])


def _refuse(findings: Sequence[Finding], where: str = "") -> None:
    logger.warning("redaction verification refused%s: %s", f" ({where})" if where else "",
                   dict(Counter(f.entity_type for f in findings)))
    exc = RedactionRefused(findings)
    if where:
        exc.add_note(where)
    raise exc


def _group(r: RecognizerResult) -> int | None:
    meta = r.recognition_metadata or {}
    group = meta.get("known_group")
    return int(group) if group is not None else None


def _is_placeholder_word(text: str, r: RecognizerResult) -> bool:
    # "PERSON_1" tokens next to a stripped bracket, e.g. after copy-editing.
    return bool(re.fullmatch(r"[A-Z_]+_\d+", text[r.start : r.end].strip("<> ")))


# Town names of several words whose first word can pass for a name ("King" of King's Lynn).
_TOWN_PHRASE = re.compile(
    r"(?i)\b(?:King'?[s’]? Lynn|Milton Keynes|Bury St\.? Edmunds|Tunbridge Wells|Royal Leamington Spa"
    r"|Stoke[- ]on[- ]Trent|Burton[- ]upon[- ]Trent|Newcastle[- ]upon[- ]Tyne|Downham Market)\b"
)


# A place or organisation word before one of these is a place, not a name ("Stansted Airport").
_PLACE_AFTER = re.compile(
    r"[ ](?i:airport|station|bus station|coach station|services|port|harbour|docks|market|state|province|county"
    r"|region|district|oblast|voivodeship|governorate)\b"
)
_CLITIC = re.compile(r"(?i)['’](?:s|ll|re|ve|d|m|t)$")
# What the NER sweeps in before a name: a greeting ("Hi Marian"), a contraction ("I'm Grace").
_GREETING = re.compile(
    r"(?i)(?:(?:hi|hello|hey|dear|thanks|thank you|cheers|morning|evening),?\s+|[a-z]+['’](?:m|s|re|ve|ll|d)\s+)+"
)
_TRAVEL_BEFORE = re.compile(
    r"(?i)\b(?:coach|bus|train|flight|ferry|plane|tube|minibus|lorry)(?:es|s)?\s+(?:from|to|into|via|at)\s+$"
)
_PLACE_BEFORE = re.compile(r"\b(?:in|near|outside|around)\s+$")
_PLACE_WORDS = re.compile(
    r"(?i)\s+(?:international\s+)?(?:airport|station|bus station|coach station|services|port|harbour|docks)$"
)
# "Lagos State", "Nghe An Province": a region, whatever its first word is elsewhere.
_REGION_END = re.compile(r"\s(?:State|Province|County|Region|District|Oblast|Voivodeship|Governorate)$")
_CONTRACTION = re.compile(r"(?i)^\w*n['’]t$|^n['’]t$|^['’](?:s|ll|re|ve|d|m)$")


_NOT_IN_A_NAME = re.compile(r"""[:;"“”()\[\]{}<>|/\n]+""")


def _split_persons(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """PERSON findings cut where no name goes on (the NER's ``Alexandra:"I'm Grace``):
    each piece is then judged alone, so ``I'm`` is a contraction again."""
    out: list[RecognizerResult] = []
    for r in results:
        if r.entity_type != "PERSON" or not _NOT_IN_A_NAME.search(text, r.start, r.end):
            out.append(r)
            continue
        start = r.start
        for cut in [*_NOT_IN_A_NAME.finditer(text, r.start, r.end), None]:
            end = cut.start() if cut else r.end
            piece = text[start:end]
            lead = len(piece) - len(piece.lstrip())
            if piece.strip():
                out.append(RecognizerResult(
                    "PERSON", start + lead, start + len(piece.rstrip()), r.score,
                    recognition_metadata=r.recognition_metadata,
                ))
            start = cut.end() if cut else r.end
    return out


def _person_start(text: str, r: RecognizerResult) -> int:
    """Where a PERSON finding really starts: after a greeting or a contraction the NER took in."""
    if r.entity_type != "PERSON":
        return r.start
    m = _GREETING.match(text, r.start, r.end)
    return m.end() if m and m.end() < r.end else r.start


def _not_a_name(text: str, start: int, end: int) -> bool:
    """A PERSON finding that cannot be a name: no letter in it (the NER's "£<138>"), a
    contraction, only words for places, nationalities or organisations, a place before
    "Airport" or "station", or part of a UK town's name of several words."""
    span = text[start:end]
    if not any(ch.isalpha() for ch in span) or _CONTRACTION.match(span.strip()):
        return True
    if _all_kept(_PLACE_WORDS.sub("", span)) or _REGION_END.search(span):
        return True
    if _PLACE_AFTER.match(text, end) and span[:1].isupper():
        return True
    if _PLACE_BEFORE.search(text, max(0, start - 12), start) and is_world_town(span):
        return True  # "born in Constanta": a town that is a given name too, where only a place fits
    if _TRAVEL_BEFORE.search(text, max(0, start - 24), start) and " " not in span.strip():
        return True  # "the coach from Victoria": where a journey starts or ends is a place
    window = text[max(0, start - 30) : end + 30]
    offset = max(0, start - 30)
    return any(m.start() + offset <= start and end <= m.end() + offset for m in _TOWN_PHRASE.finditer(window))


def _ner_common_words(text: str, r: RecognizerResult) -> bool:
    """A PERSON the NER found that is only English words none of which is anybody's name
    ("Stronger Together", "Salesperson", "Gangmaster"): a title or a thing, not a person.
    Cues, the record's own names and the name recognizers are not second-guessed."""
    if r.entity_type != "PERSON" or (r.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY) != "SpacyRecognizer":
        return False
    words = _LETTER_RUN.findall(text[r.start : r.end])
    return bool(words) and all(is_english_word(w) and not is_name_word(w) for w in words)


def _all_kept(span: str) -> bool:
    # Words with digits are postcode pieces the NER swept in ("Wisbech pe13"); they are redacted on their own.
    words = [w for w in re.findall(r"[\w'’]+", span) if not any(c.isdigit() for c in w)]
    return bool(words) and all(is_kept_word(w) for w in words)


def _propagate_names(text: str, spans: list[_Span]) -> list[_Span]:
    """Every other occurrence of a word of a found name (``Popescu said`` after ``Ion Popescu``)."""
    words: dict[str, int | None] = {}
    for s in spans:
        if s.entity_type == "PERSON":
            for w in _NAME_WORD.findall(fold(text[s.start : s.end])):
                # An English word swept into a name ("street" of "Tavcarjeva 44 street") is not
                # spread, unless it is a name too ("ion", "hall").
                if w not in COMMON_WORDS and (not is_english_word(w) or is_name_word(w)):
                    words.setdefault(w, s.group)
    if not words:
        return []
    # A name word bounded by non-letters on both sides is exactly a maximal run of letters:
    # look the runs up instead of compiling an alternation of the words for every text.
    return [
        _Span(m.start(), m.end(), "PERSON", 0.8, words[m.group(0)])
        for m in _LETTER_RUN.finditer(fold(text))
        if m.group(0) in words
    ]


_PREV_WORD = re.compile(r"([^\W\d_][^\W\d_'’-]*) $")
_NEXT_WORD = re.compile(r" ([^\W\d_][^\W\d_'’-]*)")


def _extend_names(text: str, spans: list[_Span]) -> list[_Span]:
    """Take in a capitalised word just before or after a name (``Mantas`` in ``Mantas Zukauskas``)."""
    out = list(spans)
    for s in spans:
        if s.entity_type != "PERSON":
            continue
        before = _PREV_WORD.search(text, max(0, s.start - 40), s.start)
        if before and _name_neighbour(before.group(1)):
            out.append(_Span(before.start(1), s.end, "PERSON", s.score, s.group))
        after = _NEXT_WORD.match(text, s.end)
        if after and _name_neighbour(after.group(1)):
            out.append(_Span(s.start, after.end(1), "PERSON", s.score, s.group))
    return out


def _name_neighbour(word: str) -> bool:
    return (
        word[0].isupper()
        and not _CLITIC.search(word)
        and word.lower() not in COMMON_WORDS
        and word.lower() not in STOP_WORDS
        and not (is_kept_word(word) and not is_name_word(word))
        and not (word.isupper() and len(word) <= 4)
    )


def _merge(text: str, spans: list[_Span]) -> list[_Span]:
    """Union overlapping spans (and name words separated only by spaces); the union takes the type of its longest member, then strongest."""
    out: list[_Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if s.entity_type not in PLACEHOLDER_TYPES:
            continue
        adjacent_names = (
            out and s.entity_type == "PERSON" == out[-1].entity_type and not text[out[-1].end : s.start].strip()
        )
        if out and (s.start < out[-1].end or adjacent_names):
            cur = out[-1]
            best = max((cur, s), key=lambda x: (x.end - x.start, x.score))
            out[-1] = _Span(cur.start, max(cur.end, s.end), best.entity_type, best.score, best.group)
        else:
            out.append(_Span(s.start, s.end, s.entity_type, s.score, s.group))
    return out


def _merge_mapped(spans: list[_Span], placeholders: list[str]) -> tuple[list[_Span], list[str]]:
    """Spans mapped back to the original may now touch or overlap (two spans inside one
    ligature, a removed zero-width character between them): join those, keeping the
    first placeholder."""
    out: list[_Span] = []
    names: list[str] = []
    for s, ph in sorted(zip(spans, placeholders, strict=True), key=lambda p: (p[0].start, -p[0].end)):
        if out and s.start < out[-1].end:
            out[-1].end = max(out[-1].end, s.end)
        else:
            out.append(s)
            names.append(ph)
    return out, names


def _number(text: str, spans: list[_Span]) -> list[str]:
    """Placeholders in order of first mention; the same entity keeps its number within the record."""
    counters: Counter[str] = Counter()
    by_key: dict[tuple[str, str], str] = {}
    by_group: dict[tuple[str, int], str] = {}
    person_words: dict[str, str] = {}
    out: list[str] = []
    for s in spans:
        kind = PLACEHOLDER_TYPES[s.entity_type]
        folded = fold(text[s.start : s.end])
        key = (kind, re.sub(r"[\W_]", "", folded))
        if kind == "PHONE":
            key = (kind, re.sub(r"\D", "", folded)[-9:])
        ph = by_key.get(key) or (by_group.get((kind, s.group)) if s.group is not None else None)
        if ph is None and kind == "PERSON":
            ph = next((person_words[w] for w in _NAME_WORD.findall(folded) if w in person_words), None)
        if ph is None:
            counters[kind] += 1
            ph = f"<{kind}_{counters[kind]}>"
        by_key[key] = ph
        if s.group is not None:
            by_group.setdefault((kind, s.group), ph)
        if kind == "PERSON":
            for w in _NAME_WORD.findall(folded):
                if w not in COMMON_WORDS:
                    person_words.setdefault(w, ph)
        out.append(ph)
    return out
