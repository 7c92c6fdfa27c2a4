"""The app in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright; no
downloaded browser): logging in, filtering, deciding with the keyboard, bulk reject, undo,
a conflict between two analysts, a refused lead action, hostile feed content that must
stay inert, and the scores dashboard (a lead opens a cell and sets a final score).
Screenshots of the queue, an item, the dashboard and a cell go to test-artifacts/."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.conftest import CATALOGUE, ROOT
from tests.scores.conftest import C19_EVIDENCE
from tests.web.conftest import PASSWORDS, XSS_URL, seed
from triage import db
from triage.catalogue import load_catalogue
from triage.catalogue.index import CatalogueIndex
from triage.catalogue.store import sync_catalogue
from triage.config import Settings
from triage.imports.evidence import import_evidence
from triage.models import Decision, ScoreChange, Suggestion

CHROMIUM = os.environ.get("TRIAGE_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]

if not (Path(CHROMIUM).exists() and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (./scripts/test installs it)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (the test extra)")


def _database(tmp_path_factory, name: str) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'web.db'}"
    db.migrate(url)
    with db.session_scope(url) as s:
        sync_catalogue(s, load_catalogue(CATALOGUE), CATALOGUE)
    return url


def _serve(seeded):
    """The app on a free loopback port, in a thread; yields once it answers."""
    import uvicorn

    from triage.web import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # Default settings: Secure cookies, which Chromium accepts on http://127.0.0.1.
    app = create_app(Settings(database_url=seeded.url))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.02)
    seeded.extra["base"] = f"http://127.0.0.1:{port}"
    yield seeded
    server.should_exit = True
    thread.join(timeout=5)
    sock.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app over a seeded SQLite database."""
    yield from _serve(seed(_database(tmp_path_factory, "browser")))


@pytest.fixture(scope="module")
def scores_server(tmp_path_factory):
    """The app over a seeded database with the commitment-19 evidence of tests/data imported
    as accepted (its own server: the review tests above change the seeded suggestions)."""
    seeded = seed(_database(tmp_path_factory, "scores"))
    with db.session_scope(seeded.url) as s:
        import_evidence(s, CatalogueIndex.load(s), path=C19_EVIDENCE, username="ana")
    yield from _serve(seeded)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        # launch() (not a persistent context) runs Chromium on a fresh temporary profile.
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


class Watch:
    """What a page did that it must not: dialogs, requests off the app, CSP violations."""

    def __init__(self, page, base):
        self.dialogs, self.foreign, self.csp = [], [], []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith("data:") else self.foreign.append(r.url))
        page.on("console", lambda m: self.csp.append(m.text) if "Content Security Policy" in m.text else None)
        # Nothing may leave the app: anything else is refused before it reaches the network.
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())

    def clean(self):
        assert self.dialogs == [] and self.foreign == [] and self.csp == [], (self.dialogs, self.foreign, self.csp)


