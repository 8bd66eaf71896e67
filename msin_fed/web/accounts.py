"""Console accounts: local users with an Argon2id password hash and a TOTP second factor.

Accounts live in one SQLite file (mode 0600) beside the service they sign in to. A
password is kept only as a PyNaCl Argon2id string; the TOTP secret (RFC 6238, 6 digits,
30 s) is kept so that the code can be checked, and each time step is accepted once
(a code seen is never accepted again). Sign-in failures are counted by
:class:`~msin_fed.web.security.SignInLimiter`, not here.
"""

from __future__ import annotations

import hmac
import os
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyotp
from nacl.exceptions import InvalidkeyError
from nacl.pwhash import argon2id

from msin_fed.errors import ValidationError

__all__ = ["MIN_PASSWORD", "Account", "AccountStore", "NewAccount"]

MIN_PASSWORD = 12
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
  username TEXT PRIMARY KEY, password TEXT NOT NULL, totp TEXT NOT NULL,
  last_step INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL);
"""
#: A hash checked when the user does not exist, so that sign-in takes as long either way.
_DUMMY = argon2id.str(b"no such user: constant-time padding", opslimit=argon2id.OPSLIMIT_INTERACTIVE,
                      memlimit=argon2id.MEMLIMIT_INTERACTIVE)


@dataclass(frozen=True)
class Account:
    """A console user (no secrets)."""

    username: str
    created: float


@dataclass(frozen=True, repr=False)
class NewAccount:
    """What creating an account hands back once: the TOTP secret to enrol in an authenticator."""

    username: str
    totp_secret: str
    issuer: str

    @property
    def provisioning_uri(self) -> str:
        """The ``otpauth://`` URI an authenticator app takes (as a QR code or pasted)."""
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=self.username, issuer_name=self.issuer)

    def __repr__(self) -> str:
        return f"NewAccount(username={self.username!r})"


def check_username(username: str) -> str:
    """A username: 1-64 lower-case letters, digits and ``._-``."""
    if not isinstance(username, str) or not _USERNAME.fullmatch(username):
        raise ValidationError("username", "1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
    return username


def check_password(password: str) -> str:
    """A password of at least MIN_PASSWORD characters."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError("password", f"must be at least {MIN_PASSWORD} characters")
    return password


class AccountStore:
    """The accounts file. Thread-safe; every write is one transaction."""

    def __init__(self, path: str | os.PathLike[str], *, issuer: str = "msin-fed",
                 opslimit: int = argon2id.OPSLIMIT_INTERACTIVE, memlimit: int = argon2id.MEMLIMIT_INTERACTIVE) -> None:
        self.path = Path(path)
        self.issuer = issuer
        self._ops, self._mem = opslimit, memlimit
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        if new:
            os.chmod(self.path, 0o600)
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the file."""
        self._conn.close()

    def add(self, username: str, password: str) -> NewAccount:
        """Create an account; ValidationError when the name is taken or a value is unfit."""
        check_username(username)
        check_password(password)
        secret = pyotp.random_base32()
        hashed = argon2id.str(password.encode(), opslimit=self._ops, memlimit=self._mem).decode()
        with self._lock:
            try:
                self._conn.execute(
                    "INSERT INTO accounts (username, password, totp, created) VALUES (?, ?, ?, ?)",
                    (username, hashed, secret, time.time()),
                )
            except sqlite3.IntegrityError:
                raise ValidationError("username", "an account with this name already exists") from None
        return NewAccount(username, secret, self.issuer)

    def remove(self, username: str) -> bool:
        """Delete an account; False when there was none."""
        with self._lock:
            return self._conn.execute("DELETE FROM accounts WHERE username = ?", (username,)).rowcount > 0

    def exists(self, username: str) -> bool:
        """True while an account of this name exists (checked on every signed-in request)."""
        with self._lock:
            return self._conn.execute("SELECT 1 FROM accounts WHERE username = ?", (username,)).fetchone() is not None

    def accounts(self) -> list[Account]:
        """Every account, by name."""
        with self._lock:
            rows = self._conn.execute("SELECT username, created FROM accounts ORDER BY username").fetchall()
        return [Account(str(u), float(c)) for u, c in rows]

    def authenticate(self, username: str, password: str, code: str, *, now: float | None = None) -> Account | None:
        """The account when password and TOTP code are right (each code once), else None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT password, totp, last_step, created FROM accounts WHERE username = ?", (username,)
            ).fetchone()
        stored = row[0].encode() if row else _DUMMY
        try:
            password_ok = argon2id.verify(stored, password.encode())
        except InvalidkeyError:
            password_ok = False
        if row is None or not password_ok:
            return None
        step = _matching_step(str(row[1]), code, time.time() if now is None else now)
        if step is None or step <= int(row[2]):
            return None
        with self._lock:
            # Only one of two concurrent sign-ins with the same code can move last_step on.
            moved = self._conn.execute(
                "UPDATE accounts SET last_step = ? WHERE username = ? AND last_step < ?", (step, username, step)
            ).rowcount
        return Account(username, float(row[3])) if moved else None


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The 30-second time step (within one step of now) whose TOTP code is ``code``."""
    code = (code or "").strip().replace(" ", "")
    if not re.fullmatch(r"[0-9]{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // totp.interval)
    found = None
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            found = step
    return found
