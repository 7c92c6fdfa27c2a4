"""Log in and out. The only pages reachable without a session."""

from __future__ import annotations

import hmac
import re
import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from triage.web import render
from triage.web.auth import COOKIE, LOGIN_COOKIE, CSRFRejected, cookie_options, csrf_protect, get_db, log_in, log_out, settings_of

router = APIRouter()


# A path on this site: one leading slash, then no second slash or backslash, and no
# whitespace or control characters (browsers drop tabs and newlines, so "/\t/evil" is "//evil").
LOCAL_PATH = re.compile(r"^/(?![/\\])[^\s\x00-\x1f\x7f\\]*$")


def _local(target: str | None) -> str:
    """Only same-site paths: never an open redirect to another host."""
    return target if target and LOCAL_PATH.match(target) else "/queue"


def _form(request: Request, status: int = 200, error: str | None = None, username: str = "", next_path: str = "/queue"):
    token = secrets.token_urlsafe(32)
    response = render.page(request, "login.html", status_code=status, error=error, username=username, next=next_path, login_csrf=token)
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, **cookie_options(settings_of(request)))
    return response


@router.get("/login")
def login_page(request: Request, next: str = "/queue"):
    return _form(request, next_path=_local(next))


@router.post("/login")
async def login(request: Request, db: Session = Depends(get_db)):
    form = await request.form()
    # No session yet, so the form carries a double-submit token (stops login CSRF).
    sent, expected = form.get("csrf_token"), request.cookies.get(LOGIN_COOKIE)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise CSRFRejected()
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    next_path = _local(str(form.get("next") or ""))
    if not username or not password:
        return _form(request, 400, "Enter your user name and password.", username, next_path)
    client = request.client.host if request.client else None
    result = await run_in_threadpool(log_in, db, settings_of(request), username, password, client)
    if result is None:
        return _form(request, 401, "Wrong user name or password.", username, next_path)
    _user, token = result
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(COOKIE, token, max_age=settings_of(request).web_session_hours * 3600, **cookie_options(settings_of(request)))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, viewer=Depends(csrf_protect), db: Session = Depends(get_db)):
    log_out(db, viewer)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
