"""``msin link`` in one process: normalize -> OPRF (in-process key holder) -> match.

Each input file stands for one member. Its rows become entity mentions and typed token
inputs (:mod:`msin_fed.token_inputs`); every distinct input but the fillers (padding,
whose tokens derive from one evaluation per padded value) is evaluated once under a fresh random key through :class:`msin_fed.tokenizer.LocalTokenizer` (RFC 9497
``Evaluate``, the token a node would obtain from the key holders); the matcher then sees
only ``(kind, token)`` pairs per record, exactly as the coordinator does, and scores
pairs with :data:`msin_fed.linkage.scoring.DEFAULT_MODEL`.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from msin_fed.errors import ImportValidationError, RowError
from msin_fed.linkage.matcher import Matcher
from msin_fed.linkage.mentions import ParsedFile, read_mentions
from msin_fed.linkage.scoring import DEFAULT_MODEL, ScoringModel
from msin_fed.token_inputs import TokenInput, tokens_of

__all__ = ["ColumnSummary", "LinkResult", "LinkedPair", "build_matcher", "link_files", "oprf_tokenize", "summarise"]

log = logging.getLogger(__name__)

Tokenize = Callable[[Sequence[bytes]], list[bytes]]
_PARALLEL_FROM = 4000  # below this many inputs a process pool costs more than it saves


@dataclass(frozen=True, slots=True)
class LinkedPair:
    """A matched pair of records from different files."""

    left_file: int
    left_id: str
    right_file: int
    right_id: str
    score: float


@dataclass(frozen=True)
class LinkResult:
    """Matched pairs, what was ignored or left out, and counts for the log.

    ``ignored``: values that failed validation, left out of their (kept) rows;
    ``skipped``: rows left out (no usable or a repeated ``record_id``, nothing in them);
    ``notes``: how files were read (a delimiter other than a comma).
    """

    pairs: tuple[LinkedPair, ...]
    skipped: tuple[RowError, ...]
    records: int
    tokens: int
    ignored: tuple[RowError, ...] = ()
    notes: tuple[str, ...] = ()
    #: Clusters of matched records as ``(file index, record_id)``, largest first.
    clusters: tuple[tuple[tuple[int, str], ...], ...] = ()
    #: OPRF evaluations: the distinct inputs less the fillers, plus one pad per padded value.
    evaluated: int = 0


@dataclass(frozen=True, slots=True)
class ColumnSummary:
    """Problems of one column in one file: how many, the commonest problems, the first lines."""

    source: str
    column: str
    count: int
    problem: str
    lines: tuple[int, ...]

    def __str__(self) -> str:
        more = ", ..." if self.count > len(self.lines) else ""
        where = ", ".join(map(str, self.lines))
        return f"{self.column}: {self.count} ({self.problem}); line{'s' if self.count > 1 else ''} {where}{more}"


def summarise(errors: Sequence[RowError], first: int = 5) -> list[ColumnSummary]:
    """Per file and column: the count, the two commonest problems and the first ``first`` lines."""
    groups: dict[tuple[str, str], list[RowError]] = {}
    for error in errors:
        groups.setdefault((error.source, error.field), []).append(error)
    out = []
    for (source, column), found in groups.items():
        problem = "; ".join(p for p, _n in Counter(e.problem for e in found).most_common(2))
        lines = tuple(sorted({e.line for e in found}))[:first]
        out.append(ColumnSummary(source, column, len(found), problem, lines))
    return sorted(out, key=lambda s: (s.source, -s.count, s.column))


def _tokenize_chunk(args: tuple[bytes, list[bytes]]) -> list[bytes]:
    from msin_fed.tokenizer import LocalTokenizer

    sk, chunk = args
    return LocalTokenizer(sk).tokenize(chunk)


def oprf_tokenize(inputs: Sequence[bytes], sk: bytes | None = None) -> list[bytes]:
    """OPRF tokens of ``inputs`` under ``sk`` (a fresh random key when None), in order.

    Large batches are spread over the machine's cores; each worker holds the key only
    for the duration of the run.
    """
    from msin_fed.oprf import derive_key_pair

    if sk is None:
        sk, _pk = derive_key_pair(secrets.token_bytes(32), b"msin link one-off key")
    workers = min(os.cpu_count() or 1, 8)
    if len(inputs) < _PARALLEL_FROM or workers < 2:
        return _tokenize_chunk((sk, list(inputs)))
    size = -(-len(inputs) // (workers * 4))
    chunks = [(sk, list(inputs[i : i + size])) for i in range(0, len(inputs), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        out: list[bytes] = []
        for part in pool.map(_tokenize_chunk, chunks):
            out.extend(part)
    return out


def link_files(
    paths: Sequence[str | Path],
    *,
    skip_bad_rows: bool = False,
    tokenize: Tokenize | None = None,
    model: ScoringModel = DEFAULT_MODEL,
) -> LinkResult:
    """Match the records of ``paths`` (one member each) and return pairs across files.

    A value that fails validation is ignored (its row is kept) and returned in
    ``ignored``; rows that cannot be records are left out and returned in ``skipped``.
    ``skip_bad_rows`` is accepted for old callers and has no effect. Raises
    :class:`ImportValidationError` only for files that cannot be read or have a wrong
    header (every such file listed).
    """
    del skip_bad_rows  # deprecated: bad values never stop a run now
    parsed: list[ParsedFile] = []
    unreadable: list[RowError] = []
    for path in paths:
        try:
            parsed.append(read_mentions(path))
        except ImportValidationError as exc:
            unreadable.extend(exc.errors)
    if unreadable:
        raise ImportValidationError(unreadable, outcome="nothing was linked")
    errors = [e for f in parsed for e in f.errors]
    matcher, distinct, evaluated = build_matcher(parsed, tokenize, model)
    records = sum(len(f.mentions) for f in parsed)
    scored = matcher.pairs()
    pairs = [LinkedPair(p.left[0], p.left[1], p.right[0], p.right[1], p.score) for p in scored]
    groups = tuple(tuple(sorted(c)) for c in matcher.clusters(scored))
    pairs.sort(key=lambda p: (p.left_file, p.left_id, p.right_file, p.right_id))
    log.info("matched %d pairs among %d records", len(pairs), records)
    ignored = tuple(e for f in parsed for e in f.ignored)
    notes = tuple(n for f in parsed for n in f.notes)
    return LinkResult(tuple(pairs), tuple(errors), records, distinct, ignored, notes, groups, evaluated)


def build_matcher(
    parsed: Sequence[ParsedFile], tokenize: Tokenize | None = None, model: ScoringModel = DEFAULT_MODEL
) -> tuple[Matcher[tuple[int, str]], int, int]:
    """The matcher holding every mention of ``parsed`` (one member per file), keyed
    ``(file index, record id)`` with the file index as member; with how many distinct
    inputs were tokenized and how many key-holder evaluations they cost."""
    distinct: dict[bytes, TokenInput] = {}
    for f in parsed:
        for _mention, inputs in f.mentions:
            for item in inputs:
                distinct.setdefault(item.data, item)
    ordered = list(distinct.values())
    position = {item.data: i for i, item in enumerate(ordered)}
    log.info("tokenizing %d distinct inputs from %d files", len(ordered), len(parsed))
    # Fillers (padding) cost no evaluation of their own (token_inputs.tokens_of).
    tokens = tokens_of(ordered, tokenize or oprf_tokenize)
    evaluated = sum(1 for item in ordered if not item.filler) + len({i.pad for i in ordered if i.filler})
    # Keyed (file, record id); ties go by record id as in the coordinator.
    matcher: Matcher[tuple[int, str]] = Matcher(model, order=lambda k: (k[1], k[0]))
    for index, f in enumerate(parsed):
        for mention, inputs in f.mentions:
            matcher.add(
                (index, mention.record_id),
                index,
                [(item.kind, tokens[position[item.data]]) for item in inputs],
            )
    return matcher, len(ordered), evaluated
