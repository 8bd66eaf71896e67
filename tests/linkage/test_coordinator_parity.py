"""``msin link``'s in-memory matcher and the coordinator's engine agree pair for pair.

``msin link`` matches in memory (the SQL-backed engine costs ~25 s on FEBRL4, which
would break the 60 s budget); this test keeps the two on exactly the same model.
"""

from __future__ import annotations

import sys
from pathlib import Path

import msin_fed.coordinator.matching as matching
import msin_fed.coordinator.store as store_mod

from msin_fed.linkage.matcher import Matcher
from msin_fed.linkage.mentions import read_mentions
from msin_fed.linkage.pipeline import oprf_tokenize

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from data.synth import write_set


def test_matcher_and_coordinator_engine_give_identical_pairs(tmp_path: Path) -> None:
    files, _truth = write_set(tmp_path, seed=7, people=120, members=3)
    entries = []
    for index, path in enumerate(files):
        for mention, inputs in read_mentions(path).mentions:
            entries.append((f"{index}-{mention.record_id}", f"member{index}", inputs))
    distinct = sorted({i.data for _r, _m, inputs in entries for i in inputs})
    token_of = dict(zip(distinct, oprf_tokenize(distinct), strict=True))
    tokenized = [(r, m, [(i.kind, token_of[i.data]) for i in inputs]) for r, m, inputs in entries]

    matcher: Matcher[str] = Matcher()
    for record, member, toks in tokenized:
        matcher.add(record, member, toks)
    ours = {tuple(sorted((p.left, p.right))): round(p.score, 4) for p in matcher.pairs()}

    for single_writer in (False, True):
        engine = matching.MatchEngine(store_mod.SharedStore("sqlite://"), single_writer=single_writer)
        for i in range(0, len(tokenized), 37):  # in batches, as intake sees them
            engine.ingest(tokenized[i : i + 37])
        theirs = {tuple(sorted((a, b))): round(s, 4) for a, b, s in engine.pairs()}
        assert ours and ours == theirs, single_writer
