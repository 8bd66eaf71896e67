"""Plaintext baselines for the linkage benchmark, and the figures every method is scored by.

Both baselines read the same canonical mention files as ``msin link`` (one file per
member) and see the plaintext, which the coordinator never does:

* :func:`exact_rule_pairs`: normalise with :mod:`msin_fed.normalize`, then link two
  mentions of different members when they share a person-issued identifier exactly
  (NINO or national id, passport, bank account, email, mobile phone, company number),
  or full name + date of birth, or site name + postcode, or the folded company name;
  clusters by union-find, every cross-member pair inside a cluster is a link.
* :func:`recordlinkage_pairs`: the ``recordlinkage`` package's standard recipe on the
  same normalised values: blocking on several keys, field comparisons (Jaro-Winkler on
  names, exact on identifiers) and an unsupervised ECM classifier or a sum threshold.

:func:`evaluate` gives precision, recall and F1 over cross-member pairs, recall for
entities known to five or more members, and figures per entity type.
"""

from __future__ import annotations

import csv
import itertools
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers

from msin_fed import normalize as nz
from msin_fed.errors import ValidationError

__all__ = [
    "Figures",
    "Record",
    "Truth",
    "evaluate",
    "exact_rule_pairs",
    "median_figures",
    "normalised",
    "reachable_fraction",
    "read_records",
    "read_truth",
    "recordlinkage_pairs",
    "union_find_pairs",
]

Pair = tuple[str, str]
TYPES = ("person", "site", "company")


@dataclass(frozen=True)
class Truth:
    """Ground truth: for every record id, its member, entity id and entity type."""

    member: dict[str, int]
    entity: dict[str, str]
    entity_type: dict[str, str]

    def members_knowing(self) -> dict[str, int]:
        """Entity id -> how many distinct members hold a mention of it."""
        seen: dict[str, set[int]] = {}
        for rid, eid in self.entity.items():
            seen.setdefault(eid, set()).add(self.member[rid])
        return {eid: len(ms) for eid, ms in seen.items()}

    def pairs(self) -> set[Pair]:
        """Every pair of mentions of one entity held by different members, ids sorted."""
        by_entity: dict[str, list[str]] = {}
        for rid, eid in self.entity.items():
            by_entity.setdefault(eid, []).append(rid)
        out = set()
        for rids in by_entity.values():
            for x, y in itertools.combinations(sorted(rids), 2):
                if self.member[x] != self.member[y]:
                    out.add((x, y))
        return out


