"""The one scoring model for cross-member matching (Fellegi-Sunter style).

Two records are compared only through the blind tokens they share. Each token kind has
a log2 likelihood-ratio weight: how much more likely two records of the *same* entity
are to share a token of that kind than two records of different entities. A pair's score
is the sum of the weights of the tokens it shares, minus a disagreement weight for each
strong kind both records hold without sharing a token of it; a pair with
``score >= threshold`` is a match.

Common tokens are down-weighted by how many distinct *entities* hold them, not how
many records: :func:`msin_fed.linkage.core.entity_count` reads that from what the
holders share besides the token (a NINO held by six records that also share a name is
one person; a landline held by six workers who share nothing personal is six). A token
held by ``e`` entities keeps its full weight up to ``e = 3`` and is then scaled by
``1 - log2(e/3) / log2(max_frequency/3)``, to nothing at ``max_frequency``; a token held
by more than ``max_frequency`` records is never expanded into pairs at all.

Common tokens never make a match on their own, however many agree: tokens held by
``frequent_from`` (6) or more entities add at most ``frequent_cap`` (3.5, well below the
threshold) on top of what the pair's rarer tokens give. So an agency's landline *and*
its address, both held by every worker it placed, cannot join two of those workers,
while the six records of one person keep every weight.

A ``*_near`` token (one typo away, see :data:`NEAR_WAIVES`) is a fallback: it counts
only when the exact kind it stands in for is not shared (even too commonly to count:
the name with an agency's landline one digit off says nothing the landline did not).

A name never makes a token on its own: every name-derived kind is combined with the
date of birth (whole, or two of its three fields for the ``name_lsh_dob`` bands) or a
postcode, so namesakes share nothing unless their dates of birth agree too. The same
full name *and* date of birth is a match (the police's own primary key for a person); a
name with a typo and the date of birth needs further agreement (name bands, parts and
initials with the date, an address, a document one typo apart, ...). Name bands add at
most half a match (``caps``), so a partial date with a similar name never suffices.

Clusters (what STTG sees) are built by :func:`msin_fed.linkage.core.cluster_records`
(matched pairs merged strongest first, never joining records that contradict), the one
function the coordinator and ``msin link --clusters`` call; :func:`clusters` is the plain
connected components of pairs, kept for callers that have no tokens.

Token kinds are documented in ``docs/linkage.md`` and produced by
:mod:`msin_fed.token_inputs`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from msin_fed.linkage.disjoint import DisjointSets

__all__ = [
    "DEFAULT_MODEL",
    "NEAR_WAIVES",
    "STRONG_KINDS",
    "ScoringModel",
    "clusters",
    "fitted_model",
    "token_kinds",
]

#: Kinds that identify one entity by themselves (issued, unique identifiers).
STRONG_KINDS: frozenset[str] = frozenset(
    {
        "phone",
        "email",
        "vehicle",
        "nino",
        "national_id",
        "passport",
        "iban",
        "bank",
        "company_number",
    }
)

#: Issued identifiers that belong to one person (NINO, passport, national id, bank
#: account): many records holding one mean one person known many times unless the
#: holders themselves disagree (see :func:`msin_fed.linkage.core.entity_count`).
ISSUED_KINDS: frozenset[str] = frozenset({"nino", "passport", "national_id", "iban", "bank"})

#: Kinds that stand for a site (farm, packhouse, house) and for a company.
SITE_KINDS: frozenset[str] = frozenset(
    {"site_postcode", "site_district", "site_locality", "site_near", "site_near_locality", "site_near_postcode"}
)
COMPANY_KINDS: frozenset[str] = frozenset(
    {"company", "company_postcode", "company_near", "company_number", "company_near_postcode", "company_prefix",
     "company_locality", "company_head"}
)

#: A company's name (with or without its postcode, or one typo from it): held by two
#: companies (other numbers: a phoenix; or mentions at a postcode no numbered company is
#: known at: one trading name in two towns; see :func:`msin_fed.linkage.core.entity_count`),
#: it names neither, and only what is the company's own (its number) links their mentions.
COMPANY_NAME_KINDS: frozenset[str] = frozenset(
    {"company", "company_postcode", "company_near", "company_near_postcode", "company_prefix", "company_locality",
     "company_head"}
)

#: Kinds whose value stands for one entity (see :func:`msin_fed.linkage.core.entity_count`).
IDENTITY_KINDS: frozenset[str] = ISSUED_KINDS | SITE_KINDS | COMPANY_KINDS

#: Person kinds of name and date of birth (a record holding one has both).
NAME_DOB_KINDS: frozenset[str] = frozenset(
    {"name_dob", "name_phon_dob", "name_init_dob", "part_dob", "initials_dob", "name_lsh_dob",
     "nick_dob", "name_dob_swap", "part_near_dob", "part_start_dob"}
)
#: Person kinds of a name with something other than the date of birth.
NAME_OTHER_KINDS: frozenset[str] = frozenset({"name_postcode", "phon_postcode", "name_phone_near"})
#: (``name_phone`` and ``name_address``, a whole name with a phone or a street address,
#: are not among those: the name-and-date disagreement still counts against them, as
#: namesakes at one agency's line or address born on other days are other people.)

#: Every token kind :mod:`msin_fed.token_inputs` can emit (kept here so the coordinator,
#: which must not import normalization, knows the closed set).
_ALL_KINDS: frozenset[str] = STRONG_KINDS | frozenset(
    {
        "name_dob",  # every folded name word, sorted, + date of birth (order-insensitive)
        "nick_dob",  # the name with a nickname read as its canonical name + date of birth
        "name_dob_swap",  # the name + date of birth with day and month unordered
        "name_phon_dob",  # phonetic codes of the name words, sorted, + date of birth
        "name_init_dob",  # one word of the name + the initial of another + date of birth
        "initials_dob",  # initials of all name words, sorted, + date of birth
        "part_dob",  # one name word + date of birth (a given or family name changed)
        "part_near_dob",  # the longest name word whole / with one letter deleted + date of birth
        "part_start_dob",  # the name words, one with its 1st or 2nd letter deleted, + date of birth
        "dob_postcode",  # date of birth + postcode
        "name_postcode",  # every folded name word, sorted, + postcode
        "address",  # folded street address + postcode (or locality)
        "site_postcode",  # folded site name + postcode
        "site_district",  # folded site name + postcode district (outward code)
        "site_locality",  # folded site name + folded locality
        "site_near",  # the site name whole / with one character deleted + postcode
        "site_near_locality",  # the same + locality
        "company",  # folded company name, legal suffixes dropped (registered names are unique)
        "company_postcode",  # folded company name + postcode
        "company_locality",  # folded company name + a town (given, or its postcode's)
        "company_near",  # a long company name with one character deleted
        "company_near_postcode",  # the company name with one character deleted + postcode
        "company_prefix",  # the company name and its leading words + postcode
        "company_head",  # the company name and its leading runs of two words or more
        "site_near_postcode",  # site name + postcode district + the inward code, one character deleted
        "name_phone_near",  # metaphone code of a name word + a phone with one digit deleted
        "phon_postcode",  # metaphone codes of the name words, sorted, + postcode
        "name_lsh_dob",  # 2 min-hashes of the name's bigrams + a partial date of birth
        "nid_near",  # a national id / NINO / passport number with one character deleted
        "phone_near",  # an E.164 phone number with one digit deleted
        "email_near",  # an e-mail address with one character deleted
        "prefix_phone",  # two letters of a name word + the phone (weighs nothing: see core)
        "name_bank",  # a name word's sound or first two letters + the bank account (ditto)
        "name_vehicle",  # a name word's sound or first two letters + the plate (ditto)
        "name_phone",  # every folded name word, sorted, + the phone
        "name_plate",  # every folded name word, sorted, + the vehicle registration
        "nick_phone",  # the name with a nickname read as its canonical name + the phone
        "name_address",  # every folded name word, sorted, + street + town
        "bank_near",  # a bank account; from an IBAN whose checksum fails, each repair of it
        "phone_home",  # a national-form phone read in a home country where it is a valid mobile
        "dob_address",  # date of birth + street + postcode district (or town)
        "dob_phone",  # date of birth + phone
    }
)

#: A shared ``*_near`` token (one typo apart) cancels the disagreement of these kinds.
NEAR_WAIVES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "nid_near": frozenset({"national_id", "nino", "passport"}),
        "phone_near": frozenset({"phone"}),
        "email_near": frozenset({"email"}),
        "site_near": frozenset({"site_postcode", "site_district", "site_locality"}),
        "site_near_locality": frozenset({"site_locality", "site_district"}),
        "company_near": frozenset({"company"}),
        "company_near_postcode": frozenset({"company", "company_postcode"}),
        "company_prefix": frozenset({"company", "company_postcode"}),
        "company_head": frozenset({"company"}),
        # A postcode one character off: one site, not the same name at another postcode.
        "site_near_postcode": frozenset({"site_postcode"}),
        "name_phone_near": frozenset({"phone"}),
        "bank_near": frozenset({"bank", "iban"}),
        # Another reading of a phone: says nothing more once the phone as read agrees.
        "phone_home": frozenset({"phone"}),
        "phon_postcode": frozenset({"name_postcode"}),
        # A nickname or a day/month swap is the same name and date read another way.
        "nick_dob": frozenset({"name_dob"}),
        "nick_phone": frozenset({"name_phone"}),
        "name_dob_swap": frozenset({"name_dob"}),
    }
)


def token_kinds() -> frozenset[str]:
    """Every token kind :func:`msin_fed.token_inputs.inputs_for_mention` can emit."""
    return _ALL_KINDS


def _frozen(mapping: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class ScoringModel:
    """Weights per token kind, a threshold and the frequency discount.

    ``weights``: log2 likelihood ratio added when a token of that kind is shared.
    ``disagreement``: log2 ratio subtracted when both records hold the kind but share no
    token of it (only meaningful for kinds with one value per record).
    ``caps``: the most a kind with several tokens per record (LSH bands, name parts) can
    add in total, so that no amount of such evidence alone reaches the threshold.
    ``threshold``: a pair with ``score >= threshold`` is a match.
    ``max_frequency``, ``frequent_from``, ``frequent_cap``: see the module docstring.
    """

    weights: Mapping[str, float]
    threshold: float
    disagreement: Mapping[str, float] = field(default_factory=dict)
    caps: Mapping[str, float] = field(default_factory=dict)
    max_frequency: int = 40
    frequent_from: int = 6
    frequent_cap: float = 3.5
    #: kind -> its comparison: the kinds of one comparison are levels of one agreement
    #: (a whole name with its date of birth also shares its parts and bands), so a pair
    #: counts the best of them, once; ungrouped kinds add up (with ``caps``).
    groups: Mapping[str, str] = field(default_factory=dict)
    #: ``(group, kinds, weight)``: subtracted when a kind of ``group`` is shared while one
    #: of ``kinds`` is a disagreement of the pair (both hold it and share none of it) and
    #: none of them agrees (nor the group that waives it, ``waived_by``): an address
    #: shared by people whose names differ, a name and postcode shared by people whose
    #: dates of birth differ. The fitted model's conditional levels
    #: (:mod:`msin_fed.linkage.fitted`).
    conditional: tuple[tuple[str, tuple[str, ...], float], ...] = ()
    #: disagreement kind -> the groups whose agreement waives it: the pair agrees on that
    #: comparison at another level (one name word with the date of birth but no name
    #: band; a company name one typo apart), or on an identity document, which an alias
    #: or a mistyped date must not undo.
    waived_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: kind -> its weight when the token is held by 2 or more entities (the base the
    #: discount past 3 starts from): the fitted model's level of a value a household
    #: shares (:data:`msin_fed.linkage.em.SEVERAL`); absent, the kind's one weight.
    several: Mapping[str, float] = field(default_factory=dict)
    #: ``(group, kinds)`` of a ``conditional`` entry -> the kinds of the level it
    #: qualifies: it applies only when the group's best shared kind is one of them (a name
    #: and postcode of people whose dates differ; not one name word with the date).
    conditional_on: Mapping[tuple[str, tuple[str, ...]], frozenset[str]] = field(default_factory=dict)
    #: kind -> the most a token of it adds when held by 4 or more entities (the fitted
    #: model's level of an agency's landline or a gang's plate,
    #: :data:`msin_fed.linkage.em.MANY`): the discount below still applies, this caps it.
    many: Mapping[str, float] = field(default_factory=dict)
    #: group -> (kinds, unless, cap): a group whose best shared kind is one of ``kinds``
    #: adds at most ``cap`` unless a kind of ``unless`` is shared too (the fitted model's
    #: privacy floor, :data:`msin_fed.linkage.fitted.PRIVACY_FLOOR`: one word of a name
    #: with the birthday, a first name and birthday, never a match alone).
    floors: Mapping[str, tuple[frozenset[str], frozenset[str], float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = (set(self.weights) | set(self.disagreement) | set(self.caps) | set(self.groups)
                   | {k for _g, ks, _w in self.conditional for k in ks} | set(self.waived_by)
                   | set(self.several) | set(self.many)) - _ALL_KINDS
        if unknown:
            raise ValueError(f"unknown token kinds in scoring model: {sorted(unknown)}")
        if any(not math.isfinite(w) or w < 0 for w in self.weights.values()):
            raise ValueError("weights must be finite and non-negative")
        if any(not math.isfinite(w) or w < 0 for w in self.disagreement.values()):
            raise ValueError("disagreement weights must be finite and non-negative")
        if any(not math.isfinite(w) or w < 0 for w in self.several.values()):
            raise ValueError("weights of values held by several entities must be finite and non-negative")
        if any(not math.isfinite(w) or w < 0 for w in self.many.values()):
            raise ValueError("weights of values held by many entities must be finite and non-negative")
        if any(not math.isfinite(w) or w < 0 for _g, _k, w in self.conditional):
            raise ValueError("conditional weights must be finite and non-negative")
        if any(g not in set(self.groups.values()) for g in [*(g for g, _k, _w in self.conditional),
                                                            *(g for gs in self.waived_by.values() for g in gs)]):
            raise ValueError("a conditional weight names a group the model does not have")
        if any(k not in self.disagreement for _g, ks, _w in self.conditional for k in ks):
            raise ValueError("a conditional weight's kind must be a disagreement kind (it may weigh 0)")
        if not math.isfinite(self.threshold) or self.threshold <= 0:
            raise ValueError("threshold must be a positive number")
        if self.max_frequency < 4:
            raise ValueError("max_frequency must be at least 4")
        object.__setattr__(self, "weights", _frozen(self.weights))
        object.__setattr__(self, "disagreement", _frozen(self.disagreement))
        object.__setattr__(self, "caps", _frozen(self.caps))
        object.__setattr__(self, "groups", MappingProxyType(dict(self.groups)))
        object.__setattr__(self, "waived_by", MappingProxyType(dict(self.waived_by)))
        object.__setattr__(self, "several", _frozen(self.several))
        object.__setattr__(self, "many", _frozen(self.many))
        object.__setattr__(self, "conditional_on", MappingProxyType(dict(self.conditional_on)))

    @property
    def strong_kinds(self) -> frozenset[str]:
        """Kinds whose single agreement (held by a pair only) is a match by itself."""
        return frozenset(k for k, w in self.weights.items() if w >= self.threshold)

    def token_weight(self, kind: str, frequency: int) -> float:
        """The weight one shared token of ``kind`` adds, held by ``frequency`` entities
        (:func:`msin_fed.linkage.core.entity_count`)."""
        weight = self.several.get(kind, self.weights.get(kind, 0.0)) if frequency >= 2 else self.weights.get(kind, 0.0)
        if frequency >= self.max_frequency:
            return 0.0
        if kind in COMPANY_NAME_KINDS and frequency >= 2:
            return 0.0  # a name two companies trade under names neither
        if kind in IDENTITY_KINDS:
            # Counted in entities that contradict each other: each doubling of them
            # quarters the chance that two holders are one (u grows with e squared).
            return max(weight - 2.0 * math.log2(frequency), 0.0)
        if frequency > 3:
            weight *= 1.0 - math.log2(frequency / 3) / math.log2(self.max_frequency / 3)
            if self.many:  # (the default model has none: no cost on its hot path)
                weight = min(weight, self.many.get(kind, math.inf))
        return max(weight, 0.0)

    def pair_score(
        self, shared: Iterable[tuple[str, int]], disagree: Iterable[str] = ()
    ) -> float:
        """Score of a pair from its shared tokens ``(kind, frequency)``.

        ``frequency`` is the number of distinct entities holding that token
        (:func:`msin_fed.linkage.core.entity_count`, at least 1). ``disagree`` lists kinds both records hold
        but share no token of; each subtracts its disagreement weight unless a ``*_near``
        token of it is shared (:data:`NEAR_WAIVES`) or a kind of the group ``waived_by``
        names; then each ``conditional`` weight whose group agrees and kind disagrees.
        """
        tokens = list(shared)
        kinds = {kind for kind, _ in tokens}
        # A near-miss token is a fallback: it says nothing more once the value agrees.
        fallback = {n for n, exact in NEAR_WAIVES.items() if exact & kinds}
        rare: dict[str, float] = {}
        everything: dict[str, float] = {}
        best_rare: dict[str, float] = {}
        best: dict[str, float] = {}
        best_kind: dict[str, str] = {}
        for kind, freq in tokens:
            if kind in fallback:
                continue
            weight = self.token_weight(kind, freq)
            group = self.groups.get(kind)
            if group is not None:
                if weight > best.get(group, -1.0):
                    best_kind[group] = kind
                best[group] = max(best.get(group, 0.0), weight)
                if freq < self.frequent_from:
                    best_rare[group] = max(best_rare.get(group, 0.0), weight)
                continue
            everything[kind] = everything.get(kind, 0.0) + weight
            if freq < self.frequent_from:
                rare[kind] = rare.get(kind, 0.0) + weight
        for group, (floor_kinds, unless, cap) in self.floors.items():
            if best_kind.get(group) in floor_kinds and not unless & kinds:
                best[group] = min(best[group], cap)
                best_rare[group] = min(best_rare.get(group, 0.0), cap)
        rare_score = sum(min(v, self.caps.get(k, math.inf)) for k, v in rare.items()) + sum(best_rare.values())
        full_score = sum(min(v, self.caps.get(k, math.inf)) for k, v in everything.items()) + sum(best.values())
        score = min(full_score, rare_score + self.frequent_cap)
        waived: set[str] = set(kinds)
        for kind in kinds:
            waived |= NEAR_WAIVES.get(kind, frozenset())
        agreed = {self.groups[k] for k in kinds - fallback if k in self.groups}
        raw = {k for k in disagree if k not in waived}
        differ = {k for k in raw if not agreed.intersection(self.waived_by.get(k, ()))}
        score -= sum(self.disagreement.get(k, 0.0) for k in differ)
        for group, cond, w in self.conditional:
            # The group's own agreement does not waive its conditional level (a name and
            # postcode of people whose dates differ is a level of the one person
            # comparison); another group's does.
            others = agreed - {group}
            on = self.conditional_on.get((group, cond))
            if on is not None and best_kind.get(group) not in on:
                continue
            if group in agreed and raw.intersection(cond) and not any(
                k in kinds or others.intersection(self.waived_by.get(k, ())) for k in cond
            ):
                score -= w
        return score

    def is_match(self, score: float) -> bool:
        """True when ``score`` reaches the threshold."""
        return score >= self.threshold

    def useful(self, kind: str, frequency: int) -> bool:
        """Whether a token can add anything; the rest need not be compared at all."""
        return self.token_weight(kind, frequency) > 0.0


#: The model the coordinator and ``msin link`` use. Weights were tuned on the tuning
#: split of the synthetic multi-member set and FEBRL4 (``bench/linkage.py``) and checked
#: on separate splits; see docs/linkage.md for the figures and the reasoning per kind.
DEFAULT_MODEL = ScoringModel(
    weights={
        "phone": 12.5,
        "email": 13.0,
        "vehicle": 11.0,
        "nino": 18.0,
        "national_id": 12.0,
        "passport": 18.0,
        "iban": 18.0,
        "bank": 18.0,
        "company_number": 16.0,
        "name_dob": 6.0,
        "nick_dob": 6.0,
        "name_dob_swap": 4.0,
        "name_phon_dob": 3.0,
        "name_init_dob": 3.0,
        "part_dob": 5.0,
        "part_near_dob": 5.0,
        "part_start_dob": 5.0,
        "initials_dob": 2.0,
        "name_postcode": 8.0,
        "dob_postcode": 4.5,
        "address": 5.0,
        "site_postcode": 10.0,
        "site_district": 10.0,
        "site_locality": 10.0,
        "site_near": 10.0,
        "site_near_locality": 10.0,
        "company": 10.0,
        "company_postcode": 10.0,
        # the name in a town, a place as the postcode is (core: only for a mention
        # without a postcode, or against a company known by its town)
        "company_locality": 10.0,
        "company_near": 6.0,
        "company_near_postcode": 10.0,
        # counts through core (as the name with the postcode) only when one name is the
        # other's leading words
        "company_prefix": 0.0,
        # counts through core (as the name) only when one name is the other's leading
        # words and one of the two records gives no place
        "company_head": 0.0,
        # waives the postcode's disagreement only (the district agrees already)
        "site_near_postcode": 0.0,
        "phon_postcode": 6.0,
        "name_phone_near": 5.0,
        "name_lsh_dob": 2.5,
        "nid_near": 7.0,
        "phone_near": 6.0,
        "email_near": 6.0,
        "prefix_phone": 0.0,
        "name_bank": 0.0,
        "name_vehicle": 0.0,
        "name_phone": 8.0,
        "name_plate": 8.0,
        "nick_phone": 6.0,
        "name_address": 6.0,
        "bank_near": 7.0,
        "phone_home": 12.5,
        "dob_address": 5.0,
        "dob_phone": 6.0,
    },
    disagreement={
        "site_postcode": 12.0,
        "company_number": 12.0,
        "name_dob": 6.0,
        "name_phone_near": 6.0,
        "prefix_phone": 6.0,
        "name_bank": 10.0,
        "name_vehicle": 10.0,
        "email": 3.0,
        "nino": 6.0,
        "passport": 4.0,
        "national_id": 2.0,
    },
    caps={
        "name_lsh_dob": 5.0,
        "part_dob": 6.0,
        "part_near_dob": 5.0,
        "part_start_dob": 5.0,
        "name_init_dob": 3.0,
        "nid_near": 7.0,
        "phone_near": 6.0,
        "email_near": 6.0,
        "address": 5.0,
        "site_near": 10.0,
        "site_near_locality": 10.0,
        "company_near": 6.0,
        "company_near_postcode": 10.0,
        "name_phone_near": 5.0,
        "bank_near": 7.0,
        "name_address": 6.0,
        "phone_home": 12.5,
    },
    # One company's name, with its postcode or one typo from it, is one agreement, not three.
    # A phone and an address are one household's: housemates give both, so together they
    # count as the better of the two (a person's own phone matches alone anyway); the
    # forms of one address (postcode, district, town) and a phone's readings from home
    # are within it too.
    groups={"company": "company", "company_postcode": "company", "company_locality": "company",
            "company_near": "company",
            "company_near_postcode": "company", "company_prefix": "company", "company_head": "company",
            "phone": "household", "address": "household", "phone_home": "household",
            # A whole name where the person lives or answers is one agreement: namesakes
            # at one agency (its postcode, its landline, its address) must not add it up;
            # so is the date of birth at one place.
            "name_postcode": "name_contact", "phon_postcode": "name_contact",
            "name_phone": "name_contact", "name_address": "name_contact", "name_plate": "name_contact",
            "nick_phone": "name_contact",
            "dob_postcode": "dob_place", "dob_address": "dob_place"},
    threshold=10.0,
)

def fitted_model() -> ScoringModel:
    """The model whose every weight, disagreement weight and threshold come from the EM
    fit of the tuning data shipped in ``fitted_weights.json``, scoring a pair as the fit
    does (:func:`msin_fed.linkage.fitted.model_parameters` states the rules that are
    priors, not fitted numbers). Measured beside :data:`DEFAULT_MODEL` (``bench/linkage.py
    --model fitted``), not the default: behind it on the synthetic test split and the
    held-out set, see docs/linkage.md."""
    from msin_fed.linkage import fitted

    p = fitted.model_parameters(fitted.load())
    return ScoringModel(weights=p.weights, disagreement=p.disagreement, groups=p.groups, threshold=p.threshold,
                        conditional=p.conditional, waived_by=p.waived_by, several=p.several,
                        conditional_on=p.conditional_on, many=p.many, floors=p.floors)


_K = TypeVar("_K", bound=Hashable)


def clusters(pairs: Iterable[tuple[_K, _K]]) -> list[set[_K]]:
    """Connected components of matched pairs (union-find), largest first."""
    sets: DisjointSets[_K] = DisjointSets()
    for a, b in pairs:
        sets.union(a, b)
    return sets.groups()
