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

from msin_fed.linkage.em import COMPARISONS, Comparison, Fit, several_level

__all__ = [
    "CONDITIONAL_DISAGREEMENTS",
    "CONDITIONAL_LEVELS",
    "DISAGREEMENTS",
    "PATH",
    "PRIVACY_FLOOR",
    "TYPE_OF",
    "UNSEEN_M",
    "WAIVED_BY",
    "WEAK_KINDS",
    "WEAK_SHARE",
    "Dataset",
    "FittedWeights",
    "ModelParameters",
    "load",
    "load_fit",
    "model_parameters",
    "scaled_weights",
    "to_json",
    "write",
]

PATH = Path(__file__).with_name("fitted_weights.json")

#: One tuning set for :func:`msin_fed.linkage.em.fit_union`: tokens, member, candidates,
#: values held by more than three entities, the entity count of values held by 2 or 3.
Dataset = tuple[
    Mapping[Any, Mapping[bytes, str]], Mapping[Any, Hashable], Iterable[tuple[Any, Any]], Collection[bytes],
    Mapping[bytes, int],
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
        "sessions": {n: {"pairs": pairs, "matched": round(share, 4)} for n, pairs, share in result.sessions},
        "estimated_by_no_session": list(result.unsessioned),
        "candidate_pairs": result.candidates,
        "random_pairs": result.random_pairs,
        "comparisons": comparisons,
    }


def load_fit(result: Fit) -> FittedWeights:
    """A fit as :func:`load` reads it back from its stored form."""
    data = to_json(result)
    return _parse(data, "fit")


def write(result: Fit, path: Path = PATH, check: Fit | None = None) -> None:
    """Store ``result`` at ``path`` as JSON, with the fit of a small subset made at the
    same time (``check``, ``bench/fit_weights.py``'s check set) that a test can refit."""
    data = to_json(result)
    if check is not None:
        data["check"] = to_json(check)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load(path: Path = PATH) -> FittedWeights:
    """Read a stored fit; a missing or malformed file raises ``ValueError`` naming the field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name}: cannot be read ({type(exc).__name__})") from exc
    return _parse(data, path.name)


def _parse(data: Any, name: str) -> FittedWeights:
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
        raise ValueError(f"{name}: field {exc} is missing or malformed") from exc
    if not 0 < lam < 0.5:
        raise ValueError(f"{name}: lambda must be between 0 and 0.5")
    return out


def scaled_weights(fitted: FittedWeights, threshold: float) -> dict[tuple[str, str], float]:
    """Each level's weight on a model whose ``threshold`` stands for the fitted one."""
    scale = threshold / fitted.threshold
    return {key: w * scale for key, (_m, _u, w) in fitted.levels.items()}


#: The disagreements the model counts (kind -> comparison): every comparison whose value
#: an entity has one of, read as in the fit (both records hold the kind, share none of
#: it, and agree at no other level of its comparison: :data:`WAIVED_BY`): documents, a
#: company number and name, a site's postcode, the person (no name band shared: the
#: names or most of the dates differ, and no other level of the person agrees). Values a
#: person may hold several of (phones, e-mail addresses, plates, bank accounts,
#: addresses) keep a prior of no disagreement whatever the tuning data (where each
#: person has one) says: Splink's fixed m and u.
DISAGREEMENTS: Mapping[str, str] = {
    "nino": "nino",
    "passport": "passport",
    "national_id": "national_id",
    "company_number": "company_number",
    "company": "company",
    "site_postcode": "site",
    "name_lsh_dob": "person",
}

#: A disagreement kind is waived when the pair agrees on its comparison at another level.
#: A shared identity document waives the person disagreements (the default model's rule:
#: FEBRL's duplicates replace whole names and mistype dates while keeping the number).
_DOCUMENTS = ("nino", "passport", "national_id")
WAIVED_BY: Mapping[str, tuple[str, ...]] = {
    "name_lsh_dob": ("person", *_DOCUMENTS),
    "phon_postcode": ("person", *_DOCUMENTS),
    "company": ("company",),
}

#: The disagreements that are a conditional level of a comparison (kind -> (comparison,
#: level)), read by :func:`msin_fed.linkage.core._disagreements` itself: a shared phone or
#: bank account whose holders' names differ weighs that level, so the model subtracts the
#: difference from the level it qualifies (:meth:`msin_fed.linkage.em.Comparison.base_of`).
CONDITIONAL_DISAGREEMENTS: Mapping[str, tuple[str, str]] = {
    "name_phone_near": ("household", "phone, names differ"),
    "prefix_phone": ("household", "phone, names differ"),
    "name_bank": ("bank", "exact, names differ"),
}

