"""A fake OpenAI-compatible chat completions server on loopback, for tests and benchmarks.

Real HTTP (the standard library's threading HTTP server, HTTP/1.1 keep-alive), so the real
`openai` client and its connection pool are exercised. Answers are scripted in order, then
come from a default responder; faults (status codes with headers, hangs, malformed bodies)
are scripted the same way. The server records every request body and the largest number of
requests it had in flight at once.

    with FakeOpenAI(latency=0.2) as server:
        server.script(Reply.error(429, headers={"Retry-After": "0"}), Reply.answer([...]))
        ... TRIAGE_LLM_BASE_URL=server.base_url ...
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    content: str | None = None  # the assistant message content (200 only)
    body: str | None = None  # a raw response body instead of a completion
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0  # seconds to wait before answering (or until the server stops)
    usage: tuple[int, int] | None = None  # (prompt, completion) tokens; estimated when None
    finish_reason: str = "stop"

    @classmethod
    def answer(cls, suggestions: list[dict] | None = None, injection_suspected: bool = False, gist_en: str | None = None, **kw) -> Reply:
        payload = {"suggestions": suggestions or [], "injection_suspected": injection_suspected, "gist_en": gist_en}
        return cls(content=json.dumps(payload), **kw)

    @classmethod
    def text(cls, content: str, **kw) -> Reply:
        return cls(content=content, **kw)

    @classmethod
    def error(cls, status: int, message: str = "scripted error", headers: dict[str, str] | None = None) -> Reply:
        body = json.dumps({"error": {"message": message, "type": "fake", "code": status}})
        return cls(status=status, body=body, headers=headers or {})

    @classmethod
    def hanging(cls, seconds: float) -> Reply:
        return cls(hang=seconds, content=json.dumps({"suggestions": [], "injection_suspected": False, "gist_en": None}))


def item_text(request: dict) -> str:
    """The item block of a request (between its markers), for responders that quote it."""
    for message in request.get("messages", []):
        if message.get("role") == "user":
            match = re.search(r"<(item-[0-9a-f]+)>\n(.*)\n</\1>", message.get("content") or "", re.S)
            if match:
                return match.group(2)
    return ""


def quoting_responder(
    member: str = "European Union", commitment: int = 19, dimension: str = "counter", strength: str = "weak"
) -> Callable[[dict], Reply]:
    """Answer every request with one suggestion quoting the first line of the item's text."""

    def respond(request: dict) -> Reply:
        block = item_text(request)
        text = block.split("\ntext:\n", 1)[-1]
        quote = next((line.strip() for line in text.splitlines() if line.strip()), "")
        return Reply.answer(
            [
                {
                    "member": member,
                    "commitment": commitment,
                    "dimension": dimension,
                    "strength": strength,
                    "contradictory": False,
                    "confidence": 0.6,
                    "rationale": "scripted",
                    "action_date": None,
                    "quote": quote,
                }
            ]
        )

    return respond


# How each server kind is asked for constrained output (see triage/classify/llm/dialects.py),
# and how it treats the other kinds: "refuse" (HTTP error) or "ignore" (answers unconstrained).
_LLAMACPP_REFUSAL = json.dumps(
    {
        "error": {
            "message": "[{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\"}]",
            "type": "internal_server_error",
        }
    }
)
DIALECT_REFUSALS: dict[str, dict[str, tuple[int, str]]] = {
    "openai": {"llamacpp": (400, "Invalid parameter: 'response_format.schema' is not permitted.")},
    "llamacpp": {"openai": (500, _LLAMACPP_REFUSAL)},
    "ollama": {},
    "vllm": {"openai": (400, "response_format json_schema is not supported by this server")},
    "json_object": {"openai": (400, "Invalid response_format type: json_schema")},
}


def constraint(request: dict) -> tuple[str, dict | None]:
    """Which dialect a request speaks, and the schema it carries."""
    rf = request.get("response_format") or {}
    if rf.get("type") == "json_schema":
        return "openai", (rf.get("json_schema") or {}).get("schema")
    if "format" in request and isinstance(request["format"], dict):
        return "ollama", request["format"]
    if "guided_json" in request:
        return "vllm", request["guided_json"]
    if rf.get("type") == "json_object" and "schema" in rf:
        return "llamacpp", rf["schema"]
    return ("json_object" if rf.get("type") == "json_object" else "text"), None


def _probe_answer(schema: dict | None) -> str | None:
    """The one valid answer of the probe's schema (a single enum property), else None."""
    props = (schema or {}).get("properties") or {}
    if list(props) == ["probe"] and props["probe"].get("enum"):
        return json.dumps({"probe": props["probe"]["enum"][0]})
    return None


