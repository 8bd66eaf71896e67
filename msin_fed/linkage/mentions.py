"""Entity mentions from canonical CSV rows, every bad field reported by line and field."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from msin_fed import normalize
from msin_fed.errors import RowError, ValidationError
from msin_fed.model.identifiers import (
    BankAccount,
    CompanyNumber,
    DateOfBirth,
    Email,
    Iban,
    Identifier,
    NationalId,
    Nino,
    Passport,
    PersonName,
    Phone,
    SiteName,
    StreetAddress,
    VehicleRegistration,
)
from msin_fed.model.report import MENTION_COLUMNS, EntityMention
from msin_fed.token_inputs import TokenInput, inputs_for_mention

__all__ = ["ParsedFile", "mention_from_row", "read_mentions"]


def _get(row: Mapping[str, str | None], column: str) -> str:
    return (row.get(column) or "").strip()


def mention_from_row(row: Mapping[str, str | None]) -> tuple[EntityMention | None, list[tuple[str, str]]]:
    """Build a mention from one canonical row; returns it (or None) and (field, problem)s.

    Every field is validated and normalized on its own, so one row reports all its bad
    fields at once, named by column.
    """
    problems: list[tuple[str, str]] = []
    country = _get(row, "country").upper() or "GB"
    if len(country) != 2 or not country.isalpha():
        problems.append(("country", "must be a two-letter ISO 3166 code such as GB"))
        country = "GB"
    values: dict[str, Identifier] = {}

    def attempt(column: str, key: str, build: Callable[[str], Identifier],
                check: Callable[[str], object]) -> None:
        raw = _get(row, column)
        if not raw:
            return
        try:
            ident = build(raw)
            check(raw)
        except ValidationError as exc:
            problems.append((column, exc.problem))
            return
        values[key] = ident

    given, family = _get(row, "given_name"), _get(row, "family_name")
    for column, part in (("given_name", given), ("family_name", family)):
        if part:
            try:
                normalize.name_words(part, column)
            except ValidationError as exc:
                problems.append((column, exc.problem))
    if (given or family) and not any(c == "given_name" or c == "family_name" for c, _ in problems):
        values["name"] = PersonName.of(given, family)

    postcode = _get(row, "postcode")
    if postcode:
        try:
            normalize.postcode(postcode, country)
        except ValidationError as exc:
            problems.append(("postcode", exc.problem))
            postcode = ""
    attempt("date_of_birth", "date_of_birth", DateOfBirth, normalize.date_of_birth)
    attempt("phone", "phone", lambda v: Phone(v, region=country),
            lambda v: normalize.phone(v, country))
    attempt("email", "email", Email, normalize.email)
    attempt("street_address", "address",
            lambda v: StreetAddress(v, postcode=postcode, locality=_get(row, "locality"),
                                    country=country),
            normalize.address)
    attempt("vehicle_registration", "vehicle", VehicleRegistration, normalize.vehicle)
    nid = _get(row, "national_id")
    if nid and normalize.is_nino(nid):
        attempt("national_id", "nino", Nino, normalize.nino)
    else:
        attempt("national_id", "national_id", lambda v: NationalId(v, country=country),
                lambda v: normalize.national_id(v, country))
    attempt("passport_number", "passport", lambda v: Passport(v, country=country),
            lambda v: normalize.passport(v, country))
    bank = _get(row, "bank_account")
    if bank[:2].isalpha():
        attempt("bank_account", "bank", Iban, normalize.iban)
    else:
        attempt("bank_account", "bank", BankAccount, normalize.bank_account)
    attempt("company_name", "company_name", SiteName, normalize.org_name)
    attempt("company_number", "company_number", CompanyNumber, normalize.company_number)
    attempt("site_name", "site", lambda v: SiteName(v, postcode=postcode, locality=_get(row, "locality")),
            lambda v: normalize.org_name(v, "site_name"))
    if problems:
        return None, problems
    try:
        mention = EntityMention(_get(row, "record_id"), country=country, **values)  # type: ignore[arg-type]
    except ValidationError as exc:
        return None, [(exc.field, exc.problem)]
    return mention, []


@dataclass(frozen=True)
class ParsedFile:
    """One member's file: good mentions with their token inputs, and every bad field."""

    source: str
    mentions: tuple[tuple[EntityMention, tuple[TokenInput, ...]], ...]
    errors: tuple[RowError, ...]


def read_mentions(path: str | Path) -> ParsedFile:
    """Read a canonical mention CSV (header required, any subset of the columns)."""
    source = str(path)
    good: list[tuple[EntityMention, tuple[TokenInput, ...]]] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        unknown = [c for c in header if c not in MENTION_COLUMNS]
        if "record_id" not in header:
            raise ValidationError(source, "header has no record_id column")
        if unknown:
            raise ValidationError(source, f"unknown columns {unknown}")
        for row in reader:
            line = reader.line_num
            mention, problems = mention_from_row(row)
            if mention is not None:
                if mention.record_id in seen:
                    problems = [("record_id", "is repeated in this file")]
                else:
                    try:
                        inputs = tuple(inputs_for_mention(mention))
                    except ValidationError as exc:
                        problems = [(exc.field, exc.problem)]
            errors.extend(RowError(line, f, p, source=source) for f, p in problems)
            if mention is not None and not problems:
                seen.add(mention.record_id)
                good.append((mention, inputs))
    return ParsedFile(source, tuple(good), tuple(errors))
