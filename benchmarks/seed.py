"""Seed a benchmark database: users, a token, N tasks with tags and shares.

Rows go in by bulk ``INSERT`` through the models' own ``Table`` objects (SQLAlchemy
Core, ``executemany`` in batches), so a million tasks take seconds rather than the hours
the HTTP API would need, and the column types (UTC datetimes, JSON tags) are exactly the
ones the service reads back. The schema itself comes from the Alembic migrations, as in
production.

Layout, chosen so every scenario has work to do: the ``bench`` user owns nine tasks in
ten; the tenth belongs to ``other``, and one in a hundred of those is shared with
``bench`` (so the list's shared branch is not empty). Every task of ``other``'s is in
``other``'s list, which ``bench`` is a member of (``edit``): the list branch of bench's
``GET /tasks`` holds a tenth of the tasks, and ``list=`` pages through them as a member
(the tasks shared directly are in it too, so the union has overlaps to remove). Task
``i`` was created ``i`` seconds after a fixed epoch, so the newest task has the highest id.

Dues (contract section 12): a third of the tasks have none, a third an all-day due (a
date, stored with the instant it stands for in the task's zone), a third a timed one, and
the tasks' zones go round five, so a due sort mixes both kinds in every zone. Bench's
tasks whose id ends in 5 recur daily with no end (those have a due, whatever their id,
and are never done: their ids are odd).

Subtasks (contract section 13): every fifth task (bench's, ids ending in 1 or 6) has
three steps, created just after it. The steps are rows beyond the N tasks (ids N + 1 on,
three per parent in the parents' order), so the scripts that pick a random task among the
first N (GET, PATCH, completions) meet top-level tasks only, as before, while the move
and ``parent=`` scenarios find every parent's steps by arithmetic (lua/common.lua). Each
sibling group -- bench's top-level tasks, the list's, each parent's steps -- has the
positions appends give, in creation order, and each step its ``task_ancestors`` row.
"""

from __future__ import annotations

import argparse
import base64
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from argon2 import PasswordHasher
from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine

from taskservice.accounts.credentials import token_digest
from taskservice.accounts.models import Token, User
from taskservice.changes.models import Change
from taskservice.changes.tokens import KEPT, SyncToken
from taskservice.dates.zones import Moment
from taskservice.db.service_keys import CURSORS, SYNC_TOKENS, read_service_key
from taskservice.db.session import make_engine
from taskservice.lists.models import ListShare, TaskList
from taskservice.positions import key_between
from taskservice.reminders.models import TASK_REMINDERS
from taskservice.settings import default_settings
from taskservice.tasks.models import SHARE_COPIES, Task, TaskAncestor, TaskShare, TaskTag
from taskservice.tasks.reminders import moments
from taskservice.tasks.schedule import Schedule
from taskservice.tasks.sorting import Sort
from taskservice.vocabulary import DEFAULT_RECURRENCE_FROM, SCOPES
from taskservice.web.pagination import encode_cursor
from taskservice.web.representation import timestamp

