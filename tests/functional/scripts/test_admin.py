"""``taskservice-admin`` through its entry point: exit codes, output and database effect.

Each test gets its own ini file and migrated SQLite database in ``tmp_path``; the
command is the real one, bootstrapped from that ini as an operator would run it. These
tests are about the command line, not the database, so they use SQLite files even when
the rest of the suite runs on PostgreSQL. They call the entry point in-process; the
installed console script itself runs as a process in tests/system/test_cli.py.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import webtest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from taskservice import main as make_app
from taskservice.accounts.credentials import new_token, token_digest
from taskservice.accounts.models import Token, User
from taskservice.caldav.models import CalendarTombstone
from taskservice.changes.models import Change
from taskservice.db.base import utcnow
from taskservice.db.interfaces import IDatabaseEngine
from taskservice.db.session import make_engine
from taskservice.events import ResourceChanged
from taskservice.idempotency.models import IdempotencyKey
from taskservice.positions import FIRST_POSITION
from taskservice.scripts import admin
from taskservice.scripts.admin import main
from taskservice.tasks.models import Task
from tests.plugins import example_plugin
from tests.support.cli import write_ini
from tests.support.constants import PASSWORD, TEST_SETTINGS
from tests.support.database import migrated_database

USERNAME_RULE = "Must be 3 to 32 characters of A-Z a-z 0-9 _ . -"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ini alone decides, whatever the machine running the tests exports."""
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return migrated_database(tmp_path / "cli.sqlite")


@pytest.fixture
def ini(tmp_path: Path, database_url: str) -> str:
    return str(write_ini(tmp_path / "cli.ini", database_url))