def _logged_in(browser, base: str, username: str, contexts: list):
    context = browser.new_context(base_url=base, viewport={"width": 1400, "height": 1000})
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(5000)
    page.watch = Watch(page, base)
    page.goto("/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORDS[username])
    page.click('button[type="submit"]')
    page.wait_for_url("**/queue")
    return page


@pytest.fixture
def open_as(server, browser):
    contexts = []
    yield lambda username: _logged_in(browser, server.extra["base"], username, contexts)
    for context in contexts:
        context.close()


def _suggestion(server, sid) -> Suggestion:
    with Session(db.engine_for(server.url)) as s:
        return s.get(Suggestion, sid)


def _decisions(server, sid) -> list[Decision]:
    with Session(db.engine_for(server.url)) as s:
        return list(s.exec(select(Decision).where(Decision.suggestion_id == sid).order_by(Decision.id)))


def _wait_for(page, check, timeout=5.0):
    """Poll the database while letting Playwright work: requests pass through the route
    handler in this thread, so a plain sleep would hold them up."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the database"
        page.wait_for_timeout(50)


def test_log_in_and_screenshot_the_queue(server, browser, open_as):
    context = browser.new_context(base_url=server.extra["base"])
    page = context.new_page()
    page.goto("/queue")
    assert "/login" in page.url  # no session: the login page
    page.fill('input[name="username"]', "ana")
    page.fill('input[name="password"]', "not-her-password")
    page.click('button[type="submit"]')
    assert "Wrong user name or password" in page.inner_text("main")
    context.close()
    page = open_as("ana")
    assert page.locator("tr.row").count() == 9
    assert page.locator("tr.row.cursor").count() == 1  # the keyboard cursor is on the first row
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)
    page.watch.clean()


def test_filter_the_queue(server, open_as):
    page = open_as("ana")
    page.select_option("#f-member", "japan")  # a change applies the filter
    page.wait_for_url("**member=japan**")
    assert page.locator("tr.row").count() == 2
    assert page.inner_text("#total").startswith("2 suggestion")
    page.select_option("#f-verified", "no")
    page.wait_for_url("**verified=no**")
    assert page.locator("tr.row").count() == 1 and "Japan item 3" in page.inner_text("table.rows")
    page.watch.clean()


def test_accept_with_the_keyboard_next_item_already_loaded(server, open_as):
    s0, s1 = server.suggestions[0], server.suggestions[1]
    page = open_as("ana")
    page.goto(f"/review/{s0}?member=united-kingdom")
    page.wait_for_load_state("networkidle")  # the next suggestion has been prefetched
    after_key = []
    page.on("request", lambda r: after_key.append((r.method, r.url)))
    page.keyboard.press("a")
    page.wait_for_url(f"**/review/{s1}?member=united-kingdom")
    assert page.inner_text("#flash") == "Accepted."
    assert [m for m, _ in after_key] == ["POST"], after_key  # only the decision: the next page was already here
    assert _suggestion(server, s0).status == "accepted"
    page.watch.clean()


def test_reject_with_a_reason(server, open_as):
    s1 = server.suggestions[1]
    page = open_as("ana")
    page.goto(f"/review/{s1}?member=united-kingdom&status=all")
    page.keyboard.press("r")
    assert "reason key" in page.inner_text("#flash")
    page.keyboard.press("7")  # border enforcement belongs to commitment 18
    _wait_for(page, lambda: _suggestion(server, s1).status == "rejected")
    assert _decisions(server, s1)[-1].reason == "border_enforcement_c18"
    page.watch.clean()


def test_edit_then_accept(server, open_as):
    s2 = server.suggestions[2]
    page = open_as("ana")
    page.goto(f"/review/{s2}?member=japan")
    page.keyboard.press("e")
    assert page.locator("#edit-form").is_visible()
    page.select_option("#edit-member", "france")
    page.select_option("#edit-dimension", "dismantle")
    page.select_option("#edit-strength", "strong")
    page.fill("#edit-action-date", "2024-08-01")
    page.locator('#edit-form input[name="note"]').fill("the ministry is French")
    page.keyboard.press("Enter")
    _wait_for(page, lambda: _suggestion(server, s2).status == "accepted")
    d = _decisions(server, s2)[-1]
    assert d.action == "edit" and d.before["member"] == "Japan" and d.after["member"] == "France"
    assert d.after["dimension"] == "dismantle" and d.after["strength"] == "strong" and d.after["action_date"] == "2024-08-01"
    page.watch.clean()


def test_bulk_reject_a_selection(server, open_as):
    s6, s7 = server.suggestions[6], server.suggestions[7]
    page = open_as("ana")
    page.goto("/queue?conf_max=0.45")
    assert page.locator("tr.row").count() == 2
    for key in ("x", "j", "x"):
        page.keyboard.press(key)
    assert page.inner_text("#selected-count") == "2"
    page.keyboard.press("b")
    page.keyboard.press("6")  # duplicate
    # The banner is the server's flash (never text from the URL).
    playwright_api.expect(page.locator("#flash")).to_contain_text("Rejected 2")
    assert "notice" not in page.url
    assert _suggestion(server, s6).status == "rejected" and _suggestion(server, s7).status == "rejected"
    assert _decisions(server, s7)[-1].reason == "duplicate"
    page.watch.clean()


def test_undo_my_last_decision(server, open_as):
    s4 = server.suggestions[4]
    page = open_as("bob")
    page.goto(f"/review/{s4}?member=france&status=all")
    page.keyboard.press("a")
    _wait_for(page, lambda: _suggestion(server, s4).status == "accepted")
    page.wait_for_selector("#flash:not([hidden])")
    page.keyboard.press("u")
    playwright_api.expect(page.locator("#flash")).to_have_text(re.compile(r"^Undone"))
    assert _suggestion(server, s4).status == "pending"
    assert [d.action for d in _decisions(server, s4)] == ["accept", "undo"]
    assert page.inner_text("#status") == "pending"
    page.watch.clean()


def test_second_browser_gets_the_conflict_and_the_current_state(server, open_as):
    s5 = server.suggestions[5]
    ana, bob = open_as("ana"), open_as("bob")
    for page in (ana, bob):
        page.goto(f"/review/{s5}?status=all")
        assert page.inner_text("#status") == "pending"
    ana.keyboard.press("a")
    _wait_for(ana, lambda: _suggestion(server, s5).status == "accepted")
    bob.keyboard.press("r")
    bob.keyboard.press("1")
    playwright_api.expect(bob.locator("#flash")).to_have_text(re.compile(r"^Conflict"))
    flash = bob.inner_text("#flash")
    assert "Now accepted" in flash and "by ana" in flash and "Nothing was changed" in flash
    assert bob.inner_text("#status") == "accepted"  # the page now shows the current state
    assert "accept by ana" in bob.inner_text("#last-decision")
    assert [d.action for d in _decisions(server, s5)] == ["accept"]
    ana.watch.clean()
    bob.watch.clean()


def test_an_analyst_is_refused_a_leads_action(server, open_as):
    page = open_as("ana")
    assert page.locator('header nav a[href="/assignments"]').count() == 0
    response = page.goto("/assignments")
    assert response.status == 403 and "Not allowed" in page.inner_text("main")
    # Hidden buttons are not the check: the server refuses the request itself.
    status = page.evaluate(
        """async (user) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const body = new URLSearchParams({csrf_token: token, user: String(user), commitment: '19'});
            const r = await fetch('/assignments', {method: 'POST', body});
            return r.status;
        }""",
        server.users["ana"],
    )
    assert status == 403
    page.watch.clean()


def test_hostile_item_renders_inert(server, open_as):
    page = open_as("ana")
    page.goto(f"/review/{server.xss_suggestion}?status=all")
    page.wait_for_load_state("networkidle")
    title = page.inner_text("#item-title")
    assert '<script>alert("title")</script>' in title and "onerror=alert(1)" in title  # shown as text
    snapshot = page.inner_text("#snapshot")
    assert '<script>alert("text")</script>' in snapshot and 'onerror="alert(2)"' in snapshot and "javascript:alert(3)" in snapshot
    assert page.inner_text("#snapshot mark") == "seized boats of a smuggling network"
    assert page.locator("#snapshot img, #snapshot script, #snapshot a, #item-title img").count() == 0
    assert page.locator("a#original").count() == 0 and page.inner_text("#original-text") == XSS_URL
    page.click("#original-text")
    page.wait_for_timeout(200)  # give any stray handler a chance to fire
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "item-hostile.png"), full_page=True)
    page.keyboard.press("j")  # on to the next one: swapping pages in must not wake anything either
    page.wait_for_timeout(200)
    page.watch.clean()  # no dialog, no request off the app, no CSP report from our own markup
    page.goto(f"/review/{server.suggestions[3]}?status=all")
    page.screenshot(path=str(ARTIFACTS / "item.png"), full_page=True)
    page.watch.clean()


@pytest.fixture
def open_scores_as(scores_server, browser):
    contexts = []
    yield lambda username: _logged_in(browser, scores_server.extra["base"], username, contexts)
    for context in contexts:
        context.close()


def test_dashboard_cell_and_final_score(scores_server, open_scores_as):
    expect = playwright_api.expect
    page = open_scores_as("lea")
    page.click('header nav a[href="/scores"]')
    page.wait_for_url("**/scores")
    expect(page.locator("#matrix")).to_be_visible()
    expect(page.locator("#c19 td.avg")).to_have_text("+0.38 (69%)")
    expect(page.locator("#overall")).to_have_text("+0.38 (69%)")
    expect(page.locator('#member-averages td[data-member="united-kingdom"]')).to_have_text("+1.00 (100%)")
    japan = page.locator('#c19 td[data-member="japan"]')
    expect(japan).to_contain_text("0")
    expect(japan).to_contain_text("suggested")
    expect(page.locator("#c1 .tag")).to_have_text("incomplete")
    # The plot is an image the browser decoded (served by the app, allowed by the CSP).
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => { const i = document.getElementById('plot'); return i.complete && i.naturalWidth > 0; }")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    japan.locator("a").click()
    page.wait_for_url("**/scores/19/japan")
    rows = page.locator("#evidence tr.evidence-row")
    expect(rows).to_have_count(3)
    dates = [rows.nth(n).locator("td.date").inner_text() for n in range(3)]
    assert dates == sorted(dates)
    expect(page.locator("#suggested")).to_contain_text("Weak in prevent and counter")
    # A score other than the suggestion without a justification: refused, nothing recorded.
    page.check('input[name="score"][value="-1"]')
    page.click("#save-final")
    expect(page.locator("#problems")).to_contain_text("give a justification")
    with Session(db.engine_for(scores_server.url)) as s:
        assert s.exec(select(ScoreChange)).all() == []
    page.fill("#justification-field", "Only restatements of the commitment; no new measures.")
    page.click("#save-final")
    page.wait_for_url("**/scores/19/japan?notice=set")
    expect(page.locator("#notice")).to_have_text("Final score saved.")
    expect(page.locator("#final h2")).to_contain_text("-1")
    expect(page.locator("#audit tbody tr")).to_have_count(1)
    expect(page.locator("#audit")).to_contain_text("lea")
    page.screenshot(path=str(ARTIFACTS / "score-cell.png"), full_page=True)
    with Session(db.engine_for(scores_server.url)) as s:
        assert [(c.old_final, c.new_final) for c in s.exec(select(ScoreChange))] == [(None, -1)]

    page.click("text=« scores")
    expect(page.locator('#c19 td[data-member="japan"]')).to_contain_text("final ≠ 0")
    expect(page.locator("#c19 td.avg")).to_have_text("+0.25 (63%)")
    page.watch.clean()
