"""Fellegi-Sunter m and u probabilities fitted on unlabelled tokens (EM, as Splink does).

Works on exactly what the coordinator holds (records, their member, their tokens as
``value -> kind``): no plaintext and no labels. Each *comparison* (the person, the household,
a document, a site, ...) has ordered agreement *levels* made of token kinds (exact, one typo,
similar, ...); a pair's level is the first level whose kinds it shares, ``0`` when both
records hold the comparison and share none of it, and null when they hold none of its
kinds in common (a null
comparison says nothing, as in Splink). Conditional levels (a phone, bank account or
address shared by people whose names differ, a name and postcode of people whose dates
differ) and a level for a value held by two or three entities (a household's phone or
address, and one for a value held by 4 or more: Splink's term-frequency adjustment
counted in ``core.entity_count`` entities)
are where the fit's conditional independence would otherwise fail worst.

``u`` (the chance that two records of *different* entities agree at a level) is read
from random pairs of records of different members (Splink's
``estimate_u_using_random_sampling``), ``m`` (the chance for records of the *same*
entity) by EM in **training sessions** (:data:`SESSIONS`, Splink's EM with a blocking
rule for training: each fits the comparisons its block does not involve), and the match
share ``lambda`` by EM over all cross-member pairs with ``m`` and ``u`` fixed
(:func:`fit_sessions`, which ``bench/fit_weights.py`` ships; :func:`fit_union`, one EM of
everything over every pair, is what the sessions replace, kept for the comparisons no
session estimates). A level's weight is ``log2(m / u)``; a pair is a match when
``log2(lambda / (1 - lambda))`` plus its weights is positive, so the model's threshold
corresponds to ``log2((1 - lambda) / lambda)``. Values held by 2-3 entities and by 4 or
more make levels of their own (:data:`SEVERAL`, :data:`MANY`).

:func:`fit` returns the :class:`Fit`; ``bench/fit_weights.py`` prints it for the tuning
data beside :data:`msin_fed.linkage.scoring.DEFAULT_MODEL` (docs/linkage.md, section 3).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from msin_fed.linkage import core

__all__ = [
    "COMPARISONS",
    "MANY",
    "PAIR_TYPES",
    "SESSIONS",
    "SEVERAL",
    "Comparison",
    "Fit",
    "Session",
    "comparison",
    "comparison_vector",
    "fit",
    "fit_sessions",
    "fit_union",
    "many_level",
    "pair_type",
    "record_shape",
]

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Comparison:
    """A comparison of one *concept* (a person's name, date of birth and place; a
    household's phone and address; a document; a site): its name, the kinds both records
    must hold for it to be observed, and its mutually exclusive agreement levels (best
    first), each a name and the kinds that make it: a pair is at the first level whose
    kinds it shares. Splink's comparison of one concept with levels exact / fuzzy / else:
    token kinds of one concept (a name with its date of birth, with its postcode, the
    date with the postcode) are not conditionally independent, so they are levels of one
    comparison, never comparisons of their own.

    ``differ`` makes a level conditional (level name -> kinds): the level holds only when
    both records hold one of those kinds and share none of them (a phone shared by people
    whose names differ), and is tried before the plain levels; given a shared identifier,
    differing names say far more than differing names in general.
    ``fallback_of``: kinds whose agreement makes this comparison null (a name with a phone
    one digit off says nothing once the phone itself agrees, as in the scoring model).
    ``several``: (level, base level): a level that stands for its base when every value
    shared at the base is held by 2 or 3 entities (:func:`msin_fed.linkage.core.entity_count`):
    a couple's phone, a house's address. The term-frequency adjustment of Splink counted
    in entities.
    ``base``: (conditional or several level, the plain level it qualifies): what the
    scoring model subtracts a conditional level's difference from.
    """

    name: str
    presence: frozenset[str]
    levels: tuple[tuple[str, frozenset[str]], ...]
    differ: tuple[tuple[str, frozenset[str]], ...] = ()
    fallback_of: frozenset[str] = frozenset()
    several: tuple[tuple[str, str], ...] = ()
    base: tuple[tuple[str, str], ...] = ()
    #: (level, base level): a level that stands for its base when every value shared at
    #: the base is held by 4 or more entities (an agency's landline, a gang's plate):
    #: the rest of the term-frequency adjustment, read from the data instead of a curve.
    many: tuple[tuple[str, str], ...] = ()
    #: Conditional levels that also hold where core's own reading of the scored pair says
    #: the names differ (level -> a predicate of the two records' tokens and the kinds
    #: they share): the model subtracts for exactly that reading, so the fit must class
    #: those pairs the same way, else they stay in the plain level and inflate its ``u``.
    differ_also: tuple[tuple[str, Callable[[Mapping[bytes, str], Mapping[bytes, str], list[tuple[str, int]]], bool]],
                       ...] = ()

    def check_order(self) -> tuple[tuple[int, frozenset[str], frozenset[str]], ...]:
        """(level index from 1, kinds, kinds that must differ) in the order to try them
        (``several`` levels are read from their base, not tried)."""
        differ = dict(self.differ)
        skip = {n for n, _b in (*self.several, *self.many)}
        rows = [(i, kinds, differ.get(name, frozenset())) for i, (name, kinds) in enumerate(self.levels, start=1)
                if name not in skip]
        return tuple(sorted(rows, key=lambda r: (not r[2], r[0])))

    def index(self, level: str) -> int:
        """A level's index (from 1)."""
        return next(i for i, (n, _k) in enumerate(self.levels, start=1) if n == level)

    @property
    def several_of(self) -> dict[int, int]:
        """Base level index -> its ``several`` level's index."""
        return {self.index(b): self.index(n) for n, b in self.several}

    @property
    def many_of(self) -> dict[int, int]:
        """Base level index -> its ``many`` level's index."""
        return {self.index(b): self.index(n) for n, b in self.many}

    @property
    def many_kinds(self) -> frozenset[str]:
        """The kinds whose values held by 4 or more entities make a level of their own."""
        bases = {b for _n, b in self.many}
        return frozenset(k for n, kinds in self.levels if n in bases for k in kinds)

    def base_of(self, level: str) -> str:
        """The plain level a conditional or several level qualifies (itself otherwise)."""
        tf = dict((*self.several, *self.many))
        return dict(self.base).get(level, tf.get(level, level))

    def kinds_of(self, level: str) -> frozenset[str]:
        """The kinds of a level (``frozenset()`` for ``disagree``)."""
        return dict(self.levels).get(level, frozenset())


def comparison(
    name: str,
    presence: Iterable[str],
    *levels: tuple[str, Iterable[str]],
    differ: Mapping[str, tuple[str, Iterable[str]]] | None = None,
    fallback_of: Iterable[str] = (),
    several: Iterable[str] = (),
    differ_also: Mapping[str, Callable[[Mapping[bytes, str], Mapping[bytes, str], list[tuple[str, int]]], bool]]
    | None = None,
) -> Comparison:
    """A comparison. ``differ``: conditional level -> (its base level, the kinds that
    must differ); the conditional level is a level of the base's kinds, placed after it.
    ``several``: base levels that get a level ``"<base>, 2-3 entities"`` after them, and
    one ``"<base>, 4+ entities"`` after that."""
    rows: list[tuple[str, frozenset[str]]] = []
    sev = set(several)
    cond = dict(differ or {})
    after: dict[str, list[str]] = {}
    for cname, (base, _k) in cond.items():
        after.setdefault(base, []).append(cname)
    for n, k in levels:
        rows.append((n, frozenset(k)))
        if n in sev:
            rows.append((several_level(n), frozenset(k)))
            rows.append((many_level(n), frozenset(k)))
        for cname in after.get(n, []):
            rows.append((cname, frozenset(k)))
    return Comparison(
        name,
        frozenset(presence),
        tuple(rows),
        tuple((n, frozenset(k)) for n, (_b, k) in cond.items()),
        frozenset(fallback_of),
        tuple((several_level(n), n) for n in levels_named(levels) if n in sev),
        tuple((n, b) for n, (b, _k) in cond.items()),
        tuple((many_level(n), n) for n in levels_named(levels) if n in sev),
        tuple((differ_also or {}).items()),
    )


def levels_named(levels: Iterable[tuple[str, Iterable[str]]]) -> list[str]:
    """The names of ``levels``."""
    return [n for n, _k in levels]


def several_level(base: str) -> str:
    """The name of the level of a value at ``base`` held by 2 or 3 entities."""
    return SEVERAL if base == "exact" else f"{base}, 2-3 entities"


#: The level of a value shared by 2 or 3 entities (:attr:`Comparison.several`).
SEVERAL = "exact, 2-3 entities"

#: The level of a value shared by 4 or more entities (:attr:`Comparison.many`).
MANY = "exact, 4+ entities"


def many_level(base: str) -> str:
    """The name of the level of a value at ``base`` held by 4 or more entities."""
    return MANY if base == "exact" else f"{base}, 4+ entities"


#: The kinds of the name with its date of birth (a record holding one holds them all but
#: the nickname and swap kinds): none shared means the names or most of the dates differ.
_NAME_DOB = frozenset({"name_dob", "nick_dob", "name_dob_swap", "name_phon_dob", "part_dob", "name_init_dob",
                       "name_lsh_dob", "initials_dob", "part_near_dob", "part_start_dob"})

#: Name kinds bound to a place or phone: the name agrees there.
_NAME_PLACE = frozenset({"name_postcode", "phon_postcode"})

#: The comparisons of the token model (kinds from :func:`msin_fed.linkage.token_kinds`),
#: one per concept, so that conditional independence holds between them approximately:
#:
#: - ``person``: the name, the date of birth and the postcode (or street, or phone) in
#:   one comparison, whose levels are which of them agree (the composite tokens each name
#:   two of the three: ``name_dob``, ``name_postcode``, ``dob_postcode``): a pair is at
#:   the first level it shares, so "name and postcode" means the name and postcode agree
#:   and no form of the name with the date of birth does. Fitted as separate comparisons,
#:   one person seen twice counted his name three times over.
#: - ``household``: the phone and the street address, one agreement (housemates, a
#:   couple, a family give both); the "names differ" levels read the name kinds the
#:   phone and the postcode are combined with (``prefix_phone``, ``name_phone_near``;
#:   ``name_postcode``, ``phon_postcode`` and the name-with-date kinds), as
#:   :func:`msin_fed.linkage.core._disagreements` reads them.
#: - the documents, the e-mail, the plate, the bank account, a company's number, its
#:   name, a site: each its own concept.
COMPARISONS: tuple[Comparison, ...] = (
    comparison(
        "household",
        {"phone", "address"},
        ("phone", {"phone"}),
        ("address", {"address"}),
        ("phone one digit", {"phone_near"}),
        ("phone read from home", {"phone_home"}),
        differ={"phone, names differ": ("phone", {"name_phone_near", "prefix_phone"}),
                "address, names differ": ("address", _NAME_PLACE | _NAME_DOB)},
        several=("phone", "address"),
        # A family member at the house's landline shares its family name's tokens:
        # core's given-name reading (the model's ``prefix_phone`` disagreement).
        differ_also={"phone, names differ": core.given_names_differ},
    ),
    comparison("email", {"email"}, ("exact", {"email"}), ("one typo", {"email_near"}), several=("exact",)),
    # names differ: with their dates, or (``name_vehicle``) no word's sound nor start agrees
    comparison("vehicle", {"vehicle"}, ("exact", {"vehicle"}),
               differ={"exact, names differ": ("exact", _NAME_DOB | {"name_vehicle"})},
               several=("exact",)),
    comparison("nino", {"nino"}, ("exact", {"nino"}), ("one typo", {"nid_near"})),
    comparison("passport", {"passport"}, ("exact", {"passport"}), ("one typo", {"nid_near"})),
    comparison("national_id", {"national_id"}, ("exact", {"national_id"}), ("one typo", {"nid_near"})),
    comparison("bank", {"bank", "iban"}, ("exact", {"bank", "iban"}), ("one keying error", {"bank_near"}),
       differ={"exact, names differ": ("exact", {"name_bank"})}),
    comparison("company_number", {"company_number"}, ("exact", {"company_number"})),
    comparison(
        "person",
        {"name_lsh_dob", "phon_postcode", "dob_postcode"},
        ("name and date", {"name_dob"}),
        ("nickname and date", {"nick_dob"}),
        ("name sound and date", {"name_phon_dob"}),
        ("name and postcode", {"name_postcode"}),
        ("date and postcode", {"dob_postcode"}),
        ("name at the street or phone", {"name_phone", "name_address", "name_plate", "nick_phone"}),
        ("date at the street or phone", {"dob_address", "dob_phone"}),
        ("name sound and postcode", {"phon_postcode"}),
        ("one part and date", {"part_dob", "name_init_dob"}),
        ("day and month swapped", {"name_dob_swap"}),
        ("similar name and date", {"name_lsh_dob", "initials_dob", "part_near_dob", "part_start_dob"}),
        differ={"name and postcode, dates differ": ("name and postcode", _NAME_DOB)},
    ),
    comparison("name_phone", {"name_phone_near"}, ("phonetic, one digit", {"name_phone_near"}), fallback_of={"phone"}),
    comparison(
        "site",
        {"site_near", "site_near_locality"},
        ("exact", {"site_postcode", "site_district", "site_locality"}),
        ("one typo", {"site_near", "site_near_locality", "site_near_postcode"}),
    ),
    comparison("company", {"company", "company_head"}, ("exact", {"company", "company_postcode", "company_locality"}),
               ("one typo", {"company_near", "company_near_postcode", "company_prefix"})),
)


def comparison_vector(
    a: Mapping[bytes, str],
    b: Mapping[bytes, str],
    comparisons: Sequence[Comparison] = COMPARISONS,
    common: Collection[bytes] = (),
    entities: Mapping[bytes, int] | None = None,
) -> tuple[int, ...]:
    """Each comparison's level for records ``a`` and ``b``: -1 null, 0 disagree, 1.. agree.

    A shared value in ``common`` counts as no agreement (held by more records than are
    ever paired, or a company name two companies hold). A value held by 2 or 3 entities
    (``entities``, value -> count; absent means one) makes the ``several`` level of its
    comparison instead of the first, and one held by 4 or more its ``many`` level, when
    the comparison agrees at no other level (Splink's term-frequency adjustment, counted
    in entities); in a comparison without a ``many`` level such a value counts as no
    agreement.
    """
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    counts = entities or {}
    both = [(v, k) for v, k in small.items() if v in large and v not in common]
    shared = {k for v, k in both if counts.get(v, 1) <= 3}
    big = {k for v, k in both if counts.get(v, 1) > 3}
    # A name kind shared only through a common value still says the names agree.
    named = {k for v, k in small.items() if v in large}
    ka, kb = set(a.values()), set(b.values())
    out: list[int] = []
    shared_all = [(k, 1) for v, k in small.items() if v in large]
    if "part_near_dob" in shared and not core.near_name_counts(a, b, shared_all):
        # one typo of the longest word with another word unexplained is another name
        # near it (core._part_near): the model drops it, and so does the fit
        shared = shared - {"part_near_dob"}
    if "part_start_dob" in shared and not core.start_typo_counts(a, b, shared_all):
        # not one word one typo off at its start (core._part_start): dropped, as the model does
        shared = shared - {"part_start_dob"}
    for c in comparisons:
        if not c.presence & ka & kb or c.fallback_of & shared:
            out.append(-1)
            continue
        level = 0
        also = dict(c.differ_also)
        for i, kinds, differ in c.check_order():
            if not kinds & shared:
                continue
            rule = also.get(c.levels[i - 1][0])
            if not differ or (differ & ka & kb and not differ & named) or (rule and rule(a, b, shared_all)):
                level = i
                break
        several = c.several_of.get(level)
        if several and counts:
            held = [counts.get(v, 1) for v, k in both if k in c.levels[level - 1][1] and counts.get(v, 1) <= 3]
            if min(held) >= 2:
                level = several
        if level == 0 and big:
            level = next((many for base, many in sorted(c.many_of.items()) if c.levels[base - 1][1] & big), 0)
        out.append(level)
    return tuple(out)


_SITE = frozenset({"site_postcode", "site_district", "site_locality", "site_near", "site_near_locality"})
_COMPANY = frozenset({"company", "company_postcode", "company_near", "company_number"})
PAIR_TYPES = ("person", "site", "company", "mixed")


def record_shape(kinds: Collection[str]) -> str:
    """``"site"``, ``"company"`` or ``"person"``: what a record is of, from its kinds."""
    ks = set(kinds)
    return "site" if ks & _SITE else "company" if ks & _COMPANY else "person"


def pair_type(a: Mapping[bytes, str], b: Mapping[bytes, str]) -> str:
    """The type of a pair: its records' shape when they agree, else ``"mixed"``."""
    sa, sb = record_shape(a.values()), record_shape(b.values())
    return sa if sa == sb else "mixed"


@dataclass(frozen=True)
class Fit:
    """Fitted ``m`` and ``u`` per comparison and level (index 0 = disagree), ``lambda``
    (the match share among all pairs of records of different members), and the counts
    they came from."""

    comparisons: tuple[Comparison, ...]
    m: tuple[tuple[float, ...], ...]
    u: tuple[tuple[float, ...], ...]
    lam: float
    observed: tuple[int, ...]  # candidate pairs where each comparison is not null
    candidates: int
    random_pairs: int
    iterations: int
    #: lambda per pair type (:func:`pair_type`): sites and companies are few and known
    #: many times, so two site records are far likelier one site than two person
    #: records one person.
    lam_by_type: tuple[tuple[str, float], ...] = ()
    #: (session, candidate pairs in its block, the share of them fitted as matches)
    sessions: tuple[tuple[str, int, float], ...] = ()
    #: comparisons no training session estimated (their m and u from the all-pairs EM)
    unsessioned: tuple[str, ...] = ()

    def weight(self, comparison: str, level: int) -> float:
        """``log2(m / u)`` of a comparison's level (0 = disagree)."""
        i = next(j for j, c in enumerate(self.comparisons) if c.name == comparison)
        return math.log2(self.m[i][level] / self.u[i][level])

    def rows(self) -> list[tuple[str, str, float, float, float]]:
        """(comparison, level name, m, u, weight) for every level, disagree first, of the
        comparisons observed in some candidate pair."""
        out = []
        for i, c in enumerate(self.comparisons):
            if not self.observed[i]:
                continue
            names = ["disagree", *(n for n, _k in c.levels)]
            for level, name in enumerate(names):
                m, u = self.m[i][level], self.u[i][level]
                out.append((c.name, name, m, u, math.log2(m / u)))
        return out


def _probability(log_odds: float) -> float:
    return 1.0 / (1.0 + math.exp(max(min(-log_odds, 700.0), -700.0)))


def _normalise(counts: list[float], floor: float) -> tuple[float, ...]:
    total = sum(counts) + floor * len(counts)
    return tuple((x + floor) / total for x in counts)


@dataclass
class _Data:
    """One dataset's share of a fit: candidate patterns, the levels of its random pairs
    (all of them, and those that are no candidate, scaled to stand for every such pair)."""

    patterns: dict[tuple[str, tuple[int, ...]], float]
    outside: dict[tuple[str, tuple[int, ...]], float]
    random_counts: list[list[float]]
    #: the random pairs' comparison vectors and their counts (for :func:`_random_u`)
    random_patterns: dict[tuple[int, ...], float]
    observed: list[int]
    candidates: int
    drawn: int
    all_pairs: dict[str, int]


def _prepare(
    tokens: Mapping[K, Mapping[bytes, str]],
    member: Mapping[K, Hashable],
    candidates: Iterable[tuple[K, K]],
    comps: Sequence[Comparison],
    random_pairs: int,
    rng: random.Random,
    common: Collection[bytes] = (),
    entities: Mapping[bytes, int] | None = None,
) -> _Data:
    sizes = [len(c.levels) + 1 for c in comps]
    patterns: dict[tuple[str, tuple[int, ...]], float] = {}
    observed = [0] * len(comps)
    seen: set[tuple[K, K]] = set()
    candidates_of: dict[str, int] = {}
    for a, b in candidates:
        if member[a] == member[b] or (a, b) in seen:
            continue
        seen.add((a, b))
        vec = comparison_vector(tokens[a], tokens[b], comps, common, entities)
        key = (pair_type(tokens[a], tokens[b]), vec)
        patterns[key] = patterns.get(key, 0.0) + 1
        candidates_of[key[0]] = candidates_of.get(key[0], 0) + 1
        for i, level in enumerate(vec):
            observed[i] += level >= 0
    per_member: dict[tuple[Hashable, str], int] = {}
    for r, held in tokens.items():
        shape = record_shape(held.values())
        per_member[(member[r], shape)] = per_member.get((member[r], shape), 0) + 1
    all_pairs: dict[str, int] = {}
    total_all = 0
    for shape in PAIR_TYPES[:3]:
        counts = [n for (_m, sh), n in per_member.items() if sh == shape]
        all_pairs[shape] = (sum(counts) ** 2 - sum(n * n for n in counts)) // 2
    n_all = sum(per_member.values())
    by_member: dict[Hashable, int] = {}
    for (mem, _sh), n in per_member.items():
        by_member[mem] = by_member.get(mem, 0) + n
    total_all = (n_all * n_all - sum(n * n for n in by_member.values())) // 2
    all_pairs["mixed"] = total_all - sum(all_pairs.values())
    ids = list(tokens)
    random_counts = [[0.0] * n for n in sizes]
    random_patterns: dict[tuple[int, ...], float] = {}
    outside: dict[tuple[str, tuple[int, ...]], float] = {}
    outside_drawn: dict[str, int] = {}
    drawn = 0
    for _ in range(random_pairs * 3):
        if drawn >= random_pairs or len(ids) < 2:
            break
        a, b = rng.sample(ids, 2)
        if member[a] == member[b]:
            continue
        drawn += 1
        vec = comparison_vector(tokens[a], tokens[b], comps, common, entities)
        random_patterns[vec] = random_patterns.get(vec, 0.0) + 1
        for i, level in enumerate(vec):
            if level >= 0:
                random_counts[i][level] += 1
        if (a, b) not in seen and (b, a) not in seen:
            key = (pair_type(tokens[a], tokens[b]), vec)
            outside_drawn[key[0]] = outside_drawn.get(key[0], 0) + 1
            outside[key] = outside.get(key, 0.0) + 1
    # The random pairs that are no candidate stand for all such pairs of their type (every
    # one a non-match: they share no token at all, or only one too frequent to count).
    scale = {
        t: max(all_pairs[t] - candidates_of.get(t, 0), 0) / max(outside_drawn.get(t, 0), 1) for t in PAIR_TYPES
    }
    outside = {key: n * scale[key[0]] for key, n in outside.items()}
    return _Data(patterns, outside, random_counts, random_patterns, observed, len(seen), drawn, all_pairs)


@dataclass(frozen=True)
class Session:
    """A training session (Splink's ``estimate_parameters_using_expectation_maximisation``
    with a blocking rule for training): EM over the candidate pairs at one of ``block``'s
    levels (comparison -> level names; a pair is in the block when it is at one of them in
    any of those comparisons), with ``u`` fixed at the random-pair estimate. The blocked
    comparisons, and ``deactivate`` (comparisons that depend on them, as the name with a
    phone one digit off on the phone), are left out of the session: within the block they
    agree by construction, so it says nothing about their ``m``; the session estimates
    ``m`` of every other comparison."""

    name: str
    block: tuple[tuple[str, tuple[str, ...]], ...]
    deactivate: tuple[str, ...] = ()

    @property
    def inactive(self) -> frozenset[str]:
        """The comparisons this session does not estimate."""
        return frozenset((*(c for c, _l in self.block), *self.deactivate))


def _documents(*names: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((n, ("exact",)) for n in names)


#: The training sessions of :func:`fit_sessions`, each blocked on one kind of strong
#: evidence so that the comparisons it does not involve are fitted on pairs that are
#: mostly one entity whatever those comparisons say:
#:
#: - ``documents``: pairs sharing a NINO, passport, national id, bank account, e-mail or
#:   plate: fits the person (name, date, place) and the household; a person known only by
#:   a document whose name was written another way is in this block, so the person's
#:   disagree level gets its real share of one person's pairs.
#: - ``name and date``: pairs sharing the whole name (as written, its nickname read as
#:   the name, or its sound) with the date of birth: fits the documents, the household and
#:   the name with a phone one digit off.
#: - ``phone``: pairs sharing a phone held by one entity: fits the person and the
#:   documents again (housemates who give one landline are in it: the names-differ levels).
#: - ``company number`` and ``company name``: each fits the other.
#:
#: A comparison's ``m`` is the mean of its estimates over the sessions that estimate
#: it, weighted by the pairs of each session where it is observed (Splink takes the plain
#: mean); the site, which site records hold alone, is fitted by no session (see
#: :func:`fit_sessions`).
SESSIONS: tuple[Session, ...] = (
    Session("documents", _documents("nino", "passport", "national_id", "bank", "email", "vehicle")),
    Session("name and date", (("person", ("name and date", "nickname and date", "name sound and date",
                                          "one part and date")),)),
    Session("phone", (("household", ("phone",)),), deactivate=("name_phone",)),
    Session("company number", _documents("company_number")),
    Session("company name", _documents("company")),
)


def fit(
    tokens: Mapping[K, Mapping[bytes, str]],
    member: Mapping[K, Hashable],
    candidates: Iterable[tuple[K, K]],
    *,
    comparisons: Sequence[Comparison] = COMPARISONS,
    random_pairs: int = 200_000,
    iterations: int = 60,
    seed: int = 0,
    common: Collection[bytes] = (),
    entities: Mapping[bytes, int] | None = None,
) -> Fit:
    """Fit ``m``, ``u`` and lambda on one dataset (see :func:`fit_union`)."""
    return fit_union([(tokens, member, candidates, common, entities or {})], comparisons=comparisons,
                     random_pairs=random_pairs,
                     iterations=iterations, seed=seed)


Datasets = Sequence[
    tuple[
        Mapping[Any, Mapping[bytes, str]],
        Mapping[Any, Hashable],
        Iterable[tuple[Any, Any]],
        Collection[bytes],
        Mapping[bytes, int],
    ]
]

_Patterns = dict[tuple[str, tuple[int, ...]], float]


@dataclass
class _Union:
    """The prepared union of the datasets: candidate patterns, the rest of the pairs as
    levels read from random pairs (:class:`_Data`), pair counts by type."""

    data: list[_Data]
    patterns: _Patterns
    u_outside: list[list[float]]
    all_pairs: dict[str, int]
    total: int


def _prepare_union(datasets: Datasets, comps: tuple[Comparison, ...], random_pairs: int, seed: int) -> _Union:
    sizes = [len(c.levels) + 1 for c in comps]
    rng = random.Random(seed)
    data = [_prepare(t, m, c, comps, random_pairs, rng, common, ents) for t, m, c, common, ents in datasets]
    patterns: _Patterns = {}
    outside: _Patterns = {}
    for d in data:
        for key, n in d.patterns.items():
            patterns[key] = patterns.get(key, 0.0) + n
        for key, n in d.outside.items():
            outside[key] = outside.get(key, 0.0) + n
    u_outside = [[0.0] * n for n in sizes]
    for (_t, vec), n in outside.items():
        for i, level in enumerate(vec):
            if level >= 0:
                u_outside[i][level] += n
    all_pairs = {t: sum(d.all_pairs[t] for d in data) for t in PAIR_TYPES}
    return _Union(data, patterns, u_outside, all_pairs, sum(d.candidates for d in data))


def _initial_m(sizes: Sequence[int]) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple([0.05] + [0.95 / (n - 1)] * (n - 1)) for n in sizes)


def _em(
    patterns: _Patterns,
    m: tuple[tuple[float, ...], ...],
    u: tuple[tuple[float, ...], ...],
    lam: dict[str, float],
    denominators: Mapping[str, float],
    iterations: int,
    *,
    active: Sequence[bool] | None = None,
    estimate_m: bool = True,
    u_outside: Sequence[Sequence[float]] | None = None,
) -> tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...], dict[str, float], int]:
    """EM over ``patterns``: (m, u, lambda by pair type, iterations). ``u`` is refined
    only when ``u_outside`` (the non-candidate pairs' levels) is given; only ``active``
    comparisons enter the E-step and are estimated; lambda of type ``t`` is its expected
    matches over ``denominators[t]`` pairs."""
    sizes = [len(row) for row in m]
    on = list(active) if active is not None else [True] * len(sizes)
    done = 0
    while done < iterations:
        done += 1
        m_counts = [[0.0] * n for n in sizes]
        u_counts = [list(row) for row in u_outside] if u_outside is not None else None
        matched = dict.fromkeys(lam, 0.0)
        for (ptype, vec), count in patterns.items():
            log_odds = math.log(lam[ptype] / (1 - lam[ptype])) + sum(
                math.log(m[i][level] / u[i][level]) for i, level in enumerate(vec) if level >= 0 and on[i])
            p = _probability(log_odds)
            matched[ptype] += p * count
            for i, level in enumerate(vec):
                if level >= 0 and on[i]:
                    m_counts[i][level] += p * count
                    if u_counts is not None:
                        u_counts[i][level] += (1 - p) * count
        new_m = tuple(_normalise(row, 1e-3) if on[i] and estimate_m else m[i] for i, row in enumerate(m_counts))
        new_u = tuple(_normalise(row, 0.5) for row in u_counts) if u_counts is not None else u
        new_lam = {t: min(max(matched[t] / max(denominators[t], 1), 1e-9), 0.5 if u_outside is not None else 0.999)
                   for t in lam}
        change = max(
            [abs(math.log(x / y)) for r1, r2 in zip(new_m + new_u, m + u, strict=True)
             for x, y in zip(r1, r2, strict=True)]
            + [abs(math.log(new_lam[t] / lam[t])) for t in lam]
        )
        m, u, lam = new_m, new_u, new_lam
        if change < 1e-4:
            break
    return m, u, lam, done


