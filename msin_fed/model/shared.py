"""The coordinator-side shared record: redacted narrative, blind tokens, coarse facts."""

from __future__ import annotations

import datetime as _dt
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from msin_fed.errors import ValidationError, type_phrase
from msin_fed.model.grading import Grade
from msin_fed.model.report import check_id
from msin_fed.model.vocab import ExploitationType, Indicator, Region, Sector, Tlp

__all__ = ["TOKEN_SIZE", "VICTIM_BANDS", "SharedRecord", "Token", "valid_token_parts", "victims_band"]

#: Most tokens one shared record may hold.
MAX_TOKENS = 512

#: RFC 9497 Finalize output for ristretto255-SHA512 (SHA-512), in bytes.
TOKEN_SIZE = 64
_KIND = re.compile(r"[a-z][a-z0-9_]{1,31}")
_MONTH = re.compile(r"(19|20)\d\d-(0[1-9]|1[0-2])")
#: What a shared record's month must match, and the longest narrative it may hold
#: (intake checks a batch's with them in bulk).
MONTH_PATTERN = _MONTH
MAX_NARRATIVE = 20_000
_TYPED_FIELDS = (
    ("region", Region),
    ("sector", Sector),
    ("exploitation_type", ExploitationType),
    ("grade", Grade),
    ("tlp", Tlp),
)

#: Bands in which victim counts are shared (never the exact count).
VICTIM_BANDS: tuple[str, ...] = ("unknown", "1", "2-5", "6-10", "11-50", "51+")


def victims_band(count: int | None) -> str:
    """The band a victim count is shared in."""
    if count is None or count <= 0:
        return "unknown"
    if count == 1:
        return "1"
    if count <= 5:
        return "2-5"
    if count <= 10:
        return "6-10"
    if count <= 50:
        return "11-50"
    return "51+"


@dataclass(frozen=True, slots=True, repr=False)
class Token:
    """A blind identifier token: OPRF output under the network key of one epoch."""

    SIZE = TOKEN_SIZE

    kind: str
    value: bytes
    epoch: int

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or not _KIND.fullmatch(self.kind):
            raise ValidationError("token.kind", "wrong format (lower-case word such as phone)")
        if not isinstance(self.value, bytes) or len(self.value) != TOKEN_SIZE:
            raise ValidationError("token.value", f"must be {TOKEN_SIZE} bytes")
        if not isinstance(self.epoch, int) or not (1 <= self.epoch < 2**32):
            raise ValidationError("token.epoch", "must be a positive 32-bit integer")

    def __bytes__(self) -> bytes:
        return self.value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Token):
            return NotImplemented
        return (
            self.kind == other.kind
            and self.epoch == other.epoch
            and hmac.compare_digest(self.value, other.value)
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.epoch, self.value))

    def __repr__(self) -> str:
        return f"Token(kind={self.kind!r}, epoch={self.epoch})"


def valid_token_parts(parts: Sequence[tuple[str, bytes, int]]) -> bool:
    """Whether ``(kind, value, epoch)`` parts pass every check on tokens: each as a
    :class:`Token`, and together as a :class:`SharedRecord`'s (at most 512, one epoch).

    Intake holds a record's tokens as plain tuples, checked here in bulk: building a
    frozen Token per token was a third of the coordinator's checking. False when any
    check fails; the caller then builds the Tokens to raise the exact error.
    """
    if not parts:
        return True
    if len(parts) > MAX_TOKENS:
        return False
    kinds, values, epochs = zip(*parts, strict=True)
    try:
        (epoch,) = set(epochs)
        if not isinstance(epoch, int) or not 1 <= epoch < 2**32:
            return False
        if set(map(type, kinds)) != {str} or not all(map(_KIND.fullmatch, set(kinds))):
            return False
        # Exact types (upb gives str and bytes): a subclass takes the Token path instead.
        return set(map(len, values)) == {TOKEN_SIZE} and set(map(type, values)) == {bytes}
    except (TypeError, ValueError):  # several epochs, or parts of the wrong types
        return False


@dataclass(frozen=True, slots=True)
class SharedRecord:
    """What the coordinator holds of one shared report. No raw personal data."""

    record_id: str
    member_id: str
    narrative: str
    tokens: tuple[Token, ...]
    region: Region
    sector: Sector
    exploitation_type: ExploitationType
    month: str
    grade: Grade
    tlp: Tlp
    indicators: tuple[Indicator, ...] = ()
    victims_band: str = "unknown"
    time_sensitive: bool = False
    shared_at: _dt.datetime | None = None

    def __post_init__(self) -> None:
        check_id("record_id", self.record_id)
        check_id("member_id", self.member_id)
        if not isinstance(self.narrative, str):
            raise ValidationError("narrative", "must be text")
        if len(self.narrative) > MAX_NARRATIVE:
            raise ValidationError("narrative", "is too long (at most 20000 characters)")
        if "\x00" in self.narrative:
            # PostgreSQL text cannot hold NUL, and no redacted narrative needs one.
            raise ValidationError("narrative", "must not contain NUL characters")
        if len(self.tokens) > MAX_TOKENS:
            raise ValidationError("tokens", f"too many tokens (at most {MAX_TOKENS})")
        epochs = {t.epoch for t in self.tokens}
        if len(epochs) > 1:
            raise ValidationError("tokens", "tokens of one record must share one key epoch")
        for name, kind in _TYPED_FIELDS:
            if not isinstance(getattr(self, name), kind):
                raise ValidationError(name, f"must be {type_phrase(kind)}")
        if not _MONTH.fullmatch(self.month):
            raise ValidationError("month", "wrong format (expected YYYY-MM)")
        if self.victims_band not in VICTIM_BANDS:
            raise ValidationError("victims_band", f"must be one of {', '.join(VICTIM_BANDS)}")

    @property
    def epoch(self) -> int | None:
        """The key epoch of the record's tokens (None when it has none)."""
        return self.tokens[0].epoch if self.tokens else None
