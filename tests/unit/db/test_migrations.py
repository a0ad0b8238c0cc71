"""Migrations 0003 (the share rows' copy of the sort keys), 0005 (64-bit ids), 0006
(completed_at), 0007 (lists), 0008 (the change log), 0009 (webhooks), 0012 (webhook
secrets encrypted), 0013 (all-day dues, zones, recurrence), 0014 (subtasks and manual
order), 0015 (reminders) and 0016 (scoped tokens) on a database that has data, up and down."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
import webtest
from alembic import command
from sqlalchemy import Connection, Engine, inspect, text

from taskservice import main
from taskservice.accounts.credentials import token_digest
from taskservice.db.interfaces import IDatabaseEngine
from taskservice.db.service_keys import WEBHOOK_SECRETS, read_service_key
from taskservice.db.session import make_engine
from taskservice.positions import key_between
from taskservice.vocabulary import SCOPES
from taskservice.webhooks.sealing import unseal
from tests.support.constants import TEST_SETTINGS
from tests.support.database import alembic_config
from tests.support.token_api import MINE, bearer

PAST_32_BITS = 2**40

USERS = ("INSERT INTO users (id, username, password_hash, is_admin, created_at) VALUES"
         " (1, 'alice', 'x', false, '2030-01-01 00:00:00'),"
         " (2, 'bob', 'x', false, '2030-01-01 00:00:00')")
TASKS = ("INSERT INTO tasks (id, owner_id, title, description, done, priority, tags,"
         " created_at, updated_at, version) VALUES"
         " (7, 1, 'open', '', false, 1, '[\"a\"]', '2030-01-02 00:00:00',"
         " '2030-01-03 00:00:00', 1),"
         " (8, 1, 'done', '', true, 1, '[]', '2030-01-04 00:00:00', '2030-01-05 00:00:00', 3)")
TAGS = "INSERT INTO task_tags (task_id, tag) VALUES (7, 'a')"
SHARES = ("INSERT INTO task_shares (task_id, user_id, permission, task_created_at,"
          " task_updated_at, task_priority, task_title) VALUES"
          " (7, 2, 'view', '2030-01-02 00:00:00', '2030-01-03 00:00:00', 1, 'open')")


def populated_at_0004(engine: Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0004")
        for statement in (USERS, TASKS, TAGS, SHARES):
            connection.execute(text(statement))


def id_column_types(engine: Engine) -> set[str]:
    """PostgreSQL: the types of every id column and of the sequences behind them."""
    with engine.connect() as connection:
        columns = connection.execute(text(
            "SELECT data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND (column_name = 'id'"
            " OR column_name LIKE '%\\_id')")).scalars()
        sequences = connection.execute(text(
            "SELECT data_type FROM information_schema.sequences"
            " WHERE sequence_schema = current_schema()")).scalars()
        return set(columns) | set(sequences)


def test_0005_keeps_the_data_and_takes_ids_past_32_bits(empty_database):
    populated_at_0004(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "0005")
        connection.execute(text(
            "INSERT INTO tasks (id, owner_id, title, description, done, priority, tags,"
            " created_at, updated_at, version) VALUES"
            f" ({PAST_32_BITS}, 2, 'big', '', false, 1, '[]', '2030-01-02 00:00:00',"
            " '2030-01-03 00:00:00', 1)"))
        connection.execute(text(
            f"INSERT INTO task_tags (task_id, tag) VALUES ({PAST_32_BITS}, 'b')"))
        rows = connection.execute(text(
            "SELECT tasks.id, title, tag FROM tasks LEFT JOIN task_tags ON task_id = tasks.id"
            " ORDER BY tasks.id")).all()
        shares = connection.execute(text("SELECT task_id, user_id FROM task_shares")).all()
    assert [tuple(row) for row in rows] == [
        (7, "open", "a"), (8, "done", None), (PAST_32_BITS, "big", "b"),
    ]
    assert [tuple(row) for row in shares] == [(7, 2)]
    if empty_database.dialect.name == "postgresql":
        assert id_column_types(empty_database) == {"bigint"}


def test_0005_lets_the_sequences_pass_32_bits(empty_database):
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "0005")
        connection.execute(text(USERS))
        if empty_database.dialect.name == "postgresql":
            connection.execute(text(f"SELECT setval('users_id_seq', {PAST_32_BITS})"))
        else:
            connection.execute(text(f"UPDATE users SET id = {PAST_32_BITS} WHERE id = 2"))
        connection.execute(text(
            "INSERT INTO users (username, password_hash, is_admin, created_at)"
            " VALUES ('carol', 'x', false, '2030-01-01 00:00:00')"))
        new_id = connection.execute(text("SELECT id FROM users WHERE username = 'carol'"))
    assert new_id.scalar_one() == PAST_32_BITS + 1


def test_0006_backfills_completed_at_for_done_tasks_only(empty_database):
    populated_at_0004(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "0006")
        rows = connection.execute(text(
            "SELECT id, completed_at = updated_at, completed_at IS NULL FROM tasks ORDER BY id"
        )).all()
    assert [tuple(row) for row in rows] == [(7, None, True), (8, True, False)]


def test_0005_and_0006_downgrade_to_the_schema_they_found(empty_database):
    populated_at_0004(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        command.downgrade(alembic_config(connection), "0004")
        columns = list(connection.execute(text("SELECT * FROM tasks")).keys())
        count = connection.execute(text("SELECT count(*) FROM task_tags")).scalar_one()
    assert "completed_at" not in columns and count == 1
    if empty_database.dialect.name == "postgresql":
        assert id_column_types(empty_database) == {"integer"}


# -- 0003: the copy of the sort keys that lists of shared tasks walk ----------------------


def test_migration_0003_copies_the_keys_of_existing_shares(empty_database):
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "0002")
        connection.execute(text(
            "INSERT INTO users (id, username, password_hash, is_admin, created_at) VALUES "
            "(1, 'alice', 'x', false, '2030-01-01 00:00:00'),"
            "(2, 'bob', 'x', false, '2030-01-01 00:00:00')"))
        connection.execute(text(
            "INSERT INTO tasks (id, owner_id, title, description, done, priority, due_at, tags,"
            " created_at, updated_at, version) VALUES"
            " (7, 1, 'seven', '', false, 3, '2031-05-06 07:08:09', '[]',"
            " '2030-01-02 00:00:00', '2030-01-03 00:00:00', 1),"
            " (8, 1, 'eight', '', false, 0, NULL, '[]',"
            " '2030-01-04 00:00:00', '2030-01-05 00:00:00', 1)"))
        connection.execute(text(
            "INSERT INTO task_shares (task_id, user_id, permission) VALUES"
            " (7, 2, 'view'), (8, 2, 'edit')"))
        command.upgrade(alembic_config(connection), "0003")
        copies = connection.execute(text(
            "SELECT task_id, permission, task_title, task_priority, task_due_at IS NULL,"
            " task_created_at = tasks.created_at, task_updated_at = tasks.updated_at,"
            " task_due_at = tasks.due_at"
            " FROM task_shares JOIN tasks ON tasks.id = task_id ORDER BY task_id")).all()
    assert [tuple(row) for row in copies] == [
        (7, "view", "seven", 3, False, True, True, True),
        (8, "edit", "eight", 0, True, True, True, None),
    ]


def test_migration_0003_downgrades_to_the_shares_it_found(empty_database):
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        command.downgrade(alembic_config(connection), "0002")
        columns = connection.execute(text("SELECT * FROM task_shares")).keys()
        command.upgrade(alembic_config(connection), "head")
    assert list(columns) == ["task_id", "user_id", "permission"]


# -- 0007: lists, list shares, the list a task is in ---------------------------------------

LIST = ("INSERT INTO lists (id, owner_id, name, description, created_at, updated_at, version)"
        " VALUES (3, 1, 'groceries', '', '2030-01-06 00:00:00', '2030-01-06 00:00:00', 1)")
LIST_SHARE = "INSERT INTO list_shares (list_id, user_id, permission) VALUES (3, 2, 'manage')"


def test_0007_keeps_every_task_in_no_list_and_cascades_from_a_list(empty_database):
    populated_at_0004(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "0006")
        command.upgrade(alembic_config(connection), "0007")
        lists = connection.execute(text("SELECT id, list_id FROM tasks ORDER BY id")).all()
        connection.execute(text(LIST))
        connection.execute(text(LIST_SHARE))
        connection.execute(text("UPDATE tasks SET list_id = 3 WHERE id = 7"))
        # the trigger of 0003 still keeps the share rows' copy in step
        connection.execute(text("UPDATE tasks SET title = 'renamed' WHERE id = 7"))
        copy = connection.execute(text("SELECT task_title FROM task_shares")).scalar_one()
    # As the app connects (SQLite enforces foreign keys only when told to, per connection).
    app_engine = make_engine(empty_database.url.render_as_string(hide_password=False))
    with app_engine.begin() as connection:
        connection.execute(text("DELETE FROM lists WHERE id = 3"))
        left = connection.execute(text(
            "SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM task_tags),"
            " (SELECT count(*) FROM task_shares), (SELECT count(*) FROM list_shares)")).one()
    app_engine.dispose()
    assert [tuple(row) for row in lists] == [(7, None), (8, None)]
    assert copy == "renamed"
    assert tuple(left) == (1, 0, 0, 0)  # task 7 went with its list, with its tag and share


def test_0007_downgrades_to_the_schema_it_found(empty_database):
    populated_at_0004(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        connection.execute(text(LIST))
        connection.execute(text("UPDATE tasks SET list_id = 3 WHERE id = 8"))
        command.downgrade(alembic_config(connection), "0006")
        columns = list(connection.execute(text("SELECT * FROM tasks")).keys())
        tasks = connection.execute(text("SELECT count(*) FROM tasks")).scalar_one()
        tables = set(inspect(connection).get_table_names())
        connection.execute(text("UPDATE tasks SET title = 'again' WHERE id = 7"))
        copy = connection.execute(text("SELECT task_title FROM task_shares")).scalar_one()
        command.upgrade(alembic_config(connection), "head")
    assert "list_id" not in columns and tasks == 2
    assert not tables & {"lists", "list_shares"}
    assert copy == "again"  # the 0003 trigger survived the round trip


# -- 0008: the change log, and when a user's role changed -----------------------------------

CHANGE = ("INSERT INTO changes (at, kind, object_id, action, owner_id, task_id) VALUES"
          " ('2030-01-07 00:00:00', 'task', 7, 'created', 1, 7),"
          " ('2030-01-07 00:00:00', 'task', 7, 'deleted', 1, NULL)")


def test_0008_starts_an_empty_log_whose_history_rows_go_with_their_task(empty_database):
    populated_at_0004(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "0007")
        command.upgrade(alembic_config(connection), "0008")
        empty = connection.execute(text("SELECT count(*) FROM changes")).scalar_one()
        roles = connection.execute(text("SELECT role_changed_at FROM users")).scalars().all()
        connection.execute(text(CHANGE))
    app_engine = make_engine(empty_database.url.render_as_string(hide_password=False))
    with app_engine.begin() as connection:
        connection.execute(text("DELETE FROM tasks WHERE id = 7"))
        left = connection.execute(text("SELECT action, task_id FROM changes")).all()
    app_engine.dispose()
    assert empty == 0 and roles == [None, None]
    assert [tuple(row) for row in left] == [("deleted", None)]  # the tombstone stays


def test_0008_downgrades_to_the_schema_it_found(empty_database):
    populated_at_0004(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        connection.execute(text(CHANGE))
        command.downgrade(alembic_config(connection), "0007")
        tables = set(inspect(connection).get_table_names())
        columns = [c["name"] for c in inspect(connection).get_columns("users")]
        command.upgrade(alembic_config(connection), "head")
    assert "changes" not in tables and "role_changed_at" not in columns


# -- 0009: webhooks, their outbox and their deliveries log ------------------------------------

WEBHOOK = ("INSERT INTO webhooks (id, owner_id, url, events, event_mask, active, secret,"
           " consecutive_failures, created_at) VALUES (1, 1, 'https://h.example/', '[\"*\"]',"
           " 1023, true, 'whsec_x', 0, '2030-01-09 00:00:00')")
EVENT = ("INSERT INTO webhook_events (webhook_id, type, occurred_at, data, attempt,"
         " next_attempt_at) VALUES (1, 'ping', '2030-01-09 00:00:00', '{}', 0,"
         " '2030-01-09 00:00:00')")


def test_0009_starts_empty_and_a_users_webhooks_go_with_the_user(empty_database):
    populated_at_0004(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "0008")
        command.upgrade(alembic_config(connection), "0009")
        empty = connection.execute(text("SELECT count(*) FROM webhooks")).scalar_one()
        connection.execute(text(WEBHOOK))
        connection.execute(text(EVENT))
    app_engine = make_engine(empty_database.url.render_as_string(hide_password=False))
    with app_engine.begin() as connection:
        connection.execute(text("DELETE FROM users WHERE id = 1"))
        left = [connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("webhooks", "webhook_events")]
    app_engine.dispose()
    assert empty == 0 and left == [0, 0]


def test_0009_downgrades_to_the_schema_it_found(empty_database):
    populated_at_0004(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        connection.execute(text(WEBHOOK))
        command.downgrade(alembic_config(connection), "0008")
        tables = set(inspect(connection).get_table_names())
        command.upgrade(alembic_config(connection), "head")
    assert not tables & {"webhooks", "webhook_events", "webhook_deliveries"}


# -- 0012: webhook secrets encrypted at rest ------------------------------------------------

SECRETS = {"secret": "whsec_" + "Q" * 43 + "=", "previous_secret": "whsec_" + "w" * 43 + "="}
ROTATED = ("INSERT INTO webhooks (id, owner_id, url, events, event_mask, active, secret,"
           " previous_secret, previous_secret_expires_at, consecutive_failures, created_at)"
           " VALUES (2, 1, 'https://h.example/', '[\"*\"]', 1023, true, :secret,"
           " :previous_secret, '2030-01-10 00:00:00', 0, '2030-01-09 00:00:00')")


def populated_at_0011(engine: Engine) -> None:
    populated_at_0004(engine)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0011")
        connection.execute(text(ROTATED), SECRETS)
        connection.execute(text(EVENT.replace("VALUES (1,", "VALUES (2,")))


def stored_secrets(connection) -> dict[str, str]:
    row = connection.execute(text("SELECT secret, previous_secret FROM webhooks")).one()
    return dict(row._mapping)


def test_0012_encrypts_the_secrets_it_finds_with_a_key_of_another_table(empty_database):
    populated_at_0011(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "0012")
        stored = stored_secrets(connection)
        key = read_service_key(connection, WEBHOOK_SECRETS)
        events = connection.execute(text("SELECT count(*) FROM webhook_events")).scalar_one()
    assert all(not value.startswith("whsec_") and SECRETS[name][6:20] not in value
               for name, value in stored.items())
    assert {name: unseal(key, value) for name, value in stored.items()} == SECRETS
    assert events == 1  # nothing was rebuilt, so nothing cascaded


def test_0012_downgrades_to_the_secrets_it_found(empty_database):
    populated_at_0011(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        command.downgrade(alembic_config(connection), "0011")
        stored = stored_secrets(connection)
        keys = connection.execute(text("SELECT name FROM service_keys")).scalars().all()
        columns = [c["name"] for c in inspect(connection).get_columns("idempotency_keys")]
        command.upgrade(alembic_config(connection), "head")
    assert stored == SECRETS and keys == ["sync_tokens"] and "withheld" not in columns


def test_0012_refuses_a_secret_it_cannot_encrypt_and_changes_nothing(empty_database):
    populated_at_0011(empty_database)
    with empty_database.begin() as connection:
        connection.execute(text("UPDATE webhooks SET secret = 'whsec_x'"))
    with pytest.raises(RuntimeError, match="webhook 2"), empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "0012")
    with empty_database.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version"))
        assert version.scalar_one() == "0011"


# -- 0013: all-day dues, time zones, recurrence (contract section 12) -----------------------

DATED_TASK = ("INSERT INTO tasks (id, owner_id, title, description, done, priority, due_at,"
              " tags, created_at, updated_at, completed_at, version, list_id) VALUES"
              " (9, 2, 'dated', 'in a list', true, 3, '2031-05-06 07:08:09', '[\"b\"]',"
              " '2030-01-06 00:00:00', '2030-01-07 00:00:00', '2030-01-07 00:00:00', 2, 3),"
              " (10, 1, 'dated, open', '', false, 0, '2031-06-07 08:09:10', '[]',"
              " '2030-01-08 00:00:00', '2030-01-08 00:00:00', NULL, 1, NULL)")
DATED_SHARE = ("INSERT INTO task_shares (task_id, user_id, permission, task_created_at,"
               " task_updated_at, task_priority, task_title, task_due_at) VALUES"
               " (10, 2, 'edit', '2030-01-08 00:00:00', '2030-01-08 00:00:00', 0,"
               " 'dated, open', '2031-06-07 08:09:10')")
# The tables whose rows 0013 must keep, each in a fixed order (SELECT * on a table 0013
# widens reads the columns 0012 made: rows() is given the column names).
ROW_ORDER = {"users": "id", "tasks": "id", "task_tags": "task_id, tag",
             "task_shares": "task_id, user_id", "lists": "id", "list_shares": "list_id, user_id",
             "changes": "seq"}
QUOTED_NAME = re.compile(r'"(\w+)"')
NEW_TASK_COLUMNS = {"due_date", "time_zone", "recurrence_rule", "recurrence_from",
                    "recurrence_start", "recurrence_index"}


def populated_at_0012(engine: Engine) -> None:
    """Users, tasks with and without a due, done and not, tagged, shared, in a list, and
    their history: every kind of row 0013 meets in a database in use."""
    populated_at_0004(engine)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0012")
        for statement in (LIST, LIST_SHARE, DATED_TASK, DATED_SHARE, CHANGE,
                          "INSERT INTO task_tags (task_id, tag) VALUES (9, 'b')"):
            connection.execute(text(statement))


def constraints_sorted(statement: str) -> str:
    """``CREATE TABLE t ( <columns>, CONSTRAINT a ..., CONSTRAINT b ... )`` with its
    named constraints in alphabetical order; any other statement as it is."""
    if not statement.startswith("CREATE TABLE") or not statement.endswith(")"):
        return statement
    columns, *constraints = statement[:-1].rstrip().split(", CONSTRAINT ")
    return ", CONSTRAINT ".join([columns, *sorted(constraints)]) + " )"


def definitions(connection: Connection) -> dict[str, str]:
    """Every table, index, constraint, trigger and function of the schema as the database
    itself writes it (the inspector cannot compare an expression index, a trigger or
    SQLite's AUTOINCREMENT). A name SQLite wrote quoted (a table made again and renamed)
    is the same name. Each text is compared word by word: SQLite keeps a statement, and
    PostgreSQL a function's body, as they were sent, and a trigger made again on one line
    is the same trigger. A table made again from what SQLite reflects of it (a batch
    migration without ``copy_from``) names its constraints in an order that changes from
    run to run: they are compared in one order."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(text(
            "SELECT type || ' ' || name, coalesce(sql, tbl_name) FROM sqlite_master"))
        return {name: constraints_sorted(" ".join(QUOTED_NAME.sub(r"\1", sql).split()))
                for name, sql in rows}
    return {name: " ".join(definition.split()) for name, definition in connection.execute(text(
        "SELECT 'index ' || indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = current_schema()"
        " UNION ALL SELECT 'constraint ' || conname, pg_get_constraintdef(oid)"
        " FROM pg_constraint WHERE connamespace = current_schema()::regnamespace"
        " UNION ALL SELECT 'trigger ' || tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
        " JOIN pg_class c ON c.oid = t.tgrelid"
        " WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal"
        " UNION ALL SELECT 'function ' || proname, pg_get_functiondef(oid) FROM pg_proc"
        " WHERE pronamespace = current_schema()::regnamespace"))}


