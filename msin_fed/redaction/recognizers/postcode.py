"""UK postcodes by shape, whatever letters they use, in any spacing.

Presidio's ``UkPostcodeRecognizer`` knows which letters the Royal Mail uses in each
position; a mistyped or invented postcode (``QQ1 1ZZ``) is still somebody's address
as far as a reader can tell, so here the shape decides and valid letters only raise
the score. The outward code alone (``PE13``) is a postcode district, coarse enough to
keep.
"""

from __future__ import annotations

import re

from presidio_analyzer.predefined_recognizers import UkPostcodeRecognizer

from msin_fed.redaction.recognizers._shapes import ShapeRecognizer, spaced

__all__ = ["PostcodeRecognizer"]

_L, _D, _A = "[A-Z]", r"\d", r"[A-Z\d]"
_VALID = [re.compile(p.regex, re.I) for p in UkPostcodeRecognizer().patterns]  # type: ignore[has-type]


class PostcodeRecognizer(ShapeRecognizer):
    """``PE13 2AB``, ``pe132ab``, ``QQ1 1ZZ``, ``P E 1 3 2 A B``, ``PE13-2AB``."""

    ENTITY = "UK_POSTCODE"
    PATTERNS = (
        # Capitals: any separators, including one between every character.
        ("capitals, any spacing", rf"(?<![A-Za-z0-9]){spaced(_L, _L + '?', _D, _A + '?')}[ .\-]*{spaced(_D, _L, _L)}(?![A-Za-z0-9])", 0.6),
        # Any case: written together or with the usual space (or hyphen) between the halves.
        ("any case", r"(?i)(?<![a-z0-9])[a-z]{1,2}\d[a-z\d]?[ \-]?\d[a-z]{2}(?![a-z0-9])", 0.6),
    )

    def rescore(self, text: str, match: re.Match[str], score: float) -> float | None:
        """Raise the score for a postcode of valid letters; drop clock times ("AT 10 AM": no
        inward code ends in M, a letter the Royal Mail never uses there)."""
        compact = re.sub(r"[ .\-]", "", match.group(0)).upper()
        if compact[-2:] in ("AM", "PM"):
            return None
        if any(rx.fullmatch(compact[:-3] + " " + compact[-3:]) for rx in _VALID):
            return 0.85
        return score
