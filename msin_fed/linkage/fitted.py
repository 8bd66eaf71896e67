"""The EM fit of the tuning data, stored in the package: ``fitted_weights.json``.

``bench/fit_weights.py --write`` regenerates the file from the tuning sets (FEBRL4 and
the synthetic tune seeds, their union; :func:`msin_fed.linkage.em.fit_union`). It holds
per comparison level ``m``, ``u`` and the weight ``log2(m/u)``, the match share lambda
and the threshold it implies, ``log2((1 - lambda) / lambda)``. :func:`load` reads it;
:func:`scaled_weights` expresses each level's weight on the model's scale (its threshold
standing for the fitted threshold), which is how docs/linkage.md sets it beside the model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msin_fed.linkage.em import Fit

__all__ = ["PATH", "Dataset", "FittedWeights", "load", "scaled_weights", "to_json", "write"]

PATH = Path(__file__).with_name("fitted_weights.json")

#: One tuning set for :func:`msin_fed.linkage.em.fit_union`: tokens, member, candidates,
#: values held by several entities.
Dataset = tuple[
    Mapping[Any, Mapping[bytes, str]], Mapping[Any, Hashable], Iterable[tuple[Any, Any]], Collection[bytes]
]


@dataclass(frozen=True)
class FittedWeights:
    """A stored fit: ``levels[(comparison, level)] = (m, u, log2(m/u))``; lambda; threshold."""

    levels: Mapping[tuple[str, str], tuple[float, float, float]]
    lam: float
    candidates: int
    random_pairs: int

    @property
    def threshold(self) -> float:
        """The fitted threshold equivalent ``log2((1 - lambda) / lambda)``."""
        return math.log2((1 - self.lam) / self.lam)

    def weight(self, comparison: str, level: str) -> float:
        """``log2(m/u)`` of one level (``"disagree"`` for level 0)."""
        return self.levels[(comparison, level)][2]


def to_json(result: Fit) -> dict[str, Any]:
    """The stored form of a fit (rounded, so that regenerating it diffs cleanly)."""
    comparisons: dict[str, dict[str, dict[str, float]]] = {}
    for comp, level, m, u, w in result.rows():
        comparisons.setdefault(comp, {})[level] = {"m": float(f"{m:.6g}"), "u": float(f"{u:.6g}"), "weight": round(w, 3)}
    return {
        "lambda": float(f"{result.lam:.6g}"),
        "threshold_equivalent": round(math.log2((1 - result.lam) / result.lam), 3),
        "candidate_pairs": result.candidates,
        "random_pairs": result.random_pairs,
        "comparisons": comparisons,
    }


def write(result: Fit, path: Path = PATH) -> None:
    """Store ``result`` at ``path`` as JSON."""
    path.write_text(json.dumps(to_json(result), indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load(path: Path = PATH) -> FittedWeights:
    """Read a stored fit; a missing or malformed file raises ``ValueError`` naming the field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name}: cannot be read ({type(exc).__name__})") from exc
    try:
        lam = float(data["lambda"])
        levels = {
            (comp, level): (float(v["m"]), float(v["u"]), float(v["weight"]))
            for comp, by_level in data["comparisons"].items()
            for level, v in by_level.items()
        }
        out = FittedWeights(levels, lam, int(data["candidate_pairs"]), int(data["random_pairs"]))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path.name}: field {exc} is missing or malformed") from exc
    if not 0 < lam < 0.5:
        raise ValueError(f"{path.name}: lambda must be between 0 and 0.5")
    return out


def scaled_weights(fitted: FittedWeights, threshold: float) -> dict[tuple[str, str], float]:
    """Each level's weight on a model whose ``threshold`` stands for the fitted one."""
    scale = threshold / fitted.threshold
    return {key: w * scale for key, (_m, _u, w) in fitted.levels.items()}