def schema_of(connection: Connection) -> dict[str, object]:
    """The schema as far as a migration can change it: each table's columns (type,
    nullability, default, in order) and the definitions above."""
    inspector = inspect(connection)
    columns = {table: [(c["name"], str(c["type"]), c["nullable"], c["default"])
                       for c in inspector.get_columns(table)]
               for table in inspector.get_table_names()}
    return {"columns": columns, "definitions": definitions(connection)}


def rows(connection: Connection, columns: dict[str, list[str]],
         order_of: dict[str, str] = ROW_ORDER) -> dict[str, list[dict]]:
    """The rows of every table of ``order_of`` (each in its order), in ``columns``'
    columns of each."""
    return {table: [dict(row) for row in connection.execute(text(
                f"SELECT {', '.join(columns[table])} FROM {table} ORDER BY {order}")).mappings()]
            for table, order in order_of.items()}


def column_names(connection: Connection,
                 tables: dict[str, str] = ROW_ORDER) -> dict[str, list[str]]:
    inspector = inspect(connection)
    return {table: [c["name"] for c in inspector.get_columns(table)] for table in tables}


def upgraded(connection: Connection, revision: str, tables: dict[str, str] = ROW_ORDER
             ) -> tuple[dict[str, list[dict]], dict[str, list[dict]], dict[str, list[str]]]:
    """Upgrade to ``revision``: the rows of ``tables`` found before and kept after (in
    the columns they had before), and the columns each table gained."""
    before = column_names(connection, tables)
    found = rows(connection, before, tables)
    command.upgrade(alembic_config(connection), revision)
    kept = rows(connection, before, tables)
    added = {table: sorted(set(names) - set(before[table]))
             for table, names in column_names(connection, tables).items()}
    return found, kept, added


