"""``taskservice-admin <ini> check`` and ``settings``: exit codes, one line per problem, masking.

Run in-process through the entry point, on SQLite files of each test's own (the commands
are about the ini and the schema, not about the database engine), plus an unreachable
PostgreSQL address.
"""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from taskservice.db.session import make_engine
from taskservice.scripts.admin import main
from taskservice.settings import OPTIONS
from tests.support.cli import ini_on, write_ini
from tests.support.constants import ROOT
from tests.support.database import alembic_config, migrated_database

PREFIX = "taskservice-admin: error: "
OK = "ok: every setting is valid, the database answers, its schema is at the latest migration\n"
UNREACHABLE = "postgresql+psycopg://nobody:pa55word@127.0.0.1:1/nothing?connect_timeout=2"
# The latest migration and the one before it, whatever the chain grows to.
SCRIPTS = ScriptDirectory.from_config(alembic_config())
HEAD = SCRIPTS.get_current_head()
BEFORE_HEAD = SCRIPTS.get_revision(HEAD).down_revision


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ini alone decides, unless a test sets a variable itself."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for option in OPTIONS:
        monkeypatch.delenv(option.env, raising=False)


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, list[str]]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


# -- check -----------------------------------------------------------------------------------


def test_check_passes_on_valid_settings_and_a_migrated_database(tmp_path, capsys):
    ini = ini_on(tmp_path, migrated_database(tmp_path / "ok.sqlite"))
    assert run(capsys, ini, "check") == (0, OK, [])


def test_check_lists_every_bad_setting_one_line_each(tmp_path, capsys, monkeypatch):
    ini = ini_on(tmp_path, migrated_database(tmp_path / "ok.sqlite"),
                 **{"taskservice.token_ttl": "forever", "taskservice.metrics": "statsd"})
    monkeypatch.setenv("TASKSERVICE_LOG_FORMAT", "xml")
    code, out, err = run(capsys, ini, "check")
    assert (code, out) == (1, "")
    assert err == [
        PREFIX + "invalid setting taskservice.token_ttl = 'forever': "
                 "must be a whole number from 1 to 315360000",
        PREFIX + "invalid setting taskservice.metrics = 'statsd': must be one of off, prometheus",
        PREFIX + "invalid setting taskservice.log_format = 'xml': must be one of text, json",
    ]


def test_check_reports_a_bad_setting_and_an_unmigrated_database_together(tmp_path, capsys):
    empty = tmp_path / "empty.sqlite"
    make_engine(f"sqlite:///{empty}").connect().close()  # an SQLite file with no table
    ini = ini_on(tmp_path, f"sqlite:///{empty}", **{"taskservice.registration": "maybe"})
    code, out, err = run(capsys, ini, "check")
    assert (code, out, len(err)) == (1, "", 2)
    assert err[0].startswith(PREFIX + "invalid setting taskservice.registration = 'maybe'")
    assert err[1] == (PREFIX + "database schema is at no migration, not at the latest "
                      f"migration {HEAD}: run alembic -c {ini} upgrade head")


def test_check_fails_for_an_unreachable_database_without_showing_its_password(tmp_path, capsys):
    code, out, err = run(capsys, ini_on(tmp_path, UNREACHABLE), "check")
    assert (code, out, len(err)) == (1, "", 1)
    assert err[0].startswith(PREFIX + "database unreachable: ")
    assert "Connection refused" in err[0] or "connect" in err[0]
    assert "pa55word" not in err[0]


def test_check_fails_for_a_schema_behind_the_latest_migration(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), BEFORE_HEAD)
    engine.dispose()
    ini = ini_on(tmp_path, url)
    code, out, err = run(capsys, ini, "check")
    assert (code, out) == (1, "")
    assert err == [PREFIX + f"database schema is at {BEFORE_HEAD}, not at the latest migration "
                            f"{HEAD}: run alembic -c {ini} upgrade head"]


def test_check_never_creates_a_missing_sqlite_file(tmp_path, capsys):
    missing = tmp_path / "missing.sqlite"
    code, out, err = run(capsys, ini_on(tmp_path, f"sqlite:///{missing}"), "check")
    assert (code, out, err) == (1, "", [PREFIX + f"database file {missing} does not exist"])
    assert not missing.exists()


def test_check_uses_the_database_of_the_environment(tmp_path, capsys, monkeypatch):
    ini = ini_on(tmp_path, migrated_database(tmp_path / "ok.sqlite"))
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    code, _, err = run(capsys, ini, "check")
    assert code == 1 and err[0].startswith(PREFIX + "database unreachable: ")


