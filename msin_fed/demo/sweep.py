"""Privacy sweep: search a network's shared files for the plaintext identifiers it was fed.

After a run, the coordinator's database, the key holders' files and every log must hold
none of the identifiers the members imported, in any of the forms a member wrote them or
the node normalized them to. Member nodes' secure stores are *not* swept (they hold the
data encrypted, and their own tests check that); their logs are.

Findings name the file, the identifier's kind and the form matched, never the value.
"""

from __future__ import annotations

import csv
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from msin_fed import normalize

__all__ = ["Finding", "Needle", "files_to_sweep", "needles_from_mentions", "sweep"]

#: Name words too common to prove a leak on their own (they occur in ordinary text).
_COMMON_WORDS = frozenset({"john", "smith", "road", "farm", "station", "solutions", "staffing", "ltd"})


@dataclass(frozen=True)
class Needle:
    """One identifier form to search for; ``label`` says what it is without the value."""

    kind: str
    label: str
    text: str


@dataclass(frozen=True)
class Finding:
    """An identifier form found in a file."""

    path: Path
    kind: str
    label: str

    def __str__(self) -> str:
        return f"{self.path}: {self.kind} ({self.label})"

    def relative_to(self, root: Path) -> str:
        """The finding with its path relative to ``root``."""
        try:
            where = self.path.relative_to(root)
        except ValueError:
            where = self.path
        return f"{where}: {self.kind} ({self.label})"


def _forms(column: str, value: str, country: str) -> list[tuple[str, str]]:
    forms = [("as written", value)]
    try:
        if column == "phone":
            e164 = normalize.phone(value, country)
            forms += [("E.164", e164), ("national digits", "0" + e164[3:] if e164.startswith("+44") else e164)]
        elif column == "vehicle_registration":
            forms.append(("compact", normalize.vehicle(value)))
        elif column == "email":
            forms.append(("normalized", normalize.email(value)))
        elif column == "postcode":
            forms.append(("normalized", normalize.postcode(value, country)))
            forms.append(("compact", normalize.postcode(value, country).replace(" ", "")))
        elif column == "date_of_birth":
            forms.append(("ISO", normalize.date_of_birth(value)))
        elif column == "bank_account":
            canonical = normalize.bank_account(value)
            forms += [("canonical", canonical), ("digits", canonical.replace(":", ""))]
        elif column == "company_number":
            forms.append(("canonical", normalize.company_number(value)))
        elif column in ("given_name", "family_name"):
            forms.append(("folded", normalize.fold(value)))
        elif column in ("company_name", "site_name"):
            forms.append(("folded", normalize.org_name(value, column)))
    except ValueError:
        pass
    return forms


def needles_from_mentions(paths: Iterable[Path]) -> list[Needle]:
    """Every identifier of canonical mention files, in written and normalized forms.

    Name words that are too common to prove anything alone (see ``_COMMON_WORDS``) and
    forms shorter than five characters are left out to keep the sweep meaningful.
    """
    seen: set[str] = set()
    needles: list[Needle] = []
    for path in paths:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                country = (row.get("country") or "GB").strip().upper() or "GB"
                for column, raw in row.items():
                    value = (raw or "").strip()
                    # A town on its own identifies nobody (the street address does).
                    if column in ("record_id", "country", "locality") or not value:
                        continue
                    for label, form in _forms(column, value, country):
                        key = form.casefold()
                        if len(key) < 5 or key in _COMMON_WORDS or key in seen:
                            continue
                        seen.add(key)
                        needles.append(Needle(column, label, form))
    return needles


def files_to_sweep(root: Path) -> list[Path]:
    """The coordinator's files, the key holders' files and every log under ``root``."""
    chosen: set[Path] = set()
    for sub in ("coordinator", "keyholders", "keys"):
        base = root / sub
        if base.is_dir():
            chosen.update(p for p in base.rglob("*") if p.is_file())
    chosen.update(p for p in root.rglob("*.log") if p.is_file())
    return sorted(chosen)


def _sqlite_text(path: Path) -> bytes:
    """Every cell of an SQLite database as bytes (catches values in pages not yet vacuumed
    as well, because the raw file is searched too)."""
    out: list[bytes] = []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return b""
    try:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            for row in conn.execute(f'select * from "{table}"'):  # noqa: S608 - names from the schema
                for cell in row:
                    if isinstance(cell, bytes):
                        out.append(cell)
                    elif cell is not None:
                        out.append(str(cell).encode())
    except sqlite3.Error:
        pass
    finally:
        conn.close()
    return b"\n".join(out)


def sweep(files: Sequence[Path], needles: Sequence[Needle]) -> list[Finding]:
    """Search ``files`` (raw bytes, and every cell of SQLite databases) for ``needles``.

    Matching ignores case; a ``-wal`` file next to a database is searched as raw bytes.
    """
    patterns = [(n, re.compile(re.escape(n.text.encode()), re.IGNORECASE)) for n in needles]
    findings: list[Finding] = []
    for path in files:
        data = path.read_bytes()
        if data.startswith(b"SQLite format 3\x00"):
            data += b"\n" + _sqlite_text(path)
        for needle, pattern in patterns:
            if pattern.search(data):
                findings.append(Finding(path, needle.kind, needle.label))
    return findings