@pytest.fixture
def db(database_url: str) -> Iterator[Session]:
    """A session on the command's database, to arrange and check what it did."""
    engine: Engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch):
    """Feed standard input to the command."""

    def feed(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    return feed


@dataclass
class Prompts:
    """Stands in for the hidden password prompt: gives ``answers`` and records what was asked."""

    answers: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    def getpass(self, prompt: str = "Password: ") -> str:
        self.asked.append(prompt)
        return self.answers.pop(0)


@pytest.fixture
def prompts(monkeypatch: pytest.MonkeyPatch) -> Prompts:
    prompts = Prompts()
    monkeypatch.setattr("getpass.getpass", prompts.getpass)
    return prompts


def users(db: Session) -> dict[str, bool]:
    db.expire_all()
    return {u.username: u.is_admin for u in db.execute(select(User)).scalars()}


def add_user(db: Session, username: str, is_admin: bool = False) -> User:
    user = User(username=username, password_hash="not a real hash", is_admin=is_admin)
    db.add(user)
    db.commit()
    return user


def add_token(db: Session, user: User, expires_in: timedelta) -> None:
    db.add(Token(token_hash=token_digest(new_token()), user=user, expires_at=utcnow() + expires_in))
    db.commit()


def token_owners(db: Session) -> list[str]:
    db.expire_all()
    return sorted(t.user.username for t in db.execute(select(Token)).scalars())


def assert_refused(capsys: pytest.CaptureFixture, code: int, message: str) -> None:
    """Exit status 1, nothing on stdout, exactly one line on stderr."""
    out, err = capsys.readouterr()
    assert (code, out, err) == (1, "", f"taskservice-admin: error: {message}\n")


# --- create-user ----------------------------------------------------------------------------


@pytest.mark.parametrize(("flags", "is_admin", "report"), [
    ((), False, "created user alice"),
    (("--admin",), True, "created admin alice"),
])
def test_create_user_from_stdin(ini, db, stdin, capsys, flags, is_admin, report):
    stdin(PASSWORD + "\n")
    assert main([ini, "create-user", "alice", "--password-stdin", *flags]) == 0
    assert capsys.readouterr().out == report + "\n"
    assert users(db) == {"alice": is_admin}


def test_the_created_user_can_log_in_through_the_api(ini, database_url, stdin):
    """The password is hashed as the API hashes it, not merely stored somewhere."""
    stdin(PASSWORD + "\r\n")  # a Windows line ending is not part of the password
    assert main([ini, "create-user", "Alice", "--password-stdin"]) == 0
    app = webtest.TestApp(make_app({}, **{"sqlalchemy.url": database_url, **TEST_SETTINGS}))
    try:
        app.post_json("/tokens", {"username": "alice", "password": PASSWORD}, status=201)
        app.post_json("/tokens", {"username": "alice", "password": PASSWORD + "x"}, status=401)
    finally:
        app.app.registry.getUtility(IDatabaseEngine).dispose()


def test_create_user_hashes_the_password_before_its_transaction_opens(ini, db, stdin,
                                                                      monkeypatch):
    """argon2 is slow on purpose: no transaction (nor SQLite lock) waits on it (issue 24)."""
    events: list[str] = []
    real_read, real_hash, real_execute = admin.read_password, PasswordHasher.hash, Session.execute

    def read_password(from_stdin: bool) -> str:
        events.append("read")
        return real_read(from_stdin)

    def hash_password(self, password: str, **kwargs) -> str:
        events.append("hash")
        return real_hash(self, password, **kwargs)

    def execute(self, statement, *args, **kwargs):
        events.append("query")
        return real_execute(self, statement, *args, **kwargs)

    monkeypatch.setattr(admin, "read_password", read_password)
    monkeypatch.setattr(PasswordHasher, "hash", hash_password)
    monkeypatch.setattr(Session, "execute", execute)
    stdin(PASSWORD + "\n")
    assert main([ini, "create-user", "alice", "--password-stdin"]) == 0
    monkeypatch.undo()
    assert events[events.index("read"):][:3] == ["read", "hash", "query"]
    assert users(db) == {"alice": False}


def test_create_user_prompts_twice_for_the_password(ini, db, prompts, capsys):
    prompts.answers += [PASSWORD, PASSWORD]
    assert main([ini, "create-user", "alice"]) == 0
    assert prompts.asked == ["Password: ", "Password (again): "]
    assert users(db) == {"alice": False}


def test_create_user_refuses_prompted_passwords_that_differ(ini, db, prompts, capsys):
    prompts.answers += [PASSWORD, PASSWORD + "!"]
    assert_refused(capsys, main([ini, "create-user", "alice"]), "the passwords do not match")
    assert users(db) == {}


@pytest.mark.parametrize("username", ["al", "a" * 33, "bad name", "émile", "alice\n"])
def test_create_user_refuses_a_username_the_api_would_refuse(ini, db, stdin, capsys, username):
    stdin(PASSWORD + "\n")
    code = main([ini, "create-user", username, "--password-stdin"])
    assert_refused(capsys, code, f"invalid username: {USERNAME_RULE}")
    assert users(db) == {}


@pytest.mark.parametrize(("password", "reason"), [
    ("short12", "Must be at least 8 characters"),
    ("x" * 1025, "Must be at most 1024 characters"),
    ("", "Must be at least 8 characters"),
])
def test_create_user_refuses_a_password_the_api_would_refuse(
    ini, db, stdin, capsys, password, reason
):
    stdin(password + "\n")
    code = main([ini, "create-user", "alice", "--password-stdin"])
    assert_refused(capsys, code, f"invalid password: {reason}")
    assert users(db) == {}


def test_create_user_refuses_an_empty_stdin(ini, db, stdin, capsys):
    stdin("")
    code = main([ini, "create-user", "alice", "--password-stdin"])
    assert_refused(capsys, code, "no password on standard input")
    assert users(db) == {}


def test_create_user_refuses_a_taken_name_in_any_case(ini, db, stdin, capsys):
    add_user(db, "Alice")
    stdin(PASSWORD + "\n")
    code = main([ini, "create-user", "ALICE", "--password-stdin", "--admin"])
    assert_refused(capsys, code, "the username 'ALICE' is already taken")
    assert users(db) == {"Alice": False}


# --- set-admin / unset-admin ----------------------------------------------------------------


@pytest.mark.parametrize(("subcommand", "before", "after", "report"), [
    ("set-admin", False, True, "alice is now an admin"),
    ("set-admin", True, True, "alice is now an admin"),
    ("unset-admin", True, False, "alice is no longer an admin"),
    ("unset-admin", False, False, "alice is no longer an admin"),
])
def test_admin_flag(ini, db, capsys, subcommand, before, after, report):
    add_user(db, "alice", is_admin=before)
    add_user(db, "bob", is_admin=before)
    assert main([ini, subcommand, "ALICE"]) == 0
    assert capsys.readouterr().out == report + "\n"
    assert users(db) == {"alice": after, "bob": before}
    # Only a change of role makes the user's sync tokens stale (a 410).
    changed = {u.username: u.role_changed_at for u in db.execute(select(User)).scalars()}
    assert changed["bob"] is None
    assert (changed["alice"] is not None) == (before != after)


# --- tokens ---------------------------------------------------------------------------------


def test_revoke_tokens_deletes_every_token_of_that_user_only(ini, db, capsys):
    alice, bob = add_user(db, "alice"), add_user(db, "bob")
    for user, expires_in in ((alice, timedelta(hours=1)), (alice, -timedelta(hours=1)),
                             (bob, timedelta(hours=1))):
        add_token(db, user, expires_in)
    assert main([ini, "revoke-tokens", "Alice"]) == 0
    assert capsys.readouterr().out == "revoked 2 token(s) of alice\n"
    assert token_owners(db) == ["bob"]


def test_purge_tokens_deletes_only_expired_tokens(ini, db, capsys):
    alice, bob = add_user(db, "alice"), add_user(db, "bob")
    for user, expires_in in ((alice, -timedelta(seconds=5)), (bob, -timedelta(days=3)),
                             (bob, timedelta(hours=1))):
        add_token(db, user, expires_in)
    assert main([ini, "purge-tokens"]) == 0
    assert capsys.readouterr().out == "purged 2 expired token(s)\n"
    assert token_owners(db) == ["bob"]
    assert main([ini, "purge-tokens"]) == 0
    assert capsys.readouterr().out == "purged 0 expired token(s)\n"


def add_change(db: Session, age: timedelta, object_id: int, task_id: int | None = None) -> None:
    db.add(Change(at=utcnow() - age, kind="task", object_id=object_id, task_id=task_id,
                  action="updated" if task_id else "deleted"))
    db.commit()


def test_purge_changes_deletes_what_is_older_than_the_retention(tmp_path, database_url, db,
                                                                capsys):
    ini = write_ini(tmp_path / "short.ini", database_url,
                    **{"taskservice.changes.retention": "600"})
    for object_id, age in enumerate((timedelta(days=40), timedelta(hours=2),
                                     timedelta(minutes=30), timedelta(minutes=5)), 1):
        add_change(db, age, object_id)
    alice = add_user(db, "alice")
    task = Task(owner_id=alice.id, title="kept", description="", done=False, priority=1,
                tags=[], created_at=utcnow(), updated_at=utcnow(), version=1,
                position=FIRST_POSITION)
    db.add(task)
    db.commit()
    add_change(db, timedelta(days=40), task.id, task_id=task.id)  # its history: kept
    assert main([str(ini), "purge-changes"]) == 0
    # Older than the retention and its margin of an hour: only the first two.
    assert capsys.readouterr().out == "purged 2 change(s) older than 600 seconds\n"
    db.expire_all()
    assert set(db.execute(select(Change.object_id)).scalars()) == {3, 4, task.id}
    assert main([str(ini), "purge-changes"]) == 0
    assert capsys.readouterr().out == "purged 0 change(s) older than 600 seconds\n"


def test_purge_changes_purges_the_names_of_deleted_calendar_objects_with_them(
        tmp_path, database_url, db, capsys):
    """A sync old enough to need a deleted object's name is refused already (section 16):
    the CalDAV package purges the names it keeps with the log (events.ChangeLogPurging)."""
    ini = write_ini(tmp_path / "short.ini", database_url,
                    **{"taskservice.changes.retention": "600"})
    for task_id, age in ((1, timedelta(days=40)), (2, timedelta(minutes=5))):
        db.add(CalendarTombstone(task_id=task_id, name=f"{task_id}.ics",
                                 deleted_at=utcnow() - age))
    db.commit()
    assert main([str(ini), "purge-changes"]) == 0
    capsys.readouterr()
    db.expire_all()
    assert db.scalars(select(CalendarTombstone.name)).all() == ["2.ics"]


def test_purge_idempotency_keys_deletes_only_expired_ones(ini, db, capsys):
    alice = add_user(db, "alice")
    for key, expires_in in (("old", -timedelta(seconds=5)), ("lease", -timedelta(hours=1)),
                            ("kept", timedelta(hours=1))):
        db.add(IdempotencyKey(user_id=alice.id, key=key, fingerprint="0" * 64,
                              expires_at=utcnow() + expires_in))
    db.commit()
    assert main([ini, "purge-idempotency-keys"]) == 0
    assert capsys.readouterr().out == "purged 2 expired idempotency key(s)\n"
    db.expire_all()
    assert db.scalars(select(IdempotencyKey.key)).all() == ["kept"]


@pytest.mark.parametrize("subcommand", ["set-admin", "unset-admin", "revoke-tokens"])
def test_an_unknown_user_is_refused(ini, db, capsys, subcommand):
    add_user(db, "alice")
    assert_refused(capsys, main([ini, subcommand, "nobody"]), "no user named 'nobody'")
    assert users(db) == {"alice": False}


# --- usage, the ini and the database --------------------------------------------------------


@pytest.mark.parametrize("argv", [
    [],
    ["x.ini"],
    ["x.ini", "drop-database"],
    ["x.ini", "create-user"],
    ["x.ini", "set-admin"],
    ["x.ini", "purge-tokens", "alice"],
    ["x.ini", "create-user", "alice", "--password"],
])
def test_bad_usage_exits_2_with_a_usage_message(capsys, argv):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: taskservice-admin")


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "create-user" in capsys.readouterr().out


def test_a_missing_ini_is_refused(tmp_path, capsys):
    missing = tmp_path / "missing.ini"
    code = main([str(missing), "purge-tokens"])
    assert_refused(capsys, code, f"cannot read {missing}: No such file or directory")


def test_a_bad_setting_is_refused_as_the_app_would(tmp_path, database_url, capsys):
    ini = write_ini(tmp_path / "bad.ini", database_url, **{"taskservice.registration": "maybe"})
    code = main([str(ini), "purge-tokens"])
    assert_refused(
        capsys, code,
        "invalid setting taskservice.registration = 'maybe': must be one of open, closed",
    )


def test_an_unmigrated_database_is_a_one_line_error(tmp_path, capsys):
    ini = write_ini(tmp_path / "empty.ini", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    code = main([str(ini), "purge-tokens"])
    assert_refused(capsys, code, "database error: no such table: tokens")


def test_database_url_in_the_environment_wins_over_the_ini(
    tmp_path, ini, db, stdin, monkeypatch, capsys
):
    other = migrated_database(tmp_path / "other.sqlite")
    monkeypatch.setenv("DATABASE_URL", other)
    stdin(PASSWORD + "\n")
    assert main([ini, "create-user", "alice", "--password-stdin"]) == 0
    assert users(db) == {}, "the ini's database was written despite DATABASE_URL"
    engine = make_engine(other)
    with Session(engine) as session:
        assert users(session) == {"alice": False}
    engine.dispose()


# --- domain events ----------------------------------------------------------------------------


def test_a_user_created_or_made_admin_by_a_command_is_told_to_subscribers(
        tmp_path, database_url, db, stdin, monkeypatch):
    """A plugin's subscriber hears a command's changes as it hears the API's."""
    heard: list[ResourceChanged] = []
    monkeypatch.setattr(example_plugin, "count_change", heard.append)
    ini = str(write_ini(tmp_path / "plugged.ini", database_url,
                        **{"taskservice.includes": "tests.plugins.example_plugin"}))
    stdin(PASSWORD + "\n")
    assert main([ini, "create-user", "carol", "--password-stdin"]) == 0
    assert main([ini, "set-admin", "carol"]) == 0
    assert main([ini, "set-admin", "carol"]) == 0  # already one: no change, nothing told
    assert [(c.kind, c.action, c.actor) for c in heard] == [
        ("user", "created", "taskservice-admin"), ("user", "updated", "taskservice-admin")]
    created, updated = heard
    assert created.after is not None and created.after["username"] == "carol"
    assert updated.before is not None and updated.after is not None
    assert (updated.before["is_admin"], updated.after["is_admin"]) == (False, True)
