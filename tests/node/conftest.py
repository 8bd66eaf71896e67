"""Shared helpers for node tests: reports with planted identifiers."""

from __future__ import annotations

from pathlib import Path

import pytest
from msin_fed.node.keys import KdfParams
from nacl.pwhash import argon2id

from msin_fed.model import (
    DateOfBirth,
    Email,
    EntityMention,
    ExploitationType,
    Grade,
    Indicator,
    IntelligenceReport,
    Nino,
    PersonName,
    Phone,
    Region,
    Sector,
    StreetAddress,
    VehicleRegistration,
)

#: Fast Argon2id for tests (the default is libsodium's INTERACTIVE).
FAST_KDF = KdfParams(salt=b"0123456789abcdef", opslimit=argon2id.OPSLIMIT_MIN, memlimit=argon2id.MEMLIMIT_MIN)

PHONE = "07700 900123"
EMAIL = "ion.popescu@example.org"
PLATE = "AB12 CDE"
NINO = "JG103759A"
NAME = ("Ion", "Popescu")
DOB = "1990-02-03"
STREET = "1 Orchard Lane"
POSTCODE = "TA1 1AA"
REPORTER = "Jo Whistleblower"


def make_report(report_id: str = "R1", phone: str = PHONE, narrative: str | None = None) -> IntelligenceReport:
    mention = EntityMention(
        record_id=report_id,
        name=PersonName.of(*NAME),
        date_of_birth=DateOfBirth(DOB),
        phone=Phone(phone),
        email=Email(EMAIL),
        vehicle=VehicleRegistration(PLATE),
        nino=Nino(NINO),
        address=StreetAddress(STREET, postcode=POSTCODE),
    )
    return IntelligenceReport(
        report_id=report_id,
        narrative=narrative
        or f"{NAME[0]} {NAME[1]} drives workers in {PLATE} and takes wages; call {phone}.",
        region=Region.SOUTH_WEST,
        sector=Sector.GROWING_PICKING,
        exploitation_type=ExploitationType.LABOUR_EXPLOITATION,
        month="2024-05",
        grade=Grade.parse("2BP"),
        indicators=(Indicator.DEBT_BONDAGE, Indicator.WITHHOLDING_OF_WAGES),
        victims_count=7,
        time_sensitive=True,
        mentions=(mention,),
        reporter=REPORTER,
    )


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "node.db"
