"""Logins, server-side sessions, CSRF tokens and login rate limiting.

The browser holds a random token in an HttpOnly cookie; the database holds only its
SHA-256 (a leaked table cannot be replayed as cookies). Each session has its own CSRF
token, sent back by forms (a hidden field) and by fetch (the X-CSRF-Token header) on
every state-changing request. Failed logins are counted per user name and per client
address in the login_attempt table, so limits hold across processes and restarts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy import delete, update
from sqlmodel import Session, select

from triage import db as database
from triage.accounts import can, get_user, hash_password, verify_password
from triage.catalogue.index import CatalogueIndex
from triage.catalogue.reasons import labels, reasons_for
from triage.config import Settings
from triage.errors import Forbidden
from triage.models import CatalogueRow, LoginAttempt, User, WebSession, utcnow
from triage.web.render import wants_json

COOKIE = "triage_session"
LOGIN_COOKIE = "triage_login_csrf"  # double-submit token for the login form (no session yet)
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """No valid session: HTML gets a redirect to the login page, fetch gets 401."""


class CSRFRejected(Exception):
    """A state-changing request without the session's CSRF token: 403."""


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int, message: str | None = None):
        super().__init__(message or f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


class PasswordChangeRequired(Exception):
    """The account has a temporary password: every page but the password form waits for a new one."""


# Pages a user with a temporary password may still reach.
PASSWORD_PAGES = ("/account/password", "/logout")


@dataclass
class Viewer:
    user: User
    session_id: str
    csrf: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- per-request plumbing ----------------------------------------------------------------------


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; routes commit what they change, anything else is rolled back."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        if request.method in UNSAFE_METHODS and request.url.path != "/login":
            database.begin_write(session)  # SQLite: concurrent analysts wait for each other instead of failing
        yield session


CATALOGUE_COOKIE = "triage_catalogue"


def flash(db: Session, viewer: Viewer, text: str, kind: str = "ok") -> None:
    """A banner for this session's next page. Held in the session row, so a URL can never put
    words in the app's mouth; the caller commits it with the change it reports."""
    db.execute(update(WebSession).where(WebSession.id == viewer.session_id).values(flash={"kind": kind, "text": text[:500]}))


def catalogue_index(request: Request, db: Session) -> CatalogueIndex:
    """The catalogue chosen (?catalogue=ID, or the cookie set by /catalogues/choose), else the most
    recently loaded active one; cached per catalogue until it is loaded again (one small query)."""
    query = select(CatalogueRow.id, CatalogueRow.loaded_at).where(CatalogueRow.active).order_by(CatalogueRow.loaded_at.desc()).limit(1)
    wanted = request.query_params.get("catalogue") or request.cookies.get(CATALOGUE_COOKIE)
    key = db.execute(query.where(CatalogueRow.id == wanted)).first() if wanted else None
    key = key or db.execute(query).first()
    cache = request.app.state.index_cache.setdefault("indexes", {})
    cat_id = key[0] if key else None
    if key is None or cache.get(cat_id, (None, None))[0] != tuple(key):
        index = CatalogueIndex.load(db, cat_id)
        found = reasons_for(index)
        cache[cat_id] = (tuple(key) if key else None, index, ([(r.key, r.code, r.label) for r in found], labels(index)))
    request.state.catalogue_reasons = cache[cat_id][2]  # reject reasons and keys of this catalogue, for pages
    return cache[cat_id][1]


def current_viewer(request: Request, db: Session = Depends(get_db)) -> Viewer:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired()
    row = db.exec(select(WebSession, User).join(User, User.id == WebSession.user_id).where(WebSession.id == token_digest(token))).first()
    if row is None:
        raise LoginRequired()
    web_session, user = row
    if web_session.expires_at <= utcnow() or not user.active:
        raise LoginRequired()
    viewer = Viewer(user, web_session.id, web_session.csrf_token)
    request.state.viewer = viewer
    if user.must_change_password and request.url.path not in PASSWORD_PAGES:
        raise PasswordChangeRequired()
    if web_session.flash and request.method == "GET" and not wants_json(request):
        request.state.flash = web_session.flash  # shown once, on the next page
        db.execute(update(WebSession).where(WebSession.id == web_session.id).values(flash=None))
        db.commit()
    return viewer


async def csrf_protect(request: Request, viewer: Viewer = Depends(current_viewer)) -> Viewer:
    """Every POST/PUT/PATCH/DELETE must carry the session's CSRF token."""
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if not sent and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get(CSRF_FIELD)
        if not isinstance(sent, str) or not hmac.compare_digest(sent, viewer.csrf):
            raise CSRFRejected()
    return viewer


def require(viewer: Viewer, permission: str) -> None:
    """The server-side role check every action makes (the page hiding a button is not a check)."""
    if not can(viewer.user, permission):
        raise Forbidden(f"{viewer.user.username} ({viewer.user.role}) may not do this: it needs the {permission!r} permission")


# --- logging in -------------------------------------------------------------------------------

_DUMMY_HASH: list[str] = []


def _burn_time(password: str) -> None:
    """Verify against a throwaway hash so an unknown user name costs what a known one does."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(secrets.token_urlsafe(16)))
    verify_password(User(username="-", password_hash=_DUMMY_HASH[0]), password)


def _retry_after(times: list[dt.datetime], limit: int, window: dt.timedelta, now: dt.datetime) -> int | None:
    if len(times) < limit:
        return None
    times = sorted(times)
    free_at = times[len(times) - limit] + window  # when fewer than `limit` remain in the window
    return max(1, math.ceil((free_at - now).total_seconds()))


# argon2 takes its memory cost (64 MiB by default) per verification: at most this many run at
# once, so a burst of logins waits its turn instead of taking the server's memory.
HASH_SLOTS = threading.BoundedSemaphore(2)
HASH_WAIT_SECONDS = 10


def login_blocked(db: Session, settings: Settings, username: str, client: str | None) -> int | None:
    """Seconds to wait if this user name or this client has failed too often, else None.

    Counts the attempt being made too (it is recorded before this check), so the limit is
    `web_login_max_failures` attempts however many arrive at once.
    """
    now = utcnow()
    window = dt.timedelta(minutes=settings.web_login_window_minutes)
    since = now - window
    limit = settings.web_login_max_failures + 1  # the earlier failures plus this attempt
    last_ok = db.exec(
        select(LoginAttempt.at).where(LoginAttempt.username == username, LoginAttempt.ok).order_by(LoginAttempt.at.desc()).limit(1)
    ).first()
    by_name = db.exec(
        select(LoginAttempt.at).where(LoginAttempt.username == username, ~LoginAttempt.ok, LoginAttempt.at >= max(since, last_ok or since))
    ).all()
    waits = [_retry_after(list(by_name), limit, window, now)]
    if client:
        by_client = db.exec(select(LoginAttempt.at).where(LoginAttempt.client == client, ~LoginAttempt.ok, LoginAttempt.at >= since)).all()
        waits.append(_retry_after(list(by_client), limit, window, now))
    waits = [w for w in waits if w is not None]
    return max(waits) if waits else None


def log_in(db: Session, settings: Settings, username: str, password: str, client: str | None) -> tuple[User, str] | None:
    """Check the password; on success open a session and return (user, cookie token).

    The attempt is written (as a failure) and committed before the limit is checked and before
    any hash runs: of N simultaneous attempts each sees every one committed before it, so at
    most the limit get to a password check. A refused attempt is removed again (it was never
    checked); a successful one is marked ok.
    """
    username = username.strip()[:80]
    attempt = LoginAttempt(username=username, client=(client or "")[:64] or None, ok=False)
    db.add(attempt)
    db.commit()
    wait = login_blocked(db, settings, username, client)
    if wait is not None:
        db.delete(attempt)
        db.commit()
        raise TooManyAttempts(wait)
    if not HASH_SLOTS.acquire(timeout=HASH_WAIT_SECONDS):
        db.delete(attempt)
        db.commit()
        raise TooManyAttempts(5, "the server is busy checking other logins; try again in 5 s")
    try:
        user = get_user(db, username) if username else None
        if user is None:
            _burn_time(password)
        ok = user is not None and user.active and verify_password(user, password)
    finally:
        HASH_SLOTS.release()
    if not ok or user is None:
        return None
    attempt.ok = True
    db.add(attempt)
    now = utcnow()
    db.execute(delete(WebSession).where(WebSession.expires_at < now))  # tidy expired sessions
    token = secrets.token_urlsafe(32)
    db.add(
        WebSession(
            id=token_digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + dt.timedelta(hours=settings.web_session_hours),
        )
    )
    db.commit()
    return user, token


def log_out(db: Session, viewer: Viewer) -> None:
    db.execute(delete(WebSession).where(WebSession.id == viewer.session_id))
    db.commit()


def cookie_options(settings: Settings) -> dict:
    return {"httponly": True, "samesite": "lax", "secure": settings.web_secure_cookies, "path": "/"}