def test_0013_keeps_every_row_in_utc_with_no_all_day_due_and_no_recurrence(empty_database):
    populated_at_0012(empty_database)
    with empty_database.begin() as connection:
        found, kept, added = upgraded(connection, "0013")
        tasks = [tuple(row) for row in connection.execute(text(
            "SELECT id, due_at IS NULL, due_date, time_zone, recurrence_rule, recurrence_from,"
            " recurrence_start, recurrence_index FROM tasks ORDER BY id"))]
        zones = connection.execute(text("SELECT time_zone FROM users")).scalars().all()
    assert kept == found and all(found.values())
    assert added == {**{table: [] for table in ROW_ORDER}, "users": ["time_zone"],
                     "tasks": sorted(NEW_TASK_COLUMNS)}
    assert tasks == [(7, True, None, "UTC", None, None, None, 0),
                     (8, True, None, "UTC", None, None, None, 0),
                     (9, False, None, "UTC", None, None, None, 0),
                     (10, False, None, "UTC", None, None, None, 0)]
    assert zones == ["UTC", "UTC"]


ALL_DAY_TASK = ("INSERT INTO tasks (id, owner_id, title, description, done, priority, due_at,"
                " due_date, time_zone, recurrence_rule, recurrence_from, recurrence_start,"
                " recurrence_index, tags, created_at, updated_at, version) VALUES"
                " (11, 1, 'all day', '', false, 1, '2031-03-01 11:00:00', '2031-03-02',"
                " 'Pacific/Auckland', 'FREQ=DAILY', 'due', '2031-03-01 11:00:00', 0, '[]',"
                " '2030-01-09 00:00:00', '2030-01-09 00:00:00', 1)")