ROOT = Path(__file__).resolve().parent.parent
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
TAGS = ("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7")
FILTER_TAG = "t1"  # carried by odd ids only, so every match of tag=t1 is also done=false
BATCH = 20_000
USERNAME, OTHER, PASSWORD = "bench", "other", "bench password"
LIST_ID = 1  # other's list, of which bench is a member
# The zones the tasks' times are meant in, in turn; the rule of the recurring tasks.
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Pacific/Auckland")
DAILY = "FREQ=DAILY"
# Task i is due i * DUE_STEP seconds after the epoch, modulo DUE_SPAN: a prime step, so
# no two tasks of a million share an instant.
DUE_STEP, DUE_SPAN = 7_919, 10_000 * 86_400
# Every PARENT_EVERY-th task (ids 1, 6, 11 ...: bench's, never recurring) has SUBTASKS steps.
PARENT_EVERY, SUBTASKS = 5, 3
# The reminder block: one task per REMINDER_EVERY, due within REMINDER_SPAN seconds of
# REMINDER_EPOCH (lua/common.lua mirrors these to rebuild a task's reminders).
REMINDER_EVERY, REMINDER_EPOCH, REMINDER_SPAN = 10, datetime(2030, 1, 1, tzinfo=UTC), 30 * 86_400
# The block's n-th task is due n * REMINDER_STEP seconds after the epoch, modulo the span:
# about 7 hours apart, so a 100-task block spans the 30 days too; prime to the span, so no
# two tasks of a block of 2,592,000 share an instant.
REMINDER_STEP = 25_919
REMINDER_OFFSETS = (-900, 32_400)
# A week inside the block's span: GET /reminders' window (some 60 reminders at 1,000 tasks).
REMINDER_WINDOW = ("2030-01-08T00:00:00Z", "2030-01-15T00:00:00Z")
# A fixed token: the load generator sends it, the database holds only its SHA-256.
TOKEN = "benchmark-token-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
# A third user, ``quiet``, who sees only QUIET_REMINDERS tasks of their own with one
# reminder each in GET /reminders' window (among everyone else's: a page of theirs must not
# cost more because others have many), and their token.
QUIET, QUIET_REMINDERS = "quiet", 3
QUIET_TOKEN = "benchmark-token-quiet-0123456789abcdefghijklmnopqrstuvwxyz-ABCD"
# Bench's second token (contract section 15): scopes read and write, limited to other's
# list (LIST_ID, the one list bench reaches: its tasks are every tenth id), so the same
# requests can be made with less power than TOKEN's and compared.
LIMITED_TOKEN = "benchmark-token-limited-0123456789abcdefghijklmnopqrstuvwxyz-AB"
LIMITED_SCOPES, LIMITED_LISTS = ["read", "write"], [LIST_ID]


@dataclass(frozen=True)
class Seeded:
    """What the load generator needs to know about a seeded database."""

    tasks: int
    username: str
    password: str
    token: str
    filter_tag: str
    deep_cursor: str
    list_id: str
    list_cursor: str
    sync_token: str
    parent_id: str  # a task with steps, for the parent= page
    reminders_after: str = REMINDER_WINDOW[0]  # GET /reminders' window
    reminders_before: str = REMINDER_WINDOW[1]
    quiet_token: str = QUIET_TOKEN  # the quiet user's
    limited_token: str = LIMITED_TOKEN  # bench's, list-limited


def app_password(username: str, token: str) -> str:
    """``Authorization`` with ``token`` as an app password of ``username`` (HTTP Basic)."""
    return "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode()


def owner_of(task_id: int) -> int:
    """User 1 (bench) owns nine tasks in ten; user 2 (other) the rest."""
    return 2 if task_id % 10 == 0 else 1


def recurs(task_id: int) -> bool:
    """Bench's tasks whose id ends in 5 recur (the load generator completes them)."""
    return task_id % 10 == 5


