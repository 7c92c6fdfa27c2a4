"""The answer cache: a validated answer per (content hash, prompt version, model).

Re-running classification, re-ingesting the same story into a fresh database, or evaluating
a backend twice on the same gold file never pays for the same answer twice. Only answers
that passed validation are cached; the prompt version includes a hash of the rendered
catalogue and schema (see prompt.py), so a changed catalogue is a cache miss.
"""

from __future__ import annotations

import hashlib
import threading

from sqlalchemy.exc import IntegrityError

from triage import db
from triage.models import LLMCache


def cache_key(content_hash: str, prompt_version: str, model: str) -> str:
    return hashlib.sha256(f"{content_hash}\n{prompt_version}\n{model}".encode()).hexdigest()


class MemoryCache:
    """For runs without a database (and tests)."""

    def __init__(self):
        self._data: dict[str, dict] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        with self._lock:
            return self._data.get(key)

    def put(self, key: str, content_hash: str, prompt_version: str, model: str, response: dict) -> None:
        with self._lock:
            self._data.setdefault(key, response)


class DbCache:
    """The `llm_cache` table. Each call uses its own short session, so worker threads may share it."""

    def __init__(self, url: str):
        self.url = url

    def get(self, key: str) -> dict | None:
        with db.session_scope(self.url) as session:
            row = session.get(LLMCache, key)
            return dict(row.response) if row is not None else None

    def put(self, key: str, content_hash: str, prompt_version: str, model: str, response: dict) -> None:
        try:
            with db.session_scope(self.url) as session:
                if session.get(LLMCache, key) is None:
                    session.add(LLMCache(key=key, content_hash=content_hash, prompt_version=prompt_version, model=model, response=response))
        except IntegrityError:
            pass  # another worker cached the same answer first
