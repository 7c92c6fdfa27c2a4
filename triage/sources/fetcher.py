"""Fetching feeds politely and defensively with httpx.

One `Fetcher` per run: a shared connection pool, a per-host limit on requests at
once, conditional GET (ETag / Last-Modified), connect/read/total timeouts, a cap on
the body enforced while it streams (after gzip decoding, so a compressed bomb is
cut off too), a redirect limit and a User-Agent with a contact. Transient failures
(timeouts, network errors, 5xx, 429) are retried by tenacity with exponential
back-off and jitter; a Retry-After header is honoured up to a cap. Anything else
(404, a redirect loop, an oversized body, a refused address) fails at once: retrying
cannot help.

The total deadline starts when the per-host slot is granted (waiting behind slow
feeds on the same host costs nothing) and covers connecting, the headers and the
body: `netguard` caps every socket operation by the time left. Every connection,
redirects included, goes to an address `netguard` checked.

A fetch never raises: it returns a `FetchResult` whose outcome says what happened.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential, wait_random

from triage.config import Settings
from triage.sources.netguard import AddressRefused, GuardedTransport, set_deadline

FEED_ACCEPT = "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"


class TransientError(Exception):
    """Worth retrying: the server or the network may do better in a moment."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class PermanentError(Exception):
    """Not worth retrying now."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass
class FetchResult:
    url: str
    outcome: str  # ok | not_modified | error
    status: int | None = None
    content: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    attempts: int = 0
    error: str | None = None
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome in ("ok", "not_modified")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class Fetcher:
    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        timeout = httpx.Timeout(
            connect=settings.fetch_connect_timeout,
            read=settings.fetch_read_timeout,
            write=settings.fetch_read_timeout,
            pool=settings.fetch_total_timeout,
        )
        limits = httpx.Limits(max_connections=settings.fetch_concurrency * 2, max_keepalive_connections=settings.fetch_concurrency)
        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            max_redirects=settings.fetch_max_redirects,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport or GuardedTransport(limits, settings.fetch_allow_private_addresses),
            trust_env=False,
        )
        self._slots: dict[str, threading.BoundedSemaphore] = defaultdict(lambda: threading.BoundedSemaphore(settings.fetch_per_host))
        self._slots_lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def _slot(self, url: str) -> threading.BoundedSemaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._slots_lock:
            return self._slots[host]

    # -- one URL --------------------------------------------------------------------------
    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None, accept: str = FEED_ACCEPT) -> FetchResult:
        started = time.monotonic()
        result = FetchResult(url=url, outcome="error")
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.fetch_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(TransientError),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    result.attempts = attempt.retry_state.attempt_number
                    self._attempt(url, headers, result)
        except (TransientError, PermanentError) as exc:
            result.outcome, result.error, result.status = "error", str(exc), exc.status
        except Exception as exc:  # a bug or an exotic failure must not end the run
            result.outcome, result.error = "error", f"unexpected: {type(exc).__name__}: {exc}"
        result.duration_ms = int((time.monotonic() - started) * 1000)
        return result

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TransientError) and exc.retry_after is not None:
            return min(exc.retry_after, self.settings.fetch_retry_after_max)
        base = self.settings.fetch_backoff_seconds
        backoff = wait_exponential(multiplier=base, max=max(base, self.settings.fetch_retry_after_max)) + wait_random(0, base)
        return backoff(state)

    def _attempt(self, url: str, headers: dict[str, str], result: FetchResult) -> None:
        cap = self.settings.fetch_max_bytes
        total = self.settings.fetch_total_timeout
        with self._slot(url):
            deadline = time.monotonic() + total
            set_deadline(deadline)
            try:
                with self.client.stream("GET", url, headers=headers) as resp:
                    result.status = resp.status_code
                    result.final_url = str(resp.url)
                    if resp.status_code == 304:
                        result.outcome, result.error = "not_modified", None
                        return
                    if resp.status_code == 429 or resp.status_code >= 500:
                        raise TransientError(f"HTTP {resp.status_code}", resp.status_code, parse_retry_after(resp.headers.get("Retry-After")))
                    if resp.status_code >= 400:
                        raise PermanentError(f"HTTP {resp.status_code}", resp.status_code)
                    declared = resp.headers.get("Content-Length")
                    encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
                    if declared and declared.isdigit() and int(declared) > cap and not encoded:
                        raise PermanentError(f"response too large: {int(declared):,} bytes declared, limit {cap:,}", resp.status_code)
                    body = bytearray()
                    for chunk in resp.iter_bytes():
                        body += chunk
                        if len(body) > cap:
                            raise PermanentError(f"response too large: over the {cap:,}-byte limit (cut off)", resp.status_code)
                        if time.monotonic() > deadline:
                            raise TransientError(f"total timeout: {total:g} s", resp.status_code)
                    result.content = bytes(body)
                    result.content_type = resp.headers.get("Content-Type")
                    result.etag = resp.headers.get("ETag")
                    result.last_modified = resp.headers.get("Last-Modified")
                    result.outcome = "ok"
                    result.error = None
            except httpx.TooManyRedirects:
                raise PermanentError(f"too many redirects (limit {self.settings.fetch_max_redirects})") from None
            except AddressRefused as exc:
                raise PermanentError(str(exc)) from None
            except httpx.TimeoutException as exc:
                if time.monotonic() >= deadline - 0.05:
                    raise TransientError(f"total timeout: {total:g} s (headers and body)") from None
                raise TransientError(f"timeout ({type(exc).__name__})") from None
            except httpx.DecodingError as exc:
                raise PermanentError(f"undecodable response: {exc}") from None
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise PermanentError(f"bad URL: {exc}") from None
            except httpx.TransportError as exc:
                raise TransientError(f"network error: {type(exc).__name__}: {exc}") from None
            finally:
                set_deadline(None)

    # -- many URLs --------------------------------------------------------------------------
    def fetch_many(self, jobs: Iterable[tuple[str, str, str | None, str | None]]) -> Iterator[tuple[str, FetchResult]]:
        """Fetch (key, url, etag, last_modified) jobs concurrently; yield (key, result) as each ends."""
        with ThreadPoolExecutor(max_workers=self.settings.fetch_concurrency, thread_name_prefix="fetch") as pool:
            futures = {pool.submit(self.fetch, url, etag, modified): key for key, url, etag, modified in jobs}
            for future in as_completed(futures):
                yield futures[future], future.result()