COMPLETED_OCCURRENCE = ("INSERT INTO changes (at, kind, object_id, action, owner_id, task_id)"
                        " VALUES ('2030-01-09 00:00:00', 'task', 11, 'completed_occurrence',"
                        " 1, 11)")


def test_0013_downgrades_to_the_schema_it_found_and_keeps_the_rows(empty_database):
    populated_at_0012(empty_database)
    with empty_database.begin() as connection:
        schema, columns = schema_of(connection), column_names(connection)
        found = rows(connection, columns)
        command.upgrade(alembic_config(connection), "0013")
        connection.execute(text(ALL_DAY_TASK))
        connection.execute(text(COMPLETED_OCCURRENCE))
        command.downgrade(alembic_config(connection), "0012")
        restored, kept = schema_of(connection), rows(connection, columns)
        command.upgrade(alembic_config(connection), "head")
    [all_day] = [row for row in kept["tasks"] if row["id"] == 11]
    [entry] = [row for row in kept["changes"] if row["task_id"] == 11]
    assert restored == schema
    assert {table: [row for row in table_rows if 11 not in (row.get("id"), row.get("task_id"))]
            for table, table_rows in kept.items()} == found
    # An all-day due stays the instant it stood for, its history entry an update.
    assert str(all_day["due_at"]).startswith("2031-03-01 11:00:00")
    assert entry["action"] == "updated"


NEW_CHANGE = ("INSERT INTO changes (at, kind, object_id, action, owner_id, task_id) VALUES"
              " ('2030-01-10 00:00:00', 'task', 8, 'updated', 1, 8)")


def newest_change_dropped(connection: Connection) -> int:
    """Delete the newest change (as a task's deletion takes its history); its position."""
    newest = connection.execute(text("SELECT max(seq) FROM changes")).scalar_one()
    connection.execute(text(f"DELETE FROM changes WHERE seq = {newest}"))
    return newest


