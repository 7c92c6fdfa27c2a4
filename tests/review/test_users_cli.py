"""`triage users add` reads the password from standard input when it is not a terminal."""

from __future__ import annotations

from sqlmodel import Session

from triage import db
from triage.accounts import get_user, verify_password


def test_add_user_from_stdin(cli, migrated_db):
    result = cli("users", "add", "maria", "--role", "lead", input="correct horse battery\n")
    assert result.code == 0, result.err
    with Session(db.engine_for(migrated_db)) as s:
        user = get_user(s, "maria")
        assert user.role == "lead"
        assert user.password_hash.startswith("$argon2")
        assert verify_password(user, "correct horse battery")
        assert not verify_password(user, "wrong")
    listing = cli("users", "list")
    assert "maria" in listing.out and "lead" in listing.out


def test_bad_accounts_are_refused(cli, migrated_db):
    assert cli("users", "add", "x y", input="longenough\n").code == 2
    result = cli("users", "add", "sam", "--role", "boss", input="longenough\n")
    assert result.code == 2 and "unknown role 'boss'" in result.err
    result = cli("users", "add", "sam", input="short\n")
    assert result.code == 2 and "at least 8" in result.err
    assert cli("users", "add", "sam", input="longenough\n").code == 0
    result = cli("users", "add", "sam", input="longenough\n")
    assert result.code == 2 and "already exists" in result.err
    result = cli("users", "add", "tom", input="")
    assert result.code == 2 and "no password" in result.err


def test_uninitialised_database_is_a_clear_error(cli):
    result = cli("users", "list")
    assert result.code == 2
    assert "run `triage init` first" in result.err and "Traceback" not in result.err


def test_the_password_policy_refuses_blank_short_and_common(cli, migrated_db):
    for bad, message in [("        ", "blank"), ("password", "most common"), ("Password1", "most common"), ("qwertyuiop", "most common")]:
        result = cli("users", "add", "sam", input=bad + "\n")
        assert result.code == 2 and message in result.err, (bad, result.err)
    assert cli("users", "add", "sam", input="sam\n").code == 2


def test_users_passwd_sets_or_gives_a_temporary_password(cli, migrated_db):
    assert cli("users", "add", "maria", input="correct horse battery\n").code == 0
    result = cli("users", "passwd", "maria", input="another long phrase\n")
    assert result.code == 0, result.err
    with Session(db.engine_for(migrated_db)) as s:
        user = get_user(s, "maria")
        assert verify_password(user, "another long phrase") and not user.must_change_password
    result = cli("users", "passwd", "maria", "--temporary")
    assert result.code == 0, result.err
    temporary = result.out.strip().splitlines()[-1]
    with Session(db.engine_for(migrated_db)) as s:
        user = get_user(s, "maria")
        assert verify_password(user, temporary) and user.must_change_password
    assert cli("users", "passwd", "nobody", input="another long phrase\n").code == 2
    result = cli("users", "passwd", "maria", input="password\n")
    assert result.code == 2 and "most common" in result.err
