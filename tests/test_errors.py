"""Errors that cross process boundaries (worker pools) arrive intact."""

from __future__ import annotations

import pickle

from msin_fed.errors import Finding, RedactionRefused


def test_redaction_refused_survives_pickling_with_its_findings() -> None:
    refused = RedactionRefused([Finding("PHONE", 3, 14, 0.75), Finding("PERSON", 20, 31, 0.85)])
    back = pickle.loads(pickle.dumps(refused))
    assert type(back) is RedactionRefused
    assert back.findings == refused.findings and str(back) == str(refused)