def _observed(data: Sequence[_Data], n: int) -> tuple[int, ...]:
    return tuple(sum(d.observed[i] for d in data) for i in range(n))


def _overall(lam: Mapping[str, float], all_pairs: Mapping[str, int]) -> float:
    return sum(lam[t] * all_pairs[t] for t in PAIR_TYPES) / max(sum(all_pairs.values()), 1)


def fit_union(
    datasets: Datasets,
    *,
    comparisons: Sequence[Comparison] = COMPARISONS,
    random_pairs: int = 200_000,
    iterations: int = 60,
    seed: int = 0,
) -> Fit:
    """Fit ``m``, ``u`` and lambda on the union of ``datasets`` (pairs only within each)
    by one EM over every pair: each dataset is ``(tokens, member, candidates, common
    values, entity counts)`` (see :func:`comparison_vector`).

    ``u`` starts from random cross-member pairs and, like ``m`` and lambda, is then
    refined by EM over *all* cross-member pairs: the candidates (pairs sharing a token),
    each weighted by its match probability, and the rest (levels read from the random
    pairs that are no candidate, scaled to their number) as non-matches. This is the
    fit of the comparisons no training session estimates (:func:`fit_sessions`); over
    every comparison it classes a person known only by a document as no match.
    """
    comps = tuple(comparisons)
    prep = _prepare_union(datasets, comps, random_pairs, seed)
    return _fit_all_pairs(prep, comps, iterations)


