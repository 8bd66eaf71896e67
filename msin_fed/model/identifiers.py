"""Identifiers by type, as a member holds them (raw, before normalization).

Each class validates shape only (empty, too long, wrong characters or format);
canonical forms for tokens come from :mod:`msin_fed.normalize`. ``repr`` never shows
the value: identifiers are personal data and reprs end up in logs and tracebacks.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import ClassVar

from msin_fed import normalize
from msin_fed.errors import ValidationError

__all__ = [
    "BankAccount",
    "CompanyNumber",
    "DateOfBirth",
    "Email",
    "Iban",
    "Identifier",
    "NationalId",
    "Nino",
    "Passport",
    "PersonName",
    "Phone",
    "SiteName",
    "StreetAddress",
    "VehicleRegistration",
]

MAX_LENGTH = 200


def _check_text(kind: str, value: object, max_length: int = MAX_LENGTH) -> str:
    if not isinstance(value, str):
        raise ValidationError(kind, f"must be text, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise ValidationError(kind, "is empty")
    if len(text) > max_length:
        raise ValidationError(kind, f"is too long ({len(text)} characters, at most {max_length})")
    if any(ord(ch) < 32 for ch in text):
        raise ValidationError(kind, "contains control characters")
    return text


def _compact(text: str) -> str:
    return re.sub(r"[\s\-./()]", "", text).upper()


@dataclass(frozen=True, slots=True, repr=False)
class Identifier:
    """Base of every identifier: a kind and a validated raw value."""

    KIND: ClassVar[str] = "identifier"
    MAX: ClassVar[int] = MAX_LENGTH
    PATTERN: ClassVar[re.Pattern[str] | None] = None
    FORMAT_HINT: ClassVar[str] = ""

    value: str

    def __post_init__(self) -> None:
        text = _check_text(self.KIND, self.value, self.MAX)
        object.__setattr__(self, "value", text)
        if self.PATTERN is not None and not self.PATTERN.fullmatch(_compact(text)):
            raise ValidationError(self.KIND, f"wrong format (expected {self.FORMAT_HINT})")

    @property
    def kind(self) -> str:
        """The identifier type, such as ``phone``."""
        return self.KIND

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<{len(self.value)} characters>)"


@dataclass(frozen=True, slots=True, repr=False)
class Phone(Identifier):
    """A telephone number in any common format; ``region`` is the default for national numbers."""

    KIND: ClassVar[str] = "phone"
    MAX: ClassVar[int] = 40
    PATTERN: ClassVar[re.Pattern[str] | None] = re.compile(r"\+?[0-9]{6,17}")
    FORMAT_HINT: ClassVar[str] = "digits with an optional leading +, such as 07700 900123"
    region: str = "GB"


@dataclass(frozen=True, slots=True, repr=False)
class Email(Identifier):
    """An e-mail address."""

    KIND: ClassVar[str] = "email"
    MAX: ClassVar[int] = 254
    FORMAT_HINT: ClassVar[str] = "name@domain"

    def __post_init__(self) -> None:
        Identifier.__post_init__(self)
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", self.value):
            raise ValidationError(self.KIND, "wrong format (expected name@domain)")


@dataclass(frozen=True, slots=True, repr=False)
class VehicleRegistration(Identifier):
    """A vehicle registration mark (UK or foreign)."""

    KIND: ClassVar[str] = "vehicle"
    MAX: ClassVar[int] = 16
    PATTERN: ClassVar[re.Pattern[str] | None] = re.compile(r"[A-Z0-9]{2,10}")
    FORMAT_HINT: ClassVar[str] = "2-10 letters and digits, such as AB12 CDE"


@dataclass(frozen=True, slots=True, repr=False)
class Nino(Identifier):
    """A UK National Insurance number."""

    KIND: ClassVar[str] = "nino"
    MAX: ClassVar[int] = 16
    PATTERN: ClassVar[re.Pattern[str] | None] = normalize.NINO_PATTERN
    FORMAT_HINT: ClassVar[str] = "two letters, six digits, a letter A-D, such as JG 10 37 59 A"


@dataclass(frozen=True, slots=True, repr=False)
class NationalId(Identifier):
    """A national identity or social-security number other than a UK NINO, with its country."""

    KIND: ClassVar[str] = "national_id"
    MAX: ClassVar[int] = 24
    PATTERN: ClassVar[re.Pattern[str] | None] = re.compile(r"[A-Z0-9]{4,20}")
    FORMAT_HINT: ClassVar[str] = "4-20 letters and digits"
    country: str = "GB"

    def __post_init__(self) -> None:
        Identifier.__post_init__(self)
        if not isinstance(self.country, str) or not re.fullmatch(r"[A-Za-z]{2}", self.country):
            raise ValidationError("national_id.country", "must be a two-letter ISO 3166 code")
        object.__setattr__(self, "country", self.country.upper())


@dataclass(frozen=True, slots=True, repr=False)
class Passport(Identifier):
    """A passport number with its issuing country (ISO 3166 alpha-2 or alpha-3)."""

    KIND: ClassVar[str] = "passport"
    MAX: ClassVar[int] = 20
    PATTERN: ClassVar[re.Pattern[str] | None] = re.compile(r"[A-Z0-9]{5,12}")
    FORMAT_HINT: ClassVar[str] = "5-12 letters and digits"
    country: str = "GB"

    def __post_init__(self) -> None:
        Identifier.__post_init__(self)
        if not isinstance(self.country, str) or not re.fullmatch(r"[A-Za-z]{2,3}", self.country):
            raise ValidationError("passport.country", "must be an ISO 3166 country code")
        object.__setattr__(self, "country", self.country.upper())


@dataclass(frozen=True, slots=True, repr=False)
class Iban(Identifier):
    """An International Bank Account Number (shape only; the checksum is checked on normalizing)."""

    KIND: ClassVar[str] = "iban"
    MAX: ClassVar[int] = 42
    PATTERN: ClassVar[re.Pattern[str] | None] = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
    FORMAT_HINT: ClassVar[str] = "country code, two check digits, account, such as GB82 WEST ..."


@dataclass(frozen=True, slots=True, repr=False)
class BankAccount(Identifier):
    """A UK sort code and account number, given together as ``value`` (``12-34-56 12345678``)."""

    KIND: ClassVar[str] = "bank_account"
    MAX: ClassVar[int] = 30
    PATTERN: ClassVar[re.Pattern[str] | None] = re.compile(r"[0-9]{6}[0-9]{7,8}")
    FORMAT_HINT: ClassVar[str] = "six-digit sort code and 7-8 digit account, such as 12-34-56 12345678"

    @property
    def sort_code(self) -> str:
        """The six-digit sort code."""
        return _compact(self.value)[:6]

    @property
    def account(self) -> str:
        """The account number, padded to eight digits."""
        return _compact(self.value)[6:].rjust(8, "0")


@dataclass(frozen=True, slots=True, repr=False)
class CompanyNumber(Identifier):
    """A Companies House number (``01234567``, ``SC123456``, ``NI012345``)."""

    KIND: ClassVar[str] = "company_number"
    MAX: ClassVar[int] = 40
    FORMAT_HINT: ClassVar[str] = "up to eight digits, or a two-letter prefix and six digits"

    def __post_init__(self) -> None:
        Identifier.__post_init__(self)
        # One rule with the tokens': a label (``CRN``, ``Co. No.``) or a GB prefix is read
        # past, a series prefix must be one Companies House issues.
        try:
            normalize.company_number(self.value, self.KIND)
        except ValidationError:
            raise ValidationError(self.KIND, f"wrong format (expected {self.FORMAT_HINT})") from None


@dataclass(frozen=True, slots=True, repr=False)
class PersonName(Identifier):
    """A person's name; ``given`` and ``family`` when known separately, else ``value`` whole."""

    KIND: ClassVar[str] = "person_name"
    MAX: ClassVar[int] = 120
    given: str = ""
    family: str = ""

    def __post_init__(self) -> None:
        Identifier.__post_init__(self)
        if not any(ch.isalpha() for ch in self.value):
            raise ValidationError(self.KIND, "wrong format (a name needs letters)")
        if any(ch.isdigit() for ch in self.value):
            raise ValidationError(self.KIND, "wrong format (a name has no digits)")

    @classmethod
    def of(cls, given: str = "", family: str = "") -> PersonName:
        """A name from given and family parts (either may be empty, not both)."""
        whole = " ".join(part.strip() for part in (given, family) if part and part.strip())
        return cls(whole, given=given.strip(), family=family.strip())


