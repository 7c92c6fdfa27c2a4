"""The analysts' workspace in real headless Chromium (as tests/web/test_browser.py): search, the
Items view, Propose as evidence, select-all bulk reject and its undo, the ? overlay, e then
Enter, a password change, readable messages, and every page at 390x844 and 1280x720 without
sideways scrolling (screenshots in test-artifacts/)."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import PASSWORDS
from tests.web.test_browser import ARTIFACTS, Watch, _decisions, _suggestion, _wait_for, browser, playwright_api, server  # noqa: F401

SIZES = {"phone": (390, 844), "laptop": (1280, 720)}


def _open(chromium, base, username, contexts, size=(1280, 720), watch=True):
    context = chromium.new_context(base_url=base, viewport={"width": size[0], "height": size[1]})
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(5000)
    if watch:
        page.watch = Watch(page, base)
    page.goto("/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORDS[username])
    page.click('button[type="submit"]')
    page.wait_for_url("**/queue")
    return page


@pytest.fixture
def open_as(server, browser):  # noqa: F811
    contexts = []
    yield lambda username, **kw: _open(browser, server.extra["base"], username, contexts, **kw)
    for context in contexts:
        context.close()


def _no_sideways_scroll(page, name):
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    wide = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *')).filter(e => {
          if (e.getBoundingClientRect().right <= window.innerWidth + 1) return false;
          for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') return false;
          }
          return true;
        })
        .slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right) + '~' + e.scrollWidth + '/' + getComputedStyle(e).display + '/' + e.parentElement.tagName + '.' + e.parentElement.className)"""
    )
    assert width <= inner, f"{name}: the page is {width} px wide in a {inner} px window; too wide: {wide}"


