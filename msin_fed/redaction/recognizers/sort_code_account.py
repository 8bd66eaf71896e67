"""UK sort codes and account numbers, which Presidio lacks (its bank recognizer is US)."""

from __future__ import annotations

from presidio_analyzer import Pattern

from msin_fed.redaction.recognizers._base import ContextRequiredRecognizer

__all__ = ["AccountNumberRecognizer", "SortCodeRecognizer"]


class SortCodeRecognizer(ContextRequiredRecognizer):
    """A six-digit sort code (``12-34-56``, ``12 34 56``, ``123456``) near banking words."""

    ENTITY = "SORT_CODE"
    PATTERNS = [Pattern("sort code", r"(?<![\d-])\d{2}[- ]?\d{2}[- ]?\d{2}(?![\d-]|/)", 0.85)]
    CONTEXT = ["sort", "s/c", "bank", "account", "acc", "a/c", "barclays", "lloyds", "natwest",
               "hsbc", "santander", "monzo", "revolut", "halifax", "nationwide", "starling"]
    WINDOW = 50


class AccountNumberRecognizer(ContextRequiredRecognizer):
    """A 7-8 digit UK account number near banking words."""

    ENTITY = "BANK_ACCOUNT"
    PATTERNS = [
        Pattern("account", r"(?<![\d-])\d{4}[ ]?\d{3,4}(?![\d-])", 0.85),
        # Sort code and account written as one run of 13-14 digits.
        Pattern("sort code + account", r"(?<![\d-])\d{13,14}(?![\d-])", 0.85),
    ]
    CONTEXT = ["account", "acc", "a/c", "acct", "sort", "bank", "paid into", "wages into",
               "transfer"]
    WINDOW = 50