def test_check_needs_to_know_the_migrations(tmp_path, capsys):
    ini = write_ini(tmp_path / "bare.ini", migrated_database(tmp_path / "ok.sqlite"))
    code, out, err = run(capsys, str(ini), "check")
    assert (code, out, len(err)) == (1, "", 1)
    assert err[0].startswith(PREFIX + f"cannot read the migrations named by {ini}")


def test_check_of_a_missing_ini_is_one_line(tmp_path, capsys):
    missing = tmp_path / "nowhere.ini"
    code, out, err = run(capsys, str(missing), "check")
    assert (code, out, len(err)) == (1, "", 1)
    assert err[0].startswith(PREFIX)


def test_the_shipped_production_ini_checks_out_on_a_migrated_database(tmp_path, capsys,
                                                                      monkeypatch):
    monkeypatch.setenv("DATABASE_URL", migrated_database(tmp_path / "prod.sqlite"))
    assert run(capsys, str(ROOT / "production.ini"), "check") == (0, OK, [])


# -- settings --------------------------------------------------------------------------------


def settings_lines(out: str) -> dict[str, tuple[str, str]]:
    """``{key: (value, source)}`` from ``key = value (source)`` lines."""
    shown = {}
    for line in out.splitlines():
        key, _, rest = line.partition(" = ")
        value, _, source = rest.rpartition(" (")
        shown[key] = (value, source.removesuffix(")"))
    return shown


def test_settings_shows_every_setting_its_value_and_source(tmp_path, capsys, monkeypatch):
    ini = ini_on(tmp_path, "sqlite:///ini.sqlite", **{"taskservice.page_size.max": "50"})
    monkeypatch.setenv("TASKSERVICE_PAGE_SIZE_DEFAULT", "7")
    code, out, err = run(capsys, ini, "settings")
    assert (code, err) == (0, [])
    shown = settings_lines(out)
    assert list(shown) == ["sqlalchemy.url", *(option.key for option in OPTIONS)]
    assert shown["sqlalchemy.url"] == ("sqlite:///ini.sqlite", "ini")
    assert shown["taskservice.page_size.default"] == ("7", "env")
    assert shown["taskservice.page_size.max"] == ("50", "ini")
    assert shown["taskservice.argon2.time_cost"] == ("1", "ini")  # the test ini's cheap hashing
    assert shown["taskservice.token_ttl"] == ("86400", "default")
    assert shown["taskservice.metrics.token"] == ("", "default")


def test_settings_masks_passwords_and_tokens(tmp_path, capsys, monkeypatch):
    ini = ini_on(tmp_path, "sqlite:///ini.sqlite",
                 **{"taskservice.metrics.token": "ini-only-token"})
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app:hunter2secret@db/tasks")
    monkeypatch.setenv("TASKSERVICE_METRICS_TOKEN", "env-token-xyz")
    code, out, err = run(capsys, ini, "settings")
    assert (code, err) == (0, [])
    shown = settings_lines(out)
    assert shown["sqlalchemy.url"] == ("postgresql+psycopg://app:***@db/tasks", "env")
    assert shown["taskservice.metrics.token"] == ("****", "env")
    for secret in ("hunter2secret", "env-token-xyz", "ini-only-token"):
        assert secret not in out


def test_settings_with_a_bad_value_lists_them_all_and_exits_1(tmp_path, capsys, monkeypatch):
    ini = ini_on(tmp_path, "sqlite:///ini.sqlite")
    monkeypatch.setenv("TASKSERVICE_READONLY", "perhaps")
    code, out, err = run(capsys, ini, "settings")
    assert code == 1
    assert settings_lines(out)["taskservice.readonly"] == ("perhaps", "env")
    assert err == [PREFIX + "invalid setting taskservice.readonly = 'perhaps': "
                            "must be true or false"]


def test_settings_of_an_ini_without_a_database_shows_the_default_beside_it(tmp_path, capsys):
    ini = tmp_path / "minimal.ini"
    ini.write_text("[app:main]\nuse = egg:taskservice\n")
    code, out, err = run(capsys, str(ini), "settings")
    assert (code, err) == (0, [])
    assert settings_lines(out)["sqlalchemy.url"] == (f"sqlite:///{tmp_path}/taskservice.sqlite",
                                                     "default")
