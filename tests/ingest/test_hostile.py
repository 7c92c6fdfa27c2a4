"""Hostile input against the fetcher: addresses it must not reach, servers that stall, deadlines."""

from __future__ import annotations

import threading
import time

import pytest

from tests.ingest.feedserver import Reply, add_source, fast_settings, item, rss
from triage.sources.fetcher import Fetcher
from triage.sources.ingest import ingest_due

pytestmark = pytest.mark.timeout(60)
FEED = rss(item(1)).encode()


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("http://127.0.0.1:{port}/f", "127.0.0.1 (loopback)"),
        ("http://10.0.0.1:9/f", "10.0.0.1 (private)"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 (link-local)"),
        ("http://localhost:{port}/f", "127.0.0.1 (loopback)"),
    ],
)
def test_private_addresses_refused_by_default(server, url, named):
    server.routes["/f"] = Reply(200, FEED)
    with Fetcher(fast_settings(fetch_allow_private_addresses=False)) as f:
        r = f.fetch(url.format(port=server.port))
    assert r.outcome == "error" and "address refused" in r.error and named in r.error
    assert r.attempts == 1 and not server.requests  # refused before any byte was sent


def test_private_addresses_allowed_by_the_setting(server):
    server.routes["/f"] = Reply(200, FEED)
    with Fetcher(fast_settings(fetch_allow_private_addresses=True)) as f:
        assert f.fetch(server.url("/f")).outcome == "ok"


def test_redirect_to_a_private_address_refused(server):
    """A public name is not at hand in a sandbox; a redirect from an allowed fetch to a refused one stands in."""
    from triage.sources import netguard

    server.routes["/f"] = Reply(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
    original = netguard.refusal
    netguard.refusal = lambda ip: None if ip == "127.0.0.1" else original(ip)  # type: ignore[assignment]
    try:
        with Fetcher(fast_settings(fetch_allow_private_addresses=False)) as f:
            r = f.fetch(server.url("/f"))
    finally:
        netguard.refusal = original  # type: ignore[assignment]
    assert len(server.hits("/f")) == 1
    assert r.outcome == "error" and "169.254.169.254 (link-local)" in r.error


def _slow_headers(server, handler):
    """A header line every 0.3 s, for ever: each read is within the read timeout."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    handler.wfile.flush()
    for n in range(100):
        if server.stop.wait(0.3):
            return None
        try:
            handler.wfile.write(f"X-Slow-{n}: 1\r\n".encode())
            handler.wfile.flush()
        except OSError:
            return None
    return None


def test_header_slow_loris_cut_at_the_total_timeout(server):
    server.routes["/f"] = _slow_headers
    started = time.monotonic()
    with Fetcher(fast_settings(fetch_total_timeout=1.5, fetch_read_timeout=0.5, fetch_attempts=1)) as f:
        r = f.fetch(server.url("/f"))
    took = time.monotonic() - started
    assert r.outcome == "error" and "total timeout" in r.error
    assert took < 3.0, took


def test_healthy_feed_behind_two_slow_ones_on_the_same_host_is_not_failed(server, migrated_db):
    """Two slow feeds hold both per-host slots for 1.6 s; the third waits, then answers in 0.6 s: 2.2 s after
    it was queued but well within the 2 s its own deadline allows from the moment it had a slot."""

    def slow(server, handler):
        server.stop.wait(1.6)
        return Reply(200, FEED)

    server.routes["/slow1"] = slow
    server.routes["/slow2"] = slow
    server.routes["/good"] = Reply(200, rss(item(2)).encode(), delay=0.6)
    for sid in ("a-slow1", "b-slow2"):
        add_source(migrated_db, sid, server.url("/" + sid.split("-")[1]))
    add_source(migrated_db, "c-good", server.url("/good"))
    settings = fast_settings(migrated_db, fetch_per_host=2, fetch_concurrency=4, fetch_total_timeout=2.0, fetch_read_timeout=1.9, fetch_attempts=1)
    summary = ingest_due(settings)
    outcomes = {r.source_id: r.outcome for r in summary.results}
    assert outcomes == {"a-slow1": "ok", "b-slow2": "ok", "c-good": "ok"}, [(r.source_id, r.error) for r in summary.results]
    assert server.max_active["127.0.0.1"] <= 2


def test_concurrent_deadlines_are_per_thread(server):
    server.routes["/f"] = Reply(200, FEED)
    results = []
    with Fetcher(fast_settings()) as f:
        threads = [threading.Thread(target=lambda: results.append(f.fetch(server.url("/f")))) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [r.outcome for r in results] == ["ok"] * 4
