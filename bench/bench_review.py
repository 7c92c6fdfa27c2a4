"""Review queue at scale: 100,000 items and 200,000 suggestions in PostgreSQL.

Creates a dedicated database on 127.0.0.1:5432 (TRIAGE_BENCH_POSTGRES_URL names the
server; the database is dropped afterwards), bulk-loads it with COPY, starts the real app
(`triage serve` in a subprocess, so client and server do not share a GIL), and times over
HTTP on loopback:
  - queue pages: first pages under several filters and sorts, and keyset pages deep into
    the queue (targets: p95 < 150 ms);
  - decisions: accept and reject-with-reason posts, as the browser's script sends them
    (target: p95 < 50 ms);
  - search (issue 14): the Items view and the queue filtered by full-text search (PostgreSQL
    tsvector + GIN), one and two words, with and without other filters (target p95 < 150 ms);
  - the queue per item (/queue?group=item), first pages and keyset pages (target p95 < 150 ms);
  - for information, first pages with the per-filter counts recounted on every request
    (TRIAGE_WEB_COUNTS_SECONDS=0): the cost of a first visit to a filter.
Run: ./scripts/bench review
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench.common import Row, console, create_database, drop_database, percentiles, report
from triage import db
from triage.accounts import create_user
from triage.catalogue import load_catalogue
from triage.catalogue.index import CatalogueIndex
from triage.catalogue.store import sync_catalogue
from triage.resources import default_catalogue

ITEMS = int(os.environ.get("TRIAGE_BENCH_ITEMS", "100000"))
PER_ITEM = 2  # suggestions per item -> 200,000
DECIDED = 0.2  # share of suggestions already decided (with a decision row each)
QUEUE_REQUESTS = 300
DECISION_REQUESTS = 300
TARGET_QUEUE_MS, TARGET_DECISION_MS = 150.0, 50.0
PASSWORD = "bench-password-1"
UTC = dt.UTC
WORDS = [
    "government",
    "ministry",
    "smuggling",
    "network",
    "migrants",
    "police",
    "arrested",
    "boats",
    "border",
    "cooperation",
    "agreement",
    "funding",
    "programme",
    "law",
    "prosecution",
    "trafficking",
    "victims",
    "operation",
    "Europol",
    "Interpol",
    "assets",
    "seized",
    "minister",
    "announced",
]


def _ts(value: dt.datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def full_catalogue(directory: Path) -> Path:
    """The shipped catalogue with every commitment made complete (commitment 19's dimensions,
    guidance and rule copied to the others), as a report with all its methodologies written
    would be: suggestions and decisions then spread over 20 x 8 (commitment, member) pairs
    instead of piling onto the 8 of commitment 19."""
    import yaml

    data = yaml.safe_load(default_catalogue().read_text())
    model = next(c for c in data["commitments"] if c["number"] == 19)
    for c in data["commitments"]:
        if c["number"] != 19:
            c.setdefault("quote", f"We will act on commitment {c['number']}.")
            for key in ("dimensions", "guidance", "scoring", "definitions"):
                c.setdefault(key, model[key])
    path = directory / "bench-catalogue.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


def load(url: str) -> dict:
    """Catalogue, users, then items, suggestions and decisions by COPY."""
    import tempfile

    rng = random.Random(7)
    db.migrate(url)
    cat_path = full_catalogue(Path(tempfile.mkdtemp(prefix="triage-bench-")))
    with db.session_scope(url) as s:
        sync_catalogue(s, load_catalogue(cat_path), cat_path)
        index = CatalogueIndex.load(s)
        analyst = create_user(s, username="bench", role="analyst", password=PASSWORD)
        other = create_user(s, username="other", role="analyst", password=PASSWORD)
        analyst_id, other_id = analyst.id, other.id
    commitments = [(c.id, [d.id for d in index.dimensions_of(c)]) for c in index.commitments]
    members = [m.id for m in index.members]
    languages = ["en"] * 5 + ["fr", "de", "it", "ja"]
    start = dt.datetime(2024, 6, 1, tzinfo=UTC)
    now = dt.datetime.now(UTC)

    raw = db.engine_for(url).raw_connection()
    try:
        cur = raw.cursor()
        t0 = time.perf_counter()
        with cur.copy(
            "COPY item (id, url, canonical_url, title, text, publisher, language, published_at, fetched_at, content_hash, fingerprint, "
            "language_detected, date_missing, in_period, origin, status, attempts, injection_suspected, created_at) FROM STDIN"
        ) as copy:
            for i in range(1, ITEMS + 1):
                body = " ".join(rng.choice(WORDS) for _ in range(90))
                published = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 200))
                link = f"https://gov.example/{i}"
                copy.write_row(
                    (
                        i,
                        link,
                        link,
                        f"Item {i}: {' '.join(rng.choice(WORDS) for _ in range(8))}",
                        body,
                        f"Publisher {i % 300}",
                        rng.choice(languages),
                        _ts(published),
                        _ts(now),
                        hashlib.sha256(f"item{i}".encode()).hexdigest(),
                        rng.getrandbits(62),
                        False,
                        False,
                        True,
                        "feed",
                        "classified",
                        1,
                        False,
                        _ts(now),
                    )
                )
        sid = 0
        decided: list[tuple] = []
        with cur.copy(
            "COPY suggestion (id, item_id, member_id, commitment_id, dimension_id, strength, contradictory, confidence, rationale, quote, "
            "action_date, quote_verified, flags, agent, agent_kind, status, version, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(1, ITEMS + 1):
                commitment_id, dims = rng.choice(commitments)
                pairs = rng.sample([(m, d) for m in members for d in dims], PER_ITEM)
                for member_id, dimension_id in pairs:
                    sid += 1
                    verified = rng.random() < 0.85
                    flags = [] if verified else ["unverified_quote"]
                    status = "pending"
                    if rng.random() < DECIDED:
                        status = rng.choice(("accepted", "rejected"))
                        decided.append((sid, member_id, commitment_id, dimension_id, status))
                    copy.write_row(
                        (
                            sid,
                            i,
                            member_id,
                            commitment_id,
                            dimension_id,
                            rng.choice(("strong", "weak")),
                            False,
                            round(rng.random(), 4),
                            "because",
                            "seized boats",
                            dt.date(2024, 7, 1),
                            verified,
                            json.dumps(flags),
                            "rules:bench",
                            "rules",
                            status,
                            2 if status != "pending" else 1,
                            _ts(now),
                            _ts(now),
                        )
                    )
        with cur.copy(
            "COPY decision (suggestion_id, user_id, action, reason, based_on_version, status_after, before, after, member_id, commitment_id, "
            "dimension_id, strength, contradictory, quote, created_at) FROM STDIN"
        ) as copy:
            for sid_, member_id, commitment_id, dimension_id, status in decided:
                action, reason = ("accept", None) if status == "accepted" else ("reject", "not_relevant")
                copy.write_row(
                    (
                        sid_,
                        other_id,
                        action,
                        reason,
                        1,
                        status,
                        "{}",
                        "{}",
                        member_id,
                        commitment_id,
                        dimension_id,
                        "strong",
                        False,
                        "seized boats",
                        _ts(now),
                    )
                )
        for table in ("item", "suggestion", "decision"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
        load_s = time.perf_counter() - t0
    finally:
        raw.close()
    return {
        "analyst": analyst_id,
        "suggestions": sid,
        "decisions": len(decided),
        "load_s": load_s,
        "catalogue": cat_path,
        "pairs": len(commitments) * len(members),
    }


def start_server(url: str, catalogue: Path, counts_seconds: float = 10.0) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "TRIAGE_DATABASE_URL": url,
        "TRIAGE_CATALOGUE": str(catalogue),
        "TRIAGE_LOG_LEVEL": "WARNING",
        "TRIAGE_WEB_SECURE_COOKIES": "false",
        "TRIAGE_WEB_COUNTS_SECONDS": str(counts_seconds),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"the app did not start: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.1)


def log_in(client: httpx.Client) -> str:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, r.text
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/queue").text).group(1)


def timed_get(client, path, samples, expect=200):
    t = time.perf_counter()
    r = client.get(path)
    samples.append((time.perf_counter() - t) * 1000)
    assert r.status_code == expect, (path, r.status_code, r.text[:300])
    return r


def queue_samples(client: httpx.Client) -> dict[str, list[float]]:
    """First pages under several filters and sorts, and keyset walks deep into the queue."""
    first_pages = [
        "/queue",
        "/queue?member=japan",
        "/queue?commitment=19&member=france&dimension=counter&strength=strong",
        "/queue?sort=date",
        "/queue?sort=date&order=asc&language=fr",
        "/queue?conf_min=0.4&conf_max=0.6",
        "/queue?verified=no",
        "/queue?flagged=yes&member=italy",
        "/queue?date_from=2024-09-01&date_to=2024-09-30",
        "/queue?status=accepted",
    ]
    out = {"first page": [], "deep page (keyset)": []}
    n = 0
    while n < QUEUE_REQUESTS // 2:
        for path in first_pages:
            timed_get(client, path, out["first page"])
            n += 1
    walks = ["/queue", "/queue?sort=date", "/queue?member=germany&commitment=7"]
    n = 0
    while n < QUEUE_REQUESTS // 2:
        for start in walks:
            path = start
            for _ in range(25):  # 25 pages of 50 = 1,250 rows deep
                r = timed_get(client, path, out["deep page (keyset)"])
                n += 1
                m = re.search(r'id="next-page" href="([^"]+)"', r.text)
                if not m:
                    break
                path = m.group(1).replace("&amp;", "&")
    return out


SEARCH_REQUESTS = 200
GROUPED_REQUESTS = 200
TARGET_SEARCH_MS = TARGET_GROUPED_MS = 150.0


def search_samples(client: httpx.Client) -> list[float]:
    """Full-text search: the Items view and the queue with q=, over every item."""
    paths = [
        "/items?q=europol",
        "/items?q=smuggling+network",
        "/items?q=minister+announced&state=classified",
        "/items?q=boats",
        "/items?q=interpol+seized",
        "/queue?q=europol",
        "/queue?q=trafficking&member=japan",
        "/queue?q=border+cooperation&sort=date",
        "/items?q=prosecution&date_from=2024-09-01&date_to=2024-09-30",
        "/items?q=zzznotaword",
    ]
    samples: list[float] = []
    while len(samples) < SEARCH_REQUESTS:
        for path in paths:
            timed_get(client, path, samples)
    return samples


def grouped_samples(client: httpx.Client) -> list[float]:
    """The queue per item: first pages under several filters, then keyset pages."""
    starts = ["/queue?group=item", "/queue?group=item&member=japan", "/queue?group=item&sort=date", "/queue?group=item&commitment=19&member=france"]
    samples: list[float] = []
    while len(samples) < GROUPED_REQUESTS:
        for start in starts:
            path = start
            for _ in range(10):
                r = timed_get(client, path, samples)
                m = re.search(r'id="next-page" href="([^"]+)"', r.text)
                if not m:
                    break
                path = m.group(1).replace("&amp;", "&")
    return samples


def decision_samples(client: httpx.Client, csrf: str, url: str) -> list[float]:
    with create_engine(db.normalise_url(url)).connect() as conn:
        pending = [
            r[0]
            for r in conn.execute(text("SELECT id FROM suggestion WHERE status = 'pending' ORDER BY random() LIMIT :n"), {"n": DECISION_REQUESTS})
        ]
    samples = []
    headers = {"accept": "application/json", "x-csrf-token": csrf}
    for n, sid in enumerate(pending):
        data = {"action": "accept", "version": "1"} if n % 2 == 0 else {"action": "reject", "version": "1", "reason": "not_relevant"}
        t = time.perf_counter()
        r = client.post(f"/suggestions/{sid}/decide", data=data, headers=headers)
        samples.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (sid, r.status_code, r.text[:300])
    return samples


def main() -> None:
    url = create_database()
    proc = None
    try:
        with console.status(f"Loading {ITEMS:,} items and {ITEMS * PER_ITEM:,} suggestions…"):
            info = load(url)
        console.print(
            f"Loaded {ITEMS:,} items, {info['suggestions']:,} suggestions, {info['decisions']:,} decisions "
            f"over {info['pairs']} (commitment, member) pairs in {info['load_s']:.1f} s."
        )
        proc, base = start_server(url, info["catalogue"])
        with httpx.Client(base_url=base, timeout=30) as client:
            csrf = log_in(client)
            for _ in range(20):  # warm the pool, the catalogue cache and PostgreSQL's buffers
                client.get("/queue")
            with console.status("Timing queue pages…"):
                queue = queue_samples(client)
            with console.status("Timing search…"):
                searched = search_samples(client)
            with console.status("Timing the queue per item…"):
                grouped = grouped_samples(client)
            with console.status("Timing decisions…"):
                decisions = decision_samples(client, csrf, url)
        proc.terminate()
        proc.wait(timeout=10)
        # The same first pages with the counts recounted on every request (no reuse), to show
        # what the counts cache saves and what a first visit to a filter costs.
        proc, base = start_server(url, info["catalogue"], counts_seconds=0)
        uncached: list[float] = []
        with httpx.Client(base_url=base, timeout=30) as client:
            log_in(client)
            for _ in range(3):
                client.get("/queue")
            for path in ("/queue", "/queue?member=japan", "/queue?language=fr", "/queue?conf_min=0.4&conf_max=0.6") * 10:
                timed_get(client, path, uncached)
        rows = []
        for name, samples in queue.items():
            median, p95 = percentiles(samples)
            rows.append(Row(f"queue {name}: median", median, "ms"))
            rows.append(Row(f"queue {name}: p95 ({len(samples)} requests)", p95, "ms", f"< {TARGET_QUEUE_MS:.0f} ms", p95 < TARGET_QUEUE_MS))
        for name, samples, target in (("search", searched, TARGET_SEARCH_MS), ("queue per item", grouped, TARGET_GROUPED_MS)):
            median, p95 = percentiles(samples)
            rows.append(Row(f"{name}: median", median, "ms"))
            rows.append(Row(f"{name}: p95 ({len(samples)} requests)", p95, "ms", f"< {target:.0f} ms", p95 < target))
            rows.append(Row(f"{name} p95 / target", p95 / target, "", "< 1", p95 < target))
        median, p95 = percentiles(uncached)
        rows.append(Row("queue first page, counts never reused: median", median, "ms"))
        rows.append(Row(f"queue first page, counts never reused: p95 ({len(uncached)})", p95, "ms", "(information)"))
        median, p95 = percentiles(decisions)
        rows.append(Row("decision: median", median, "ms"))
        rows.append(Row(f"decision: p95 ({len(decisions)} requests)", p95, "ms", f"< {TARGET_DECISION_MS:.0f} ms", p95 < TARGET_DECISION_MS))
        all_queue = [x for s in queue.values() for x in s]
        rows.append(Row("queue p95 / target", percentiles(all_queue)[1] / TARGET_QUEUE_MS, "", "< 1", percentiles(all_queue)[1] < TARGET_QUEUE_MS))
        rows.append(Row("decision p95 / target", p95 / TARGET_DECISION_MS, "", "< 1", p95 < TARGET_DECISION_MS))
        report(f"Review at scale: {ITEMS:,} items, {info['suggestions']:,} suggestions (PostgreSQL, HTTP on loopback)", rows)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        drop_database(url)


if __name__ == "__main__":
    main()