def recurring_task(number: int, total: int) -> int:
    """The id of the ``number``-th recurring task of ``total`` tasks, going round them."""
    return number % (total // 10) * 10 + 5


def schedule_of(task_id: int) -> Schedule:
    """The task's due (none, all-day or timed: a third each, but a recurring task has one),
    its zone, and its daily series with no end if it recurs.

    Dues are spread to the second over some 27 years, and an all-day due is the day whose
    00:00 in the task's zone is nearest that instant: at any size the first page of a due
    sort then mixes both kinds in several zones (an all-day due ties with every other of
    its date and zone; spread thin, few do).
    """
    zone = ZONES[task_id // 10 % len(ZONES)]  # by tens: bench's, other's and recurring
    kind = task_id % 3
    if kind == 0 and not recurs(task_id):
        return Schedule(None, zone)
    instant = EPOCH + timedelta(seconds=task_id * DUE_STEP % DUE_SPAN)
    due: Moment = instant
    if kind == 1:
        due = (instant + timedelta(hours=12)).astimezone(ZoneInfo(zone)).date()
    if not recurs(task_id):
        return Schedule(due, zone)
    return Schedule(due, zone, DAILY, DEFAULT_RECURRENCE_FROM, start=due)


def task_row(task_id: int) -> dict:
    """Top-level task ``task_id`` (its position is its group's to give: see ``Appends``)."""
    created = EPOCH + timedelta(seconds=task_id)
    return {
        "id": task_id, "owner_id": owner_of(task_id), "title": f"Task number {task_id}",
        "description": "Seeded for the benchmark." if task_id % 2 else "",
        "done": task_id % 2 == 0, "priority": task_id % 4,
        **schedule_of(task_id).columns(),
        "tags": [TAGS[task_id % len(TAGS)]], "created_at": created, "updated_at": created,
        "version": 1, "list_id": LIST_ID if owner_of(task_id) == 2 else None,
        "parent_id": None,
    }


class Appends:
    """The positions appends give each sibling group, one after the other (positions.py)."""

    def __init__(self) -> None:
        self.last: dict[object, str] = {}

    def next(self, group: object) -> str:
        self.last[group] = key_between(self.last.get(group), None)
        return self.last[group]


def appended(count: int) -> list[str]:
    """The positions of ``count`` appends to an empty group."""
    group = Appends()
    return [group.next(None) for _ in range(count)]


STEP_POSITIONS = appended(SUBTASKS)


def has_steps(task_id: int) -> bool:
    return task_id % PARENT_EVERY == 1


def steps_of(parent: int, total: int) -> range:
    """The ids of the steps of ``parent`` (a task with ``has_steps``) among ``total`` tasks."""
    first = total + (parent - 1) // PARENT_EVERY * SUBTASKS + 1
    return range(first, first + SUBTASKS)


def step_rows(parent: int, total: int) -> list[dict]:
    """The steps of ``parent``: bench's, undated, untagged, created just after it."""
    return [{
        "id": step, "owner_id": 1, "title": f"Step {n + 1} of task {parent}", "description": "",
        "done": False, "priority": 1, **Schedule(None, "UTC").columns(), "tags": [],
        "created_at": (created := EPOCH + timedelta(seconds=parent + (n + 1) / (SUBTASKS + 1))),
        "updated_at": created, "version": 1, "list_id": None, "parent_id": parent,
        "position": STEP_POSITIONS[n], "has_subtasks": False,
    } for n, step in enumerate(steps_of(parent, total))]


def share_row(task: dict) -> dict:
    """Bench's share of ``task``, with the copy of its sort keys a share carries."""
    copy = {f"task_{name}": task[name] for name in SHARE_COPIES}
    return {"task_id": task["id"], "user_id": 1, "permission": "edit", **copy}


def reminder_block(total: int) -> range:
    """The ids of the tasks with reminders: past the steps of the last parent."""
    first = total + ((total - 1) // PARENT_EVERY + 1) * SUBTASKS + 1
    return range(first, first + max(1, total // REMINDER_EVERY))


def reminder_due(number: int) -> datetime:
    """The instant the ``number``-th task of the block (from 0) is due at or stands for."""
    return REMINDER_EPOCH + timedelta(seconds=number * REMINDER_STEP % REMINDER_SPAN)


def reminded_task(number: int, total: int) -> tuple[int, str]:
    """A task of bench's in the reminder block, going round them, and its seeded absolute
    reminder's time (as lua/common.lua's ``reminded_task`` and ``seeded_reminder_at``)."""
    block = reminder_block(total)
    number %= len(block)
    if number % 10 == 9:  # other's
        number -= 1
    return block[number], timestamp(reminder_due(number) - timedelta(days=1))


def reminder_task_row(task_id: int, number: int) -> dict:
    """The ``number``-th task of the reminder block (its position is its group's to give)."""
    zone, instant = ZONES[number % len(ZONES)], reminder_due(number)
    due: Moment = instant
    if number % 2:
        due = (instant + timedelta(hours=12)).astimezone(ZoneInfo(zone)).date()
    owner = 2 if number % 10 == 9 else 1
    created = EPOCH - timedelta(seconds=number + 1)
    reminders = [*({"offset": offset} for offset in REMINDER_OFFSETS),
                 {"at": timestamp(instant - timedelta(days=1))}]
    return {
        "id": task_id, "owner_id": owner, "title": f"Reminded task {number}",
        "description": "", "done": False, "priority": 1, **Schedule(due, zone).columns(),
        "reminders": reminders, "tags": [], "created_at": created, "updated_at": created,
        "version": 1, "list_id": LIST_ID if owner == 2 else None, "parent_id": None,
        "has_subtasks": False,
    }


def reminder_rows(task: dict, now: datetime) -> list[dict]:
    """The ``task_reminders`` rows the app keeps for ``task`` (not done): one per reminder
    of its current occurrence, with copies of the task's owner and list, armed when its
    moment is ahead of ``now``."""
    due = task["due_date"] if task["due_date"] is not None else task["due_at"]
    return [{"task_id": task["id"], "slot": moment.slot,
             "reminder": task["reminders"][moment.slot], "scheduled_for": moment.at,
             "owner_id": task["owner_id"], "list_id": task["list_id"],
             "armed": moment.at > now}
            for moment in moments(task["reminders"], due, task["time_zone"])]


def quiet_task_rows(first_id: int) -> list[dict]:
    """The quiet user's tasks: timed dues in the middle of GET /reminders' window, each
    with one reminder 15 minutes before."""
    window_start = datetime.fromisoformat(REMINDER_WINDOW[0])
    return [{**reminder_task_row(first_id + n, 0), "owner_id": 3, "list_id": None,
             "title": f"Quiet task {n}", "reminders": [{"offset": REMINDER_OFFSETS[0]}],
             **Schedule(window_start + timedelta(days=3, hours=n), "UTC").columns()}
            for n in range(QUIET_REMINDERS)]


def insert_reminder_block(connection: Connection, total: int, positions: Appends) -> None:
    """The reminder block, then the quiet user's tasks, with their rows of task_reminders."""
    now = datetime.now(UTC)
    block = reminder_block(total)
    for start in range(0, len(block), BATCH):
        numbers = range(start, min(start + BATCH, len(block)))
        rows = [reminder_task_row(block[n], n) for n in numbers]
        if start + BATCH >= len(block):
            rows += quiet_task_rows(block.stop)
        for row in rows:
            row["position"] = positions.next(sibling_group(row))
        connection.execute(insert(Task.__table__), rows)
        connection.execute(insert(TASK_REMINDERS),
                           [reminder for row in rows for reminder in reminder_rows(row, now)])


def batches(total: int) -> Iterator[range]:
    for start in range(1, total + 1, BATCH):
        yield range(start, min(start + BATCH, total + 1))


def migrate(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["connection"] = connection
    command.downgrade(config, "base")
    command.upgrade(config, "head")


def insert_accounts(connection: Connection) -> None:
    defaults = default_settings("sqlite://")
    hasher = PasswordHasher(time_cost=defaults.argon2_time_cost,
                            memory_cost=defaults.argon2_memory_cost,
                            parallelism=defaults.argon2_parallelism)
    password_hash = hasher.hash(PASSWORD)
    connection.execute(insert(User.__table__), [
        {"id": 1, "username": USERNAME, "password_hash": password_hash, "is_admin": False,
         "created_at": EPOCH},
        {"id": 2, "username": OTHER, "password_hash": password_hash, "is_admin": False,
         "created_at": EPOCH},
        {"id": 3, "username": QUIET, "password_hash": password_hash, "is_admin": False,
         "created_at": EPOCH},
    ])
    expiry = datetime.now(UTC) + timedelta(days=30)
    connection.execute(insert(Token.__table__), [{
        "token_hash": token_digest(token), "user_id": user, "created_at": EPOCH,
        "expires_at": expiry, "scopes": scopes, "lists": lists,
    } for user, token, scopes, lists in ((1, TOKEN, list(SCOPES), None),
                                         (3, QUIET_TOKEN, list(SCOPES), None),
                                         (1, LIMITED_TOKEN, LIMITED_SCOPES, LIMITED_LISTS))])
    connection.execute(insert(TaskList.__table__), [{
        "id": LIST_ID, "owner_id": 2, "name": "Other's list", "description": "",
        "created_at": EPOCH, "updated_at": EPOCH, "version": 1,
    }])
    connection.execute(insert(ListShare.__table__),
                       [{"list_id": LIST_ID, "user_id": 1, "permission": "edit"}])


def sibling_group(row: dict) -> tuple[str, int]:
    """A top-level task's siblings: its list's tasks, else its owner's in no list."""
    return ("list", row["list_id"]) if row["list_id"] is not None else ("owner", row["owner_id"])


def insert_tasks(connection: Connection, total: int) -> Appends:
    """The N tasks and their steps; the positions given, for the groups' later tasks."""
    positions = Appends()
    for ids in batches(total):
        rows = [task_row(i) for i in ids]
        for row in rows:
            row["position"] = positions.next(sibling_group(row))
            row["has_subtasks"] = has_steps(row["id"])
        steps = [step for i in ids if has_steps(i) for step in step_rows(i, total)]
        connection.execute(insert(Task.__table__), rows + steps)
        connection.execute(insert(TaskTag.__table__),
                           [{"task_id": r["id"], "tag": r["tags"][0]} for r in rows])
        if steps:
            connection.execute(insert(TaskAncestor.__table__), [
                {"task_id": step["id"], "ancestor_id": step["parent_id"], "depth": 1,
                 "task_owner_id": 1, "ancestor_owner_id": 1, "crosses_owner": False}
                for step in steps])
        shared = [share_row(row) for row in rows if row["id"] % 100 == 0]
        if shared:
            connection.execute(insert(TaskShare.__table__), shared)
    return positions


# Change-log rows for bench's first tasks: GET /changes from the seeded token reads pages
# of 100 of them (the log starts empty, as after migration 0008, and holds only these).
CHANGED_TASKS = 300


def insert_changes(connection: Connection, total: int) -> None:
    rows = []
    for task_id in range(1, min(total, CHANGED_TASKS * 10 // 9) + 1):
        if owner_of(task_id) != 1:
            continue
        task = task_row(task_id)
        rows.append({
            "at": task["updated_at"], "kind": "task", "object_id": task_id, "action": "updated",
            "owner_id": 1, "list_id": None, "user_id": None, "task_id": task_id,
            "actor": USERNAME, "version": 1,
            "detail": {"changes": {"title": {"from": "old", "to": task["title"]}}},
        })
    connection.execute(insert(Change.__table__), rows)


def sync_token(connection: Connection) -> str:
    """Bench's kept token from before every seeded change (valid for the retention)."""
    key = read_service_key(connection, SYNC_TOKENS)
    return SyncToken(1, datetime.now(UTC), False, KEPT, since=0).encode(key)


def deep_cursor(total: int, key: bytes, owner: int = 1) -> str:
    """The cursor after ``owner``'s task nearest the middle of the default (-created_at) walk.

    Bench's own tasks for the default walk; other's (the list's) for a walk of the list.
    Signed with the database's ``key``, as the service signs cursors.
    """
    middle = max(1, total // 2)
    while owner_of(middle) != owner and middle > 1:
        middle -= 1
    sort = Sort("-created_at")
    return encode_cursor(sort.name, sort.codecs, [task_row(middle)["created_at"], middle], key)


def middle_parent(total: int) -> int:
    """The task with steps nearest the middle of the ids."""
    return max(total // 2 - 1, 0) // PARENT_EVERY * PARENT_EVERY + 1


def seed(database_url: str, total: int) -> Seeded:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        migrate(connection)
    with engine.begin() as connection:
        insert_accounts(connection)
        insert_reminder_block(connection, total, insert_tasks(connection, total))
        insert_changes(connection, total)
        token = sync_token(connection)
        cursor_key = read_service_key(connection, CURSORS)
    settle(engine)
    engine.dispose()
    return Seeded(tasks=total, username=USERNAME, password=PASSWORD, token=TOKEN,
                  filter_tag=FILTER_TAG, deep_cursor=deep_cursor(total, cursor_key),
                  list_id=str(LIST_ID), list_cursor=deep_cursor(total, cursor_key, owner=2),
                  sync_token=token, parent_id=str(middle_parent(total)))


def settle(engine: Engine) -> None:
    """After a bulk insert: statistics for the planner, sequences past the ids given
    explicitly (PostgreSQL), SQLite's WAL folded into the file."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
            for table in ("users", "tokens", "tasks", "lists"):  # ids were given explicitly
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        # A million rows leave a WAL of hundreds of MB; servers started on it would spend
        # the first runs checkpointing it (observed: no request served in 3 s at 1M tasks).
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--tasks", type=int, default=1000)
    args = parser.parse_args()
    print(json.dumps(asdict(seed(args.database_url, args.tasks))))


if __name__ == "__main__":
    main()