#: The other conditional levels ((comparison, level) -> the disagreement kinds that make
#: it): an address shared by people whose names differ (at that postcode, or with their
#: dates of birth: no name band shared), a name and postcode shared by people whose
#: dates of birth differ, a plate of people whose names with their dates differ. The
#: model subtracts the base level's weight less the conditional level's
#: (``ScoringModel.conditional``).
CONDITIONAL_LEVELS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("household", "address, names differ"): ("phon_postcode", "name_lsh_dob"),
    ("person", "name and postcode, dates differ"): ("name_lsh_dob",),
    ("vehicle", "exact, names differ"): ("name_lsh_dob",),
}

_CONDITIONAL_LEVELS = frozenset(CONDITIONAL_DISAGREEMENTS.values()) | frozenset(CONDITIONAL_LEVELS)

#: Comparisons only pairs of one type hold (comparison -> pair type).
TYPE_OF: Mapping[str, str] = {"site": "site", "company": "company", "company_number": "company"}

#: Kinds a hostile member may know of someone without holding her record (a street
#: address, a phone one digit off, the name or the date of birth at a postcode or
#: street): a prior, not fitted (docs/linkage.md section 6, the weak-field attack), caps
#: each at :data:`WEAK_SHARE` of the threshold, so that none matches alone and any two
#: of them (of two comparisons) do. The tuning data, whose every address is one
#: household's, fits them at 11-15, a match alone.
WEAK_KINDS: frozenset[str] = frozenset({"address", "phone_near", "name_postcode", "phon_postcode", "dob_postcode",
                                        "name_address", "dob_address"})

WEAK_SHARE = 0.75

#: The privacy floor, a constraint outside the fit (group -> (kinds, unless, share of the
#: threshold)): a group whose best shared kind is one of ``kinds`` weighs at most that
#: share unless a kind of ``unless`` is shared too. One word of a name with the date of
#: birth, the initials of the whole name not agreeing (or one name a single word), is a
#: first name and birthday: the fit weighs it a match alone (the tuning data's one
#: agreeing word is mostly a changed family name), and a member knowing only that would
#: learn from ListMatches that another member holds her. A name with a typo in one word
#: keeps its initials and its fitted weight.
PRIVACY_FLOOR: Mapping[str, tuple[frozenset[str], frozenset[str], float]] = {
    "person": (frozenset({"part_dob", "name_init_dob"}), frozenset({"initials_dob"}), WEAK_SHARE),
}

#: A level whose ``m`` is below this was not exhibited by the tuning data (no matched
#: pair agrees at it: no phone one digit off, no mistyped NINO); it cannot be fitted.
UNSEEN_M = 0.01


@dataclass(frozen=True)
class ModelParameters:
    """What :func:`model_parameters` derives from a fit for a ``ScoringModel``."""

    weights: dict[str, float]
    disagreement: dict[str, float]
    groups: dict[str, str]
    threshold: float
    conditional: tuple[tuple[str, tuple[str, ...], float], ...]
    waived_by: Mapping[str, tuple[str, ...]]
    several: dict[str, float]
    conditional_on: dict[tuple[str, tuple[str, ...]], frozenset[str]] = field(default_factory=dict)
    many: dict[str, float] = field(default_factory=dict)
    floors: dict[str, tuple[frozenset[str], frozenset[str], float]] = field(default_factory=dict)


