"""False negatives of the clusters on the *tuning* split, grouped by which fields agree.

Run:  python bench/recall_misses.py [--sets synthetic,repeats,confusers] [--show N]

For seeds 1-3 only (the tune split of ``bench/data/synth.py`` and
``bench/data/synth_confusers.py``), runs ``msin link --clusters`` with HMAC tokens
(the same pairs as OPRF ones) and classifies every true cross-member pair the clusters
miss by the comparison of each field on the normalised plaintext: ``=`` equal, ``~`` one
edit apart, ``w`` (names) a word in common, ``x`` different, ``.`` missing on either side.
Pairs are typed person, company (either mention names a company) or site, and
organisations are compared on their own fields (company name, company number, site name,
postcode, locality, street). Prints the commonest patterns; ``--kind`` keeps one type,
``--min-members K`` the pairs of entities known to K members or more,
``--false`` lists the clusters' false pairs instead, and counts them by cause: ``pair``
(the two records were themselves matched: a wrong pair scored above the threshold) or
``chain`` (joined only through other records, A~B, B~C), and by the confuser class of
each record (``confusers.csv``: the entity id without its numbers; ``base`` for a record
of the repeats set itself), so a planner can tell scoring from clustering errors.
Never run on the held-out set (tuning discipline, docs/linkage.md section 5).
"""

from __future__ import annotations

import argparse
import collections
import csv
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jellyfish
import linkage as bench

from msin_fed import normalize
from msin_fed.linkage import pipeline
from msin_fed.linkage.disjoint import DisjointSets

FIELDS = ("name", "dob", "phone", "email", "post", "street", "town", "plate", "nino", "pass", "bank")
#: The fields an organisation's mentions are compared on: company name, company number,
#: site name (each name folded as the tokenizer folds it: legal suffixes, case and
#: punctuation gone), postcode, locality, street.
ORG_FIELDS = ("cname", "cno", "site", "post", "town", "street")
#: Compared as names (a word in common is ``w``).
_NAMES = frozenset({"name", "cname", "site"})


def _safe(fn, *args):  # type: ignore[no-untyped-def]
    try:
        return fn(*args)
    except Exception:
        return ""


def _org(value: str, fld: str) -> str:
    """An organisation name folded as the tokenizer folds it (placeholders are none)."""
    if not value or normalize.is_junk(value):
        return ""
    return str(_safe(normalize.org_name, value, fld))


def canon(row: dict[str, str], order: str) -> dict[str, str]:
    words = []
    for c in ("given_name", "family_name"):
        if row.get(c):
            words += list(_safe(normalize.name_words, row[c]) or ())
    country = row.get("country") or "GB"
    return {
        "name": " ".join(sorted(words)),
        "dob": _safe(normalize.date_of_birth, row.get("date_of_birth", ""), "d", None, order) if row.get("date_of_birth") else "",
        "phone": _safe(lambda v: normalize.phone(v, normalize.phone_region(v, country)), row["phone"]) if row.get("phone") else "",
        "email": _safe(normalize.email, row["email"]) if row.get("email") else "",
        "post": _safe(normalize.postcode, row["postcode"], "GB") if row.get("postcode") else "",
        "street": _safe(normalize.address, row["street_address"]) if row.get("street_address") else "",
        "town": normalize.fold(row.get("locality", "")),
        "plate": _safe(normalize.vehicle, row["vehicle_registration"]) if row.get("vehicle_registration") else "",
        "nino": (_safe(normalize.nino, row["national_id"]) or row["national_id"].upper()) if row.get("national_id") else "",
        "pass": row.get("passport_number", "").upper(),
        "bank": "".join(ch for ch in row.get("bank_account", "") if ch.isalnum())[-8:],
        "raw_name": f"{row.get('given_name', '')}|{row.get('family_name', '')}",
        "cname": _org(row.get("company_name", ""), "company_name"),
        "cno": (_safe(normalize.company_number, row["company_number"]) or row["company_number"].upper())
        if row.get("company_number") else "",
        "site": _org(row.get("site_name", ""), "site_name"),
    }


def compare(a: str, b: str) -> str:
    if not a or not b:
        return "."
    if a == b:
        return "="
    if jellyfish.damerau_levenshtein_distance(a, b) <= 1:
        return "~"
    return "x"


def name_cmp(a: str, b: str) -> str:
    c = compare(a, b)
    if c != "x":
        return c
    wa, wb = set(a.split()), set(b.split())
    return "w" if wa & wb else "x"  # "w": a word in common


def _confuser_classes(path: Path) -> dict[str, str]:
    """record id -> confuser class (``phoenix``, ``sameday``, ...) from a confusers set's
    ground truth; empty for the other sets."""
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as handle:
        return {r["record_id"]: re.sub(r"\d.*", "", r["entity_id"]) for r in csv.DictReader(handle)}


