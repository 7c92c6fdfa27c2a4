"""The fetcher against a loopback server: conditional GET, retries, limits, politeness."""

from __future__ import annotations

import time

import pytest

from tests.ingest.feedserver import Reply, fast_settings, gzip_bytes, item, rss
from triage.sources.fetcher import Fetcher, parse_retry_after

pytestmark = pytest.mark.timeout(30)
FEED = rss(item(1)).encode()


def fetch(server, path, **settings):
    with Fetcher(fast_settings(**settings)) as f:
        return f.fetch(server.url(path))


def test_user_agent_and_gzip(server):
    server.routes["/f"] = Reply(200, gzip_bytes(FEED), {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"})
    r = fetch(server, "/f")
    assert r.outcome == "ok" and r.content == FEED
    sent = server.hits("/f")[0].headers
    assert "Triage/" in sent["User-Agent"] and "+https://" in sent["User-Agent"]
    assert "gzip" in sent["Accept-Encoding"]


def test_conditional_get_sends_validators_and_304_is_not_modified(server):
    server.routes["/f"] = [Reply(200, FEED, {"ETag": '"v1"', "Last-Modified": "Mon, 01 Jul 2024 10:00:00 GMT"}), Reply(304)]
    with Fetcher(fast_settings()) as f:
        first = f.fetch(server.url("/f"))
        second = f.fetch(server.url("/f"), first.etag, first.last_modified)
    assert first.etag == '"v1"' and first.last_modified == "Mon, 01 Jul 2024 10:00:00 GMT"
    sent = server.hits("/f")[1].headers
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "Mon, 01 Jul 2024 10:00:00 GMT"
    assert second.outcome == "not_modified" and second.status == 304 and second.content == b""


def test_429_then_200_is_two_requests_and_honours_retry_after(server):
    server.routes["/f"] = [Reply(429, b"slow down", {"Retry-After": "1"}), Reply(200, FEED)]
    r = fetch(server, "/f", fetch_retry_after_max=5)
    hits = server.hits("/f")
    assert r.outcome == "ok" and r.attempts == 2 and len(hits) == 2
    assert hits[1].at - hits[0].at >= 0.95  # waited as asked


def test_retry_after_is_capped(server):
    server.routes["/f"] = [Reply(503, b"", {"Retry-After": "3600"}), Reply(200, FEED)]
    started = time.monotonic()
    r = fetch(server, "/f", fetch_retry_after_max=0.2)
    assert r.outcome == "ok" and len(server.hits("/f")) == 2
    assert time.monotonic() - started < 5


def test_5xx_retried_until_attempts_run_out(server):
    server.routes["/f"] = Reply(500, b"boom")
    r = fetch(server, "/f", fetch_attempts=3)
    assert r.outcome == "error" and r.status == 500 and r.attempts == 3 and len(server.hits("/f")) == 3
    assert "HTTP 500" in r.error


@pytest.mark.parametrize("status", [404, 403, 410])
def test_permanent_errors_are_not_retried(server, status):
    server.routes["/f"] = Reply(status, b"no")
    r = fetch(server, "/f")
    assert r.outcome == "error" and r.status == status and len(server.hits("/f")) == 1


def test_redirect_loop_fails_fast(server):
    server.routes["/a"] = Reply(302, b"", {"Location": "/b"})
    server.routes["/b"] = Reply(302, b"", {"Location": "/a"})
    r = fetch(server, "/a", fetch_max_redirects=4)
    assert r.outcome == "error" and "too many redirects" in r.error
    assert len(server.requests) == 5  # the first request and four redirects, never retried


def test_redirect_followed(server):
    server.routes["/old"] = Reply(301, b"", {"Location": "/new"})
    server.routes["/new"] = Reply(200, FEED)
    r = fetch(server, "/old")
    assert r.outcome == "ok" and r.final_url.endswith("/new")


def test_twenty_megabyte_feed_is_cut_off_at_the_cap(server):
    big = b"<rss>" + b"x" * (20 * 1024 * 1024) + b"</rss>"
    server.routes["/declared"] = Reply(200, big)
    r = fetch(server, "/declared", fetch_max_bytes=1_000_000)
    assert r.outcome == "error" and "too large" in r.error and len(server.hits("/declared")) == 1

    def undeclared(srv, h):  # no Content-Length: the cap must hold while streaming
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(20):
            try:
                h.wfile.write(b"x" * 1024 * 1024)
            except (BrokenPipeError, ConnectionResetError):
                return None
        return None

    server.routes["/streamed"] = undeclared
    r = fetch(server, "/streamed", fetch_max_bytes=1_000_000)
    assert r.outcome == "error" and "cut off" in r.error and r.content == b""


def test_gzip_bomb_is_capped_after_decoding(server):
    bomb = gzip_bytes(b"\0" * (20 * 1024 * 1024))
    server.routes["/bomb"] = Reply(200, bomb, {"Content-Encoding": "gzip"})
    r = fetch(server, "/bomb", fetch_max_bytes=1_000_000)
    assert r.outcome == "error" and "too large" in r.error


def test_hung_connection_times_out_and_is_retried(server):
    server.routes["/hang"] = Reply(200, FEED, delay=30)
    started = time.monotonic()
    r = fetch(server, "/hang", fetch_read_timeout=0.3, fetch_attempts=2)
    assert r.outcome == "error" and "timeout" in r.error and r.attempts == 2
    assert time.monotonic() - started < 5


def test_trickling_server_hits_the_total_timeout(server):
    def trickle(srv, h):
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        for _ in range(1000):
            if srv.stop.wait(0.05):
                return None
            try:
                h.wfile.write(b"x")
                h.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return None
        return None

    server.routes["/slow"] = trickle
    started = time.monotonic()
    r = fetch(server, "/slow", fetch_read_timeout=1, fetch_total_timeout=0.5, fetch_attempts=1)
    assert r.outcome == "error" and "total timeout" in r.error
    assert time.monotonic() - started < 3


def test_connection_refused_is_an_error_not_an_exception():
    with Fetcher(fast_settings(fetch_attempts=2)) as f:
        r = f.fetch("http://127.0.0.1:9/feed")
    assert r.outcome == "error" and "network error" in r.error and r.attempts == 2


def test_per_host_concurrency_limit(server):
    server.routes["/slow"] = Reply(200, FEED, delay=0.3)
    jobs = [(f"{host}-{i}", server.url(f"/slow?{i}", host), None, None) for host in ("127.0.0.1", "localhost") for i in range(4)]
    with Fetcher(fast_settings(fetch_concurrency=8, fetch_per_host=2)) as f:
        results = dict(f.fetch_many(jobs))
    assert all(r.outcome == "ok" for r in results.values()), results
    assert server.max_active["127.0.0.1"] == 2 and server.max_active["localhost"] == 2


def test_parse_retry_after():
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10, abs=1)
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
