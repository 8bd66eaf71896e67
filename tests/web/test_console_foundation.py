"""The consoles' shared layer without a browser: text made visible, accounts (Argon2id and
TOTP, each code once), sessions that expire, sign-in limits, CSRF and security headers on a
real Starlette application served through Starlette's test client."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from msin_fed.errors import ValidationError
from msin_fed.web.accounts import AccountStore
from msin_fed.web.app import Console, NavItem
from msin_fed.web.security import COOKIE, SessionStore, SignInLimiter
from msin_fed.web.settings import console_settings
from msin_fed.web.text import highlight_placeholders, invisible_characters, visible

PASSWORD = "a long enough password"


# ------------------------------------------------------------------ text


@pytest.mark.parametrize(
    ("text", "marks"),
    [
        ("abc\u202edef", ["U+202E"]),
        ("zero\u200bwidth\u200d joiner\ufeff", ["U+200B", "U+200D", "U+FEFF"]),
        ("isolates \u2066x\u2069 \u2067y\u2069 \u2068z\u2069", ["U+2066", "U+2069", "U+2067", "U+2069", "U+2068", "U+2069"]),
        ("marks \u200e\u200f \u061c", ["U+200E", "U+200F", "U+061C"]),
        ("bell\x07 and nul\x00 and sep\u2028", ["U+0007", "U+0000", "U+2028"]),
        ("line\nbreak\tand tab", []),
        ("مرحبا עברית", []),  # right-to-left letters are text, not controls
    ],
)
def test_visible_marks_every_hidden_character(text: str, marks: list[str]) -> None:
    shown = str(visible(text))
    assert invisible_characters(text) == marks
    assert re.findall(r"\u27e8(U\+[0-9A-F]{4})\u27e9", shown) == marks
    assert not [ch for ch in shown if ch in "\u202e\u200b\u200d\ufeff\u2066\u2067\u2068\u2069\u200e\u200f\u061c\x07\x00\u2028"]


def test_visible_escapes_html() -> None:
    shown = str(visible('<script>alert("x")</script>&<img onerror=1>'))
    assert "<script" not in shown and "<img" not in shown
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&lt;img onerror=1&gt;" == shown


def test_placeholders_are_marked_and_the_rest_escaped() -> None:
    shown = str(highlight_placeholders("Paid <PERSON_1> <b>cash</b> on <PHONE_2>\u202e"))
    assert shown.count('<mark class="msin-placeholder">') == 2
    assert "&lt;PERSON_1&gt;</mark>" in shown and "&lt;b&gt;cash&lt;/b&gt;" in shown
    assert "\u27e8U+202E\u27e9" in shown


# ------------------------------------------------------------------ accounts


@pytest.fixture()
def accounts(tmp_path: Path) -> Iterator[AccountStore]:
    store = AccountStore(tmp_path / "users.db")
    yield store
    store.close()


def test_password_is_kept_only_as_an_argon2id_hash(accounts: AccountStore) -> None:
    import sqlite3

    accounts.add("alice", PASSWORD)
    assert oct(accounts.path.stat().st_mode & 0o777) == "0o600"
    conn = sqlite3.connect(accounts.path)
    (stored,) = conn.execute("select password from accounts").fetchone()
    conn.close()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_sign_in_needs_password_and_a_fresh_totp_code(accounts: AccountStore) -> None:
    new = accounts.add("alice", PASSWORD)
    assert new.provisioning_uri.startswith("otpauth://totp/")
    totp = pyotp.TOTP(new.totp_secret)
    now = time.time()
    assert accounts.authenticate("alice", "wrong password!!", totp.at(now), now=now) is None
    assert accounts.authenticate("alice", PASSWORD, "123", now=now) is None
    assert accounts.authenticate("bob", PASSWORD, totp.at(now), now=now) is None
    code = totp.at(now)
    account = accounts.authenticate("alice", PASSWORD, code, now=now)
    assert account is not None and account.username == "alice"
    # The same code (or an older one) is never accepted twice.
    assert accounts.authenticate("alice", PASSWORD, code, now=now) is None
    assert accounts.authenticate("alice", PASSWORD, totp.at(now - 30), now=now) is None
    assert accounts.authenticate("alice", PASSWORD, totp.at(now + 30), now=now) is not None
    # Outside one step either side, no code works.
    assert accounts.authenticate("alice", PASSWORD, totp.at(now + 300), now=now) is None


def test_bad_names_passwords_and_duplicates_are_refused(accounts: AccountStore) -> None:
    with pytest.raises(ValidationError, match="password"):
        accounts.add("alice", "short")
    with pytest.raises(ValidationError, match="username"):
        accounts.add("Alice Smith", PASSWORD)
    accounts.add("alice", PASSWORD)
    with pytest.raises(ValidationError, match="already exists"):
        accounts.add("alice", PASSWORD)
    assert [a.username for a in accounts.accounts()] == ["alice"]
    assert accounts.remove("alice") and not accounts.remove("alice")


# ------------------------------------------------------------------ sessions and limits


def test_sessions_expire_when_idle_and_at_their_lifetime() -> None:
    store = SessionStore(idle=60, lifetime=300)
    s = store.new(user="alice", now=1000)
    assert store.get(s.sid, now=1050) is s
    assert store.get(s.sid, now=1100) is s  # used at 1050, so not idle yet
    assert store.get(s.sid, now=1161) is None  # idle for 61 s
    t = store.new(user="alice", now=2000)
    for now in range(2050, 2300, 50):
        assert store.get(t.sid, now=now) is t
    assert store.get(t.sid, now=2301) is None  # past its lifetime although never idle


def test_sign_in_limiter_blocks_after_the_failures_and_forgets_after_the_window() -> None:
    limiter = SignInLimiter(attempts=3, window=100)
    for now in (0, 1, 2):
        assert limiter.blocked(["user:a"], now=now) == 0
        limiter.failed(["user:a"], now=now)
    assert limiter.blocked(["user:a"], now=3) > 90
    assert limiter.blocked(["user:b"], now=3) == 0
    assert limiter.blocked(["user:a"], now=101) == 0


# ------------------------------------------------------------------ a console application


@pytest.fixture()
def client(accounts: AccountStore) -> Iterator[tuple[TestClient, str]]:
    new = accounts.add("alice", PASSWORD)
    console = Console(service_name="Test console", accounts=accounts, nav=[NavItem("Home", "/")],
                      sessions=SessionStore(idle=600, lifetime=3600))

    async def home(request: Request) -> Response:
        return PlainTextResponse(f"hello {console.user(request)}")

    async def act(request: Request) -> Response:
        console.user(request)
        form = await console.form(request)
        return PlainTextResponse(f"did {form.get('what')}")

    app = console.app([Route("/", home), Route("/act", act, methods=["POST"])])
    with TestClient(app, base_url="https://testserver") as c:
        yield c, new.totp_secret


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the form"
    return match.group(1)


def _sign_in(c: TestClient, secret: str, *, code: str | None = None, password: str = PASSWORD) -> Response:
    page = c.get("/sign-in")
    return c.post("/sign-in", data={"csrf_token": _csrf(page.text), "username": "alice", "password": password,
                                    "code": code or pyotp.TOTP(secret).now()}, follow_redirects=False)


def test_pages_need_sign_in_and_sign_in_starts_a_new_session(client: tuple[TestClient, str]) -> None:
    c, secret = client
    assert c.get("/", follow_redirects=False).headers["location"] == "/sign-in"
    c.get("/sign-in")
    before = c.cookies.get(COOKIE)
    answer = _sign_in(c, secret)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert c.cookies.get(COOKIE) != before  # no session fixation
    assert c.get("/").text == "hello alice"


def test_every_response_has_the_security_headers(client: tuple[TestClient, str]) -> None:
    c, _ = client
    for path in ("/sign-in", "/no-such-page", "/static/msin.css"):
        h = c.get(path).headers
        csp = h["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe" not in csp
        assert "frame-ancestors 'none'" in csp
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "same-origin"
    assert c.get("/sign-in").headers["cache-control"] == "no-store"


def test_a_post_without_the_right_csrf_token_is_refused(client: tuple[TestClient, str]) -> None:
    c, secret = client
    _sign_in(c, secret)
    assert c.post("/act", data={"what": "x"}).status_code == 403
    assert c.post("/act", data={"what": "x", "csrf_token": "forged"}).status_code == 403
    token = _csrf(c.get("/no-such-page").text)  # any page signed in has the sign-out form
    assert c.post("/act", data={"what": "x", "csrf_token": token}).text == "did x"
    # The right token from another site is refused too.
    answer = c.post("/act", data={"what": "x", "csrf_token": token}, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403
    answer = c.post("/act", data={"what": "x", "csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 403


def test_sign_in_is_limited_per_account(client: tuple[TestClient, str]) -> None:
    c, secret = client
    for _ in range(5):
        answer = _sign_in(c, secret, password="not the password")
        assert answer.status_code == 400 and "not right" in answer.text
    answer = _sign_in(c, secret)  # the right password and code, but too late
    assert answer.status_code == 400 and "Too many failed sign-ins" in answer.text


def test_sign_out_ends_the_session(client: tuple[TestClient, str]) -> None:
    c, secret = client
    _sign_in(c, secret)
    token = _csrf(c.get("/no-such-page").text)
    old = c.cookies.get(COOKIE)
    c.post("/sign-out", data={"csrf_token": token})
    assert c.get("/", follow_redirects=False).status_code == 303
    c.cookies.set(COOKIE, old or "", domain="testserver")
    assert c.get("/", follow_redirects=False).status_code == 303  # the old cookie is dead


def test_removing_an_account_ends_its_sessions(client: tuple[TestClient, str], accounts: AccountStore) -> None:
    c, secret = client
    _sign_in(c, secret)
    assert c.get("/").text == "hello alice"
    accounts.remove("alice")  # as 'msin node users remove' does, from another process
    assert c.get("/", follow_redirects=False).headers["location"] == "/sign-in"


def test_console_settings_are_validated(tmp_path: Path) -> None:
    s = console_settings({"listen": "127.0.0.1:9443", "users": "u.db", "session_idle_minutes": 5}, tmp_path, "x.toml")
    assert s.listen == "127.0.0.1:9443" and s.users == tmp_path / "u.db" and s.session_idle == 300
    from msin_fed.errors import ConfigError

    with pytest.raises(ConfigError, match=r"console\.listen"):
        console_settings({"listen": "nowhere"}, tmp_path, "x.toml")
    with pytest.raises(ConfigError, match=r"console\.session_hours"):
        console_settings({"session_hours": 0}, tmp_path, "x.toml")


def test_cluster_graph_names_kinds_and_escapes_labels() -> None:
    from msin_fed.web.graph import GraphNode, cluster_svg

    svg = str(cluster_svg([GraphNode("<script>x</script>, 2026-05"), GraphNode("beta, 2026-06"),
                           GraphNode("gamma, 2026-07")], ["phone", "company_number"], title="a & b"))
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title id=\"graph-title\">a &amp; b</title>" in svg
    assert "joined by phone, company number" in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<line") == 3 and svg.count("<circle") == 4
    assert "style=" not in svg  # the Content-Security-Policy forbids inline styles
