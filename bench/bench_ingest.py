"""Ingestion benchmark: 10,000 feed entries from local files, end to end, against bare feedparser.

    ./scripts/bench ingest

Entries are written to feed files of 500 entries (the size of a busy real feed), then
ingested with `ingest_file` into a fresh SQLite database: defusing, feedparser,
cleaning, dates, de-duplication (exact and SimHash), storing items and sightings,
and the fetch log. The baseline is `feedparser.parse` alone on the same bytes.

Targets: time ratio under 1.5; peak memory the same at 2,000 and 10,000 entries
(entries are processed and committed in batches, so memory follows the size of one
feed file, not of the run).
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from pathlib import Path

import feedparser

from bench.common import Row, console, peak_memory, report
from triage import db
from triage.catalogue import load_catalogue
from triage.catalogue.store import sync_catalogue
from triage.config import Settings
from triage.resources import default_catalogue
from triage.sources.ingest import ingest_file

PER_FILE = 500
COMMON = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "for",
    "on",
    "that",
    "with",
    "by",
    "was",
    "is",
    "as",
    "at",
    "from",
    "has",
    "be",
    "it",
    "this",
    "said",
    "will",
    "its",
    "were",
    "an",
    "have",
    "are",
    "which",
    "police",
    "border",
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
    "investigation",
    "operation",
    "officers",
    "cooperation",
    "agreement",
    "funding",
    "statement",
    "government",
    "security",
    "european",
    "national",
    "international",
]


def vocabulary(rng: random.Random, size: int = 6000) -> tuple[list[str], list[float]]:
    """Words with a Zipf distribution (rank r has weight 1/r), as in real prose: a few
    very common words and a long tail. A small uniform vocabulary would make unrelated
    texts look alike and overstate the near-duplicate work."""
    syllables = ["ka", "ri", "to", "men", "sa", "lo", "ver", "ne", "gu", "dis", "tra", "po", "lin", "es", "ur", "mo", "che", "fa"]
    words = list(COMMON)
    while len(words) < size:
        words.append("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return words, [1 / (rank + 1) for rank in range(len(words))]


def write_files(folder: Path, total: int, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    words, weights = vocabulary(random.Random(0))  # one language for every run
    start = dt.datetime(2024, 6, 15, tzinfo=dt.UTC)
    # Like real feeds, each file covers a stretch of time, newest entry first; together the
    # files span the 180 days of a compliance period.
    minutes = sorted((rng.randrange(0, 180 * 24 * 60) for _ in range(total)), reverse=True)
    paths = []
    for f in range(0, total, PER_FILE):
        items = []
        for n in range(f, min(f + PER_FILE, total)):
            when = start + dt.timedelta(minutes=minutes[n])
            title = " ".join(rng.choices(words, weights, k=10)).capitalize()
            paras = ["<p>" + " ".join(rng.choices(words, weights, k=45)) + f", case {n}.</p>" for _ in range(3)]
            items.append(
                f"<item><title>{title}</title><link>https://www.example.gov/news/{n}?utm_source=rss</link>"
                f"<guid>https://www.example.gov/news/{n}</guid><pubDate>{when:%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
                f"<description><![CDATA[{''.join(paras)}]]></description></item>"
            )
        doc = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench feed</title>'
            f"<link>https://www.example.gov/</link><language>en</language>{''.join(items)}</channel></rss>"
        )
        path = folder / f"feed-{f // PER_FILE:03d}.xml"
        path.write_text(doc, encoding="utf-8")
        paths.append(path)
    return paths


def fresh_db(folder: Path, name: str) -> Settings:
    url = f"sqlite:///{folder / name}"
    db.migrate(url)
    with db.session_scope(url) as session:
        sync_catalogue(session, load_catalogue(default_catalogue()), default_catalogue())
    return Settings(database_url=url)


def baseline(paths: list[Path]) -> float:
    started = time.perf_counter()
    for p in paths:
        feedparser.parse(p.read_bytes())
    return time.perf_counter() - started


def pipeline(settings: Settings, paths: list[Path]) -> tuple[float, int]:
    started = time.perf_counter()
    new = 0
    for p in paths:
        new += ingest_file(settings, p).as_json()["new"]
    return time.perf_counter() - started, new


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small_dir, big_dir = folder / "small", folder / "big"
        small_dir.mkdir()
        big_dir.mkdir()
        small = write_files(small_dir, 2_000, seed=2)
        big = write_files(big_dir, 10_000, seed=3)
        mb = sum(p.stat().st_size for p in big) / 1e6
        console.print(f"{len(big)} files, 10,000 entries, {mb:.1f} MB")

        pipeline(fresh_db(folder, "warm.db"), small)  # imports, the language model, bounded caches filled
        # Interleaved and best of three: on a shared machine the load varies minute to minute.
        bases, fulls = [], []
        for rep in range(3):
            bases.append(baseline(big))
            seconds, new = pipeline(fresh_db(folder, f"time-{rep}.db"), big)
            assert new == 10_000, f"expected 10,000 new items, stored {new}"
            fulls.append(seconds)
        base, full = min(bases), min(fulls)
        with peak_memory() as small_peak:
            pipeline(fresh_db(folder, "mem-small.db"), small)
        with peak_memory() as big_peak:
            pipeline(fresh_db(folder, "mem-big.db"), big)
        db.dispose_engines()

    ratio = full / base
    growth = big_peak["peak"] / small_peak["peak"]
    report(
        "Ingestion: 10,000 entries from local files into SQLite",
        [
            Row("feedparser.parse alone", base, "s"),
            Row("ingest end to end", full, "s"),
            Row("entries per second", 10_000 / full, "/s"),
            Row("time ratio to feedparser", ratio, "x", "< 1.5", ratio < 1.5),
            Row("peak memory, 2,000 entries", small_peak["peak"] / 1e6, "MB"),
            Row("peak memory, 10,000 entries", big_peak["peak"] / 1e6, "MB"),
            Row("memory ratio 10,000 / 2,000", growth, "x", "< 1.2 (flat)", growth < 1.2),
        ],
    )


if __name__ == "__main__":
    main()