def test_0013_hands_out_no_change_position_twice(empty_database):
    """A sync token is a position in the log: one handed out again, after its row went
    with its task, would hide the new change from every client past it. Up and down,
    the next position is past every one handed out before."""
    populated_at_0012(empty_database)
    with empty_database.begin() as connection:
        dropped = [newest_change_dropped(connection)]
        command.upgrade(alembic_config(connection), "0013")
        connection.execute(text(NEW_CHANGE))
        dropped.append(newest_change_dropped(connection))
        command.downgrade(alembic_config(connection), "0012")
        connection.execute(text(NEW_CHANGE))
        newest = connection.execute(text("SELECT max(seq) FROM changes")).scalar_one()
        command.upgrade(alembic_config(connection), "head")
    assert dropped[1] > dropped[0] and newest > dropped[1]


# -- 0014: subtasks and manual order (contract section 13) ----------------------------------

# At 0013, besides 0012's rows: a task of bob's in no list created before all (and shared
# with alice); two tasks of the list created at one instant (ties go by id), bob's first,
# before the list's first task, bob's too (a list's siblings are everyone's tasks in it,
# in one order); then SIBLINGS more of bob's in no list, each created before the one
# before it (ids and creation disagree), enough to pass the one-digit keys (a0..az, b00).
SIBLINGS = 70
MORE_TASKS = ("INSERT INTO tasks (id, owner_id, title, description, done, priority, tags,"
              " created_at, updated_at, version, list_id) VALUES"
              " (12, 2, 'first of all', '', false, 1, '[]', '2030-01-01 00:00:00',"
              " '2030-01-01 00:00:00', 1, NULL),"
              " (13, 2, 'tie', '', false, 1, '[]', '2030-01-05 00:00:00',"
              " '2030-01-05 00:00:00', 1, 3),"
              " (14, 1, 'tie', '', false, 1, '[]', '2030-01-05 00:00:00',"
              " '2030-01-05 00:00:00', 1, 3)")
MORE_SHARES = ("INSERT INTO task_shares (task_id, user_id, permission, task_created_at,"
               " task_updated_at, task_priority, task_title) VALUES"
               " (12, 1, 'view', '2030-01-01 00:00:00', '2030-01-01 00:00:00', 1,"
               " 'first of all')")
SIBLING = ("INSERT INTO tasks (id, owner_id, title, description, done, priority, tags,"
           " created_at, updated_at, version) VALUES (:id, 2, 'sibling', '', false, 1, '[]',"
           " :at, :at, 1)")
# Each sibling group of 0014 (all tasks are top-level before it): a list's, else an owner's.
GROUP = "CASE WHEN list_id IS NULL THEN 'owner ' || owner_id ELSE 'list ' || list_id END"


def populated_at_0013(engine: Engine) -> None:
    """0012's rows and the ones above, at 0013."""
    populated_at_0012(engine)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0013")
        for statement in (MORE_TASKS, MORE_SHARES):
            connection.execute(text(statement))
        start = datetime(2030, 3, 1)
        connection.execute(text(SIBLING), [
            {"id": 100 + n, "at": start - timedelta(minutes=n)} for n in range(SIBLINGS)])


def appended_keys(count: int) -> list[str]:
    """The positions ``count`` appends to an empty group get (positions.py)."""
    keys = [key_between(None, None)]
    while len(keys) < count:
        keys.append(key_between(keys[-1], None))
    return keys


def groups(connection: Connection, order: str) -> dict[str, list[tuple[int, str]]]:
    """Each sibling group's (id, position), in ``order``."""
    found: dict[str, list[tuple[int, str]]] = {}
    for group, task_id, position in connection.execute(text(
            f"SELECT {GROUP}, id, position FROM tasks ORDER BY {order}")):
        found.setdefault(group, []).append((task_id, position))
    return found


def test_0014_places_every_task_among_its_siblings_in_creation_order(empty_database):
    """Each existing task is top-level, its siblings its list's tasks (whoever made them)
    or its owner's in no list; each group gets the keys appends would have given, in
    creation order (ties by id), so the manual order starts as the oldest first and a new
    task goes after the last."""
    populated_at_0013(empty_database)
    with empty_database.begin() as connection:
        before = column_names(connection)
        found = rows(connection, before)
        command.upgrade(alembic_config(connection), "0014")
        kept = rows(connection, before)
        by_creation = groups(connection, "created_at, id")
        by_position = groups(connection, "position, id")
        parents = connection.execute(text("SELECT count(*) FROM tasks WHERE parent_id IS NOT NULL"))
        no_parent = parents.scalar_one() == 0
        closure = connection.execute(text("SELECT count(*) FROM task_ancestors")).scalar_one()
    assert kept == found  # nothing else changed
    assert sorted(by_creation) == ["list 3", "owner 1", "owner 2"]
    for group, tasks in by_creation.items():
        assert [position for _, position in tasks] == appended_keys(len(tasks)), group
        # The database orders them as positions.py does (bytes: "C" on PostgreSQL).
        assert by_position[group] == tasks, group
    assert [task_id for task_id, _ in by_creation["list 3"]] == [13, 14, 9]
    assert len(by_creation["owner 2"]) == SIBLINGS + 1 and by_creation["owner 2"][-1][1] == "b08"
    assert no_parent and closure == 0


def share_copies(connection: Connection) -> list[tuple]:
    """Each share's copy of its task's position and title, beside the task's own."""
    return [tuple(row) for row in connection.execute(text(
        "SELECT task_id, task_position = tasks.position, task_title = tasks.title"
        " FROM task_shares JOIN tasks ON tasks.id = task_id ORDER BY task_id, user_id"))]


def test_0014_fills_the_shares_copy_and_its_trigger_keeps_it(empty_database):
    populated_at_0013(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "0014")
        filled = share_copies(connection)
        connection.execute(text("UPDATE tasks SET position = 'a0V' WHERE id = 7"))
        connection.execute(text("UPDATE tasks SET title = 'renamed' WHERE id = 12"))
        kept = share_copies(connection)
        copy = connection.execute(text(
            "SELECT task_position FROM task_shares WHERE task_id = 7")).scalar_one()
    assert filled == kept == [(7, True, True), (10, True, True), (12, True, True)]
    assert copy == "a0V"


SUBTASKS = ("INSERT INTO tasks (id, owner_id, title, description, done, priority, tags,"
            " created_at, updated_at, version, list_id, parent_id, position) VALUES"
            " (20, 2, 'step', '', false, 1, '[]', '2030-04-01 00:00:00',"
            " '2030-04-01 00:00:00', 1, 3, 9, 'a0'),"
            " (21, 1, 'step of a step', '', false, 1, '[]', '2030-04-02 00:00:00',"
            " '2030-04-02 00:00:00', 1, 3, 20, 'a0')")
