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
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from msin_fed.linkage.em import COMPARISONS, Comparison, Fit

__all__ = [
    "CONDITIONAL_DISAGREEMENTS",
    "DISAGREEMENTS",
    "PATH",
    "TYPE_OF",
    "UNSEEN_M",
    "Dataset",
    "FittedWeights",
    "load",
    "model_parameters",
    "scaled_weights",
    "to_json",
    "write",
]

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
    lam_by_type: Mapping[str, float] = field(default_factory=dict)

    def threshold_of(self, pair_type: str) -> float:
        """The fitted threshold equivalent of pairs of one type (``person``, ``site``, ...)."""
        lam = self.lam_by_type.get(pair_type, self.lam)
        return math.log2((1 - lam) / lam)

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
        "lambda_by_type": {t: float(f"{lam:.6g}") for t, lam in result.lam_by_type},
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
        by_type = MappingProxyType({str(t): float(v) for t, v in data.get("lambda_by_type", {}).items()})
        out = FittedWeights(levels, lam, int(data["candidate_pairs"]), int(data["random_pairs"]), by_type)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path.name}: field {exc} is missing or malformed") from exc
    if not 0 < lam < 0.5:
        raise ValueError(f"{path.name}: lambda must be between 0 and 0.5")
    return out


def scaled_weights(fitted: FittedWeights, threshold: float) -> dict[tuple[str, str], float]:
    """Each level's weight on a model whose ``threshold`` stands for the fitted one."""
    scale = threshold / fitted.threshold
    return {key: w * scale for key, (_m, _u, w) in fitted.levels.items()}


#: The disagreements the model counts (kind -> comparison): identifiers an entity has one
#: of (documents, a company number, a site's postcode) and the narrow name-with-date
#: reading of :func:`msin_fed.linkage.core._disagreements`. Values a person may hold
#: several of (phones, e-mail addresses, plates, bank accounts, addresses) never count
#: against a pair, whatever the tuning data (where each person has one) says.
DISAGREEMENTS: Mapping[str, str] = {
    "nino": "nino",
    "passport": "passport",
    "national_id": "national_id",
    "company_number": "company_number",
    "site_postcode": "site",
    "name_dob": "name_dob",
    "dob_postcode": "dob_postcode",
}

#: The disagreements that are a conditional level of a comparison (kind -> (comparison,
#: level)): a shared phone or bank account whose holders' names differ weighs that level,
#: so the model subtracts the difference from the identifier's exact level.
CONDITIONAL_DISAGREEMENTS: Mapping[str, tuple[str, str]] = {
    "name_phone_near": ("phone", "exact, names differ"),
    "name_bank": ("bank", "exact, names differ"),
}

_CONDITIONAL_LEVELS = frozenset(CONDITIONAL_DISAGREEMENTS.values())

#: Comparisons only pairs of one type hold (comparison -> pair type).
TYPE_OF: Mapping[str, str] = {"site": "site", "company": "company", "company_number": "company"}

#: A level whose ``m`` is below this was not exhibited by the tuning data (no matched
#: pair agrees at it: no phone one digit off, no mistyped NINO); it cannot be fitted.
UNSEEN_M = 0.01


def model_parameters(
    fitted: FittedWeights, comparisons: Sequence[Comparison] = COMPARISONS
) -> tuple[dict[str, float], dict[str, float], dict[str, str], float]:
    """``(weights, disagreement, groups, threshold)`` of the scoring model, from a fit.

    Each kind weighs the fitted ``log2(m/u)`` of the level it makes (at least 0), and
    the kinds of one comparison form a group of which a pair counts the best; a level
    the tuning data does not exhibit (``m`` below :data:`UNSEEN_M`) weighs half its
    comparison's exact level (evidence, but never a match alone); the disagreements are
    those of :data:`DISAGREEMENTS` and, for a shared identifier whose holders' names
    differ, the exact level's weight less that conditional level's
    (:data:`CONDITIONAL_DISAGREEMENTS`); the threshold is the fitted
    ``log2((1 - lambda) / lambda)`` of person pairs. Site and company pairs have a prior of
    their own (few entities, known many times): the model keeps one threshold, so the
    levels of the comparisons only site or company pairs hold carry the difference of
    the priors (:data:`TYPE_OF`).
    """
    missing = (0.0, 1.0, 0.0)
    weights: dict[str, float] = {}
    groups: dict[str, str] = {}
    threshold = fitted.threshold_of("person")
    for c in comparisons:
        prior = threshold - fitted.threshold_of(TYPE_OF[c.name]) if c.name in TYPE_OF else 0.0
        exact = max(fitted.levels.get((c.name, c.levels[0][0]), missing)[2] + prior, 0.0)
        conditional = dict(c.differ)
        # A conditional level the model has no disagreement for (an address shared by
        # people whose names differ) caps its kinds: the model cannot see whether the
        # names agree, and agreeing names carry their own, larger weight.
        cap = min(
            (fitted.levels.get((c.name, level), missing)[2] + prior for level in conditional
             if (c.name, level) not in _CONDITIONAL_LEVELS),
            default=math.inf,
        )
        for level, kinds in c.levels:
            if level in conditional:
                continue  # a disagreement of the model, below, or the cap above
            # A level absent from the fit (never observed) is unseen too.
            m, _u, w = fitted.levels.get((c.name, level), missing)
            weight = exact / 2 if m < UNSEEN_M else max(min(w + prior, cap), 0.0)
            for kind in kinds:
                groups.setdefault(kind, c.name)
                weights[kind] = round(max(weights.get(kind, 0.0), weight), 2)
    weights.setdefault("prefix_phone", 0.0)
    weights.setdefault("name_bank", 0.0)
    disagreement = {
        kind: round(max(-fitted.levels.get((comp, "disagree"), missing)[2], 0.0), 2)
        for kind, comp in DISAGREEMENTS.items()
    }
    for kind, (comp, level) in CONDITIONAL_DISAGREEMENTS.items():
        exact_w = fitted.levels.get((comp, "exact"), missing)[2]
        differ_w = fitted.levels.get((comp, level), (0.0, 1.0, exact_w))[2]
        disagreement[kind] = round(max(exact_w - differ_w, 0.0), 2)
    return weights, disagreement, groups, round(threshold, 2)