def _luminance(rgb: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", rgb)[:3])

    def lin(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def _contrast(page, selector) -> float:
    fg, bg = page.eval_on_selector(selector, "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]")
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_search_from_the_box_on_every_page_and_the_items_view(server, open_as):  # noqa: F811
    page = open_as("ana")
    page.fill("#search", "germany")
    page.press("#search", "Enter")
    page.wait_for_url("**/items?q=germany")
    assert page.locator("tr.item-row").count() == 1
    assert page.inner_text("tr.item-row mark.hit").lower() == "germany"
    page.goto("/items")
    assert page.locator("tr.item-row").count() == len(server.items) + 1  # every item, the hostile one too
    assert "new: not looked at yet" in page.inner_text("#items")
    page.watch.clean()


def test_propose_as_evidence_from_an_item(server, open_as):  # noqa: F811
    page = open_as("ana")
    item = server.items[7]
    page.goto(f"/items/{item}")
    page.click("#propose")
    page.wait_for_url(f"**/evidence/new?item={item}")
    assert page.input_value('input[name="title"]') == "Canada item 7"
    assert "acted number 7" in page.input_value('textarea[name="text"]')
    page.fill('textarea[name="quote"]', "acted number 7")
    page.select_option('select[name="member"]', "canada")
    page.click('form.stack button[type="submit"]')
    page.wait_for_url("**/review/**")
    assert page.inner_text("#item-title") == "Canada item 7"
    page.watch.clean()


def test_select_all_matching_then_one_undo_restores_all(server, open_as):  # noqa: F811
    page = open_as("bob", watch=False)
    page.on("dialog", lambda d: d.accept())  # the confirmation with the count
    page.goto("/queue?member=japan&scope=all")
    japan = [server.suggestions[2], server.suggestions[3]]
    pending = [s for s in japan if _suggestion(server, s).status == "pending"]
    if len(pending) < 2:
        pytest.skip("an earlier browser test decided the Japanese suggestions")
    assert page.inner_text("#bulk-all") == "Reject all 2 matching…"
    page.click("#bulk-all")
    playwright_api.expect(page.locator("#flash")).to_contain_text("Rejected 2")
    assert {_suggestion(server, s).status for s in japan} == {"rejected"}
    page.keyboard.press("u")
    playwright_api.expect(page.locator("#flash")).to_contain_text("Undone: 2 suggestions")
    assert {_suggestion(server, s).status for s in japan} == {"pending"}


def test_keys_overlay_and_e_then_enter(server, open_as):  # noqa: F811
    page = open_as("ana")
    s = server.suggestions[1]
    page.goto(f"/review/{s}?status=all&scope=all")
    page.keyboard.press("?")
    assert page.locator("#keys-overlay").is_visible() and "undo my last decision" in page.inner_text("#keys-overlay")
    page.keyboard.press("Escape")
    assert not page.locator("#keys-overlay").is_visible()
    version = _suggestion(server, s).version
    page.keyboard.press("e")
    page.fill("#edit-quote", "acted number 1")
    page.locator("#edit-quote").press("Enter")  # a newline in the quote, not a save
    page.wait_for_timeout(200)
    assert _suggestion(server, s).version == version
    page.locator("#edit-quote").press("Control+Enter")
    _wait_for(page, lambda: _suggestion(server, s).version == version + 1)
    assert _decisions(server, s)[-1].action in ("accept", "edit")
    # e then Enter at once: the focus is on the member select, and Enter saves from there too.
    t = server.suggestions[6]
    page.goto(f"/review/{t}?status=all&scope=all")
    before = _suggestion(server, t).version
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.id") == "edit-member"
    page.keyboard.press("Enter")
    _wait_for(page, lambda: _suggestion(server, t).version == before + 1)
    assert _suggestion(server, t).status == "accepted"
    page.watch.clean()


def test_messages_are_readable_and_go_away(server, open_as):  # noqa: F811
    page = open_as("ana")
    page.goto("/queue")
    page.keyboard.press("b")  # nothing selected: an info message
    page.wait_for_selector("#flash:not([hidden])")
    assert _contrast(page, "#flash") >= 4.5
    page.evaluate("document.getElementById('flash').className = 'flash problem'")
    assert _contrast(page, "#flash") >= 4.5, "problem banners must be readable (white on red)"
    page.evaluate("document.getElementById('flash').className = 'flash conflict'")
    assert _contrast(page, "#flash") >= 4.5
    page.wait_for_selector("#flash", state="hidden", timeout=9000)  # dismissed after a few seconds
    page.watch.clean()


def test_change_my_password_in_the_browser(server, browser, open_as):  # noqa: F811
    page = open_as("lea")
    page.click("#account-link")
    page.fill('input[name="current_password"]', PASSWORDS["lea"])
    page.fill('input[name="new_password"]', "password")
    page.fill('input[name="repeat_password"]', "password")
    page.click('#password-form button[type="submit"]')
    assert "most common" in page.inner_text(".problem")
    page.fill('input[name="current_password"]', PASSWORDS["lea"])
    page.fill('input[name="new_password"]', "lea has a new phrase")
    page.fill('input[name="repeat_password"]', "lea has a new phrase")
    page.click('#password-form button[type="submit"]')
    page.wait_for_url("**/queue")
    assert "Password changed" in page.inner_text("#flash")
    page.watch.clean()
    PASSWORDS["lea"] = "lea has a new phrase"  # later tests in this module log in with it


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_fits_the_screen(server, open_as, size):  # noqa: F811
    page = open_as("adam", size=SIZES[size])
    ARTIFACTS.mkdir(exist_ok=True)
    pages = {
        "queue": "/queue?scope=all&status=all",
        "item": f"/review/{server.xss_suggestion}?status=all",
        "items": "/items?q=item",
        "progress": "/progress",
        "scores": "/scores",
        "users": "/admin/users",
        "evidence": "/evidence/new",
        "assignments": "/assignments",
    }
    for name, path in pages.items():
        page.goto(path)
        page.wait_for_load_state("load")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
        _no_sideways_scroll(page, f"{name} at {size}")
    page.keyboard.press("?")
    page.screenshot(path=str(ARTIFACTS / f"keys-{size}.png"))
