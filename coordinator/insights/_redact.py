"""A last scrub of alert summaries before they are mailed or exported.

Summaries were redacted at the node and checked for residue at the coordinator; this pass
is defence in depth for the kinds of identifier a pattern can recognise (e-mail, web
address, UK postcode, National Insurance number, vehicle registration, IBAN, and any run
of five or more digits, which covers phones, accounts and document numbers). Redaction
placeholders such as ``<PERSON_1>`` pass through unchanged.
"""

from __future__ import annotations

import re

__all__ = ["scrub"]

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("URL", re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,4})?\b")),
    ("NINO", re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE)),
    ("POSTCODE", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)),
    ("VEHICLE", re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b", re.IGNORECASE)),
    ("NUMBER", re.compile(r"\+?\d(?:[\s().-]*\d){4,}")),
)


def scrub(text: str) -> str:
    """``text`` with every recognisable identifier replaced by ``<TYPE>``."""
    for name, pattern in _PATTERNS:
        text = pattern.sub(f"<{name}>", text)
    return text
