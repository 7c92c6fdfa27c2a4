"""Load: 20 analysts deciding for 60 s against the web app on PostgreSQL while two workers ingest and classify.

    ./scripts/bench load

A database of its own on 127.0.0.1:5432 (TRIAGE_BENCH_POSTGRES_URL names the server; dropped
afterwards) with the shipped catalogue, 20 analyst accounts and a review queue made by the
rules backend. Then, all at once, in separate processes:
  - the web app (`triage serve --workers 2`, metrics in multiprocess mode);
  - two `triage worker` processes fetching 20 loopback feeds (50 entries each, due now) and
    classifying with the LLM backend against the fake OpenAI-compatible server (200 ms per
    answer, in its own process);
  - 20 simulated analysts (threads, one HTTP session each, no think time) posting accept and
    reject decisions, as the review page's script does, each on its own slice of the queue.
Reported: decisions/s, median and p95 latency, errors (any answer but 200, any exception), lost
decisions (a 200 whose decision is not in the audit table afterwards: target 0), and what the
workers did meanwhile. TRIAGE_BENCH_SECONDS shortens the run (default 60).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from sqlalchemy import func, insert, text
from sqlmodel import select

from bench.common import Row, console, create_database, drop_database, percentiles, report
from triage import db
from triage.accounts import create_user
from triage.catalogue import load_catalogue
from triage.catalogue.store import sync_catalogue
from triage.classify.service import classify_pending
from triage.config import Settings
from triage.models import Decision, Item, Source, Suggestion, User, utcnow
from triage.resources import default_catalogue
from triage.testing.fake_openai import FakeOpenAIProcess

SECONDS = float(os.environ.get("TRIAGE_BENCH_SECONDS", "60"))
ANALYSTS, WORKERS, QUEUED, BACKLOG, FEEDS, ENTRIES = 20, 2, 6000, 2000, 20, 50
PASSWORD = "bench-password-1"


def items(start: int, n: int) -> list[dict]:
    now = utcnow()
    out = []
    for i in range(start, start + n):
        who = ("Italian", "French", "German", "Japanese", "Canadian", "British")[i % 6]
        body = f"The {who} police arrested {i} members of a migrant smuggling network in operation {i}.\nInvestigations continue."
        out.append(
            dict(
                title=f"Smuggling network dismantled ({i})",
                text=body,
                language="en",
                published_at=now.replace(year=2024, month=10, day=1),
                content_hash=hashlib.sha256(body.encode()).hexdigest(),
                in_period=True,
                origin="feed",
                status="new",
                attempts=0,
                language_detected=False,
                date_missing=False,
                injection_suspected=False,
                fetched_at=now,
                created_at=now,
            )
        )
    return out


def prepare(url: str) -> None:
    db.migrate(url)
    path = default_catalogue()
    with db.session_scope(url) as s:
        sync_catalogue(s, load_catalogue(path), path)
        for n in range(ANALYSTS):
            create_user(s, username=f"analyst{n:02d}", role="analyst", password=PASSWORD)
    engine = db.engine_for(url)
    with engine.begin() as conn:
        conn.execute(insert(Item), items(0, QUEUED))
    classify_pending(Settings(database_url=url), backend="rules")  # the review queue
    with engine.begin() as conn:
        conn.execute(insert(Item), items(QUEUED, BACKLOG))  # the workers' classification backlog


def feed(n: int) -> bytes:
    entries = "".join(
        f"<item><title>Operation {n}-{k} against migrant smuggling</title><link>https://example.org/{n}/{k}</link>"
        f"<guid>{n}-{k}</guid><description>Border police arrested {k} smugglers near {n} in operation {n}-{k}.</description></item>"
        for k in range(ENTRIES)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>{entries}</channel></rss>'.encode()


def feed_server() -> ThreadingHTTPServer:
    bodies = {f"/feed{n}": feed(n) for n in range(FEEDS)}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            body = bodies.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("content-type", "application/rss+xml")
            self.send_header("content-length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        # The feeds are served on loopback, which fetches refuse unless told otherwise.
        env = {"TRIAGE_FETCH_ALLOW_PRIVATE_ADDRESSES": "true", **env}
        return subprocess.Popen([sys.executable, "-m", "triage", *args], env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)


class Analyst(threading.Thread):
    def __init__(self, base: str, name: str, suggestions: list[int], stop: threading.Event):
        super().__init__(daemon=True)
        self.base, self.name_, self.todo, self.stop = base, name, suggestions, stop
        self.latencies: list[float] = []
        self.decided: list[int] = []
        self.errors: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            client.post("/login", data={"username": self.name_, "password": PASSWORD, "csrf_token": token})
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/queue").text).group(1)
            headers = {"accept": "application/json", "x-csrf-token": csrf}
            for n, sid in enumerate(self.todo):
                if self.stop.is_set():
                    return
                data = {"action": "accept", "version": "1"} if n % 3 else {"action": "reject", "version": "1", "reason": "not_relevant"}
                t = time.perf_counter()
                try:
                    r = client.post(f"/suggestions/{sid}/decide", data=data, headers=headers)
                except httpx.HTTPError as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                self.latencies.append((time.perf_counter() - t) * 1000)
                if r.status_code == 200:
                    self.decided.append(sid)
                else:
                    self.errors.append(f"HTTP {r.status_code}: {r.text[:200]}")


def wait_for(base: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"the app did not start: {log.read_text()[-2000:]}")


def main() -> None:
    url = create_database()
    procs: list[subprocess.Popen] = []
    feeds = feed_server()
    tmp = Path(tempfile.mkdtemp(prefix="triage-bench-load-"))
    try:
        console.print(f"Preparing {QUEUED:,} classified items, {BACKLOG:,} queued, {ANALYSTS} analysts, {FEEDS} feeds...")
        prepare(url)
        engine = db.engine_for(url)
        with db.session_scope(url) as s:
            for n in range(FEEDS):
                s.add(
                    Source(id=f"load-{n}", url=f"http://127.0.0.1:{feeds.server_port}/feed{n}", publisher=f"Feed {n}", kind="news", poll_minutes=60)
                )
            pending = list(s.exec(select(Suggestion.id).where(Suggestion.status == "pending").order_by(Suggestion.id)))
            users = [u.username for u in s.exec(select(User).order_by(User.username))]
            done_before = s.exec(select(func.count()).select_from(Item).where(Item.status != "new")).one()
        with FakeOpenAIProcess(latency=0.2, quoting=True) as llm:
            import socket

            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            common = {
                "TRIAGE_DATABASE_URL": url,
                "TRIAGE_LOG_LEVEL": "WARNING",
                "TRIAGE_METRICS_DIR": str(tmp / "metrics"),
                "TRIAGE_LLM_BASE_URL": llm.base_url,
                "TRIAGE_LLM_API_KEY": "sk-bench-0000",
                "TRIAGE_LLM_MODEL": "gpt-4o-mini",
                "TRIAGE_WEB_SECURE_COOKIES": "false",
                "TRIAGE_FETCH_ATTEMPTS": "1",
            }
            web = start(["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"], common, tmp / "web.log")
            procs.append(web)
            base = f"http://127.0.0.1:{port}"
            wait_for(base, web, tmp / "web.log")
            for k in range(WORKERS):
                procs.append(start(["worker", "--concurrency", "8", "--backend", "llm"], common, tmp / f"worker{k}.log"))
            stop = threading.Event()
            share = len(pending) // ANALYSTS
            analysts = [Analyst(base, users[n], pending[n * share : (n + 1) * share], stop) for n in range(ANALYSTS)]
            t0 = time.perf_counter()
            for a in analysts:
                a.start()
            time.sleep(SECONDS)
            stop.set()
            for a in analysts:
                a.join(timeout=60)
            elapsed = time.perf_counter() - t0
            metrics_ok = httpx.get(f"{base}/metrics", timeout=10).status_code == 200
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=120)
        decided = [sid for a in analysts for sid in a.decided]
        errors = [e for a in analysts for e in a.errors]
        latencies = [ms for a in analysts for ms in a.latencies]
        with engine.connect() as conn:
            recorded = set(conn.execute(select(Decision.suggestion_id).where(Decision.suggestion_id.in_(decided))).scalars()) if decided else set()
            sightings = conn.execute(text("SELECT count(*) FROM sighting WHERE source_id LIKE 'load-%'")).scalar()
            done_after = conn.execute(select(func.count()).select_from(Item).where(Item.status != "new")).scalar()
            llm_calls = conn.execute(text("SELECT count(*) FROM llm_call")).scalar()
            fetched = conn.execute(text("SELECT count(*) FROM fetch_log WHERE source_id LIKE 'load-%'")).scalar()
        lost = len(set(decided) - recorded)
        median, p95 = percentiles(latencies) if latencies else (0.0, 0.0)
        report(
            f"Load: {ANALYSTS} analysts for {elapsed:.0f} s, web (2 processes) + {WORKERS} workers on PostgreSQL",
            [
                Row("decisions per second", len(decided) / elapsed, "/s"),
                Row("decision latency, median", median, "ms"),
                Row("decision latency, p95", p95, "ms"),
                Row("errors", len(errors), "", "0", not errors),
                Row("lost decisions (200 but not in the audit table)", lost, "", "0", lost == 0),
                Row("feeds fetched by the workers meanwhile", fetched, "", f"{FEEDS}"),
                Row("entries ingested (sightings) meanwhile", sightings, "", f"{FEEDS * ENTRIES}"),
                Row("items through classification meanwhile (LLM, fake 200 ms)", done_after - done_before, ""),
                Row("LLM requests meanwhile", llm_calls, ""),
                Row("/metrics answered during the run", 1.0 if metrics_ok else 0.0, "", "1", metrics_ok),
            ],
        )
        if errors:
            console.print("First errors:", errors[:5], markup=False)
        if not fetched:
            for log in sorted(tmp.glob("*.log")):
                console.print(f"{log.name}: {log.read_text()[-1500:]}", markup=False)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        feeds.shutdown()
        drop_database(url)


if __name__ == "__main__":
    main()
