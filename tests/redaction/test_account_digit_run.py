"""A sort code and account written as one run of digits is redacted and never passes verification."""

from __future__ import annotations

import pytest

from msin_fed.errors import RedactionRefused
from msin_fed.model import BankAccount
from msin_fed.redaction import Redactor

TEXT = "Wages were paid into the same account, 20457741234567, rather than to the workers."


def test_known_account_as_one_digit_run_is_redacted(redactor: Redactor) -> None:
    result = redactor.redact(TEXT, [BankAccount("20-45-77 41234567")])
    assert "20457741234567" not in result.text
    assert "<ACCOUNT_1>" in result.text


def test_unknown_account_digit_run_near_banking_words_is_redacted(redactor: Redactor) -> None:
    assert "20457741234567" not in redactor.redact(TEXT).text


def test_verification_refuses_an_account_digit_run(redactor: Redactor) -> None:
    with pytest.raises(RedactionRefused) as err:
        redactor.verify(TEXT)
    assert any(f.entity_type == "BANK_ACCOUNT" for f in err.value.findings)
    assert "20457741234567" not in str(err.value)