@dataclass(frozen=True, slots=True, repr=False)
class DateOfBirth(Identifier):
    """A date of birth in ISO, yyyy/mm/dd, yyyymmdd, dd/mm/yyyy, dd.mm.yyyy or dd-mm-yyyy."""

    KIND: ClassVar[str] = "date_of_birth"
    MAX: ClassVar[int] = 20

    def __post_init__(self) -> None:
        Identifier.__post_init__(self)
        _ = self.date  # raises on a bad format, a date that does not exist, or one out of range

    @property
    def date(self) -> _dt.date:
        """The parsed date (the layouts of :func:`msin_fed.normalize.parse_date_of_birth`)."""
        return normalize.parse_date_of_birth(self.value, self.KIND)


@dataclass(frozen=True, slots=True, repr=False)
class StreetAddress(Identifier):
    """A street address with its postcode (the postcode is required for matching)."""

    KIND: ClassVar[str] = "address"
    postcode: str = ""
    locality: str = ""
    country: str = "GB"  # the postcode is checked as a UK postcode only for GB

    def __post_init__(self) -> None:
        Identifier.__post_init__(self)
        if self.postcode:
            # The one postcode rule (a letter keyed for a digit read by position: ``luI4yp``
            # is LU1 4YP), so a postcode the row accepts never refuses its street.
            normalize.postcode(self.postcode, self.country)


@dataclass(frozen=True, slots=True, repr=False)
class SiteName(Identifier):
    """A named site: farm, packhouse, factory, car wash, house of multiple occupation."""

    KIND: ClassVar[str] = "site_name"
    MAX: ClassVar[int] = 160
    postcode: str = field(default="")
    locality: str = field(default="")
