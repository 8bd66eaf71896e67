"""The one error tree of msin-fed.

Every error the library raises on purpose is an :class:`MsinError`::

    MsinError
    ├── ValidationError          bad input: names the field and the problem (also a ValueError)
    │   ├── ImportValidationError  every bad row of an import file, by line and field
    │   └── RosterRefused          a membership roster without a quorum, or older than the one held
    ├── RedactionRefused         the verification pass found identifying residue (types, positions)
    ├── TokenError               blind-token protocol failures
    │   ├── InvalidProof           a key holder's evaluation failed its DLEQ proof (names the holder)
    │   └── KeyHoldersUnavailable  fewer than t key holders answered correctly
    ├── StoreError               secure or shared store problems
    │   ├── WrongKeyError          the store key or passphrase does not open this store
    │   ├── CorruptStoreError      the store file is damaged or not a store
    │   └── StoreFull              the store's disk or quota is full (try again later)
    ├── ConfigError              invalid configuration: file, key and reason
    ├── RevocationUnavailable    the CRL cannot be trusted now, so a server refuses every call
    ├── RemoteError              a peer (coordinator, key holder) refused or failed a call
    └── NotAvailableError        a feature whose implementation has not landed yet

Messages never contain identifiers, matched text or keys: they name fields, types,
line numbers and positions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Self

__all__ = [
    "ConfigError",
    "CorruptStoreError",
    "Finding",
    "ImportValidationError",
    "InvalidProof",
    "KeyHoldersUnavailable",
    "MsinError",
    "NotAvailableError",
    "RedactionRefused",
    "RemoteError",
    "RevocationUnavailable",
    "RosterRefused",
    "RowError",
    "StoreError",
    "StoreFull",
    "TokenError",
    "ValidationError",
    "WrongKeyError",
    "peer_unreachable",
    "type_phrase",
]

#: Built-in types in the words a message uses ("must be a whole number", not "a int").
_TYPE_WORDS = {int: "a whole number", float: "a number", str: "text", bool: "true or false",
               list: "a list", tuple: "a list", dict: "a table", bytes: "bytes"}


def type_phrase(kind: type) -> str:
    """What a value of ``kind`` is called in an error: "a whole number", "an IntelligenceReport"."""
    if kind in _TYPE_WORDS:
        return _TYPE_WORDS[kind]
    name = kind.__name__
    return f"{'an' if name[:1].upper() in 'AEIOU' else 'a'} {name}"


class MsinError(Exception):
    """Base class of every error msin-fed raises on purpose.

    Picklable with the arguments it was built from (subclasses have their own
    constructors), so errors raised in worker processes reach the parent intact.
    """

    _built_from: tuple[tuple[Any, ...], dict[str, Any]]

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        self = super().__new__(cls, *args)
        self._built_from = (args, kwargs)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        args, kwargs = self._built_from
        state = {k: v for k, v in self.__dict__.items() if k != "_built_from"}
        return (_rebuild, (type(self), args, kwargs), state)


def _rebuild(cls: type[MsinError], args: tuple[Any, ...], kwargs: dict[str, Any]) -> MsinError:
    return cls(*args, **kwargs)


class ValidationError(MsinError, ValueError):
    """A value failed validation. ``field`` names it; ``problem`` says what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


@dataclass(frozen=True)
class RowError:
    """One bad field in one row of an import file (1-based line number, header is line 1;
    line 0 for the file as a whole, such as one that does not exist)."""

    line: int
    field: str
    problem: str
    source: str = ""

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.source}: {self.field}: {self.problem}" if self.source else f"{self.field}: {self.problem}"
        where = f"{self.source}:" if self.source else "line "
        return f"{where}{self.line}: {self.field}: {self.problem}"


class ImportValidationError(ValidationError):
    """An input file had bad rows; nothing was written. ``errors`` lists every one.

    ``outcome`` says what that meant for the command (``nothing was imported``,
    ``nothing was redacted``).
    """

    def __init__(self, errors: Sequence[RowError], outcome: str = "nothing was imported") -> None:
        self.errors = tuple(errors)
        self.outcome = outcome
        first = self.errors[0] if self.errors else RowError(0, "file", "no rows")
        super().__init__(first.field, first.problem)
        self.args = (self.summary(),)

    def summary(self) -> str:
        """All row errors, one per line."""
        lines = [f"{len(self.errors)} problem(s); {self.outcome}:"]
        lines += [f"  {e}" for e in self.errors]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


class RosterRefused(ValidationError):
    """A key holder did not accept a membership roster (too few valid signatures of the
    pinned key holders, a lower version than the one it holds, or a conflicting one)."""

    def __init__(self, problem: str) -> None:
        super().__init__("roster", problem)


@dataclass(frozen=True)
class Finding:
    """An identifying span found by redaction verification: type and position, never text."""

    entity_type: str
    start: int
    end: int
    score: float


class RedactionRefused(MsinError):
    """The redacted narrative still holds identifying residue; nothing may be shared."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.findings = tuple(findings)
        parts = ", ".join(
            f"{f.entity_type} at {f.start}-{f.end} (score {f.score:.2f})" for f in self.findings
        )
        super().__init__(f"redaction verification found identifying residue: {parts}")


class TokenError(MsinError):
    """Blind-token protocol failure."""


class InvalidProof(TokenError):
    """A key holder's evaluation did not verify against its public share."""

    def __init__(self, holder: str) -> None:
        self.holder = holder
        super().__init__(f"key holder {holder!r} returned an evaluation that fails its proof")


class KeyHoldersUnavailable(TokenError):
    """Fewer than the threshold of key holders gave a verified evaluation."""


class StoreError(MsinError):
    """A store could not be opened, read or written."""


class StoreFull(StoreError):
    """The store cannot grow: its disk, file system or database quota is full. Nothing of
    the write was kept; the same request can succeed once there is room."""


class WrongKeyError(StoreError):
    """The key or passphrase given does not open this store."""


class CorruptStoreError(StoreError):
    """The store file is damaged or is not a store of this kind."""


class ConfigError(MsinError):
    """Invalid configuration, naming the file, the key and the reason."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        self.file = file
        self.key = key
        self.reason = reason
        super().__init__(f"{file}: {key}: {reason}")


class RevocationUnavailable(MsinError):
    """The revocation list is missing, unreadable, wrongly signed, expired or rolled back.

    Servers refuse every call while this holds (fail closed); ``reason`` says which.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"revocation list unusable, every call refused: {reason}")


class RemoteError(MsinError):
    """A peer refused or failed a call. ``code`` is the gRPC status name when known."""

    def __init__(self, message: str, code: str = "") -> None:
        self.code = code
        #: The peer's own text, without the status name.
        self.details = message
        super().__init__(f"{code}: {message}" if code else message)

    @property
    def unreachable(self) -> bool:
        """True when the call never reached the peer (see :func:`peer_unreachable`)."""
        return peer_unreachable(self.code, self.details)


#: gRPC status texts of a connection that never reached the peer's service.
_NOT_REACHED = ("failed to connect", "connection refused", "dns resolution", "name resolution",
                "no route to host", "connect failed", "socket closed", "connection reset")


def peer_unreachable(code: str, details: str) -> bool:
    """True for a call that never reached the peer: UNAVAILABLE with a connection failure's text."""
    lowered = details.lower()
    return code == "UNAVAILABLE" and (not details or any(t in lowered for t in _NOT_REACHED))


class NotAvailableError(MsinError):
    """A command or feature whose implementation has not landed yet."""
