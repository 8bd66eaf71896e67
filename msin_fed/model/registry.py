"""The identifier registry: every identifier a mention can hold, in one table.

For each kind, :data:`IDENTIFIER_TYPES` says which model class holds it, which canonical
column (:data:`~msin_fed.model.MENTION_COLUMNS`) it is read from, which
:class:`~msin_fed.model.EntityMention` attribute keeps it, how raw column text becomes the
identifier, and how the identifier becomes canonical text (:mod:`msin_fed.normalize`,
the forms tokens are made of). A value is *valid* when both steps pass, so nothing is
accepted at import that cannot be tokenized at share time.

:func:`parse_mention` is the one parser of a canonical mention row: node import
(:mod:`msin_fed.canonical`) and ``msin link`` (:mod:`msin_fed.linkage.mentions`) both call
it, and the node's store codec rebuilds identifiers through :func:`identifier_class`.
A bad identifier value does not sink its row: it comes back as an
:class:`~msin_fed.model.InvalidField` (column, raw value, reason), kept on the mention and
never tokenized; whether that is a warning, a refusal (``strict``) or a count is the
caller's policy. Problems never quote the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from msin_fed import normalize
from msin_fed.errors import ValidationError
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
from msin_fed.model.report import MAX_INVALID_VALUE, MENTION_COLUMNS, EntityMention, InvalidField, check_id

__all__ = [
    "IDENTIFIER_TYPES",
    "IdentifierType",
    "ParsedMention",
    "RowContext",
    "canonical_text",
    "column_for",
    "date_order_of",
    "identifier_class",
    "parse_mention",
    "types_for_column",
]


@dataclass(frozen=True, slots=True)
class RowContext:
    """What the other columns of a row say about one value: its country, the row's
    postcode (when valid, else empty) and locality, and the order the member writes
    day-first dates in (``"mdy"``: month first, see :func:`msin_fed.normalize.infer_date_order`)."""

    country: str = "GB"
    postcode: str = ""
    locality: str = ""
    date_order: str = "dmy"


def _always(_raw: str, _context: RowContext) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class IdentifierType:
    """One identifier kind: class, column, mention attribute, parse and normalise.

    ``claims`` decides, for a column several kinds share (``national_id`` holds a NINO or
    another country's id, ``bank_account`` an IBAN or a sort code and account), whether a
    raw value is this kind; the first kind of the column that claims it takes it.
    """

    kind: str
    cls: type[Identifier]
    column: str
    attribute: str
    build: Callable[[str, RowContext], Identifier]
    normalise: Callable[[Identifier], str]
    claims: Callable[[str, RowContext], bool] = _always

    def parse(self, raw: str, context: RowContext | None = None) -> Identifier:
        """The identifier of ``raw``, checked through to its canonical form.

        Raises :class:`ValidationError` naming the column (never quoting the value).
        """
        try:
            ident = self.build(raw, context or RowContext())
            self.normalise(ident)
        except ValidationError as exc:
            raise ValidationError(self.column, exc.problem) from None
        return ident


def _build_dob(raw: str, context: RowContext) -> Identifier:
    # Read month first for a member that writes dates so, and kept in ISO: the stored
    # value then means the same to everyone who reads it.
    if context.date_order == "mdy":
        return DateOfBirth(normalize.date_of_birth(raw, order="mdy"))
    return DateOfBirth(raw)


def _value(ident: Identifier) -> str:
    return ident.value


def _name(ident: Identifier) -> str:
    assert isinstance(ident, PersonName)
    if ident.given.strip() or ident.family.strip():
        words = [w for part in (ident.given, ident.family) if part.strip() for w in normalize.name_words(part)]
    else:
        words = list(normalize.name_words(ident.value))
    return " ".join(words)


def _address(ident: Identifier) -> str:
    assert isinstance(ident, StreetAddress)
    street = normalize.address(ident.value)
    code = normalize.postcode(ident.postcode, ident.country) if ident.postcode.strip() else ""
    return f"{street}|{code}" if code else street


def _phone(ident: Identifier) -> str:
    assert isinstance(ident, Phone)
    return normalize.phone(ident.value, ident.region or "GB")


def _national_id(ident: Identifier) -> str:
    assert isinstance(ident, NationalId)
    return normalize.national_id(ident.value, ident.country)


def _passport(ident: Identifier) -> str:
    assert isinstance(ident, Passport)
    return normalize.passport(ident.value, ident.country)


def _build_nino(raw: str, context: RowContext) -> Identifier:
    if not normalize.is_nino(raw):
        raise ValidationError(
            "national_id",
            "is not a National Insurance number (two letters, six digits, optional A-D; "
            "for another country's id fill the country column)",
        )
    # A NINO keyed with O for 0 (I for 1, S for 5) is kept read by position, compact.
    return Nino(raw if Nino.PATTERN and Nino.PATTERN.fullmatch(re.sub(r"[\s\-./]", "", raw).upper())
                else normalize.nino_ocr(raw))


def _nino_like(raw: str) -> bool:
    return bool(re.match(r"[A-Z]{2}[0-9]", re.sub(r"[\s\-./]", "", raw).upper()))


def _is_iban(raw: str, _context: RowContext) -> bool:
    return bool(re.match(r"\s*[A-Za-z]{2}", raw))


#: Every identifier kind, in canonical column order; kinds sharing a column are tried in order.
IDENTIFIER_TYPES: tuple[IdentifierType, ...] = (
    IdentifierType("person_name", PersonName, "given_name", "name",
                   lambda raw, _c: PersonName(raw), _name),
    IdentifierType("date_of_birth", DateOfBirth, "date_of_birth", "date_of_birth",
                   _build_dob, lambda i: normalize.date_of_birth(i.value)),
    IdentifierType("phone", Phone, "phone", "phone",
                   lambda raw, c: Phone(raw, region=normalize.phone_region(raw, c.country)), _phone),
    IdentifierType("email", Email, "email", "email",
                   lambda raw, _c: Email(raw), lambda i: normalize.email(i.value)),
    IdentifierType("address", StreetAddress, "street_address", "address",
                   lambda raw, c: StreetAddress(raw, postcode=c.postcode, locality=c.locality, country=c.country),
                   _address),
    IdentifierType("vehicle", VehicleRegistration, "vehicle_registration", "vehicle",
                   lambda raw, _c: VehicleRegistration(raw), lambda i: normalize.vehicle(i.value)),
    # A value of NINO shape is a NINO anywhere; in a UK row, one that starts like a NINO
    # (two letters, a digit) is a mistyped NINO, not another kind of id. Other values are
    # the national id of the row's country (UK members often hold a foreign worker's id
    # without filling the country).
    IdentifierType("nino", Nino, "national_id", "nino", _build_nino, lambda i: normalize.nino(i.value),
                   claims=lambda raw, c: normalize.is_nino(raw) or (c.country == "GB" and _nino_like(raw))),
    IdentifierType("national_id", NationalId, "national_id", "national_id",
                   lambda raw, c: NationalId(raw, country=c.country), _national_id),
    IdentifierType("passport", Passport, "passport_number", "passport",
                   lambda raw, c: Passport(raw, country=c.country), _passport),
    IdentifierType("iban", Iban, "bank_account", "bank",
                   lambda raw, _c: Iban(raw), lambda i: normalize.iban(i.value), claims=_is_iban),
    IdentifierType("bank_account", BankAccount, "bank_account", "bank",
                   lambda raw, _c: BankAccount(raw), lambda i: normalize.bank_account(i.value)),
    # A company keeps the row's town: a member may place it by the town alone.
    IdentifierType("site_name", SiteName, "company_name", "company_name",
                   lambda raw, c: SiteName(raw, locality=c.locality), lambda i: normalize.org_name(i.value, "company_name")),
    IdentifierType("company_number", CompanyNumber, "company_number", "company_number",
                   lambda raw, _c: CompanyNumber(raw), lambda i: normalize.company_number(i.value)),
    IdentifierType("site_name", SiteName, "site_name", "site",
                   lambda raw, c: SiteName(raw, postcode=c.postcode, locality=c.locality), lambda i: normalize.org_name(i.value, "site_name")),
)

_CLASSES: dict[str, type[Identifier]] = {t.kind: t.cls for t in IDENTIFIER_TYPES}
_BY_COLUMN: dict[str, tuple[IdentifierType, ...]] = {
    column: tuple(t for t in IDENTIFIER_TYPES if t.column == column)
    for column in dict.fromkeys(t.column for t in IDENTIFIER_TYPES)
}
_BY_CLASS: dict[type[Identifier], IdentifierType] = {}
for _t in IDENTIFIER_TYPES:
    _BY_CLASS.setdefault(_t.cls, _t)
#: Columns of one identifier each; names (two columns) and addresses (with the postcode
#: and locality) are put together by :func:`parse_mention` itself.
_SINGLE_COLUMNS = tuple(c for c in _BY_COLUMN if c not in ("given_name", "street_address"))


def identifier_class(kind: str) -> type[Identifier]:
    """The model class of identifier ``kind`` (``phone`` -> :class:`Phone`); KeyError if unknown."""
    return _CLASSES[kind]


def column_for(attribute: str, kind: str) -> str:
    """The canonical column an identifier ``kind`` held in mention ``attribute`` is read from."""
    for t in IDENTIFIER_TYPES:
        if t.attribute == attribute and t.kind == kind:
            return t.column
    raise KeyError((attribute, kind))


def types_for_column(column: str) -> tuple[IdentifierType, ...]:
    """The kinds read from canonical ``column`` (empty for columns that hold none alone)."""
    return _BY_COLUMN.get(column, ())


def canonical_text(ident: Identifier) -> str:
    """The canonical text of ``ident`` (ValidationError when it does not normalize)."""
    return _BY_CLASS[type(ident)].normalise(ident)


def date_order_of(rows: Iterable[Mapping[str, Any]]) -> str:
    """The date order of one member's rows (a file for ``msin link``, one import at a
    node): ``"mdy"`` when its unambiguous day-first-layout dates are month first
    (:func:`msin_fed.normalize.infer_date_order`), else ``"dmy"``."""
    values = (row.get("date_of_birth") for row in rows)
    return normalize.infer_date_order(v for v in values if isinstance(v, str))


@dataclass(frozen=True, slots=True)
class ParsedMention:
    """One canonical row, parsed.

    ``mention`` is None only when the row cannot make a mention at all (a bad
    ``record_id``, or nothing in it); ``errors`` are the ``(column, problem)`` pairs that
    are not an identifier's (``record_id``, ``country``, a cell that is not text, an empty
    row); ``invalid`` the identifier values that failed validation, also kept on the
    mention. ``country`` falls back to GB when its value is bad, so the other values are
    still checked.
    """

    mention: EntityMention | None
    errors: tuple[tuple[str, str], ...]
    invalid: tuple[InvalidField, ...]

    @property
    def problems(self) -> list[tuple[str, str]]:
        """Every ``(column, problem)``: errors and invalid values, in column order."""
        found = [*self.errors, *((f.column, f.problem) for f in self.invalid)]
        order = {c: i for i, c in enumerate(MENTION_COLUMNS)}
        return sorted(found, key=lambda p: order.get(p[0], -1))


def _cell(row: Mapping[str, Any], column: str, errors: list[tuple[str, str]]) -> str:
    value = row.get(column)
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    if not isinstance(value, str):
        errors.append((column, f"must be text, not {type(value).__name__}"))
        return ""
    text = value.strip()
    # A placeholder for nothing (``N/A``, ``unknown``, ``-``) is an empty cell, not a
    # value: ``N/A`` in a name column is no name ``n a``, nor in company_name a company.
    if column != "record_id" and normalize.is_junk(text, name=column in ("given_name", "family_name")):
        return ""
    return text


def parse_mention(
    row: Mapping[str, Any], *, record_id: str | None = None, date_order: str = "dmy"
) -> ParsedMention:
    """Parse one row of canonical mention columns (CSV cells or a JSON object's values).

    ``record_id`` overrides the row's own (JSON entities take their report's id).
    ``date_order`` is the member's way of writing day-first layouts, inferred from the
    whole file or import (:func:`date_order_of`); a date so read is kept in ISO. Every
    column is checked on its own, so one call reports every bad value of the row; a bad
    identifier value is left out of the mention's identifiers and kept as an
    :class:`InvalidField` (a bad postcode also leaves the address and site without it).
    """
    errors: list[tuple[str, str]] = []
    invalid: list[InvalidField] = []

    def bad(column: str, raw: str, problem: str) -> None:
        invalid.append(InvalidField(column, raw[:MAX_INVALID_VALUE], problem))

    rid = record_id if record_id is not None else _cell(row, "record_id", errors)
    try:
        check_id("record_id", rid)
    except ValidationError as exc:
        errors.append(("record_id", exc.problem))
    country = _cell(row, "country", errors).upper() or "GB"
    if not re.fullmatch(r"[A-Z]{2}", country):
        errors.append(("country", "must be a two-letter ISO 3166 code such as GB"))
        country = "GB"

    postcode = _cell(row, "postcode", errors)
    if postcode:
        try:
            normalize.postcode(postcode, country)
        except ValidationError as exc:
            bad("postcode", postcode, exc.problem)
            postcode = ""
    context = RowContext(country, postcode, _cell(row, "locality", errors), date_order)
    values: dict[str, Identifier] = {}

    parts: dict[str, str] = {}
    for column in ("given_name", "family_name"):
        # Mojibake undone (an export that read UTF-8 as Windows-1252): the name kept is
        # the one the member meant, and control characters it left do not refuse it.
        raw = normalize.repair_text(_cell(row, column, errors))
        if not raw:
            continue
        try:
            normalize.name_words(raw, column)
        except ValidationError as exc:
            bad(column, raw, exc.problem)
            continue
        parts[column] = raw
    if parts:
        try:
            values["name"] = PersonName.of(parts.get("given_name", ""), parts.get("family_name", ""))
        except ValidationError as exc:
            for column, raw in parts.items():
                bad(column, raw, exc.problem)

    street = _cell(row, "street_address", errors)
    (address_type,) = _BY_COLUMN["street_address"]
    if street:
        try:
            values["address"] = address_type.parse(street, context)
        except ValidationError as exc:
            bad("street_address", street, exc.problem)
    if "address" not in values and postcode:
        # A postcode without a (valid) street is kept as an address of the postcode alone.
        try:
            values["address"] = address_type.parse(postcode, context)
        except ValidationError:
            pass  # a numeric foreign postcode is no street address (a site may still hold it)

    for column in _SINGLE_COLUMNS:
        raw = _cell(row, column, errors)
        if not raw:
            continue
        if column == "national_id":
            tn_dob = normalize.temporary_reference_dob(raw)
            if tn_dob is not None:
                # HMRC's temporary reference (TN + date of birth + sex) is no NINO and
                # names no one: kept as an invalid field (so redaction still hides it from
                # narratives), never tokenized; the date it carries is the holder's, used
                # when the row has none of its own.
                if "date_of_birth" not in values and not _cell(row, "date_of_birth", []):
                    values["date_of_birth"] = DateOfBirth(tn_dob)
                bad(column, raw, "is a temporary reference number (TN), not a National Insurance number")
                continue
        kind = next(t for t in _BY_COLUMN[column] if t.claims(raw, context))
        try:
            values[kind.attribute] = kind.parse(raw, context)
        except ValidationError as exc:
            bad(column, raw, exc.problem)
    if postcode and "address" not in values and "site" not in values:
        # Held by nothing: kept as an invalid field rather than dropped without a word.
        bad("postcode", postcode, "cannot stand alone here: give a street address or site name with it")

    if any(column == "record_id" for column, _ in errors):
        return ParsedMention(None, tuple(errors), tuple(invalid))
    if not values and not invalid:
        errors.append(("row", "holds no identifier (every identifier column is empty)"))
        return ParsedMention(None, tuple(errors), tuple(invalid))
    mention = EntityMention(rid, country=country, invalid_fields=tuple(invalid), **values)  # type: ignore[arg-type]
    return ParsedMention(mention, tuple(errors), tuple(invalid))
