"""Near-duplicate detection: the same story syndicated by several feeds is one item.

Exact duplicates (same text, or same canonical URL) are `triage.items`' business.
Here a 64-bit SimHash over word-pair shingles finds copies that differ in a few words
(an agency prefix, a trimmed last sentence, a reworded phrase). It is stored in
`Item.fingerprint` as a *signed* 64-bit integer (BigInteger on both databases).

On press-release-sized texts a SimHash alone is noisy (a wire prefix moves it 2 bits,
a trimmed sentence and a new headline 14, while unrelated texts sit around 32 and a
different story on the same subject at ~24), so it only selects candidates; a candidate is the same story when most of the shorter
text's word pairs also occur in the other (containment, `min_overlap`).

The candidate search is bounded: only items published within `window` days of the
new one (the way syndication happens), newest first, at most `limit` of them, are
compared, so the cost per entry does not grow with the size of the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from triage.items import normalise_text
from triage.models import Item

_WORD = re.compile(r"\w+", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Scripts written without spaces: shingle characters instead of words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
MIN_SHINGLES = 12  # shorter texts are too small for a fingerprint to mean anything
_BITS = np.arange(64, dtype=np.uint64)


def tokens(text: str) -> list[str]:
    text = normalise_text(text).casefold()
    if len(_CJK.findall(text[:400])) > 40:
        return [c for c in text if not c.isspace()]
    return _WORD.findall(text)


def shingles(text: str, k: int = 2) -> set[str]:
    toks = tokens(text)
    return {" ".join(toks[i : i + k]) for i in range(max(0, len(toks) - k + 1))}


def overlap(a: str, b: str) -> float:
    """Share of the shorter text's shingles found in the other (1.0: one contains the other)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def simhash(text: str, k: int = 2) -> int | None:
    """Signed 64-bit SimHash of the text's k-token shingles; None for too short a text."""
    toks = tokens(text)
    if len(toks) < MIN_SHINGLES + k - 1:
        return None
    shingles = {" ".join(toks[i : i + k]) for i in range(len(toks) - k + 1)}
    digests = b"".join(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingles)
    hashes = np.frombuffer(digests, dtype="<u8")
    # Per bit: +1 for each shingle hash with the bit set, -1 otherwise.
    bits = ((hashes[:, None] >> _BITS) & np.uint64(1)).sum(axis=0, dtype=np.int64)
    value = int(np.dot((bits * 2 > len(hashes)).astype(np.uint64), np.uint64(1) << _BITS))
    return value - (1 << 64) if value >= 1 << 63 else value


def distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


class NearDuplicates:
    """Finds the stored item a fingerprint is close to, looking at a bounded set of candidates."""

    def __init__(self, max_distance: int = 18, window_days: int = 7, limit: int = 2000, min_overlap: float = 0.7):
        self.max_distance = max_distance
        self.min_overlap = min_overlap
        self.window = dt.timedelta(days=window_days)
        self.limit = limit

    def candidates(self, session: Session, start: dt.datetime, end: dt.datetime) -> tuple[np.ndarray, list[int]]:
        rows = session.execute(
            select(Item.id, Item.fingerprint)
            .where(Item.fingerprint.is_not(None), Item.published_at >= start - self.window, Item.published_at <= end + self.window)
            .order_by(Item.id.desc())
            .limit(self.limit)
        ).all()
        fps = np.array([r[1] for r in rows], dtype=np.int64)
        return fps, [r[0] for r in rows]

    def close(self, fingerprint: int | None, fps: np.ndarray, ids: list[int]) -> list[int]:
        """Ids of candidates within max_distance, closest first (at most five)."""
        if fingerprint is None or not len(ids):
            return []
        dists = np.bitwise_count(np.bitwise_xor(fps, np.int64(fingerprint)).view(np.uint64))
        near = np.flatnonzero(dists <= self.max_distance)
        return [ids[i] for i in near[np.argsort(dists[near], kind="stable")][:5]]

    def same_story(self, a: str, b: str) -> bool:
        """Most word pairs shared, and no figure in the shorter text missing from the longer:
        templated releases ("8 arrested in Romania", "26 arrested in France") differ mainly there."""
        short, long_ = sorted((a, b), key=len)
        if not set(_NUMBER.findall(short)) <= set(_NUMBER.findall(long_)):
            return False
        return overlap(a, b) >= self.min_overlap
