"""Building the shared record of a report: redact, tokenize, coarsen, grade (delivery signs batches).

What leaves the node is exactly a :class:`~msin_fed.model.SharedRecord`: the narrative
after verified redaction (the report's own identifiers and its reporter are the
deny-list), blind tokens of its mentions, coarse facts (region, sector, exploitation
type, indicators, month, victims band) and the grade with the handling code the
nominated user chose. The reporter, the exact victim count, the local report id and
the dates received never do; the record id is random.
"""

from __future__ import annotations

import datetime as _dt
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from msin_fed.errors import Finding, ValidationError
from msin_fed.model import (
    Grade,
    Handling,
    Identifier,
    IntelligenceReport,
    SharedRecord,
    Tlp,
    Token,
    victims_band,
)
from msin_fed.model.shared import MAX_TOKENS  # the coordinator refuses a record holding more
from msin_fed.token_inputs import TokenInput, inputs_for_mention, tokens_of
from msin_fed.wire import encode_submission, record_to_pb

__all__ = [
    "BuiltShare", "PreviewRedactor", "Redactor", "SharePreview", "Tokenizer", "build_share", "new_record_id",
    "preview_share",
]

class RedactionResultLike(Protocol):
    """What a redactor returns: the redacted text."""

    @property
    def text(self) -> str: ...


class Redactor(Protocol):
    """Verified redaction (``msin_fed.redaction.Redactor``)."""

    def redact_verified(
        self, text: str, known: Sequence[Identifier | str]
    ) -> RedactionResultLike: ...


class PreviewRedactor(Protocol):
    """Redaction and the verification scan as separate steps (``msin_fed.redaction.Redactor``)."""

    def redact(self, text: str, known: Sequence[Identifier | str] = ()) -> RedactionResultLike: ...

    def residue(self, texts: Sequence[str]) -> list[tuple[Finding, ...]]: ...


class Tokenizer(Protocol):
    """Blind tokens of typed inputs (``msin_fed.tokenizer.Tokenizer`` or ``LocalTokenizer``)."""

    @property
    def epoch(self) -> int: ...

    def tokenize(self, inputs: Sequence[bytes]) -> list[bytes]: ...


@dataclass(frozen=True, repr=False)
class BuiltShare:
    """A submission ready for the outbox, and the record it carries."""

    record: SharedRecord
    submission_id: str
    submission: bytes  # serialized msin.v1.Submission

    def __repr__(self) -> str:
        return f"BuiltShare(record_id={self.record.record_id!r}, tokens={len(self.record.tokens)})"


#: The placeholders a redactor writes (``<PERSON_1>``).
PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*)_([0-9]+)>")


@dataclass(frozen=True)
class SharePreview:
    """What sharing a report would send, computed locally; nothing is sent to anyone.

    ``narrative`` is the redacted narrative exactly as it would leave the node;
    ``placeholders`` the ``(start, end, placeholder)`` spans in it; ``token_kinds`` the kind
    of every blind token that would be sent (sorted; their values are never computed
    here: no key holder is asked); ``residue`` what the verification scan finds (types and
    positions; empty when the share would pass).
    """

    report_id: str
    narrative: str
    placeholders: tuple[tuple[int, int, str], ...]
    token_kinds: tuple[str, ...]
    grade: Grade
    tlp: Tlp | None
    residue: tuple[Finding, ...] = ()

    @property
    def would_refuse(self) -> bool:
        """True when the verification pass would block this share."""
        return bool(self.residue)

    def token_counts(self) -> dict[str, int]:
        """How many tokens of each kind would be sent."""
        return dict(sorted(Counter(self.token_kinds).items()))

    def placeholder_counts(self) -> dict[str, int]:
        """Distinct placeholders per type (``{"PERSON": 2, ...}``)."""
        distinct = {label for _, _, label in self.placeholders}
        return dict(sorted(Counter(PLACEHOLDER.fullmatch(p).group(1) for p in distinct).items()))  # type: ignore[union-attr]


def _known(report: IntelligenceReport) -> list[Identifier | str]:
    """The deny-list of a report: its own identifiers, the values of them that failed
    validation at import (a mistyped identifier still identifies someone), its reporter."""
    known: list[Identifier | str] = list(report.identifiers())
    known += [field.value for field in report.invalid_fields()]
    if report.reporter.strip():
        known.append(report.reporter.strip())
    return known