def _fit_all_pairs(prep: _Union, comps: tuple[Comparison, ...], iterations: int) -> Fit:
    sizes = [len(c.levels) + 1 for c in comps]
    # Agreement on a rare level may never be seen among random pairs: half a count.
    u0 = tuple(_normalise([sum(d.random_counts[i][j] for d in prep.data) for j in range(n)], 0.5)
               for i, n in enumerate(sizes))
    lam0 = {t: min(0.5, max(prep.total / max(sum(prep.all_pairs.values()), 1), 1e-9)) for t in PAIR_TYPES}
    m, u, lam, done = _em(prep.patterns, _initial_m(sizes), u0, lam0, prep.all_pairs, iterations,
                          u_outside=prep.u_outside)
    return Fit(comps, m, u, _overall(lam, prep.all_pairs), _observed(prep.data, len(comps)), prep.total,
               sum(d.drawn for d in prep.data), done, tuple((t, lam[t]) for t in PAIR_TYPES))


def _random_u(
    prep_data: Sequence[_Data], sizes: Sequence[int], blocks: Sequence[Sequence[tuple[int, frozenset[int]]]]
) -> tuple[tuple[float, ...], ...]:
    """``u`` from random pairs (Splink's ``estimate_u_using_random_sampling``): each
    comparison's levels among the random cross-member pairs, half a count added to each
    level (a level no random pair reaches), leaving out the pairs that are probably one
    entity: those in a training session's block (``blocks``) and, for each comparison,
    those agreeing at another comparison."""
    counts = [[0.0] * n for n in sizes]
    for d in prep_data:
        for vec, n in d.random_patterns.items():
            if any(_in_block(vec, b) for b in blocks):
                continue
            agreeing = sum(1 for level in vec if level > 0)
            for i, level in enumerate(vec):
                if level >= 0 and agreeing - (level > 0) == 0:
                    counts[i][level] += n
    return tuple(_normalise(row, 0.5) for row in counts)