CLOSURE = ("INSERT INTO task_ancestors (task_id, ancestor_id, depth, task_owner_id,"
           " ancestor_owner_id, crosses_owner) VALUES (20, 9, 1, 2, 2, false),"
           " (21, 20, 1, 1, 2, true), (21, 9, 2, 1, 2, true)")


def test_0014_downgrades_keeping_every_task_and_upgrades_again(empty_database):
    """Back at 0013 a subtask is a task of its own in its list (its parent and place are
    gone, nothing of it deleted), the schema is 0013's, the trigger copies what it copied;
    and 0014 again places the former subtasks among their list's tasks."""
    populated_at_0013(empty_database)
    with empty_database.begin() as connection:
        schema, columns = schema_of(connection), column_names(connection)
        found = rows(connection, columns)
        command.upgrade(alembic_config(connection), "0014")
        connection.execute(text(SUBTASKS))
        connection.execute(text(CLOSURE))
        command.downgrade(alembic_config(connection), "0013")
        restored, kept = schema_of(connection), rows(connection, columns)
        connection.execute(text("UPDATE tasks SET title = 'again' WHERE id = 7"))
        copy = connection.execute(text(
            "SELECT task_title FROM task_shares WHERE task_id = 7")).scalar_one()
        command.upgrade(alembic_config(connection), "head")
        in_list = groups(connection, "position, id")["list 3"]
    assert restored == schema
    steps = [row for row in kept["tasks"] if row["id"] in (20, 21)]
    assert [(row["id"], row["list_id"]) for row in steps] == [(20, 3), (21, 3)]
    assert {table: [row for row in table_rows if row not in steps]
            for table, table_rows in kept.items()} == found
    assert copy == "again"
    assert [task_id for task_id, _ in in_list] == [13, 14, 9, 20, 21]


# -- 0015: reminders (contract section 14) --------------------------------------------------

# The tables whose rows 0015 must keep as they were: 0013's and the closure of 0014.
ROWS_0014 = {**ROW_ORDER, "task_ancestors": "task_id, ancestor_id"}
# At 0015: a task of alice's with reminders of both kinds (its due a timed one), an armed
# row and a fired one, and a subtask of it whose row goes with it.
REMINDED_TASK = ("INSERT INTO tasks (id, owner_id, title, description, done, priority, due_at,"
                 " time_zone, recurrence_index, tags, created_at, updated_at, version,"
                 " position, reminders) VALUES"
                 " (30, 1, 'reminded', '', false, 1, '2031-01-01 09:00:00', 'Europe/Paris', 0,"
                 " '[]', '2030-05-01 00:00:00', '2030-05-01 00:00:00', 1, 'z0',"
                 " '[{\"offset\": -900}, {\"at\": \"2030-12-31T08:00:00Z\"}]')")
REMINDER_ROWS = ("INSERT INTO task_reminders (task_id, slot, reminder, scheduled_for,"
                 " owner_id, list_id, armed) VALUES"
                 " (30, 0, '{\"offset\": -900}', '2031-01-01 08:45:00', 1, NULL, true),"
                 " (30, 1, '{\"at\": \"2030-12-31T08:00:00Z\"}', '2030-12-31 08:00:00', 1,"
                 " NULL, false)")
# Webhooks at 0014: one subscribed to every event ("*": bits 0 to 10 then), one to a single
# event, each with an event queued and a delivery recorded.
WEBHOOKS_0014 = ("INSERT INTO webhooks (id, owner_id, url, events, event_mask, active, secret,"
                 " consecutive_failures, created_at) VALUES"
                 " (1, 1, 'https://h.example/all', '[\"*\"]', 2047, true, 'whsec_x', 0,"
                 " '2030-01-09 00:00:00'),"
                 " (2, 1, 'https://h.example/updated', '[\"task.updated\"]', 2, true, 'whsec_x',"
                 " 0, '2030-01-09 00:00:00')")
WEBHOOK_EVENTS = ("INSERT INTO webhook_events (webhook_id, type, occurred_at, data, attempt,"
                  " next_attempt_at) VALUES (:webhook, :type, '2030-01-09 00:00:00', '{}', 0,"
                  " '2030-01-09 00:00:00')")
WEBHOOK_DELIVERIES = ("INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, attempt,"
                      " at, outcome, duration_ms) VALUES (:webhook, 1, :type, 1,"
                      " '2030-01-09 00:00:00', 'failed', 5)")
# At 0015: a webhook subscribed to reminders alone, and one to reminders among others.
WEBHOOKS_0015 = ("INSERT INTO webhooks (id, owner_id, url, events, event_mask, active, secret,"
                 " consecutive_failures, created_at) VALUES"
                 " (3, 1, 'https://h.example/reminders', '[\"task.reminder\"]', 2048, true,"
                 " 'whsec_x', 0, '2030-01-09 00:00:00'),"
                 " (4, 1, 'https://h.example/both', '[\"task.updated\", \"task.reminder\"]',"
                 " 2050, true, 'whsec_x', 0, '2030-01-09 00:00:00')")
REMINDER_BIT = 1 << 11


def populated_at_0014(engine: Engine) -> None:
    """0013's rows and the ones above, at 0014, with a subtask two levels down (closure)
    and webhooks with their queue and records."""
    populated_at_0013(engine)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0014")
        connection.execute(text(SUBTASKS))
        connection.execute(text(CLOSURE))
        connection.execute(text(WEBHOOKS_0014))
        for statement in (WEBHOOK_EVENTS, WEBHOOK_DELIVERIES):
            connection.execute(text(statement), [{"webhook": 1, "type": "task.updated"},
                                                 {"webhook": 2, "type": "task.updated"}])


def webhooks(connection: Connection) -> dict[int, tuple]:
    """Each webhook's events, mask, whether active and why not."""
    return {row.id: (loaded(row.events), row.event_mask, bool(row.active), row.disabled_reason)
            for row in connection.execute(text(
                "SELECT id, events, event_mask, active, disabled_reason FROM webhooks"))}


def queued_types(connection: Connection) -> dict[str, list]:
    """The (webhook, type) of every queued event and of every delivery recorded."""
    return {table: sorted(tuple(row) for row in connection.execute(text(
                f"SELECT webhook_id, {column} FROM {table}")))
            for table, column in (("webhook_events", "type"),
                                  ("webhook_deliveries", "event_type"))}