def _token_inputs(report: IntelligenceReport, towns_of: Mapping[str, str] | None) -> dict[bytes, TokenInput]:
    inputs: dict[bytes, TokenInput] = {}
    for mention in report.mentions:
        for item in inputs_for_mention(mention, towns_of):
            inputs.setdefault(item.data, item)
    if len(inputs) > MAX_TOKENS:
        raise ValidationError("mentions", f"yield {len(inputs)} tokens (at most {MAX_TOKENS})")
    return inputs


def preview_share(
    report: IntelligenceReport,
    *,
    tlp: Tlp | str | None,
    handling: Handling | str,
    redactor: PreviewRedactor,
    towns_of: Mapping[str, str] | None = None,
) -> SharePreview:
    """What :func:`build_share` would send for ``report``, without tokenizing or sending anything."""
    marking = parse_tlp(tlp) if tlp is not None else None
    code = parse_handling(handling)
    narrative = redactor.redact(report.narrative, _known(report)).text
    residue = tuple(redactor.residue([narrative])[0])
    spans = tuple((m.start(), m.end(), m.group(0)) for m in PLACEHOLDER.finditer(narrative))
    kinds = tuple(sorted(item.kind for item in _token_inputs(report, towns_of).values()))
    grade = Grade(report.grade.source, report.grade.assessment, code)
    return SharePreview(report.report_id, narrative, spans, kinds, grade, marking, residue)


def new_record_id() -> str:
    """A random record id: nothing about the report can be read from it."""
    return "r-" + uuid.uuid4().hex


def parse_handling(handling: Handling | str) -> Handling:
    """The handling code given as ``P``/``C`` or a Handling."""
    if isinstance(handling, Handling):
        return handling
    try:
        return Handling(str(handling).strip().upper())
    except ValueError:
        raise ValidationError("handling", "handling code must be P or C") from None


def parse_tlp(tlp: Tlp | str) -> Tlp:
    """The TLP marking given as a Tlp or its name (``AMBER``, ``TLP:AMBER+STRICT``)."""
    return tlp if isinstance(tlp, Tlp) else Tlp.parse(tlp, "tlp")


def build_share(
    report: IntelligenceReport,
    *,
    member_id: str,
    tlp: Tlp | str,
    handling: Handling | str,
    redactor: Redactor,
    tokenizer: Tokenizer,
    now: _dt.datetime | None = None,
    towns_of: Mapping[str, str] | None = None,
) -> BuiltShare:
    """The shared record of ``report`` (signed per batch at delivery). RedactionRefused
    blocks it with the reason.

    ``towns_of``: the town of each postcode district as this member writes it
    (:func:`msin_fed.token_inputs.district_towns` of its stored reports), for a site
    given by postcode only, as ``msin link`` learns it from the member's file."""
    marking = parse_tlp(tlp)
    code = parse_handling(handling)
    redacted = redactor.redact_verified(report.narrative, _known(report)).text

    inputs = _token_inputs(report, towns_of)
    tokens: tuple[Token, ...] = ()
    if inputs:
        # In a random order: the inputs come out in the order they are made (a deletion
        # neighbourhood position by position, fillers where a variant repeats or a digit
        # stands), so the order sent would tell STTG which position of a phone two
        # records differ at and where its repeated digits or a site's digits are.
        items = list(inputs.values())
        secrets.SystemRandom().shuffle(items)
        # Fillers (padding) cost no evaluation of their own (token_inputs.tokens_of).
        values = tokens_of(items, tokenizer.tokenize)
        epoch = tokenizer.epoch
        tokens = tuple(Token(item.kind, v, epoch) for item, v in zip(items, values, strict=True))

    grade = Grade(report.grade.source, report.grade.assessment, code)
    record = SharedRecord(
        record_id=new_record_id(),
        member_id=member_id,
        narrative=redacted,
        tokens=tokens,
        region=report.region,
        sector=report.sector,
        exploitation_type=report.exploitation_type,
        month=report.month,
        grade=grade,
        tlp=marking,
        indicators=report.indicators,
        victims_band=victims_band(report.victims_count),
        time_sensitive=report.time_sensitive and grade.actionable,
        shared_at=(now or _dt.datetime.now(_dt.UTC)).replace(microsecond=0),
    )
    record_bytes = record_to_pb(record).SerializeToString(deterministic=True)
    submission_id = str(uuid.uuid4())
    return BuiltShare(record, submission_id, encode_submission(submission_id, record_bytes))
