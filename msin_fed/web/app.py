"""The part both consoles share: templates, sessions and sign-in, forms with CSRF tokens.

A console is a :class:`Console` (accounts, sessions, the service name and navigation)
plus its own routes; :meth:`Console.app` joins them into one Starlette application with
the security middleware of :mod:`msin_fed.web.security` around it. Pages are rendered on
the server from Jinja2 templates with autoescaping on; stored text goes through the
``visible`` filter (:mod:`msin_fed.web.text`). Handlers that need a signed-in user call
:meth:`Console.user`; every POST handler reads its form with :meth:`Console.form`, which
refuses a missing or wrong CSRF token.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .accounts import AccountStore
from .security import COOKIE, SecurityHeaders, Session, SessionStore, SignInLimiter
from .text import highlight_placeholders, visible

__all__ = ["STATIC", "TEMPLATES", "Console", "NavItem", "SignInRequired"]

log = logging.getLogger("msin_fed.web")

STATIC = Path(__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class NavItem:
    """One service-navigation link; ``prefix`` marks it current for paths under it."""

    label: str
    href: str
    prefix: str = ""


class SignInRequired(Exception):
    """Raised by :meth:`Console.user` when nobody is signed in (answered by a redirect)."""



async def in_thread(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a blocking call (gRPC, SQLite, Argon2) off the event loop."""
    return await anyio.to_thread.run_sync(lambda: func(*args, **kwargs))

def _when(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, int | float):
        value = _dt.datetime.fromtimestamp(float(value), _dt.UTC)
    if isinstance(value, _dt.datetime):
        return value.astimezone(_dt.UTC).strftime("%d %b %Y %H:%M UTC")
    if isinstance(value, _dt.date):
        return value.strftime("%d %b %Y")
    return str(value)


def _clock(value: object) -> str:
    if isinstance(value, int | float):
        return _dt.datetime.fromtimestamp(float(value), _dt.UTC).strftime("%H:%M:%S UTC")
    return _when(value)


class _SessionCookie:
    """ASGI middleware: loads the session named by the cookie; sets or clears the cookie after."""

    def __init__(self, app: ASGIApp, sessions: SessionStore) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        sid = None
        for key, value in scope.get("headers", []):
            if key == b"cookie":
                for part in value.decode("latin-1").split(";"):
                    name, _, val = part.strip().partition("=")
                    if name == COOKIE:
                        sid = val
        state["msin_session"] = self.sessions.get(sid)
        state["msin_cookie"] = None

        async def send_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                action = state.get("msin_cookie")
                if action is not None:
                    if action == "":
                        cookie = f"{COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict"
                    else:
                        cookie = f"{COOKIE}={action}; Path=/; Secure; HttpOnly; SameSite=Strict"
                    message.setdefault("headers", []).append((b"set-cookie", cookie.encode("latin-1")))
            await send(message)

        await self.app(scope, receive, send_cookie)


