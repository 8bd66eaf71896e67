"""Site and company names, recognised by the word that ends them (Farm, Packhouse, Ltd...)."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from msin_fed.redaction.recognizers._base import ClassPatternRecognizer

__all__ = ["COMPANY_ENDINGS", "SITE_ENDINGS", "CompanyNameRecognizer", "CompanyNumberRecognizer", "SiteNameRecognizer"]

_NAME = r"(?:[A-Z][\w&'’.-]*\s+(?:&\s+|and\s+|of\s+)?){1,4}"

#: The words that end a site's name and a company's, as they are written (the case
#: repair of a caseless narrative, ``_case.py``, capitalises names by them too).
SITE_ENDINGS = (
    "Farm", "Farms", "Packhouse", "Pack House", "Nursery", "Nurseries", "Car Wash", "Hand Car Wash", "Orchard",
    "Orchards", "Estate", "Fisheries", "Growers", "Produce", "Packing", "Mushrooms", "Poultry", "Dairy", "Hall",
    "Manor", "Lodge", "Nails", "Nail Bar", "Takeaway", "Restaurant", "Hotel", "Factory", "Works", "Mill", "Warehouse",
)
COMPANY_ENDINGS = (
    "Ltd", "Limited", "LLP", "PLC", "plc", "Recruitment", "Staffing", "Agency", "Labour", "Workforce", "Personnel",
    "Logistics", "Services", "Solutions", "Employment", "Contractors", "Group", "Holdings",
)


def _ending(endings: tuple[str, ...]) -> str:
    return "(?:" + "|".join(map(re.escape, endings)) + r")\b"



class _Named(ClassPatternRecognizer):
    # Capitalised words that start a sentence or a generic phrase, not a name.
    _GENERIC = frozenset({"The", "A", "An", "This", "That", "Our", "Their", "His", "Her", "Local", "Large", "Small"})

    def validate_result(self, pattern_text: str) -> bool | None:
        """A name needs at least one distinctive word before its ending."""
        words = pattern_text.split()
        return any(w not in self._GENERIC for w in words[:-1])


class SiteNameRecognizer(_Named):
    """Farms, packhouses, car washes, nurseries and the like, named in title case."""

    ENTITY = "SITE"
    PATTERNS = [
        Pattern(
            "named site",
            _NAME + _ending(SITE_ENDINGS),
            0.7,
        )
    ]
    CONTEXT = ["site", "farm", "at", "worked"]


class CompanyNameRecognizer(_Named):
    """Companies and labour providers: ``Name Ltd``, ``Name Recruitment``, ``Name Staffing``."""

    ENTITY = "COMPANY"
    PATTERNS = [
        Pattern(
            "named company",
            _NAME + _ending(COMPANY_ENDINGS),
            0.7,
        )
    ]
    CONTEXT = ["company", "agency", "employer", "provider", "director"]


class CompanyNumberRecognizer(ClassPatternRecognizer):
    """A Companies House number after ``company number``/``Companies House``/``reg no``."""

    ENTITY = "COMPANY_NUMBER"
    PATTERNS = [
        Pattern(
            "company number",
            r"(?i)(?<=company number |ompanies house |company no |company no\. |company reg |registered no |"
            r"o\. |number: |no: |house: )\s*(?:SC|NI|OC|SO|NC|R0)?\d{6,8}\b",
            0.85,
        ),
    ]
    CONTEXT = ["company", "companies house", "registered"]