def _ids(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [r["record_id"] for r in csv.DictReader(handle)]


def _members_knowing(pairs: set[tuple[str, str]], member: dict[str, int]) -> dict[str, int]:
    """record id -> how many members know its entity (the truth's pairs joined up)."""
    entity: DisjointSets[str] = DisjointSets()
    for a, b in pairs:
        entity.union(a, b)
    return {r: len({member[x] for x in group}) for group in entity.groups() for r in group}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="synthetic,repeats,confusers")
    parser.add_argument("--show", type=int, default=0, help="print N example pairs per top pattern")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--false", action="store_true", help="false pairs of the clusters instead")
    parser.add_argument("--by-set", action="store_true", help="patterns per set (synthetic/repeats/confusers)")
    parser.add_argument("--min-members", type=int, default=0,
                        help="only pairs of entities known to at least this many members (5: the R(5+) of the held-out figures)")
    parser.add_argument("--kind", choices=["person", "company", "site", "org"], default=None,
                        help="only pairs of this type (org: companies and sites)")
    args = parser.parse_args()
    from data.synth import SPLITS, write_repeats_set, write_set
    from data.synth_confusers import write_confusers_set

    makers = {"synthetic": write_set, "repeats": write_repeats_set, "confusers": write_confusers_set}
    pipeline.oprf_tokenize = lambda inputs, sk=None: bench.hmac_tokenize(inputs)  # type: ignore[assignment]
    patterns: collections.Counter[str] = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    causes: collections.Counter[str] = collections.Counter()
    total_missed = total_truth = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for label in args.sets.split(","):
            for seed in SPLITS["tune"]:
                files, truth = makers[label](work / f"{label}-{seed}", seed)
                found, _seconds = bench.run_msin_link(files, work / f"{label}-{seed}.csv")
                matched = {(a, b) if a < b else (b, a) for a, b in found}
                classes = _confuser_classes(work / f"{label}-{seed}" / "confusers.csv")
                clustered = bench.cluster_pairs(work / f"{label}-{seed}.csv")
                rows: dict[str, dict[str, str]] = {}
                for f in files:
                    with open(f, newline="", encoding="utf-8") as h:
                        file_rows = list(csv.DictReader(h))
                    order = normalize.infer_date_order(r.get("date_of_birth", "") for r in file_rows)
                    for r in file_rows:
                        rows[r["record_id"]] = {**canon(r, order), "_raw": r}  # type: ignore[dict-item]
                truth_sorted = {tuple(sorted(p)) for p in truth}
                if args.min_members:
                    knowing = _members_knowing(truth_sorted, {r: i for i, f in enumerate(files) for r in _ids(f)})
                    truth_sorted = {p for p in truth_sorted if knowing[p[0]] >= args.min_members}
                total_truth += len(truth_sorted)
                for a, b in (clustered - truth_sorted) if args.false else (truth_sorted - clustered):
                    ra, rb = rows[a], rows[b]
                    if any(r["cname"] for r in (ra, rb)):
                        kind, fields = "company", ORG_FIELDS
                    elif any(r["site"] for r in (ra, rb)):
                        kind, fields = "site", ORG_FIELDS
                    else:
                        kind, fields = "person", FIELDS
                    if args.kind and not kind.startswith(args.kind) and not (args.kind == "org" and kind != "person"):
                        continue
                    total_missed += 1
                    pat = f"{kind:7s} " + (f"{label:9s} " if args.by_set else "") + " ".join(
                        f"{f}{name_cmp(ra[f], rb[f]) if f in _NAMES else compare(ra[f], rb[f])}" for f in fields)
                    patterns[pat] += 1
                    if args.false:
                        pair_classes = "+".join(sorted({classes.get(a, "base"), classes.get(b, "base")}))
                        causes[f"{kind:7s} {'pair' if (a, b) in matched else 'chain':5s} {pair_classes}"] += 1
                    if len(examples[pat]) < args.show:
                        examples[pat].append(f"    {label}{seed} {a} {b}\n      {ra['_raw']}\n      {rb['_raw']}")
    if args.false:
        print(f"{total_missed} false pairs in clusters (beside {total_truth} true pairs)")
        print("by cause (pair: matched itself; chain: through other records) and confuser class:")
        for cause, n in causes.most_common():
            print(f"{n:5d}  {cause}")
    else:
        print(f"missed {total_missed} of {total_truth} true pairs ({total_missed / total_truth:.3%})")
    for pat, n in patterns.most_common(args.top):
        print(f"{n:5d}  {pat}")
        for e in examples[pat]:
            print(e)
    # marginal: per field, how often each comparison among misses
    by_type: collections.Counter[str] = collections.Counter()
    for pat, n in patterns.items():
        by_type[pat.split()[0]] += n
    print("by type: " + "  ".join(f"{k}:{v}" for k, v in sorted(by_type.items())))
    print("per field among misses:")
    for kind, fields in (("person", FIELDS), ("company", ORG_FIELDS), ("site", ORG_FIELDS)):
        for i, f in enumerate(fields):
            c: collections.Counter[str] = collections.Counter()
            for pat, n in patterns.items():
                if pat.split()[0] == kind:
                    c[pat.split()[1 + args.by_set + i][len(f):]] += n
            if c:
                print(f"  {kind:7s} {f:7s} " + "  ".join(f"{k}:{v}" for k, v in sorted(c.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
