"""The roster a running key holder enforces: loaded, verified, re-read, never rolled back.

:class:`Membership` holds the accepted :class:`~msin_fed.keyholder.roster.Roster`. It
re-reads the roster file when it changes (``msin keyholder roster install`` replaces it
atomically), and accepts the new one only with a quorum of pinned signatures and a
version not lower than the one held; otherwise it keeps the roster it has and logs why.
The highest version ever accepted is kept in the usage store, so a holder restarted on
an older roster file refuses to start instead of quietly re-admitting removed members.

Without a roster file a holder evaluates for nobody (fail closed).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from msin_fed.errors import ConfigError, ValidationError
from msin_fed.keyholder.config import RosterConfig
from msin_fed.keyholder.roster import (
    Roster,
    RosterMember,
    RosterRefused,
    read_signed_roster,
    spki_fingerprint,
    verify_roster,
    write_signed_roster,
)
from msin_fed.keyholder.usage import UsageStore

__all__ = ["Admission", "Membership", "install_roster"]

log = logging.getLogger("msin_fed.keyholder")


@dataclass(frozen=True)
class Admission:
    """The outcome of checking a caller against the roster: the member, or why not."""

    member: RosterMember | None
    budget: int
    reason: str


def _check_not_older(roster: Roster, usage: UsageStore) -> None:
    recorded = usage.accepted_roster()
    if recorded is None:
        return
    version, digest = recorded
    if roster.version < version:
        raise RosterRefused(
            f"roster version {roster.version} is older than version {version} accepted before (rollback refused)"
        )
    if roster.version == version and roster.digest != digest:
        raise RosterRefused(f"roster version {roster.version} differs from the roster of that version accepted before")


def _accept(path: Path, config: RosterConfig, usage: UsageStore, current: Roster | None) -> Roster:
    roster = verify_roster(read_signed_roster(path), config.signers, config.threshold, current=current)
    _check_not_older(roster, usage)
    usage.record_roster(roster.version, roster.digest)
    return roster


def install_roster(source: str | os.PathLike[str], config: RosterConfig, usage: UsageStore) -> Roster:
    """Verify a signed roster against the pins and the installed one, then install it.

    Raises :class:`~msin_fed.errors.RosterRefused` (too few valid signatures, an
    older or conflicting version) or ValidationError (not a roster file); nothing is
    written then. A running holder picks the new file up on its next call.
    """
    try:
        current: Roster | None = read_signed_roster(config.file).roster if config.file.exists() else None
    except ValidationError:
        current = None  # a damaged installed file: the recorded version still guards rollback
    signed = read_signed_roster(source)
    roster = verify_roster(signed, config.signers, config.threshold, current=current)
    _check_not_older(roster, usage)
    write_signed_roster(signed, config.file)
    usage.record_roster(roster.version, roster.digest)
    return roster


class Membership:
    """Thread-safe view of the accepted roster, re-read when its file changes."""

    def __init__(self, config: RosterConfig, usage: UsageStore) -> None:
        self._config = config
        self._usage = usage
        self._lock = threading.Lock()
        self._roster: Roster | None = None
        self._seen: tuple[float, int] | None = None
        try:
            self._seen = self._stamp()
            if self._seen is not None:
                self._roster = _accept(config.file, config, usage, None)
        except ValidationError as exc:  # RosterRefused is one
            raise ConfigError(str(config.file), "roster.file", str(exc)) from None
        if self._roster is None:
            if usage.accepted_roster() is not None:
                log.warning("roster file missing although a roster was accepted before: evaluating for nobody")
            else:
                log.warning("no roster installed yet: evaluating for nobody")
        else:
            log.info("roster version=%d members=%d", self._roster.version, len(self._roster.members))

    def _stamp(self) -> tuple[float, int] | None:
        try:
            st = self._config.file.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime, st.st_ino)

    @property
    def roster(self) -> Roster | None:
        """The accepted roster (after picking up a newly installed file)."""
        with self._lock:
            stamp = self._stamp()
            if stamp is not None and stamp != self._seen:
                self._seen = stamp
                try:
                    self._roster = _accept(self._config.file, self._config, self._usage, self._roster)
                    log.info("roster version=%d members=%d", self._roster.version, len(self._roster.members))
                except ValidationError as exc:  # RosterRefused is one
                    # Keep the roster a quorum agreed; a bad file changes nothing.
                    log.warning("roster file refused, keeping version %s: %s",
                                self._roster.version if self._roster else "none", exc)
            return self._roster

    def admit(self, member_id: str, cert_pem: bytes) -> Admission:
        """Whether the caller named ``member_id`` presenting ``cert_pem`` is rostered."""
        roster = self.roster
        if roster is None:
            return Admission(None, 0, "no membership roster is installed at this key holder")
        member = roster.members.get(member_id)
        if member is None:
            return Admission(
                None, 0, f"{member_id!r} is not on the membership roster (version {roster.version})"
            )
        if spki_fingerprint(cert_pem) not in member.keys:
            return Admission(
                None, 0,
                f"the certificate key of {member_id!r} is not one the membership roster "
                f"(version {roster.version}) lists for it",
            )
        return Admission(member, roster.budget_of(member_id), "")
