"""Cross-member entity matching: the scoring model, the matcher and ``msin link``.

:mod:`.scoring` is the one model (shared with the coordinator); :mod:`.matcher` pairs
records over blind tokens with it; :mod:`.mentions` reads canonical CSV rows;
:mod:`.pipeline` runs normalize -> OPRF -> match in one process. See docs/linkage.md.
"""

from msin_fed.linkage.matcher import Matcher, ScoredPair
from msin_fed.linkage.scoring import (
    DEFAULT_MODEL,
    NEAR_WAIVES,
    STRONG_KINDS,
    ScoringModel,
    clusters,
    token_kinds,
)

__all__ = [
    "DEFAULT_MODEL",
    "NEAR_WAIVES",
    "STRONG_KINDS",
    "Matcher",
    "ScoredPair",
    "ScoringModel",
    "clusters",
    "token_kinds",
]
