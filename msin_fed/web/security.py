"""What every console page relies on: sessions, CSRF tokens, sign-in limits, security headers.

* Sessions are kept in the console process only (a restart signs everyone out); the
  cookie holds a random id and is ``Secure``, ``HttpOnly``, ``SameSite=Strict`` with the
  ``__Host-`` prefix. A session ends after ``idle`` seconds without a request and after
  ``lifetime`` seconds in any case; signing in starts a new session (no fixation).
* Every form carries the session's CSRF token; a POST without the right one is refused
  (403), and so is a POST whose ``Origin`` or ``Sec-Fetch-Site`` names another site.
* Sign-in failures are limited per account name and per client address.
* Every response carries a strict Content-Security-Policy (scripts and styles from the
  console itself only, no inline script or style), ``no-store`` caching, and the other
  usual headers. The request log names the method, the handler and the status, never a
  URL's values, a form or a query.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "COOKIE",
    "SecurityHeaders",
    "Session",
    "SessionStore",
    "SignInLimiter",
]

log = logging.getLogger("msin_fed.web")

COOKIE = "__Host-msin-session"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "manifest-src 'self'"
)

_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Not no-referrer: with it Chromium sends "Origin: null" on same-origin form posts.
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "strict-transport-security": "max-age=31536000",
}


@dataclass
class Session:
    """One browser's session: its CSRF token, who signed in (None before), one-shot messages."""

    sid: str
    csrf: str
    created: float
    seen: float
    user: str | None = None
    flash: list[tuple[str, str]] = field(default_factory=list)

    def check_csrf(self, token: object) -> bool:
        """True when ``token`` is this session's CSRF token (constant time)."""
        return isinstance(token, str) and hmac.compare_digest(token.encode(), self.csrf.encode())


class SessionStore:
    """Sessions by id, in memory, expiring after ``idle`` seconds unused and ``lifetime`` in all."""

    def __init__(self, *, idle: float = 15 * 60, lifetime: float = 8 * 3600, limit: int = 10_000) -> None:
        self.idle, self.lifetime, self.limit = idle, lifetime, limit
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _expired(self, s: Session, now: float) -> bool:
        return now - s.seen > self.idle or now - s.created > self.lifetime

    def get(self, sid: str | None, now: float | None = None) -> Session | None:
        """The live session of ``sid`` (its last use moved on), or None."""
        if not sid:
            return None
        now = time.time() if now is None else now
        with self._lock:
            s = self._sessions.get(sid)
            if s is None:
                return None
            if self._expired(s, now):
                del self._sessions[sid]
                return None
            s.seen = now
            return s

    def new(self, user: str | None = None, now: float | None = None) -> Session:
        """A fresh session (old expired ones are dropped first)."""
        now = time.time() if now is None else now
        with self._lock:
            if len(self._sessions) >= self.limit:
                for sid in [k for k, v in self._sessions.items() if self._expired(v, now)]:
                    del self._sessions[sid]
                if len(self._sessions) >= self.limit:  # still full: the oldest goes
                    oldest = min(self._sessions.values(), key=lambda v: v.seen)
                    del self._sessions[oldest.sid]
            s = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now, user)
            self._sessions[s.sid] = s
            return s

    def end(self, sid: str) -> None:
        """Forget a session (sign-out)."""
        with self._lock:
            self._sessions.pop(sid, None)

    def end_user(self, user: str) -> None:
        """End every session of ``user`` (the account was removed)."""
        with self._lock:
            for sid in [k for k, v in self._sessions.items() if v.user == user]:
                del self._sessions[sid]


class SignInLimiter:
    """At most ``attempts`` failed sign-ins per ``window`` seconds per account name and per client."""

    def __init__(self, *, attempts: int = 5, window: float = 15 * 60) -> None:
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, keys: list[str], now: float | None = None) -> float:
        """Seconds until a sign-in may be tried again for any of ``keys`` (0 when allowed)."""
        now = time.time() if now is None else now
        wait = 0.0
        with self._lock:
            for key in keys:
                q = self._recent(key, now)
                if len(q) >= self.attempts:
                    wait = max(wait, self.window - (now - q[0]))
        return wait

    def failed(self, keys: list[str], now: float | None = None) -> None:
        """Count one failed sign-in against each of ``keys``."""
        now = time.time() if now is None else now
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, keys: list[str]) -> None:
        """Forget the failures of ``keys`` after a good sign-in."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def _same_origin(scope: Scope) -> bool:
    headers: dict[str, str] = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = headers.get("origin")
    if origin is not None and origin != "null":
        host = headers.get("host", "")
        return bool(origin.split("://", 1)[-1] == host)
    return origin != "null"


class SecurityHeaders:
    """ASGI middleware: security headers on every response, cross-site POSTs refused, a request log
    naming the handler only."""

    def __init__(self, app: ASGIApp, *, name: str = "console") -> None:
        self.app = app
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        status: dict[str, Any] = {}
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = MutableHeaders(scope=message)
                for key, value in _HEADERS.items():
                    headers.setdefault(key, value)
                if not static:
                    headers["cache-control"] = "no-store"
            await send(message)

        if method not in ("GET", "HEAD", "OPTIONS") and not _same_origin(scope):
            await send_with_headers({"type": "http.response.start", "status": 403,
                                     "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b"Refused: a form from another site."})
            log.info("%s %s refused: cross-site", self.name, method)
            return
        await self.app(scope, receive, send_with_headers)
        endpoint = scope.get("endpoint")
        where = "static" if static else getattr(endpoint, "__name__", "(no route)")
        log.info("%s %s %s %s", self.name, method, where, status.get("code", "-"))
