"""Cross-member entity matching: the scoring model, fuzzy token schemes and the matcher."""

from msin_fed.linkage.scoring import (
    DEFAULT_MODEL,
    STRONG_KINDS,
    ScoringModel,
    clusters,
    token_kinds,
)

__all__ = ["DEFAULT_MODEL", "STRONG_KINDS", "ScoringModel", "clusters", "token_kinds"]
