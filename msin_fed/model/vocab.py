"""Controlled vocabularies: TLP 2.0, UK regions (ITL1), sectors, exploitation types, indicators.

Each is a ``str`` enum whose value is the code stored and sent on the wire; ``parse``
accepts the code, the member name or the label in any case, and raises
:class:`~msin_fed.errors.ValidationError` naming the field otherwise.
"""

from __future__ import annotations

import enum
from typing import Self

from msin_fed.errors import ValidationError

__all__ = ["ExploitationFamily", "ExploitationType", "Indicator", "Region", "Sector", "Tlp"]


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


class _Vocab(str, enum.Enum):
    """A code list: value is the code, ``label`` the human wording."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value
        return obj

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def parse(cls, text: str, field: str | None = None) -> Self:
        """The member whose code, name or label matches ``text`` (case and punctuation ignored)."""
        name = field or cls.__name__.lower()
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(name, "is empty")
        exact = cls._value2member_map_.get(text)  # the wire form: the code itself, no scan
        if exact is not None:
            return exact  # type: ignore[return-value]
        wanted = _key(text)
        for member in cls:
            if wanted in (_key(member.value), _key(member.name), _key(member.label)):
                return member
        known = ", ".join(m.value for m in cls)
        raise ValidationError(name, f"unknown value (expected one of: {known})")


class Tlp(_Vocab):
    """Traffic Light Protocol 2.0 (FIRST)."""

    CLEAR = ("CLEAR", "TLP:CLEAR")
    GREEN = ("GREEN", "TLP:GREEN")
    AMBER = ("AMBER", "TLP:AMBER")
    AMBER_STRICT = ("AMBER+STRICT", "TLP:AMBER+STRICT")
    RED = ("RED", "TLP:RED")

    @property
    def meaning(self) -> str:
        """Who may be told, in the words of TLP 2.0 (one line)."""
        return _TLP_MEANING[self.value]

    def describe(self) -> str:
        """The marking and what it means, one line: "TLP:AMBER: ..."."""
        return f"{self.label}: {self.meaning}"


_TLP_MEANING = {
    "CLEAR": "no limit on disclosure",
    "GREEN": "may be shared within the recipients' community, not published",
    "AMBER": "only on a need-to-know basis within the recipient's organisation and its clients",
    "AMBER+STRICT": "only on a need-to-know basis within the recipient's organisation",
    "RED": "for the named recipients only, no further disclosure",
}


class Region(_Vocab):
    """UK nations and English regions (ITL1). Nothing finer is ever shared."""

    NORTH_EAST = ("TLC", "North East")
    NORTH_WEST = ("TLD", "North West")
    YORKSHIRE_HUMBER = ("TLE", "Yorkshire and The Humber")
    EAST_MIDLANDS = ("TLF", "East Midlands")
    WEST_MIDLANDS = ("TLG", "West Midlands")
    EAST_OF_ENGLAND = ("TLH", "East of England")
    LONDON = ("TLI", "London")
    SOUTH_EAST = ("TLJ", "South East")
    SOUTH_WEST = ("TLK", "South West")
    WALES = ("TLL", "Wales")
    SCOTLAND = ("TLM", "Scotland")
    NORTHERN_IRELAND = ("TLN", "Northern Ireland")


class Sector(_Vocab):
    """Sectors, food and agriculture supply chain first."""

    GROWING_PICKING = ("growing_picking", "Growing and picking")
    PACKHOUSE = ("packhouse", "Packhouse")
    PROCESSING = ("processing", "Food processing")
    SHELLFISH_GATHERING = ("shellfish_gathering", "Shellfish gathering")
    FISHING = ("fishing", "Fishing")
    LABOUR_PROVISION = ("labour_provision", "Labour provision")
    HOSPITALITY = ("hospitality", "Hospitality")
    LOGISTICS = ("logistics", "Logistics and transport")
    RETAIL = ("retail", "Retail")
    CONSTRUCTION = ("construction", "Construction")
    CAR_WASH = ("car_wash", "Car wash")
    NAIL_BAR = ("nail_bar", "Nail bar")
    CARE = ("care", "Care")
    MANUFACTURING = ("manufacturing", "Manufacturing")
    CLEANING = ("cleaning", "Cleaning")
    OTHER = ("other", "Other")


class ExploitationFamily(_Vocab):
    """The four families of the Home Office typology (research report 93, 2017)."""

    LABOUR = ("labour_exploitation", "Labour exploitation")
    DOMESTIC_SERVITUDE = ("domestic_servitude", "Domestic servitude")
    SEXUAL = ("sexual_exploitation", "Sexual exploitation")
    CRIMINAL = ("criminal_exploitation", "Criminal exploitation")


class ExploitationType(_Vocab):
    """Home Office typology of modern slavery offences: 17 types under four families.

    The family codes themselves are accepted too, for reports that know only the family.
    """

    LABOUR_EXPLOITATION = ("labour_exploitation", "Labour exploitation (type not known)")
    LABOUR_MULTIPLE_EXPLOITERS = ("labour_multiple_exploiters", "Labour: multiple exploiters")
    LABOUR_SINGLE_EXPLOITER = ("labour_single_exploiter", "Labour: single exploiter")
    LABOUR_ACCOMMODATED = ("labour_accommodated", "Labour: victims accommodated by exploiters")
    LABOUR_NOT_ACCOMMODATED = ("labour_not_accommodated", "Labour: victims not accommodated")
    DOMESTIC_SERVITUDE = ("domestic_servitude", "Domestic servitude (type not known)")
    DOMESTIC_BY_PARTNER = ("domestic_by_partner", "Domestic servitude by partner")
    DOMESTIC_BY_RELATIVES = ("domestic_by_relatives", "Domestic servitude by relatives")
    DOMESTIC_BY_NON_RELATIVES = ("domestic_by_non_relatives", "Domestic servitude by non-relatives")
    SEXUAL_EXPLOITATION = ("sexual_exploitation", "Sexual exploitation (type not known)")
    SEXUAL_CHILD_GROUP = ("sexual_child_group", "Child sexual exploitation, group")
    SEXUAL_CHILD_SINGLE = ("sexual_child_single", "Child sexual exploitation, single exploiter")
    SEXUAL_FIXED_LOCATION = ("sexual_fixed_location", "Forced sex work in a fixed location")
    SEXUAL_CHANGING_LOCATION = ("sexual_changing_location", "Forced sex work, changing location")
    SEXUAL_PERSONAL_GRATIFICATION = ("sexual_personal_gratification", "Trafficking for gratification")
    CRIMINAL_EXPLOITATION = ("criminal_exploitation", "Criminal exploitation (type not known)")
    CRIMINAL_GANG_RELATED = ("criminal_gang_related", "Forced gang-related criminality")
    CRIMINAL_ILLEGAL_LABOUR = ("criminal_illegal_labour", "Forced labour in illegal activities")
    CRIMINAL_ACQUISITIVE = ("criminal_acquisitive", "Forced acquisitive crime")
    CRIMINAL_BEGGING = ("criminal_begging", "Forced begging")
    CRIMINAL_SHAM_MARRIAGE = ("criminal_sham_marriage", "Trafficking for forced sham marriage")

    @property
    def family(self) -> ExploitationFamily:
        """The family this type belongs to."""
        prefix = self.value.split("_", 1)[0]
        return {
            "labour": ExploitationFamily.LABOUR,
            "domestic": ExploitationFamily.DOMESTIC_SERVITUDE,
            "sexual": ExploitationFamily.SEXUAL,
            "criminal": ExploitationFamily.CRIMINAL,
        }[prefix]


class Indicator(_Vocab):
    """The ILO's 11 indicators of forced labour."""

    ABUSE_OF_VULNERABILITY = ("abuse_of_vulnerability", "Abuse of vulnerability")
    DECEPTION = ("deception", "Deception")
    RESTRICTION_OF_MOVEMENT = ("restriction_of_movement", "Restriction of movement")
    ISOLATION = ("isolation", "Isolation")
    PHYSICAL_SEXUAL_VIOLENCE = ("physical_sexual_violence", "Physical and sexual violence")
    INTIMIDATION_THREATS = ("intimidation_threats", "Intimidation and threats")
    RETENTION_OF_DOCUMENTS = ("retention_of_documents", "Retention of identity documents")
    WITHHOLDING_OF_WAGES = ("withholding_of_wages", "Withholding of wages")
    DEBT_BONDAGE = ("debt_bondage", "Debt bondage")
    ABUSIVE_CONDITIONS = ("abusive_conditions", "Abusive working and living conditions")
    EXCESSIVE_OVERTIME = ("excessive_overtime", "Excessive overtime")