def loaded(value: object) -> object:
    """A JSON column's value as Python (SQLite hands back its text)."""
    return json.loads(value) if isinstance(value, str) else value


def test_0015_gives_every_task_no_reminders_and_keeps_every_row(empty_database):
    """Every task of a database in use starts with ``reminders`` = [] and no row to fire;
    nothing else changes."""
    populated_at_0014(empty_database)
    with empty_database.begin() as connection:
        found, kept, added = upgraded(connection, "0015", ROWS_0014)
        reminders = {task_id: loaded(value) for task_id, value in connection.execute(text(
            "SELECT id, reminders FROM tasks ORDER BY id"))}
        armed = connection.execute(text("SELECT count(*) FROM task_reminders")).scalar_one()
    assert kept == found and all(found.values())
    assert added == {**{table: [] for table in ROWS_0014}, "tasks": ["reminders"]}
    assert len(reminders) == len(found["tasks"]) and set(map(str, reminders.values())) == {"[]"}
    assert armed == 0


def test_0015_reminder_rows_go_with_their_task(empty_database):
    """A task's rows of ``task_reminders`` go with it (ON DELETE CASCADE, deleted through
    the app's engine, whose SQLite connections enforce foreign keys): a fired or armed row
    never outlives its task."""
    populated_at_0014(empty_database)
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "0015")
        connection.execute(text(REMINDED_TASK))
        connection.execute(text(REMINDER_ROWS))
        stored = [tuple(row) for row in connection.execute(text(
            "SELECT task_id, slot, armed FROM task_reminders ORDER BY slot"))]
    app_engine = make_engine(empty_database.url.render_as_string(hide_password=False))
    with app_engine.begin() as connection:
        connection.execute(text("DELETE FROM tasks WHERE id = 30"))
        left = connection.execute(text("SELECT count(*) FROM task_reminders")).scalar_one()
    app_engine.dispose()
    assert stored == [(30, 0, True), (30, 1, False)]
    assert left == 0


def test_0015_downgrades_to_the_schema_it_found_and_keeps_the_rows(empty_database):
    """Back at 0014 the schema is 0014's, every task is kept (one with reminders too, less
    its reminders), nothing else changed; and 0015 again gives it no reminders."""
    populated_at_0014(empty_database)
    with empty_database.begin() as connection:
        schema, columns = schema_of(connection), column_names(connection, ROWS_0014)
        found = rows(connection, columns, ROWS_0014)
        command.upgrade(alembic_config(connection), "0015")
        connection.execute(text(REMINDED_TASK))
        connection.execute(text(REMINDER_ROWS))
        command.downgrade(alembic_config(connection), "0014")
        restored, kept = schema_of(connection), rows(connection, columns, ROWS_0014)
        command.upgrade(alembic_config(connection), "head")
        again = loaded(connection.execute(text(
            "SELECT reminders FROM tasks WHERE id = 30")).scalar_one())
        armed = connection.execute(text("SELECT count(*) FROM task_reminders")).scalar_one()
    assert restored == schema
    [reminded] = [row for row in kept["tasks"] if row["id"] == 30]
    assert reminded["title"] == "reminded" and str(reminded["due_at"]).startswith("2031-01-01")
    assert {**kept, "tasks": [row for row in kept["tasks"] if row["id"] != 30]} == found
    assert again == [] and armed == 0


def test_0015_subscribers_to_every_event_hear_reminders(empty_database):
    """``*`` means every event, the new one included: a webhook subscribed to it gains
    ``task.reminder``'s bit; one subscribed to named events does not."""
    populated_at_0014(empty_database)
    with empty_database.begin() as connection:
        before = webhooks(connection)
        command.upgrade(alembic_config(connection), "0015")
        after = webhooks(connection)
    assert after == {1: (["*"], 2047 | REMINDER_BIT, True, None), 2: before[2]}
    assert before[1] == (["*"], 2047, True, None)


def test_0015_downgrade_forgets_reminder_events_and_keeps_the_rest(empty_database):
    """Back at 0014 no webhook holds the bit or the name of an event that version does not
    know: one subscribed to it alone is left inactive (subscribed to ``ping``, saying why),
    one subscribed to it among others keeps the others; its queued events and delivery
    records go, every other one stays."""
    populated_at_0014(empty_database)
    with empty_database.begin() as connection:
        found_webhooks, found_queue = webhooks(connection), queued_types(connection)
        command.upgrade(alembic_config(connection), "0015")
        connection.execute(text(WEBHOOKS_0015))
        for statement in (WEBHOOK_EVENTS, WEBHOOK_DELIVERIES):
            connection.execute(text(statement), [{"webhook": 1, "type": "task.reminder"},
                                                 {"webhook": 4, "type": "task.reminder"},
                                                 {"webhook": 4, "type": "task.updated"}])
        command.downgrade(alembic_config(connection), "0014")
        kept_webhooks, kept_queue = webhooks(connection), queued_types(connection)
    [(alone_events, alone_mask, alone_active, alone_reason)] = [kept_webhooks.pop(3)]
    assert kept_webhooks == {**found_webhooks, 4: (["task.updated"], 2, True, None)}
    assert (alone_events, alone_mask, alone_active) == (["ping"], 0, False)
    assert alone_reason and "task.reminder" in alone_reason
    assert kept_queue == {table: sorted([*rows, (4, "task.updated")])
                          for table, rows in found_queue.items()}


# -- 0016: scoped tokens and app passwords (contract section 15) ----------------------------

# The tables whose rows 0016 must keep as they were: 0015's, its reminders, and the tokens.
ROWS_0015 = {**ROWS_0014, "task_reminders": "task_id, slot", "tokens": "id"}
# Tokens at 0015 (each its user's full power until it expires): alice's and bob's, live,
# and one of alice's that has expired. The secrets are the tokens themselves.
LIVE, BOBS, EXPIRED = "alice-live", "bob-live", "alice-expired"
TOKENS_0015 = ("INSERT INTO tokens (id, token_hash, user_id, created_at, expires_at) VALUES"
               " (1, :live, 1, '2030-01-01 00:00:00', '2099-01-01 00:00:00'),"
               " (2, :bobs, 2, '2030-01-02 00:00:00', '2099-01-02 00:00:00'),"
               " (3, :expired, 1, '1999-01-01 00:00:00', '2000-01-01 00:00:00')")
