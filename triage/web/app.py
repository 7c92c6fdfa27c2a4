"""The app factory: routers, error pages, security headers, static files."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from triage import db
from triage.config import Settings
from triage.errors import Conflict, Forbidden, InputError, NotFound
from triage.review.queue import CountsCache
from triage.web import render
from triage.web.auth import CSRFRejected, LoginRequired, PasswordChangeRequired, TooManyAttempts
from triage.web.guard import InputGuard
from triage.web.routes import NAV, ROUTERS

STATIC = Path(__file__).parent / "static"

# Scripts only from this app's own files: nothing inline, no inline event handlers, no eval,
# so text from a feed can never become script even if a template had a bug.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware): headers on every response,
    and no caching of pages that show research data."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _error(request: Request, status: int, title: str, problems: list[str], headers: dict | None = None):
    if render.wants_json(request):
        return JSONResponse({"error": title, "problems": problems}, status_code=status, headers=headers)
    response = render.page(request, "error.html", status_code=status, title=title, problems=problems)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if render.wants_json(request):
            return JSONResponse({"error": "login required"}, status_code=401, headers={"WWW-Authenticate": "Session"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login{render.query({'next': target})}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change_required(request: Request, exc: PasswordChangeRequired):
        if render.wants_json(request):
            return JSONResponse({"error": "password change required", "problems": ["choose a new password at /account/password"]}, status_code=403)
        return RedirectResponse("/account/password", status_code=303)

    @app.exception_handler(CSRFRejected)
    async def csrf_rejected(request: Request, exc: CSRFRejected):
        return _error(request, 403, "Refused: missing or wrong CSRF token", ["Reload the page and try again."])

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        return _error(request, 403, "Not allowed", [str(exc)])

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return _error(request, 404, "Not found", [str(p) for p in exc.problems])

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError):
        return _error(request, 400, "Bad request", [str(p) for p in exc.problems])

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict):
        return _error(request, 409, "Conflict", [str(exc)])

    @app.exception_handler(TooManyAttempts)
    async def too_many(request: Request, exc: TooManyAttempts):
        return _error(request, 429, "Too many failed logins", [str(exc)], headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in exc.errors()]
        return _error(request, 422, "Bad request", problems)

    # The last line of defence (issue 14): a value the database cannot hold (a number past its
    # integer range, text it refuses) is the request's fault, not the server's.
    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError):
        return _error(request, 400, "Bad request", ["a value is out of the range the database accepts"])

    @app.exception_handler(OverflowError)
    async def overflow(request: Request, exc: OverflowError):
        return _error(request, 400, "Bad request", ["a number is out of range"])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return _error(request, exc.status_code, "Not found" if exc.status_code == 404 else "Error", [str(exc.detail)])


def create_app(settings: Settings) -> FastAPI:
    """The web app over the database named in `settings` (which `triage init` has prepared)."""
    logging.getLogger("triage.web").setLevel(settings.log_level)
    app = FastAPI(title="Triage", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.engine = db.engine_for(settings.database_url)
    app.state.index_cache = {}
    app.state.guidance_cache = {}
    app.state.counts_cache = CountsCache(settings.web_counts_seconds, app.state.engine)
    app.state.nav = list(NAV)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _install_error_handlers(app)
    app.add_middleware(InputGuard)
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> FastAPI:
    """The app over the settings in the environment: the factory `triage.server` hands uvicorn."""
    return create_app(Settings())
