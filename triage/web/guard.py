"""Input every route refuses before it runs: NUL bytes (PostgreSQL text cannot hold them, and no
field of this app needs one), undecodable text and oversized bodies.

One ASGI middleware rather than a check per field, so a new route or form field cannot forget it.
The form body is read once here and handed on unchanged.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, unquote_to_bytes

MAX_BODY = 2 * 1024 * 1024  # bytes; the largest legitimate form (evidence with its full text) is far below


def _problem(query: bytes, where: str) -> str | None:
    try:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, errors="strict", encoding="utf-8")
    except (UnicodeDecodeError, ValueError):
        return f"{where}: not valid UTF-8 text"
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            return f"{(name.replace(chr(0), '') or where)[:40]}: contains a NUL byte (0x00), which no field accepts"
    return None


def _path_problem(path: str) -> str | None:
    raw = unquote_to_bytes(path)
    if b"\x00" in raw:
        return "path: contains a NUL byte (0x00)"
    return None


class InputGuard:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        problem = _path_problem(scope.get("path", "")) or _problem(scope.get("query_string", b""), "query")
        if problem:
            return await _refuse(scope, send, 400, problem)
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                return await _refuse(scope, send, 413, f"the request is larger than {MAX_BODY // 1024} KiB")
        if content_type.startswith("application/x-www-form-urlencoded"):
            problem = _problem(body, "form")
        elif b"\x00" in body and not content_type.startswith("multipart/"):
            problem = "body: contains a NUL byte (0x00)"
        if problem:
            return await _refuse(scope, send, 400, problem)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(scope, send, status: int, problem: str) -> None:
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept", b"").decode("latin-1")
    if scope.get("path", "").startswith("/api/") or ("application/json" in accept and "text/html" not in accept):
        body = json.dumps({"error": "Bad request", "problems": [problem]}).encode()
        kind = b"application/json"
    else:
        from html import escape

        body = (
            "<!doctype html><html lang=en><meta charset=utf-8><title>Bad request · Triage</title>"
            '<link rel="stylesheet" href="/static/app.css"><main id="main"><h1>Bad request</h1>'
            f'<ul class="problems"><li class="problem">{escape(problem)}</li></ul>'
            '<p><a href="/queue">Back to the queue</a></p></main></html>'
        ).encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
