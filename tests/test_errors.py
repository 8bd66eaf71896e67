"""Errors that cross process boundaries (worker pools) arrive intact."""

from __future__ import annotations

import pickle

import pytest

from msin_fed.errors import (
    ConfigError,
    Finding,
    ImportValidationError,
    InvalidProof,
    MsinError,
    RedactionRefused,
    RemoteError,
    RosterRefused,
    RowError,
    StoreError,
    ValidationError,
)

ERRORS = [
    RedactionRefused([Finding("PHONE", 3, 14, 0.75), Finding("PERSON", 20, 31, 0.85)]),
    ValidationError("submissions[2].record.month", "wrong format"),
    ImportValidationError([RowError(3, "phone", "not a phone number", "a.csv")]),
    InvalidProof("kh2"),
    ConfigError("coordinator.toml", "server.listen", "must be host:port"),
    RemoteError("refused", code="PERMISSION_DENIED"),
    StoreError("cannot open store"),
    RosterRefused("roster version 1 has 1 valid signature(s) of the 2 needed"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_errors_survive_pickling_with_their_attributes(error: MsinError) -> None:
    error.add_note("submissions[1]")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error) and back.args == error.args
    assert vars(back) == vars(error)
    assert back.__notes__ == ["submissions[1]"]
