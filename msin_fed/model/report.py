"""The member-side intelligence report and the entity mentions it holds.

A report lives only in the member's secure store. ``reporter`` (who told the member)
never leaves the node; the shared record is built from the other fields.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from msin_fed.errors import ValidationError, type_phrase
from msin_fed.model.grading import Grade
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
from msin_fed.model.vocab import ExploitationType, Indicator, Region, Sector

__all__ = ["MENTION_COLUMNS", "EntityMention", "IntelligenceReport", "InvalidField"]

MAX_NARRATIVE = 20_000
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")
#: What :func:`check_id` accepts (intake checks a batch's ids with it in bulk).
ID_PATTERN = _ID

#: Canonical entity-mention columns, in order (the ``msin link`` and import layout).
MENTION_COLUMNS: tuple[str, ...] = (
    "record_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "phone",
    "email",
    "street_address",
    "locality",
    "postcode",
    "country",
    "vehicle_registration",
    "national_id",
    "passport_number",
    "bank_account",
    "company_name",
    "company_number",
    "site_name",
)


def check_id(fld: str, value: object) -> str:
    """Validate a local id: 1-64 letters, digits and ``_.:-``."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(fld, "is empty")
    if len(value) > 64:
        raise ValidationError(fld, f"is too long ({len(value)} characters, at most 64)")
    if not _ID.fullmatch(value):
        raise ValidationError(fld, "wrong format (letters, digits and _ . : - only)")
    return value


#: The most of a member's raw value an :class:`InvalidField` keeps (a CSV cell can be long).
MAX_INVALID_VALUE = 2_000


@dataclass(frozen=True, slots=True, repr=False)
class InvalidField:
    """A value given for an identifier column that failed validation, kept with its reason.

    A mistyped phone or NINO still identifies someone and is still the member's data, so
    import keeps it with the report (in the encrypted store), shows it to the member and
    gives it to redaction as one of the record's own identifiers; it is never normalized,
    tokenized or sent. ``column`` is the canonical column (``phone``), ``value`` the raw
    text and ``problem`` why it failed (never quoting the value). ``repr`` hides the value.
    """

    column: str
    value: str
    problem: str

    def __post_init__(self) -> None:
        if self.column not in MENTION_COLUMNS or self.column == "record_id":
            raise ValidationError("invalid_field.column", "must be an identifier column of the mention layout")
        if not isinstance(self.value, str) or not self.value.strip():
            raise ValidationError("invalid_field.value", "is empty")
        if len(self.value) > MAX_INVALID_VALUE:
            raise ValidationError(
                "invalid_field.value", f"is too long ({len(self.value)} characters, at most {MAX_INVALID_VALUE})"
            )
        if not isinstance(self.problem, str) or not self.problem.strip():
            raise ValidationError("invalid_field.problem", "is empty")

    def __repr__(self) -> str:
        return f"InvalidField(column={self.column!r}, <{len(self.value)} characters>, problem={self.problem!r})"


@dataclass(frozen=True, slots=True)
class EntityMention:
    """One person, organisation or site mentioned in a report, with whatever is known of it.

    Built from a canonical mention row (:func:`msin_fed.model.registry.parse_mention`);
    every field optional, but at least one identifier or one :class:`InvalidField` (a
    value that failed validation, kept but never tokenized).
    """

    record_id: str
    name: PersonName | None = None
    date_of_birth: DateOfBirth | None = None
    phone: Phone | None = None
    email: Email | None = None
    address: StreetAddress | None = None
    vehicle: VehicleRegistration | None = None
    nino: Nino | None = None
    passport: Passport | None = None
    bank: BankAccount | Iban | None = None
    company_name: SiteName | None = None
    company_number: CompanyNumber | None = None
    site: SiteName | None = None
    country: str = "GB"
    national_id: NationalId | None = None  # a non-UK national id (a NINO goes in ``nino``)
    invalid_fields: tuple[InvalidField, ...] = ()

    def __post_init__(self) -> None:
        check_id("record_id", self.record_id)
        if not re.fullmatch(r"[A-Z]{2}", self.country or ""):
            raise ValidationError("country", "must be a two-letter ISO 3166 code such as GB")
        if not isinstance(self.invalid_fields, tuple) or not all(
            isinstance(f, InvalidField) for f in self.invalid_fields
        ):
            raise ValidationError("invalid_fields", "must be a tuple of InvalidField")
        if not self.identifiers() and not self.invalid_fields:
            raise ValidationError("mention", "holds no identifier")

    def identifiers(self) -> tuple[Identifier, ...]:
        """Every identifier the mention holds."""
        values = (
            self.name,
            self.date_of_birth,
            self.phone,
            self.email,
            self.address,
            self.vehicle,
            self.nino,
            self.passport,
            self.bank,
            self.company_name,
            self.company_number,
            self.site,
            self.national_id,
        )
        return tuple(v for v in values if v is not None)

    def __repr__(self) -> str:
        kinds = ",".join(i.kind for i in self.identifiers())
        invalid = f", invalid=[{','.join(f.column for f in self.invalid_fields)}]" if self.invalid_fields else ""
        return f"EntityMention(record_id={self.record_id!r}, kinds=[{kinds}]{invalid})"


@dataclass(frozen=True, slots=True)
class IntelligenceReport:
    """A member's full report: narrative, coarse facts, grading and entity mentions."""

    report_id: str
    narrative: str
    region: Region
    sector: Sector
    exploitation_type: ExploitationType
    month: str  # "YYYY-MM" the intelligence relates to
    grade: Grade
    indicators: tuple[Indicator, ...] = ()
    victims_count: int | None = None
    time_sensitive: bool = False
    mentions: tuple[EntityMention, ...] = ()
    reporter: str = ""  # who told the member; never leaves the node
    received: _dt.date | None = None
    extra_identifiers: tuple[Identifier, ...] = field(default=())

    def __post_init__(self) -> None:
        check_id("report_id", self.report_id)
        if not isinstance(self.narrative, str) or not self.narrative.strip():
            raise ValidationError("narrative", "is empty")
        if len(self.narrative) > MAX_NARRATIVE:
            raise ValidationError(
                "narrative", f"is too long ({len(self.narrative)} characters, at most {MAX_NARRATIVE})"
            )
        for name, kind in (
            ("region", Region),
            ("sector", Sector),
            ("exploitation_type", ExploitationType),
            ("grade", Grade),
        ):
            if not isinstance(getattr(self, name), kind):
                raise ValidationError(name, f"must be {type_phrase(kind)}")
        if not isinstance(self.month, str) or not re.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])", self.month):
            raise ValidationError("month", "wrong format (expected YYYY-MM)")
        if self.victims_count is not None and not (0 <= self.victims_count <= 100_000):
            raise ValidationError("victims_count", "must be between 0 and 100000")
        for mention in self.mentions:
            if mention.record_id != self.report_id:
                raise ValidationError("mentions", "a mention belongs to another report")

    def identifiers(self) -> tuple[Identifier, ...]:
        """Every identifier of every mention, then the extra ones (valid ones only)."""
        found: list[Identifier] = [i for m in self.mentions for i in m.identifiers()]
        return (*found, *self.extra_identifiers)

    def invalid_fields(self) -> tuple[InvalidField, ...]:
        """Every identifier value of every mention that failed validation at import."""
        return tuple(f for m in self.mentions for f in m.invalid_fields)

    def __repr__(self) -> str:
        return (
            f"IntelligenceReport(report_id={self.report_id!r}, region={self.region.value}, "
            f"sector={self.sector.value}, mentions={len(self.mentions)})"
        )
