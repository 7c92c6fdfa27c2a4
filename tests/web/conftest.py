"""Fixtures for the web app: a seeded database, the app, and logged-in clients."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient

from triage import db
from triage.accounts import create_user
from triage.catalogue.index import CatalogueIndex
from triage.config import Settings
from triage.items import ItemDraft, store_item
from triage.models import Sighting, Source
from triage.suggestions import Proposal, store_suggestion
from triage.web import create_app

UTC = dt.UTC
PASSWORDS = {"ana": "password-ana", "bob": "password-bob", "lea": "password-lea", "adam": "password-adam"}
XSS_TITLE = '<script>alert("title")</script><img src=x onerror=alert(1)> Minister acts'
XSS_TEXT = (
    'Intro <script>alert("text")</script> then <img src="https://evil.invalid/x.png" onerror="alert(2)"> '
    'and <a href="javascript:alert(3)">click</a>. The ministry seized boats of a smuggling network.'
)
XSS_URL = "javascript:alert(4)"

# (member, dimension, strength, confidence, language, day in July 2024 or None, quote verified?)
SEED = [
    ("United Kingdom", "counter", "strong", 0.95, "en", 1, True),
    ("United Kingdom", "prevent", "strong", 0.90, "en", 2, True),
    ("Japan", "prevent", "weak", 0.80, "ja", 3, True),
    ("Japan", "counter", "weak", 0.70, "ja", 4, False),
    ("France", "dismantle", "strong", 0.60, "fr", 5, True),
    ("Germany", "disrupt", "weak", 0.50, "de", None, True),
    ("Italy", "counter", "strong", 0.40, "it", 7, True),
    ("Canada", "prevent", "weak", 0.30, "en", 8, True),
]


@dataclass
class Seeded:
    url: str
    users: dict[str, int]
    suggestions: list[int]
    items: list[int]
    xss_item: int = 0
    xss_suggestion: int = 0
    extra: dict = field(default_factory=dict)


def seed(url: str) -> Seeded:
    with db.session_scope(url) as s:
        index = CatalogueIndex.load(s)
        users = {
            "ana": create_user(s, username="ana", role="analyst", password=PASSWORDS["ana"]).id,
            "bob": create_user(s, username="bob", role="analyst", password=PASSWORDS["bob"]).id,
            "lea": create_user(s, username="lea", role="lead", password=PASSWORDS["lea"]).id,
            "adam": create_user(s, username="adam", role="admin", password=PASSWORDS["adam"]).id,
        }
        s.add(Source(id="jp-mofa", url="https://www.mofa.go.jp/rss.xml", member="japan", publisher="Ministry of Foreign Affairs", language="ja"))
        s.flush()
        ids, items = [], []
        for n, (member, dim, strength, conf, lang, day, verified) in enumerate(SEED):
            published = dt.datetime(2024, 7, day, 9, tzinfo=UTC) if day else None
            item, _ = store_item(
                s,
                ItemDraft(
                    title=f"{member} item {n}",
                    text=f"On July {n + 1} the government acted number {n}.",
                    url=f"https://gov.example/{n}",
                    publisher=f"Publisher {n}",
                    language=lang,
                    published_at=published,
                ),
                index.period,
            )
            quote = f"acted number {n}" if verified else "words that are not in the text"
            sug, _ = store_suggestion(
                s,
                index,
                item,
                Proposal(member, 19, dim, strength, confidence=conf, quote=quote, action_date=dt.date(2024, 7, n + 1)),
                agent="rules:test",
                agent_kind="rules",
            )
            ids.append(sug.id)
            items.append(item.id)
            if lang == "ja":
                s.add(Sighting(item_id=item.id, source_id="jp-mofa", entry_key=f"e{n}"))
        xss, _ = store_item(
            s,
            ItemDraft(
                title=XSS_TITLE,
                text=XSS_TEXT,
                url=XSS_URL,
                publisher='<b onmouseover="alert(5)">Evil</b>',
                language="en",
                published_at=dt.datetime(2024, 7, 20, tzinfo=UTC),
            ),
            index.period,
        )
        xss.gist_en = '<script>alert("gist")</script> gist'
        s.add(xss)
        xsug, _ = store_suggestion(
            s,
            index,
            xss,
            Proposal(
                "France",
                19,
                "disrupt",
                "strong",
                confidence=0.99,
                quote="seized boats of a smuggling network",
                rationale='<script>alert("why")</script>',
            ),
            agent="llm:test",
            agent_kind="llm",
        )
        return Seeded(url, users, ids, items, xss.id, xsug.id)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """Real argon2, with test-sized costs: a login per test should not take a tenth of a second."""
    from argon2 import PasswordHasher

    from triage import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def seeded(loaded_db) -> Seeded:
    return seed(loaded_db)


@pytest.fixture
def app(seeded):
    return create_app(Settings(database_url=seeded.url))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]*)"', html).group(1)


def login(client: TestClient, username: str, password: str | None = None):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/login", data={"username": username, "password": password or PASSWORDS[username], "csrf_token": token}, follow_redirects=False
    )


@pytest.fixture
def client(app):
    """An anonymous client; https so the Secure session cookie is kept."""
    with TestClient(app, base_url="https://testserver") as c:
        yield c


@pytest.fixture
def as_user(app):
    """as_user('ana') -> a logged-in client with .csrf set."""
    clients = []

    def make(username: str) -> TestClient:
        c = TestClient(app, base_url="https://testserver")
        clients.append(c)
        response = login(c, username)
        assert response.status_code == 303, response.text
        c.csrf = csrf_of(c.get("/queue").text)
        return c

    yield make
    for c in clients:
        c.close()
