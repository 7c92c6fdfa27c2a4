"""The quick start's main job: `triage demo` runs every stage on bundled data and serves the app."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest
from sqlmodel import Session, func, select

from triage import db
from triage.accounts import get_user, verify_password
from triage.models import Decision, Item, Suggestion
from triage.scoring.matrix import dashboard


def test_demo_prepares_every_stage(cli, tmp_path):
    result = cli("demo", "--db", tmp_path / "demo.db", "--no-serve")
    assert result.code == 0, result.err
    password = re.search(r"as demo with the one-time password\s+(\S+)", result.out).group(1)
    url = f"sqlite:///{(tmp_path / 'demo.db').resolve()}"
    with Session(db.engine_for(url)) as s:
        feed_items = s.exec(select(func.count()).select_from(Item).where(Item.origin == "feed")).one()
        assert feed_items >= 40
        # every ingested item ended in a known state, none left new or failed
        states = dict(s.exec(select(Item.status, func.count()).where(Item.origin == "feed").group_by(Item.status)).all())
        assert set(states) <= {"not_candidate", "classified", "not_relevant"}, states
        assert s.exec(select(func.count()).select_from(Suggestion).where(Suggestion.agent_kind == "rules")).one() > 20
        assert s.exec(select(func.count()).select_from(Decision)).one() >= 40
        assert verify_password(get_user(s, "demo"), password)
        board = dashboard(s)
    c19 = board.as_json()["averages"]["by_commitment"]["19"]
    assert (c19["printed"], c19["percent"]) == ("+0.38", 69)
    # a second run starts from nothing again and issues a new password
    again = cli("demo", "--db", tmp_path / "demo.db", "--no-serve")
    assert again.code == 0
    assert re.search(r"one-time password\s+(\S+)", again.out).group(1) != password


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_serves_and_the_printed_login_works(tmp_path):
    """The real command in its own process, as a newcomer runs it, then a login over HTTP."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIAGE_", "OPENAI_"))}
    env["COLUMNS"] = "200"
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out = ""
        deadline = time.monotonic() + 120
        while "Serving" not in out and time.monotonic() < deadline and proc.poll() is None:
            out += proc.stdout.readline()
        password = re.search(r"one-time password\s+(\S+)", out).group(1)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(100):  # uvicorn starts after the banner
                try:
                    page = client.get("/login")
                    break
                except httpx.ConnectError:
                    time.sleep(0.1)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            login_cookie = "; ".join(f"{k}={v}" for k, v in page.cookies.items())
            done = client.post("/login", data={"username": "demo", "password": password, "csrf_token": token}, headers={"Cookie": login_cookie})
            assert done.status_code == 303, done.text
            session_cookie = "; ".join(f"{k}={v}" for k, v in done.cookies.items())
            # The printed password is one-time: the first page asks for a new one.
            first = client.get("/queue", headers={"Cookie": session_cookie})
            assert first.status_code == 303 and first.headers["location"] == "/account/password"
            form = client.get("/account/password", headers={"Cookie": session_cookie})
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', form.text).group(1)
            changed = client.post(
                "/account/password",
                data={
                    "current_password": password,
                    "new_password": "my own demo phrase",
                    "repeat_password": "my own demo phrase",
                    "csrf_token": csrf,
                },
                headers={"Cookie": session_cookie},
            )
            assert changed.status_code == 303, changed.text
            queue = client.get("/queue", headers={"Cookie": session_cookie})
            assert queue.status_code == 200 and "Queue" in queue.text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_demo_refuses_other_databases(tmp_path):
    from triage.config import Settings
    from triage.demo import prepare

    with pytest.raises(ValueError, match="own SQLite file"):
        prepare(Settings(database_url="postgresql://postgres@127.0.0.1:5432/test"))


def test_demo_replaces_only_its_own_database(cli, tmp_path):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("my notes\n")
    result = cli("demo", "--db", text_file, "--no-serve")
    assert result.code != 0 and "not a database `triage demo` made" in result.err
    assert text_file.read_text() == "my notes\n"
    team = tmp_path / "team.db"
    team_url = f"sqlite:///{team}"
    db.migrate(team_url)
    db.dispose_engines()
    result = cli("demo", "--db", team, "--no-serve")
    assert result.code != 0 and "--force" in result.err
    assert db.current_revision(team_url) is not None  # still the team's database
    db.dispose_engines()
    assert cli("demo", "--db", text_file, "--no-serve", "--force").code == 0


def test_the_demo_database_is_reachable_with_db_and_nothing_creates_an_empty_one(cli, tmp_path):
    demo_db = tmp_path / "triage-demo.db"
    result = cli("demo", "--db", demo_db, "--no-serve")
    assert result.code == 0 and f"--db {demo_db}" in result.out and "TRIAGE_DATABASE_URL=" in result.out
    shown = cli("--db", demo_db, "users", "list")
    assert shown.code == 0 and "demo" in shown.out, shown.err
    missing = tmp_path / "nothing-here.db"
    for args in (("users", "list"), ("scores", "show")):
        result = cli("--db", missing, *args)
        assert result.code != 0 and "there is no database" in result.err, (args, result.err)
    assert not missing.exists() and not (tmp_path / "triage.db").exists()
