"""In Chromium: a lead completes a commitment in the web app; after `triage classify` the queue
shows suggestions for it (generic rules: nobody wrote rules for it). A broken edit is refused."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tests.catalogue.test_edit import c7_text
from tests.conftest import CATALOGUE
from triage import db
from triage.accounts import create_user
from triage.catalogue import load_catalogue
from triage.catalogue.store import sync_catalogue
from triage.classify.service import classify_pending
from triage.config import Settings
from triage.items import ItemDraft, store_item
from triage.models import CommitmentVersion

pytest.importorskip("playwright.sync_api")
from tests.web.test_browser import ARGS, CHROMIUM, _serve  # skips without Chromium

PASSWORD = "a-long-password-1"
COAL = (
    "Canada adopts law to close coal power plants",
    "The Government of Canada adopted a law that sets closure dates for coal plants, phasing out unabated coal in the power sector.",
)


class _Seeded:
    def __init__(self, url):
        self.url = url
        self.extra: dict = {}


@pytest.fixture
def server(tmp_path):
    # A copy of the shipped catalogue (and its rules) that the test may load and edit around.
    for name in (CATALOGUE.name, CATALOGUE.name.replace(".yaml", ".rules.yaml")):
        shutil.copy(CATALOGUE.parent / name, tmp_path / name)
    catalogue = tmp_path / CATALOGUE.name
    url = f"sqlite:///{tmp_path / 'web.db'}"
    db.migrate(url)
    with db.session_scope(url) as s:
        sync_catalogue(s, load_catalogue(catalogue), catalogue)
        create_user(s, username="lea", role="lead", password=PASSWORD)
        store_item(
            s,
            ItemDraft(title=COAL[0], text=COAL[1], published_at=dt.datetime(2024, 10, 1, tzinfo=dt.UTC)),
            (dt.date(2024, 6, 15), dt.date(2024, 12, 20)),
        )
    yield from _serve(_Seeded(url))


def test_lead_completes_a_commitment_and_the_queue_shows_suggestions(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_context(base_url=server.extra["base"]).new_page()
        page.set_default_timeout(5000)
        page.goto("/login")
        page.fill('input[name="username"]', "lea")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url("**/queue")
        page.goto("/catalogue")
        page.click('a[href="/catalogue/commitments/7"]')
        assert "incomplete" in page.inner_text("h1")

        page.fill("#content", c7_text().replace("strong: all", "strong: 'nearly all'", 1))
        page.click("#save")
        assert "line" in page.inner_text("#problems") and "strong" in page.inner_text("#problems")
        with db.session_scope(server.url) as s:
            assert s.query(CommitmentVersion).count() == 0  # refused: nothing saved

        page.fill("#content", c7_text())
        page.fill("#note", "drafted from the methodology")
        page.click("#save")
        assert "Saved as version 1" in page.inner_text("#saved")
        assert "complete" in page.inner_text("h1") and "incomplete" not in page.inner_text("h1")

        summary = classify_pending(Settings(database_url=server.url), backend="rules")  # `triage classify`
        assert summary.suggestions >= 1
        page.goto("/queue?commitment=7")
        rows = page.locator("tr.row")
        assert rows.count() >= 1
        assert "Canada" in rows.first.inner_text()
        browser.close()
