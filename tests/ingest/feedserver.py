"""Helpers for the ingestion tests: a feed server on loopback, fast settings, feed builders."""

from __future__ import annotations

import gzip
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from triage import db
from triage.config import Settings
from triage.models import Source

SAMPLES = Path(__file__).resolve().parents[2] / "feeds" / "samples"


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    at: float
    host: str


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # before the status line (a slow or hung server)


Handler = Callable[["FeedServer", BaseHTTPRequestHandler], Reply | None]


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 whose routes the tests set.

    A route is a Reply, a list of Replies (one per request, the last repeated), or a
    function that writes the response itself (hung connections, trickled bodies).
    """

    def __init__(self) -> None:
        self.routes: dict[str, Reply | list[Reply] | Handler] = {}
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self.active: dict[str, int] = defaultdict(int)
        self.max_active: dict[str, int] = defaultdict(int)
        self.stop = threading.Event()
        server = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                host = self.headers.get("Host", "").split(":")[0]
                with server.lock:
                    server.requests.append(Seen(self.path, dict(self.headers), time.monotonic(), host))
                    n = len([r for r in server.requests if r.path == self.path])
                    server.active[host] += 1
                    server.max_active[host] = max(server.max_active[host], server.active[host])
                try:
                    route = server.routes.get(self.path.split("?")[0])
                    if route is None:
                        reply = Reply(404, b"not found")
                    elif isinstance(route, list):
                        reply = route[min(n, len(route)) - 1]
                    elif isinstance(route, Reply):
                        reply = route
                    else:
                        reply = route(server, self)
                    if reply is not None:
                        server.stop.wait(reply.delay)
                        self.send_response(reply.status)
                        headers = {"Content-Length": str(len(reply.body)), **reply.headers}
                        for k, v in headers.items():
                            self.send_header(k, v)
                        self.end_headers()
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server.lock:
                        server.active[host] -= 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def hits(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path.split("?")[0] == path]

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def fast_settings(url: str = "sqlite://", **overrides) -> Settings:
    """Short timeouts and back-off so every failure mode resolves in well under a second."""
    values = dict(
        database_url=url,
        fetch_connect_timeout=1.0,
        fetch_read_timeout=0.5,
        fetch_total_timeout=2.0,
        fetch_backoff_seconds=0.01,
        fetch_retry_after_max=0.3,
        fetch_attempts=3,
        fetch_max_bytes=2_000_000,
        fetch_concurrency=4,
        fetch_per_host=2,
        ingest_batch_size=50,
        fetch_allow_private_addresses=True,  # everything here is served on loopback
    )
    values.update(overrides)
    return Settings(**values)


def add_source(url: str, source_id: str, feed_url: str, **kw) -> None:
    with db.session_scope(url) as s:
        s.add(
            Source(
                id=source_id,
                url=feed_url,
                publisher=kw.pop("publisher", "Test Publisher"),
                member=kw.pop("member", "canada"),
                language=kw.pop("language", None),
                city=kw.pop("city", "Ottawa"),
                **kw,
            )
        )


def rss(*items: str, encoding: str = "utf-8", extra_head: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>{extra_head}\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>Test feed</title><link>https://example.org/</link>{''.join(items)}</channel></rss>"
    )


def item(
    n: int | str, title: str | None = None, date: str | None = "Mon, 01 Jul 2024 10:00:00 +0000", link: bool = True, text: str | None = None
) -> str:
    parts = [f"<title>{title if title is not None else f'Entry {n} about migrant smuggling arrests'}</title>"]
    if link:
        parts.append(f"<link>https://example.org/news/{n}</link>")
    parts.append(f"<guid>https://example.org/news/{n}</guid>" if link else f'<guid isPermaLink="false">entry-{n}</guid>')
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    body = text if text is not None else story(n)
    parts.append(f"<description>{body}</description>")
    return "<item>" + "".join(parts) + "</item>"


VOCAB = [
    "police",
    "border",
    "agency",
    "ministry",
    "minister",
    "arrested",
    "suspects",
    "network",
    "smuggling",
    "migrants",
    "trafficking",
    "victims",
    "court",
    "sentenced",
    "investigation",
    "operation",
    "officers",
    "cooperation",
    "agreement",
    "funding",
    "campaign",
    "statement",
    "lorry",
    "boat",
    "channel",
    "route",
    "coast",
    "port",
    "airport",
    "passport",
    "documents",
    "money",
    "laundering",
    "assets",
    "seized",
    "warrant",
    "prosecutors",
    "judges",
    "europol",
    "eurojust",
    "frontex",
    "interpol",
    "council",
    "commission",
    "summit",
    "leaders",
    "plan",
    "action",
    "prevent",
    "counter",
    "dismantle",
    "disrupt",
    "business",
    "model",
    "profits",
    "families",
    "children",
    "women",
    "workers",
    "exploitation",
    "labour",
    "debt",
    "crossing",
    "sea",
    "desert",
    "mountains",
    "north",
    "south",
    "east",
    "west",
    "city",
    "region",
    "province",
    "capital",
    "weekend",
    "morning",
    "evening",
    "month",
    "year",
    "report",
    "data",
    "analysis",
]


def story(n) -> str:
    """A text of its own for entry n: distinct stories must not look like near-duplicates."""
    import random

    rng = random.Random(f"story-{n}")
    return " ".join(rng.choice(VOCAB) for _ in range(40)) + f" (case {n})."


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data)