class FakeOpenAI:
    def __init__(
        self,
        latency: float = 0.0,
        default: Reply | Callable[[dict], Reply] | None = None,
        dialect: str | None = None,
        usage_scale: float = 1.0,
        context_length: int | None = None,
    ):
        self.latency = latency
        self.default = default if default is not None else Reply.answer([])
        # Play one server kind: refuse or ignore the other dialects as it would, and answer
        # `triage llm check` probes itself (without using the script). None: accept anything.
        self.dialect = dialect
        self.usage_scale = usage_scale  # < 1: under-report prompt tokens, as llama-cpp-python's server does
        self.context_length = context_length
        self.gate = 0  # > 0: each request waits (up to 5 s) until this many are in flight
        self._in_flight_changed = threading.Condition()
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- control -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._script)

    def start(self) -> FakeOpenAI:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes hanging handlers
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- serving -------------------------------------------------------------------------
    def _next(self, request: dict) -> Reply:
        if self.dialect is not None:
            kind, schema = constraint(request)
            refusal = DIALECT_REFUSALS.get(self.dialect, {}).get(kind)
            if refusal is not None:
                status, message = refusal
                body = message if message.startswith("{") else json.dumps({"error": {"message": message, "type": "invalid_request_error"}})
                return Reply(status=status, body=body)
            probe = _probe_answer(schema)
            if probe is not None or kind == "text" or (schema is None and "numbers" in json.dumps(request.get("messages"))):
                if probe is not None and kind == self.dialect:
                    return Reply.text(probe)
                return Reply.text('{"hello": "world"}' if probe is not None or kind != "text" else "Hello!")
        with self._lock:
            if self._script:
                return self._script.popleft()
        return self.default(request) if callable(self.default) else self.default

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One buffered write per response and no Nagle delay: otherwise headers and body go
            # out as two small packets and the client's delayed ACK adds ~40 ms to every answer.
            wbufsize = -1
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                """GET /stats: what the server saw (for a server running in another process); GET /models."""
                path = self.path.rstrip("/")
                with server._lock:
                    if path.endswith("/models"):
                        entry = {"id": "fake", "object": "model", "owned_by": "fake"}
                        if server.context_length:
                            entry["context_length"] = server.context_length
                        data: dict = {"object": "list", "data": [entry]}
                    else:
                        data = {"requests": len(server.requests), "max_in_flight": server.max_in_flight}
                    body = json.dumps(data).encode()
                self.send_response(200 if path.endswith(("/stats", "/models")) else 404)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    request = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    request = {"_raw": raw.decode("utf-8", "replace")}
                with server._lock:
                    server.requests.append(request)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                with server._in_flight_changed:
                    server._in_flight_changed.notify_all()
                    if server.gate:
                        server._in_flight_changed.wait_for(lambda: server.in_flight >= server.gate or server.max_in_flight >= server.gate, timeout=5)
                try:
                    reply = server._next(request)
                    wait = server.latency + reply.hang
                    if wait:
                        server._stopping.wait(wait)
                    self._send(request, reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): nothing to answer
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _send(self, request: dict, reply: Reply) -> None:
                if reply.body is not None or reply.status != 200:
                    body = (reply.body or "").encode()
                else:
                    content = reply.content or ""
                    prompt_chars = sum(len(m.get("content") or "") for m in request.get("messages", []))
                    usage = reply.usage or (max(1, int(prompt_chars // 4 * server.usage_scale)), max(1, len(content) // 4))
                    body = json.dumps(
                        {
                            "id": f"chatcmpl-fake-{len(server.requests)}",
                            "object": "chat.completion",
                            "created": int(time.time()),
                            "model": request.get("model", "fake"),
                            "choices": [{"index": 0, "finish_reason": reply.finish_reason, "message": {"role": "assistant", "content": content}}],
                            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": usage[0] + usage[1]},
                        }
                    ).encode()
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


class FakeOpenAIProcess:
    """The fake server in a process of its own, so that it does not compete with the code under
    test for the interpreter (benchmarks: a real model server runs elsewhere too)."""

    def __init__(self, latency: float = 0.0, quoting: bool = True):
        import subprocess
        import sys

        args = [sys.executable, "-m", "triage.testing.fake_openai", "--latency", str(latency)]
        if quoting:
            args.append("--quoting")
        self._process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self._process.stdout.readline().strip()
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the fake server did not start: {line!r}")
        self.base_url = line

    def stats(self) -> dict:
        import urllib.request

        with urllib.request.urlopen(self.base_url + "/stats", timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)
        if self._process.stdout:
            self._process.stdout.close()

    def __enter__(self) -> FakeOpenAIProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """python -m triage.testing.fake_openai [--latency S] [--quoting]: serve until interrupted, URL on stdout."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before every answer")
    parser.add_argument("--quoting", action="store_true", help="answer with one suggestion quoting the item")
    args = parser.parse_args(argv)
    server = FakeOpenAI(latency=args.latency, default=quoting_responder() if args.quoting else None)
    print(server.base_url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server._server.serve_forever()


if __name__ == "__main__":
    main()
