"""The bundled synthetic report set of ``msin demo``: three members of the network.

* ``freshmart``: a supermarket (supplier audits, store colleagues, hotline);
* ``fenland_growers``: a grower and packer;
* ``brightstaff``: a labour provider.

Each member has twelve reports (``<member>.reports.csv``) and their entity mentions
(``<member>.mentions.csv``, the canonical mention columns). Everything is invented:
phone numbers are in Ofcom's drama range (07700 900xxx), e-mail domains are
``example.*``, companies, people, plates and sites are fictional.

Planted on purpose:

* repeats across members, each written differently by each member: a gangmaster (name,
  date of birth and phone in three formats, at all three members); a minibus plate
  (two members); a labour provider (company number with and without its leading zero,
  sort code and account in two layouts, a recruitment e-mail); an enforcer whose name
  is written with and without diacritics (with date of birth); a packhouse site with
  its postcode; a shared house address;
* namesakes that must *not* match: two different John Smiths (different dates of
  birth), a young picker who shares the gangmaster's name but not his date of birth or
  phone, and an "Ana Ionescu" known by name only at two members;
* one report graded 1AP and time-sensitive (``FG-2026-008``), the subject of the demo's
  alert.
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

__all__ = ["ALERT_MEMBER", "ALERT_REPORT", "MEMBERS", "data_files", "plaintext_identifiers"]

#: Member ids of the demo set, in the order the demo starts their nodes.
MEMBERS: tuple[str, ...] = ("freshmart", "fenland_growers", "brightstaff")
#: The member and report (graded actionable and time-sensitive) the demo's alert is about.
ALERT_MEMBER = "fenland_growers"
ALERT_REPORT = "FG-2026-008"

_PACKAGE = "msin_fed.demo"
_NOT_IDENTIFIERS = frozenset({"record_id", "country"})


def _data_dir() -> Path:
    return Path(str(resources.files(_PACKAGE).joinpath("data")))


def data_files(member: str) -> tuple[Path, Path]:
    """The reports CSV and the mentions CSV of one demo member."""
    if member not in MEMBERS:
        raise ValueError(f"unknown demo member {member!r} (expected one of {MEMBERS})")
    base = _data_dir()
    return base / f"{member}.reports.csv", base / f"{member}.mentions.csv"


def plaintext_identifiers() -> frozenset[str]:
    """Every identifier value of the demo set, exactly as written in its mention files.

    What a privacy sweep searches the coordinator's database, key holders' files and
    logs for (alongside normalized forms it derives itself).
    """
    found: set[str] = set()
    for member in MEMBERS:
        with data_files(member)[1].open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                found.update(v.strip() for k, v in row.items() if k not in _NOT_IDENTIFIERS and v.strip())
    return frozenset(found)