def _in_block(vec: tuple[int, ...], block: Sequence[tuple[int, frozenset[int]]]) -> bool:
    return any(vec[i] in levels for i, levels in block)


def fit_sessions(
    datasets: Datasets,
    *,
    comparisons: Sequence[Comparison] = COMPARISONS,
    sessions: Sequence[Session] = SESSIONS,
    random_pairs: int = 200_000,
    iterations: int = 60,
    seed: int = 0,
) -> Fit:
    """Fit ``m``, ``u`` and lambda on the union of ``datasets`` as Splink trains a model.

    1. ``u`` of every comparison from random cross-member pairs (:func:`_random_u`),
       fixed from then on. Random pairs of a dense tuning set draw true matches (1 in
       600 in a set of a few thousand records), which would make ``u`` of a rare exact
       level their share (a NINO would fit 12, a name with its date 11, the threshold
       equivalent 11.3). So the pairs in a session's block (its sessions fit 99% of them
       as matches) are left out, and for each comparison the pairs agreeing at another
       comparison (a true match nearly always does; among non-matches, by the fit's own
       conditional independence, that leaves the levels' shares as they are). A level
       only those pairs reach (an exact NINO, a name with its date) is left at half a
       pair among the random pairs that hold the comparison: Splink's estimate on a
       set large enough for random pairs to be non-matches.
    2. ``m`` by EM in each training session (:class:`Session`, :data:`SESSIONS`),
       ``u`` fixed, the blocked comparisons out of the session; a comparison's ``m`` is
       the mean of its estimates, weighted by the pairs where it is observed.
    3. A comparison no session estimates (the site, which site records hold alone: no
       block of other evidence exists for it) keeps ``m`` and ``u`` of the one EM over
       all pairs (:func:`fit_union`), with a prior per pair type.
    4. lambda per pair type by EM over all candidate pairs with ``m`` and ``u`` fixed
       (the other pairs share nothing and are non-matches): the share of matches, which
       the sessions' own lambdas (shares within their blocks) do not give.
    """
    comps = tuple(comparisons)
    sizes = [len(c.levels) + 1 for c in comps]
    names = [c.name for c in comps]
    prep = _prepare_union(datasets, comps, random_pairs, seed)
    everything = _fit_all_pairs(prep, comps, iterations)
    blocks = [[(names.index(c), frozenset(comps[names.index(c)].index(lv) for lv in levels))
               for c, levels in session.block if c in names] for session in sessions]
    u = _random_u(prep.data, sizes, blocks)
    m_sum = [[0.0] * n for n in sizes]
    m_weight = [0.0] * len(comps)
    summary: list[tuple[str, int, float]] = []
    for session, block in zip(sessions, blocks, strict=True):
        patterns = {key: n for key, n in prep.patterns.items() if _in_block(key[1], block)}
        pairs = sum(patterns.values())
        if not pairs:
            summary.append((session.name, 0, 0.0))
            continue
        active = [c.name not in session.inactive for c in comps]
        by_type = {t: sum(n for (pt, _v), n in patterns.items() if pt == t) for t in PAIR_TYPES}
        # The session's match share starts where the block's own evidence puts it (the
        # blocked comparisons' m of the all-pairs fit over u from random pairs, with that
        # fit's prior), as Splink starts a session: from an even start, a block of one
        # comparison besides the blocked ones is a mixture EM cannot resolve, and it
        # settles where the pairs of one person whose names differ are no match.
        start = dict.fromkeys(PAIR_TYPES, 0.0)
        prior = dict(everything.lam_by_type)
        for (ptype, vec), n in patterns.items():
            log_odds = math.log(max(prior[ptype], 1e-9) / (1 - prior[ptype])) + sum(
                math.log(everything.m[i][level] / u[i][level])
                for i, level in enumerate(vec) if level >= 0 and not active[i])
            start[ptype] += n * _probability(log_odds)
        lam_start = {t: min(max(start[t] / by_type[t], 0.01), 0.99) if by_type[t] else 0.5 for t in PAIR_TYPES}
        m_s, _u, lam_s, _done = _em(patterns, _initial_m(sizes), u, lam_start, by_type, iterations, active=active)
        observed = [0.0] * len(comps)
        for (_t, vec), n in patterns.items():
            for i, level in enumerate(vec):
                observed[i] += n if level >= 0 else 0
        for i in range(len(comps)):
            if active[i] and observed[i]:
                m_weight[i] += observed[i]
                for j in range(sizes[i]):
                    m_sum[i][j] += observed[i] * m_s[i][j]
        matched = sum(lam_s[t] * by_type[t] for t in PAIR_TYPES)
        summary.append((session.name, int(pairs), matched / pairs))
    m = tuple(tuple(x / m_weight[i] for x in m_sum[i]) if m_weight[i] else everything.m[i] for i in range(len(comps)))
    u = tuple(u[i] if m_weight[i] else everything.u[i] for i in range(len(comps)))
    lam0 = dict(everything.lam_by_type)
    _m, _u, lam, done = _em(prep.patterns, m, u, {t: max(v, 1e-9) for t, v in lam0.items()}, prep.all_pairs,
                            iterations, estimate_m=False)
    return Fit(comps, m, u, _overall(lam, prep.all_pairs), _observed(prep.data, len(comps)), prep.total,
               sum(d.drawn for d in prep.data), done, tuple((t, lam[t]) for t in PAIR_TYPES), tuple(summary),
               tuple(c.name for i, c in enumerate(comps) if not m_weight[i]))
