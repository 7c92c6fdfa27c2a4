"""Analysts working at once on SQLite wait for each other instead of failing, and a burst of
logins checks no more passwords than the limit allows."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from tests.web.conftest import csrf_of, login
from triage import accounts, db
from triage.accounts import create_user
from triage.catalogue.index import CatalogueIndex
from triage.config import Settings
from triage.items import ItemDraft, store_item
from triage.models import Decision, LoginAttempt
from triage.suggestions import Proposal, store_suggestion
from triage.web import create_app
from triage.web.auth import TooManyAttempts, log_in

SINGLE, BULK, PER_BULK = 100, 20, 3


@pytest.fixture
def busy(loaded_db):
    if not loaded_db.startswith("sqlite"):
        pytest.skip("the write-lock race is SQLite's (PostgreSQL has row locks)")
    per_analyst = SINGLE + BULK * PER_BULK
    ids = []
    with db.session_scope(loaded_db) as s:
        index = CatalogueIndex.load(s)
        create_user(s, username="ana", role="analyst", password="password-ana")
        create_user(s, username="bob", role="analyst", password="password-bob")
        for n in range(2 * per_analyst):
            item, _ = store_item(
                s,
                ItemDraft(title=f"Item {n}", text=f"The government acted number {n}.", published_at=dt.datetime(2024, 7, 1, tzinfo=dt.UTC)),
                index.period,
            )
            sug, _ = store_suggestion(
                s, index, item, Proposal("Japan", 19, "prevent", "weak", quote=f"acted number {n}"), agent="rules:test", agent_kind="rules"
            )
            ids.append(sug.id)
    return loaded_db, ids[:per_analyst], ids[per_analyst:]


def _work(app, username, password, ids, statuses: Counter, decided: list, lock: threading.Lock):
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        assert login(c, username, password).status_code == 303
        csrf = csrf_of(c.get("/queue").text)
        headers = {"accept": "application/json", "x-csrf-token": csrf}
        singles, rest = ids[:SINGLE], ids[SINGLE:]
        bulks = [rest[i * PER_BULK : (i + 1) * PER_BULK] for i in range(BULK)]
        for n, sid in enumerate(singles):
            data = {"action": "accept", "version": "1"} if n % 2 else {"action": "reject", "version": "1", "reason": "not_relevant"}
            r = c.post(f"/suggestions/{sid}/decide", data=data, headers=headers)
            with lock:
                statuses[r.status_code] += 1
                if r.status_code == 200:
                    decided.append(sid)
            if n % 5 == 0 and bulks:
                sel = bulks.pop()
                r = c.post("/bulk-reject", data={"reason": "duplicate", "sel": [f"{x}:1" for x in sel]}, headers=headers)
                with lock:
                    statuses[r.status_code] += 1
                    if r.status_code == 200:
                        decided.extend(r.json()["decided"])


def test_two_analysts_at_once_on_sqlite(busy):
    url, ana_ids, bob_ids = busy
    app = create_app(Settings(database_url=url))
    statuses: Counter = Counter()
    decided: list = []
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_work, args=(app, "ana", "password-ana", ana_ids, statuses, decided, lock)),
        threading.Thread(target=_work, args=(app, "bob", "password-bob", bob_ids, statuses, decided, lock)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"\nresponses: {dict(statuses)}")
    assert not [s for s in statuses if s >= 500], statuses
    assert statuses[200] == 2 * (SINGLE + BULK)
    with Session(db.engine_for(url)) as s:
        audited = s.exec(select(Decision.suggestion_id)).all()
    assert sorted(audited) == sorted(decided) and len(audited) == 2 * (SINGLE + BULK * PER_BULK)


def test_a_burst_of_logins_checks_at_most_the_limit(seeded, monkeypatch):
    settings = Settings(database_url=seeded.url, web_login_max_failures=5)
    checked = Counter()
    real = accounts.verify_password

    def counting(user, password):
        checked["n"] += 1
        return real(user, password)

    monkeypatch.setattr("triage.web.auth.verify_password", counting)
    outcomes = Counter()

    def attempt():
        with Session(db.engine_for(seeded.url), expire_on_commit=False) as s:
            try:
                outcomes["ok" if log_in(s, settings, "ana", "wrong password", "10.0.0.1") else "refused"] += 1
            except TooManyAttempts:
                outcomes["limited"] += 1

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert checked["n"] <= 5 and outcomes["limited"] >= 25, (checked, outcomes)
    with Session(db.engine_for(seeded.url)) as s:  # refused attempts are not kept: only the checked ones count
        assert s.exec(select(func.count()).select_from(LoginAttempt)).one() == checked["n"]
