"""E-mail addresses, validated against the public suffix list bundled with tldextract.

Presidio's ``EmailRecognizer`` calls ``tldextract.extract``, whose default extractor
downloads the public suffix list on first use. This one uses the snapshot shipped in
the tldextract wheel and never touches the network.
"""

from __future__ import annotations

import re

import tldextract
from presidio_analyzer.predefined_recognizers import EmailRecognizer

__all__ = ["OfflineEmailRecognizer"]

# suffix_list_urls=() and cache_dir=None: bundled snapshot only, no fetch, no cache writes.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer with an offline suffix list, case-insensitive."""

    def __init__(self) -> None:
        super().__init__()
        self.global_regex_flags = re.DOTALL | re.MULTILINE | re.IGNORECASE

    def validate_result(self, pattern_text: str) -> bool | None:
        """A known public suffix raises the score; an unknown one (a typo, ``.con``) keeps the
        shape's score: a mistyped address still identifies someone."""
        return True if _EXTRACT(pattern_text).fqdn else None
