"""Redaction of report narratives before anything is shared.

Built on Presidio: its analyzer with UK recognizers enabled and tuned, our own
recognizers for what it lacks (sort code and account, street address, site and company
names, foreign passports and plates, name cues), the record's own identifiers as a
deny-list, numbered placeholders (``<PERSON_1>`` is one person throughout a record), and
an independent verification pass that refuses to share residue::

    redactor = Redactor()
    result = redactor.redact_verified(report.narrative, report.identifiers())

Nothing here logs matched text or identifiers: only types and counts.
"""

from msin_fed.redaction._redactor import PLACEHOLDER_TYPES, RedactionResult, Redactor

__all__ = ["PLACEHOLDER_TYPES", "RedactionResult", "Redactor"]
