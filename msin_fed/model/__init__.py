"""The domain model: small immutable, validated types. Bad values raise ValidationError."""

from msin_fed.model.grading import Assessment, Grade, Handling, SourceEvaluation
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
from msin_fed.model.report import MENTION_COLUMNS, EntityMention, IntelligenceReport
from msin_fed.model.shared import TOKEN_SIZE, VICTIM_BANDS, SharedRecord, Token, victims_band
from msin_fed.model.vocab import (
    ExploitationFamily,
    ExploitationType,
    Indicator,
    Region,
    Sector,
    Tlp,
)

__all__ = [
    "MENTION_COLUMNS",
    "TOKEN_SIZE",
    "VICTIM_BANDS",
    "Assessment",
    "BankAccount",
    "CompanyNumber",
    "DateOfBirth",
    "Email",
    "EntityMention",
    "ExploitationFamily",
    "ExploitationType",
    "Grade",
    "Handling",
    "Iban",
    "Identifier",
    "Indicator",
    "IntelligenceReport",
    "NationalId",
    "Nino",
    "Passport",
    "PersonName",
    "Phone",
    "Region",
    "Sector",
    "SharedRecord",
    "SiteName",
    "SourceEvaluation",
    "StreetAddress",
    "Tlp",
    "Token",
    "VehicleRegistration",
    "victims_band",
]