TOKENS_0016 = sa.table(
    "tokens", *(sa.column(name) for name in ("id", "token_hash", "user_id", "name")),
    *(sa.column(name, sa.DateTime) for name in ("created_at", "expires_at", "last_used_at")),
    sa.column("scopes", sa.JSON), sa.column("lists", sa.JSON(none_as_null=True)))
# Made at 0016: the one token 0015 can hold as it is (named, used, every scope in another
# order, no list limit, an expiry), then ones limited in scopes, in lists, or never
# expiring, and more limited ones than the downgrade deletes in one statement.
KEPT_SECRET, RESTRICTED = "kept", 1201
ALL_SCOPES_REVERSED = list(reversed(SCOPES))


def token_0016(token_id: int, scopes: list[str], lists: list[int] | None,
               expires_at: datetime | None, **more: object) -> dict[str, object]:
    """A row of alice's for TOKENS_0016."""
    return {"id": token_id, "token_hash": token_digest(f"token {token_id}"), "user_id": 1,
            "name": None, "created_at": datetime(2030, 6, 1), "last_used_at": None,
            "scopes": scopes, "lists": lists, "expires_at": expires_at, **more}


LATER = datetime(2099, 6, 1)
MADE_AT_0016 = [
    token_0016(10, ALL_SCOPES_REVERSED, None, LATER, name="script",
               token_hash=token_digest(KEPT_SECRET), last_used_at=datetime(2030, 6, 2)),
    token_0016(11, ["read"], None, LATER),
    token_0016(12, list(SCOPES), [3], LATER),
    token_0016(13, list(SCOPES), None, None, name="phone"),
    token_0016(14, ["read", "write"], [3], None, name="calendar"),
    *(token_0016(100 + n, ["read"], None, LATER) for n in range(RESTRICTED)),
]


def populated_at_0015(engine: Engine) -> None:
    """0014's rows and the ones above, at 0015: a task with reminders, and login tokens."""
    populated_at_0014(engine)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0015")
        connection.execute(text(REMINDED_TASK))
        connection.execute(text(REMINDER_ROWS))
        connection.execute(text(TOKENS_0015), {
            "live": token_digest(LIVE), "bobs": token_digest(BOBS),
            "expired": token_digest(EXPIRED)})


@contextmanager
def service_on(engine: Engine) -> Iterator[webtest.TestApp]:
    """The service itself on ``engine``'s database, with connections of its own."""
    app = main({}, **{"sqlalchemy.url": engine.url.render_as_string(hide_password=False),
                      **TEST_SETTINGS})
    try:
        yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    finally:
        app.registry.getUtility(IDatabaseEngine).dispose()


def tokens_seen(testapp: webtest.TestApp, secret: str) -> list[tuple] | int:
    """What the holder of ``secret`` is shown by ``GET /users/me/tokens``, which only a
    token with the ``account`` scope may call: each live token's id, name, scopes, lists,
    creation and expiry; the status when refused."""
    response = testapp.get(MINE, headers=bearer(secret), status="*")
    if response.status_int != 200:
        return response.status_int
    return [tuple(item[field] for field in ("id", "name", "scopes", "lists", "created_at",
                                            "expires_at"))
            for item in response.json["items"]]


def test_0016_keeps_every_token_its_users_full_power_until_it_expires(empty_database):
    """Every token of a database in use holds every scope, no list limit and the expiry
    it had, with no name and no use known; nothing else changes. Presented after the
    upgrade, a live one is its user's full power (it may list its user's tokens, which
    needs the ``account`` scope), an expired one nobody."""
    populated_at_0015(empty_database)
    with empty_database.begin() as connection:
        found, kept, added = upgraded(connection, "0016", ROWS_0015)
        tokens = {row.id: (row.name, loaded(row.scopes), loaded(row.lists), row.last_used_at)
                  for row in connection.execute(text(
                      "SELECT id, name, scopes, lists, last_used_at FROM tokens"))}
        never_expiring = {column["name"]: column["nullable"]
                          for column in inspect(connection).get_columns("tokens")}["expires_at"]
    assert kept == found and all(found.values())
    assert added == {**{table: [] for table in ROWS_0015},
                     "tokens": ["last_used_at", "lists", "name", "scopes"]}
    assert tokens == {token_id: (None, list(SCOPES), None, None) for token_id in (1, 2, 3)}
    assert never_expiring is True
    with service_on(empty_database) as testapp:
        seen = [tokens_seen(testapp, secret) for secret in (LIVE, BOBS, EXPIRED)]
    assert seen == [
        [("1", None, list(SCOPES), None, "2030-01-01T00:00:00Z", "2099-01-01T00:00:00Z")],
        [("2", None, list(SCOPES), None, "2030-01-02T00:00:00Z", "2099-01-02T00:00:00Z")],
        401]


def test_0016_downgrade_keeps_only_the_tokens_0015_can_hold_as_they_are(empty_database):
    """Back at 0015 the schema is 0015's (``name``, ``scopes``, ``lists`` and
    ``last_used_at`` gone, ``expires_at`` required again) and every row is kept but the
    tokens 0015 would take for their user's full power for ever or beyond their scopes or
    lists: one limited in scopes or lists, or that never expires, is deleted (its holder
    logs in again). An unrestricted one that expires keeps its secret, user and times,
    and is again its user's full power at 0016 (its name is not kept)."""
    populated_at_0015(empty_database)
    with empty_database.begin() as connection:
        schema, columns = schema_of(connection), column_names(connection, ROWS_0015)
        found = rows(connection, columns, ROWS_0015)
        command.upgrade(alembic_config(connection), "0016")
        connection.execute(TOKENS_0016.insert(), MADE_AT_0016)
        made = rows(connection, columns, {"tokens": "id"})["tokens"]
        command.downgrade(alembic_config(connection), "0015")
        restored, kept = schema_of(connection), rows(connection, columns, ROWS_0015)
        command.upgrade(alembic_config(connection), "head")
    assert len(made) == len(found["tokens"]) + len(MADE_AT_0016)
    assert restored == schema
    assert kept == {**found, "tokens": [*found["tokens"],
                                        *(row for row in made if row["id"] == 10)]}
    with service_on(empty_database) as testapp:
        seen = tokens_seen(testapp, KEPT_SECRET)
    assert seen == [
        ("10", None, list(SCOPES), None, "2030-06-01T00:00:00Z", "2099-06-01T00:00:00Z"),
        ("1", None, list(SCOPES), None, "2030-01-01T00:00:00Z", "2099-01-01T00:00:00Z")]