def read_truth(path: Path) -> Truth:
    """Read a truth CSV (``record_id, member, entity_id, entity_type``)."""
    member, entity, etype = {}, {}, {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rid = row["record_id"]
            member[rid] = int(row["member"])
            entity[rid] = row["entity_id"]
            etype[rid] = row["entity_type"]
    return Truth(member, entity, etype)


@dataclass(frozen=True)
class Figures:
    """Scores of one method on one set."""

    precision: float
    recall: float
    f1: float
    recall_k5: float | None  # recall over pairs of entities known to >= 5 members (None: none)
    found: int
    true_found: int
    per_type: dict[str, tuple[float, float]] = field(default_factory=dict)  # type -> (P, R)
    recall_by_k: dict[int, float] = field(default_factory=dict)


def _prf(found: int, true_found: int, truth: int) -> tuple[float, float, float]:
    p = true_found / found if found else 1.0
    r = true_found / truth if truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(found_pairs: Iterable[Pair], truth: Truth) -> Figures:
    """Score pairs of record ids (any order) against the truth; same-member pairs are ignored."""
    found = {tuple(sorted(p)) for p in found_pairs}
    found = {p for p in found if truth.member.get(p[0], -1) != truth.member.get(p[1], -2)}
    true = truth.pairs()
    hits = found & true
    p, r, f = _prf(len(found), len(hits), len(true))
    k = truth.members_knowing()
    true_k5 = {x for x in true if k[truth.entity[x[0]]] >= 5}
    recall_k5 = len(hits & true_k5) / len(true_k5) if true_k5 else None
    per_type = {}
    for ty in TYPES:
        t_true = {x for x in true if truth.entity_type[x[0]] == ty}
        t_found = {x for x in found if ty in (truth.entity_type.get(x[0]), truth.entity_type.get(x[1]))}
        if t_true or t_found:
            tp, tr, _ = _prf(len(t_found), len(t_found & t_true), len(t_true))
            per_type[ty] = (tp, tr)
    by_k = {}
    for n in sorted(set(k.values())):
        k_true = {x for x in true if k[truth.entity[x[0]]] == n}
        if k_true:
            by_k[n] = len(hits & k_true) / len(k_true)
    return Figures(p, r, f, recall_k5, len(found), len(hits), per_type, by_k)


def median_figures(runs: Sequence[Figures]) -> Figures:
    """Each figure's median over repeated runs."""
    med = statistics.median
    types = {t for run in runs for t in run.per_type}
    ks = {n for run in runs for n in run.recall_by_k}
    k5 = [x.recall_k5 for x in runs if x.recall_k5 is not None]
    return Figures(
        med(x.precision for x in runs), med(x.recall for x in runs), med(x.f1 for x in runs),
        med(k5) if k5 else None, round(med(x.found for x in runs)),
        round(med(x.true_found for x in runs)),
        {t: (med(x.per_type[t][0] for x in runs if t in x.per_type),
             med(x.per_type[t][1] for x in runs if t in x.per_type)) for t in sorted(types)},
        {n: med(x.recall_by_k[n] for x in runs if n in x.recall_by_k) for n in sorted(ks)},
    )


# ------------------------------------------------------------------ normalisation


@dataclass(frozen=True)
class Record:
    """One mention row and the member (file index) that holds it."""

    member: int
    row: dict[str, str]

    @property
    def record_id(self) -> str:
        return self.row.get("record_id", "")


def read_records(files: Sequence[Path]) -> list[Record]:
    """Every row of every member file; the file's position is the member."""
    out: list[Record] = []
    for member, path in enumerate(files):
        with open(path, newline="", encoding="utf-8-sig") as handle:
            out.extend(Record(member, dict(row)) for row in csv.DictReader(handle))
    return out


def _try(fn: object, *args: str) -> str | None:
    try:
        return fn(*args)  # type: ignore[operator,no-any-return]
    except (ValidationError, ValueError, TypeError):
        return None


def normalised(row: dict[str, str]) -> dict[str, str | None]:
    """The row's values in the project's canonical forms; a value that fails is None."""
    def get(col: str) -> str:
        return (row.get(col) or "").strip()

    country = (get("country") or "GB").upper()
    region = country if len(country) == 2 else "GB"
    out: dict[str, str | None] = {}
    given = get("given_name")
    family = get("family_name")
    out["given"] = " ".join(nz.name_words(given)) if given and _try(nz.name_words, given) else None
    out["family"] = " ".join(nz.name_words(family)) if family and _try(nz.name_words, family) else None
    out["dob"] = _try(nz.date_of_birth, get("date_of_birth")) if get("date_of_birth") else None
    out["phone"] = _try(nz.phone, get("phone"), region) if get("phone") else None
    out["email"] = _try(nz.email, get("email")) if get("email") else None
    out["postcode"] = _try(nz.postcode, get("postcode"), region) if get("postcode") else None
    out["locality"] = nz.fold(get("locality")) or None
    out["street"] = _try(nz.address, get("street_address")) if get("street_address") else None
    out["vehicle"] = _try(nz.vehicle, get("vehicle_registration")) if get("vehicle_registration") else None
    nid = get("national_id")
    out["nid"] = None
    if nid:
        out["nid"] = ("nino:" + (_try(nz.nino, nid) or "")) if nz.is_nino(nid) else _try(nz.national_id, nid, region)
        if out["nid"] == "nino:":
            out["nid"] = None
    out["passport"] = _try(nz.passport, get("passport_number"), region) if get("passport_number") else None
    bank = get("bank_account")
    out["bank"] = None
    if bank:
        if bank[:2].isalpha():
            iban = _try(nz.iban, bank)
            out["bank"] = (nz.bank_from_gb_iban(iban) or iban) if iban else None
        else:
            out["bank"] = _try(nz.bank_account, bank)
    out["site"] = _try(nz.org_name, get("site_name")) if get("site_name") else None
    out["company"] = _try(nz.org_name, get("company_name")) if get("company_name") else None
    out["company_number"] = _try(nz.company_number, get("company_number")) if get("company_number") else None
    return out


def _is_mobile(e164: str) -> bool:
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


# ------------------------------------------------------------------ exact rules


def _exact_keys(values: dict[str, str | None]) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = []
    for kind in ("nid", "passport", "bank", "email", "company_number"):
        if values[kind]:
            keys.append((kind, str(values[kind])))
    if values["phone"] and _is_mobile(str(values["phone"])):
        keys.append(("mobile", str(values["phone"])))
    if values["given"] and values["family"] and values["dob"]:
        keys.append(("name+dob", str(values["given"]), str(values["family"]), str(values["dob"])))
    if values["site"] and values["postcode"]:
        keys.append(("site+postcode", str(values["site"]), str(values["postcode"])))
    if values["company"]:
        keys.append(("company", str(values["company"])))
    return keys


def union_find_pairs(records: Sequence[Record], links: Iterable[tuple[int, int]]) -> set[Pair]:
    """Cross-member pairs of record ids inside the clusters that ``links`` (indices) form."""
    parent = list(range(len(records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    clusters: dict[int, list[int]] = {}
    for i in range(len(records)):
        clusters.setdefault(find(i), []).append(i)
    out = set()
    for members in clusters.values():
        for a, b in itertools.combinations(members, 2):
            if records[a].member != records[b].member:
                x, y = sorted((records[a].record_id, records[b].record_id))
                out.add((x, y))
    return out


def exact_rule_pairs(records: Sequence[Record]) -> set[Pair]:
    """The plaintext exact-rule baseline (see the module docstring)."""
    holders: dict[tuple[str, ...], list[int]] = {}
    for i, rec in enumerate(records):
        for key in _exact_keys(normalised(rec.row)):
            holders.setdefault(key, []).append(i)
    links: list[tuple[int, int]] = []
    for held in holders.values():
        # only a value held at two or more members links anything
        if len({records[i].member for i in held}) > 1:
            links.extend((held[0], j) for j in held[1:])
    return union_find_pairs(records, links)


# -------------------------------------------------------------- recordlinkage


def recordlinkage_pairs(records: Sequence[Record], classifier: str = "ecm",
                        threshold: int = 3) -> set[Pair]:
    """recordlinkage's blocking + comparison + classifier on the normalised values."""
    import pandas as pd
    import recordlinkage

    rows = []
    for rec in records:
        values = normalised(rec.row)
        values["member"] = str(rec.member)
        rows.append(values)
    frame = pd.DataFrame(rows, index=[r.record_id for r in records])
    indexer = recordlinkage.Index()
    for key in ("family", "given", "dob", "phone", "postcode", "email", "nid", "site", "company",
                "company_number", "bank", "passport"):
        indexer.block(key)
    candidates = indexer.index(frame)
    left = frame["member"].reindex(candidates.get_level_values(0)).to_numpy()
    right = frame["member"].reindex(candidates.get_level_values(1)).to_numpy()
    candidates = candidates[left != right]
    compare = recordlinkage.Compare()
    compare.string("given", "given", method="jarowinkler", threshold=0.85, label="given")
    compare.string("family", "family", method="jarowinkler", threshold=0.85, label="family")
    compare.string("site", "site", method="jarowinkler", threshold=0.9, label="site")
    compare.string("company", "company", method="jarowinkler", threshold=0.9, label="company")
    for key in ("dob", "phone", "email", "postcode", "locality", "street", "vehicle", "nid", "passport", "bank",
                "company_number"):
        compare.exact(key, key, label=key)
    features = compare.compute(candidates, frame)
    if classifier == "ecm":
        model = recordlinkage.ECMClassifier(binarize=0.5)
        matches = model.fit_predict(features)
    elif classifier == "threshold":
        matches = features[features.sum(axis=1) >= threshold].index
    else:
        raise ValueError("classifier must be 'ecm' or 'threshold'")
    out = set()
    for a, b in matches:
        x, y = sorted((str(a), str(b)))
        out.add((x, y))
    return out


# ------------------------------------------------------------------ the ceiling


def _evidence(x: dict[str, str | None], y: dict[str, str | None], kind: str) -> bool:
    """Whether two mentions of one entity share evidence a careful analyst would act on."""
    import jellyfish

    def near(a: str | None, b: str | None) -> bool:
        return bool(a and b and jellyfish.jaro_winkler_similarity(a, b) > 0.85)

    def same(*keys: str) -> bool:
        return any(x[k] and x[k] == y[k] for k in keys)

    if kind == "company":
        return same("company_number") or near(x["company"], y["company"])
    if kind == "site":
        return near(x["site"], y["site"]) and same("postcode", "locality")
    if same("nid", "passport", "bank", "email", "phone", "vehicle"):
        return True

    def name(v: dict[str, str | None]) -> str:
        return " ".join(sorted(f"{v['given'] or ''} {v['family'] or ''}".split()))

    return near(name(x), name(y)) and same("dob", "postcode", "street")


def _evidence_beyond_name(x: dict[str, str | None], y: dict[str, str | None], kind: str) -> bool:
    """Whether two mentions share *anything* beyond a person's name, fuzzy evidence included.

    The widest evidence a matcher bound by the privacy rule (no token of a name alone) could
    use: any identifier equal or one edit apart, or a near name with any other field equal or
    one edit apart (date of birth, postcode, street, locality). Pairs outside its chains
    share a name at most, so no token may join them.
    """
    import jellyfish

    def near(a: str | None, b: str | None) -> bool:
        return bool(a and b and jellyfish.jaro_winkler_similarity(a, b) > 0.85)

    def close(*keys: str) -> bool:
        return any(x[k] and y[k] and jellyfish.levenshtein_distance(x[k] or "", y[k] or "") <= 1
                   for k in keys)

    if kind == "company":
        return close("company_number") or near(x["company"], y["company"])
    if kind == "site":
        return ((near(x["site"], y["site"]) and close("postcode", "locality", "street"))
                or (close("postcode") and close("street")))
    if close("nid", "passport", "bank", "email", "phone", "vehicle"):
        return True

    def name(v: dict[str, str | None]) -> str:
        return " ".join(sorted(f"{v['given'] or ''} {v['family'] or ''}".split()))

    return near(name(x), name(y)) and close("dob", "postcode", "street", "locality")


def reachable_fraction(records: Sequence[Record], truth: Truth,
                       evidence: Callable[[dict[str, str | None], dict[str, str | None], str], bool]
                       = _evidence) -> dict[str, float]:
    """Share of true pairs joined by a chain of ``evidence``, per type, ``k>=5`` and ``all``.

    With the default (exact evidence), a rough ceiling for recall: pairs outside it share
    nothing exact (after the project's normalisers) but a name, so a matcher that finds them
    is reading more than the data states plainly. With ``_evidence_beyond_name``, the share a
    matcher that never links on a name alone could reach at most. Only the truth's own
    clusters are searched, so it is not a method.
    """
    values = {r.record_id: normalised(r.row) for r in records}
    by_entity: dict[str, list[str]] = {}
    for rid, eid in truth.entity.items():
        by_entity.setdefault(eid, []).append(rid)
    knowing = truth.members_knowing()
    reach: dict[str, int] = {}
    total: dict[str, int] = {}
    for eid, rids in by_entity.items():
        kind = truth.entity_type[rids[0]]
        parent = {r: r for r in rids}

        def find(i: str, parent: dict[str, str] = parent) -> str:
            while parent[i] != i:
                i = parent[i]
            return i

        for a, b in itertools.combinations(rids, 2):
            if a in values and b in values and evidence(values[a], values[b], kind):
                parent[find(a)] = find(b)
        keys = [kind] + (["k>=5"] if knowing[eid] >= 5 else [])
        for a, b in itertools.combinations(rids, 2):
            if truth.member[a] != truth.member[b]:
                for key in keys:
                    total[key] = total.get(key, 0) + 1
                    reach[key] = reach.get(key, 0) + (find(a) == find(b))
    out = {k: reach[k] / total[k] for k in sorted(total)}
    types = [k for k in total if k != "k>=5"]
    out["all"] = sum(reach[k] for k in types) / sum(total[k] for k in types) if types else 1.0
    return out
