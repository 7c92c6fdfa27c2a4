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
import string
import unicodedata

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from triage.models import Item

_PUNCT = string.punctuation + "«»“”‘’‚„…–—·•、。，．！？：；（）［］「」『』【】〈〉《》・"
_PUNCT_TO_SPACE = str.maketrans({c: " " for c in _PUNCT})
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Scripts written without spaces: shingle characters instead of words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
MIN_SHINGLES = 12  # shorter texts are too small for a fingerprint to mean anything
MAX_TOKENS = 120
_BITS = np.arange(64, dtype=np.uint64)


def tokens(text: str, normalised: bool = False) -> list[str]:
    """Words (characters for scripts without spaces); `normalised`: text is already a
    `triage.items.content_body` (NFKC, case-folded). Splitting on spaces and trimming
    punctuation is several times faster than a \\w+ regex and as good for fingerprints."""
    if not normalised:
        text = unicodedata.normalize("NFKC", text).casefold()
    if len(_CJK.findall(text[:400])) > 40:
        return [c for c in text if not c.isspace() and c not in _PUNCT]
    return text.translate(_PUNCT_TO_SPACE).split()


def shingles(text: str, k: int = 2) -> set[str]:
    toks = tokens(text)
    return {" ".join(toks[i : i + k]) for i in range(max(0, len(toks) - k + 1))}


def overlap(a: str, b: str) -> float:
    """Share of the shorter text's shingles found in the other (1.0: one contains the other)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


_TOKEN_HASHES: dict[str, int] = {}
_TOKEN_CACHE_MAX = 20_000  # distinct words remembered; bounded so memory stays flat
_C1, _C2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_1, _33, _63 = np.uint64(1), np.uint64(33), np.uint64(63)


def _token_hashes(toks: list[str]) -> np.ndarray:
    cache = _TOKEN_HASHES
    if len(cache) > _TOKEN_CACHE_MAX:
        cache.clear()
    values = [cache.get(t) for t in toks]
    for i, h in enumerate(values):
        if h is None:
            t = toks[i]
            h = values[i] = int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little")
            if not t[0].isdigit():  # figures rarely repeat: caching them would only fill the cache
                cache[t] = h
    return np.array(values, dtype=np.uint64)


_CHUNK = 256


def simhash(text: str, k: int = 2, normalised: bool = False) -> int | None:
    """Signed 64-bit SimHash of the text's word-pair shingles; None for too short a text."""
    return simhash_many([text], normalised)[0]


def simhash_many(texts: list[str], normalised: bool = False) -> list[int | None]:
    """`simhash` of each text, computed for the whole list at once.

    Only the first MAX_TOKENS words count: the fingerprint selects candidates, and the
    word-by-word comparison that confirms a copy reads the whole text. Word hashes are
    cached and word pairs combined with vectorised 64-bit mixing (the MurmurHash3
    finaliser). One set of array operations for a whole batch: per text, numpy's fixed
    cost per call was most of the work.
    """
    if len(texts) > _CHUNK:  # bounded arrays stay in cache; one huge batch was slower than per text
        return [fp for i in range(0, len(texts), _CHUNK) for fp in simhash_many(texts[i : i + _CHUNK], normalised)]
    out: list[int | None] = [None] * len(texts)
    chunks, owners = [], []
    for n, text in enumerate(texts):
        toks = tokens(text, normalised)[:MAX_TOKENS]
        if len(toks) >= MIN_SHINGLES + 1:
            chunks.append(_token_hashes(toks))
            owners.append(n)
    if not chunks:
        return out
    words = np.concatenate(chunks)
    # Pairs (word i, word i+1) that do not straddle two texts: drop the last of each text.
    sizes = np.fromiter((len(c) for c in chunks), dtype=np.int64, count=len(chunks))
    ends = np.cumsum(sizes)
    keep = np.ones(len(words) - 1, dtype=bool)
    keep[ends[:-1] - 1] = False
    nxt = words[1:]
    # uint64 array arithmetic wraps silently (modulo 2^64), which the mixing relies on.
    x = (words[:-1] ^ ((nxt << _1) | (nxt >> _63)))[keep]
    x ^= x >> _33
    x *= _C1
    x ^= x >> _33
    x *= _C2
    x ^= x >> _33
    # Per bit and per text: a vote for each shingle hash with the bit set; the majority sets the bit.
    bits = np.unpackbits(x.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    pairs = sizes - 1
    starts = np.concatenate(([0], np.cumsum(pairs)[:-1]))
    votes = np.add.reduceat(bits, starts, axis=0, dtype=np.uint16)
    packed = np.packbits(votes * 2 > pairs[:, None], axis=1, bitorder="little").view("<u8")[:, 0]
    for n, value in zip(owners, packed.tolist()):
        out[n] = value - (1 << 64) if value >= 1 << 63 else value
    return out


def distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


class NearDuplicates:
    """Finds the stored item a fingerprint is close to, looking at a bounded set of candidates."""

    def __init__(self, max_distance: int = 18, window_days: int = 3, limit: int = 1000, min_overlap: float = 0.7):
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