def model_parameters(fitted: FittedWeights, comparisons: Sequence[Comparison] = COMPARISONS) -> ModelParameters:
    """The scoring model's parameters from a fit: it scores a pair as the fit does, the
    sum of the weights of each comparison's level.

    Each kind weighs the fitted ``log2(m/u)`` of the level it makes (at least 0), and
    the kinds of one comparison form a group of which a pair counts the best; a level
    the tuning data does not exhibit (``m`` below :data:`UNSEEN_M`) weighs half its
    comparison's exact level (evidence, but never a match alone); a value held by 2 or 3
    entities weighs its comparison's ``several`` level (:data:`msin_fed.linkage.em.SEVERAL`,
    the entity-count reading of Splink's term-frequency adjustment); a comparison that
    disagrees subtracts its fitted disagree weight (:data:`DISAGREEMENTS`); a conditional
    level subtracts the exact level's weight less its own
    (:data:`CONDITIONAL_DISAGREEMENTS`, :data:`CONDITIONAL_LEVELS`), all of it when no
    random pair reached the level (its ``u`` is the floor, so the fit cannot tell it
    from the level it qualifies: a name and postcode of namesakes of one house with
    other dates of birth); the kinds of :data:`WEAK_KINDS` weigh at most
    :data:`WEAK_SHARE` of the threshold (a prior); the threshold is the
    fitted ``log2((1 - lambda) / lambda)`` of person pairs. Site and company pairs have a
    prior of their own (few entities, known many times): the model keeps one threshold,
    so the levels of the comparisons only site or company pairs hold carry the
    difference of the priors (:data:`TYPE_OF`).
    """
    missing = (0.0, 1.0, 0.0)
    weights: dict[str, float] = {}
    groups: dict[str, str] = {}
    threshold = fitted.threshold_of("person")
    conditional: list[tuple[str, tuple[str, ...], float]] = []
    several: dict[str, float] = {}
    many: dict[str, float] = {}
    conditional_on: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}
    weak_cap = WEAK_SHARE * threshold

    def level_weight(comp: str, level: str) -> float:
        return fitted.levels.get((comp, level), missing)[2]

    for c in comparisons:
        prior = threshold - fitted.threshold_of(TYPE_OF[c.name]) if c.name in TYPE_OF else 0.0

        def weight_of(level: str, c: Comparison = c, prior: float = prior) -> float:
            return max(level_weight(c.name, level) + prior, 0.0)

        # A level the tuning data does not exhibit weighs half the comparison's best.
        best = weight_of(c.levels[0][0])
        differ = dict(c.differ)
        several_of = dict(c.several)
        many_of = dict(c.many)
        # A conditional level the model cannot read caps its base's kinds: agreeing names
        # carry their own, larger weight.
        caps = {c.base_of(level): level_weight(c.name, level) + prior for level in differ
                if (c.name, level) not in _CONDITIONAL_LEVELS}
        for level, kinds in c.levels:
            m, _u, w = fitted.levels.get((c.name, level), missing)
            unseen = m < UNSEEN_M
            if level in several_of or level in many_of:
                # Read from the data, not "unseen": random pairs reach these levels, so
                # their u is measured; a commoner value never weighs more than a rarer.
                base = several_of.get(level) or many_of[level]
                below = weight_of(base) if level in several_of else weight_of(several_level(base))
                weight = max(min(w + prior, caps.get(base, math.inf), below), 0.0)
                for kind in kinds:
                    cap = weak_cap if kind in WEAK_KINDS else math.inf
                    (several if level in several_of else many)[kind] = round(min(weight, cap), 2)
                continue
            if level in differ:
                cond = CONDITIONAL_LEVELS.get((c.name, level))
                if cond is not None:
                    # A level no random pair reached has u at the floor: the fit cannot
                    # tell it from its base (namesakes of one house sit in the same
                    # blocks as one person), so it is no evidence (a prior).
                    floor = min(u for (cn, _lv), (_m, u, _w) in fitted.levels.items() if cn == c.name)
                    unreached = fitted.levels.get((c.name, level), missing)[1] <= floor * 1.001
                    base_kinds = c.kinds_of(c.base_of(level))
                    cap = weak_cap if base_kinds and base_kinds <= WEAK_KINDS else math.inf
                    # Never more than the base kinds weigh in the model (a capped weak kind).
                    delta = min(weight_of(c.base_of(level)) - (0.0 if unreached else weight_of(level)),
                                min(weight_of(c.base_of(level)), cap))
                    conditional.append((c.name, cond, round(max(delta, 0.0), 2)))
                    conditional_on[(c.name, cond)] = c.kinds_of(c.base_of(level))
                continue
            weight = best / 2 if unseen else max(min(w + prior, caps.get(level, math.inf)), 0.0)
            for kind in kinds:
                groups.setdefault(kind, c.name)
                cap = weak_cap if kind in WEAK_KINDS else math.inf
                weights[kind] = round(min(max(weights.get(kind, 0.0), weight), cap), 2)
    weights.setdefault("prefix_phone", 0.0)
    weights.setdefault("name_bank", 0.0)
    weights.setdefault("name_vehicle", 0.0)
    # read by the company comparison's presence only: it counts through core, as the name
    weights.setdefault("company_head", 0.0)
    groups.setdefault("company_head", "company")
    disagreement = {
        kind: round(max(-level_weight(comp, "disagree"), 0.0), 2) for kind, comp in DISAGREEMENTS.items()
    }
    by_name = {c.name: c for c in comparisons}
    for kind, (comp, level) in CONDITIONAL_DISAGREEMENTS.items():
        base_w = level_weight(comp, by_name[comp].base_of(level))
        differ_w = fitted.levels.get((comp, level), (0.0, 1.0, base_w))[2]
        disagreement[kind] = round(max(base_w - differ_w, 0.0), 2)
    for _g, cond, _w in conditional:
        for kind in cond:
            disagreement.setdefault(kind, 0.0)
    # The name with its date: the person's disagree weight, read by core's two rules for
    # names that otherwise agree (a three-word name differing in a whole word; one
    # whole name at one house or phone with other birthdays: twins, a father and son),
    # which the fit cannot tell from one person (they sit in the same blocks). Any
    # agreement waives it in the model's own sum, where the person's disagree level
    # already counts.
    disagreement["name_dob"] = round(max(-level_weight("person", "disagree"), 0.0), 2)
    waived = {k: tuple(g for g in gs if g in groups.values()) for k, gs in WAIVED_BY.items()}
    waived["name_dob"] = tuple(sorted(set(groups.values())))
    return ModelParameters(weights, disagreement, groups, round(threshold, 2), tuple(conditional), waived, several,
                           conditional_on, many,
                           {g: (ks, unless, round(share * threshold, 2)) for g, (ks, unless, share) in PRIVACY_FLOOR.items()})