class Console:
    """One console: its accounts, sessions, sign-in limits, service name and navigation."""

    def __init__(
        self,
        *,
        service_name: str,
        accounts: AccountStore,
        nav: Sequence[NavItem] = (),
        sessions: SessionStore | None = None,
        limiter: SignInLimiter | None = None,
        client_limiter: SignInLimiter | None = None,
        template_dirs: Sequence[Path] = (),
        home: str = "/",
        on_sign_in: Callable[[str], None] | None = None,
    ) -> None:
        self.service_name = service_name
        self.accounts = accounts
        self.nav = list(nav)
        self.sessions = sessions or SessionStore()
        #: Failures per account name; per client address more are allowed (people share addresses).
        self.limiter = limiter or SignInLimiter(attempts=5)
        self.client_limiter = client_limiter or SignInLimiter(attempts=50)
        self.home = home
        self.on_sign_in = on_sign_in
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader([str(d) for d in template_dirs] + [str(TEMPLATES)])]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["visible"] = visible
        self.env.filters["placeholders"] = highlight_placeholders
        self.env.filters["when"] = _when
        self.env.filters["clock"] = _clock

    # ------------------------------------------------------------------ sessions

    def session(self, request: Request) -> Session:
        """This browser's session, started (anonymous) when it has none."""
        s: Session | None = request.state.msin_session
        if s is None:
            s = self.sessions.new()
            request.state.msin_session = s
            request.state.msin_cookie = s.sid
        return s

    def user(self, request: Request) -> str:
        """The signed-in account name; SignInRequired (a redirect to sign in) when none."""
        s: Session | None = request.state.msin_session
        if s is None or s.user is None:
            raise SignInRequired()
        if not self.accounts.exists(s.user):
            # Removed with 'msin ... users remove' (another process): its sessions end now.
            self.sessions.end_user(s.user)
            request.state.msin_session = None
            raise SignInRequired()
        return s.user

    def flash(self, request: Request, kind: str, text: str) -> None:
        """A message shown once on the next page (kind ``success`` or ``info``)."""
        self.session(request).flash.append((kind, text))

    async def form(self, request: Request, *, max_part_size: int = 1024 * 1024) -> FormData:
        """The POSTed form, after checking its CSRF token (403 when missing or wrong)."""
        form = await request.form(max_part_size=max_part_size)
        s: Session | None = request.state.msin_session
        if s is None or not s.check_csrf(form.get("csrf_token")):
            raise HTTPException(403, "The form has expired or did not come from this console. Go back, reload the page and try again.")
        return form

    # ------------------------------------------------------------------ rendering

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A page from ``template`` with the session's CSRF token, user and navigation."""
        s = self.session(request)
        flash, s.flash = s.flash, []
        path = request.url.path
        nav = [
            {"label": n.label, "href": n.href,
             "current": (path == n.href) or bool(n.prefix and path.startswith(n.prefix))}
            for n in self.nav
        ] if s.user else []
        csrf = s.csrf
        if "errors" in context and "error_of" not in context:
            # The error message beside each field, by the field id the summary links to.
            context["error_of"] = {e["href"][1:]: e["text"] for e in context["errors"] or []}

        def csrf_field() -> Markup:
            return Markup(f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">')  # noqa: S704

        context.setdefault("service_name", self.service_name)
        context.setdefault("service_url", self.home)
        html = self.env.get_template(template).render(
            user=s.user, nav=nav, flash=flash,
            csrf_token=csrf, csrf_field=csrf_field, path=path, **context,
        )
        return HTMLResponse(html, status_code=status)

    # ------------------------------------------------------------------ sign-in

    async def _sign_in_page(self, request: Request) -> Response:
        if request.state.msin_session is not None and request.state.msin_session.user:
            return RedirectResponse(self.home, status_code=303)
        return self.render(request, "sign_in.html", title="Sign in", errors=[], username="")

    async def _sign_in(self, request: Request) -> Response:
        form = await self.form(request)
        username = str(form.get("username", "")).strip().lower()
        password = str(form.get("password", ""))
        code = str(form.get("code", ""))
        client = request.client.host if request.client else "unknown"
        user_key, client_key = [f"user:{username}"], [f"client:{client}"]
        errors: list[dict[str, str]] = []
        if not username:
            errors.append({"href": "#username", "text": "Enter your account name"})
        if not password:
            errors.append({"href": "#password", "text": "Enter your password"})
        if not code.strip():
            errors.append({"href": "#code", "text": "Enter the 6-digit code from your authenticator app"})
        wait = max(self.limiter.blocked(user_key), self.client_limiter.blocked(client_key))
        if wait > 0:
            log.info("sign-in refused: too many failures")
            errors = [{"href": "#username",
                       "text": f"Too many failed sign-ins. Try again in {int(wait // 60) + 1} minutes."}]
        elif not errors:
            account = await in_thread(self.accounts.authenticate, username, password, code)
            if account is not None:
                self.limiter.succeeded(user_key)
                old: Session | None = request.state.msin_session
                if old is not None:
                    self.sessions.end(old.sid)
                fresh = self.sessions.new(user=account.username)
                request.state.msin_session = fresh
                request.state.msin_cookie = fresh.sid
                log.info("sign-in succeeded")
                if self.on_sign_in is not None:
                    self.on_sign_in(account.username)
                return RedirectResponse(self.home, status_code=303)
            self.limiter.failed(user_key)
            self.client_limiter.failed(client_key)
            log.info("sign-in failed")
            errors = [{"href": "#username", "text": "The account name, password or code is not right"}]
        return self.render(request, "sign_in.html", status=400, title="Sign in", errors=errors, username=username)

    async def _sign_out(self, request: Request) -> Response:
        await self.form(request)
        s: Session | None = request.state.msin_session
        if s is not None:
            self.sessions.end(s.sid)
        request.state.msin_session = None
        request.state.msin_cookie = ""
        return RedirectResponse("/sign-in", status_code=303)

    # ------------------------------------------------------------------ the application

    def _error(self, request: Request, status: int, detail: str) -> Response:
        titles = {403: "Not allowed", 404: "Page not found", 405: "Not allowed", 500: "Sorry, there is a problem"}
        return self.render(request, "error.html", status=status, title=titles.get(status, "There is a problem"),
                           detail=detail)

    def app(self, routes: Sequence[BaseRoute], *, name: str = "console") -> ASGIApp:
        """The ASGI application of this console's ``routes`` plus sign-in, sign-out and assets."""

        async def on_http(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, HTTPException)
            detail = exc.detail if exc.status_code == 403 else {
                404: "Check the address, or go back to the start page.",
                405: "That page cannot be used like this.",
            }.get(exc.status_code, "Try again later.")
            return self._error(request, exc.status_code, str(detail))

        async def on_sign_in_required(request: Request, exc: Exception) -> Response:
            if request.method == "GET":
                return RedirectResponse("/sign-in", status_code=303)
            return self._error(request, 403, "Sign in first.")

        async def on_error(request: Request, exc: Exception) -> Response:
            log.error("%s: unhandled %s", name, type(exc).__name__)
            return self._error(request, 500, "Try again later. Nothing you entered has been sent anywhere.")

        async def favicon(request: Request) -> Response:
            return Response((STATIC / "favicon.svg").read_bytes(), media_type="image/svg+xml")

        base: list[BaseRoute] = [
            Route("/sign-in", self._sign_in_page, methods=["GET"]),
            Route("/sign-in", self._sign_in, methods=["POST"]),
            Route("/sign-out", self._sign_out, methods=["POST"]),
            Route("/favicon.ico", favicon, methods=["GET"]),
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ]
        app = Starlette(
            routes=[*base, *routes],
            exception_handlers={HTTPException: on_http, SignInRequired: on_sign_in_required, Exception: on_error},
        )
        # Outside Starlette's own error middleware, so that error pages get the headers too.
        return SecurityHeaders(_SessionCookie(app, self.sessions), name=name)
