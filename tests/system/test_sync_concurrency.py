"""Incremental sync under concurrent writers, through a real server: nothing is ever missed.

One ``pserve production.ini`` (its ``[server:main]``) on a database of its own (SQLite
file, or a private PostgreSQL database on the PostgreSQL run). Writer threads create,
patch, delete, share and unshare tasks, share and unshare a list, and move tasks in and
out of it, while each user's client syncs again and again with its token, in small pages.
When the writers stop, each client syncs once more: its copy, built only from the feed,
must equal a fresh full sync (ids and versions). Several rounds, each on the copies the
previous rounds left.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from taskservice.changes import log
from taskservice.changes.rows import row as log_row
from taskservice.db.base import utcnow
from taskservice.db.session import make_engine
from taskservice.db.sqlite import SQLITE_IMMEDIATE
from tests.support.load import ApiUser, error_lines, server_database, start_server
from tests.support.servers import PserveProcess
from tests.support.sync import Replica, full_copy

ROUNDS = 6
WRITERS = 6
ROUND_SECONDS = 3.0


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with server_database(tmp_path_factory.mktemp("sync"), prefix="ts_sync") as url:
        yield url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, database: str) -> Iterator[PserveProcess]:
    server = start_server(tmp_path_factory.mktemp("sync_server"), database)
    try:
        yield server
    finally:
        server.stop()


def what_the_log_says(database: str, keys: set) -> str:
    """The log's rows and the current rows of the objects a copy got wrong (for the failure)."""
    engine = create_engine(database)
    lines = []
    try:
        with engine.connect() as connection:
            for kind, object_id in sorted(keys):
                rows = connection.execute(text(
                    "SELECT seq, kind, object_id, action, owner_id, list_id, user_id, task_id, "
                    "version FROM changes WHERE object_id = :id AND kind = :kind ORDER BY seq"),
                    {"id": int(object_id), "kind": kind}).all()
                lines += [f"{kind} {object_id}: {tuple(row)}" for row in rows]
                table = "tasks" if kind == "task" else "lists"
                current = connection.execute(text(f"SELECT * FROM {table} WHERE id = :id"),
                                             {"id": int(object_id)}).all()
                lines.append(f"{kind} {object_id} now: {current}")
            for table in ("task_shares", "list_shares"):
                rows = connection.execute(text(f"SELECT * FROM {table}")).all()
                lines.append(f"{table}: {[tuple(row) for row in rows]}")
    finally:
        engine.dispose()
    return "\n".join(lines)


def fetcher(user: ApiUser):
    def fetch(params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        status, _, body = user.request("GET", "/changes" + (f"?{query}" if query else ""))
        assert status == 200, body
        return body
    return fetch


class World:
    """What the writers share: the users, the list, and the tasks that may exist."""

    def __init__(self, users: list[ApiUser], list_ids: list[str]) -> None:
        self.users = users
        self.list_ids = list_ids
        self.tasks: list[tuple[ApiUser, str]] = []
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()

    def pick(self, rng: random.Random) -> tuple[ApiUser, str] | None:
        with self.lock:
            return rng.choice(self.tasks) if self.tasks else None

    def write(self, rng: random.Random) -> None:
        user = rng.choice(self.users)
        owner, list_id = self.users[0], rng.choice(self.list_ids)
        roll = rng.random()
        picked = self.pick(rng)
        if roll < 0.25 or picked is None:
            body = {"title": f"t{rng.random()}"}
            if user is owner and rng.random() < 0.5:
                body["list"] = list_id
            status, _, made = user.request("POST", "/tasks", body)
            if status == 201:
                with self.lock:
                    self.tasks.append((user, made["id"]))
        elif roll < 0.5:
            task_owner, task_id = picked
            status, _, _ = task_owner.request("PATCH", f"/tasks/{task_id}",
                                              {"title": f"p{rng.random()}"})
        elif roll < 0.6:
            task_owner, task_id = picked
            status, _, _ = task_owner.request("DELETE", f"/tasks/{task_id}")
            with self.lock:
                if picked in self.tasks:
                    self.tasks.remove(picked)
        elif roll < 0.7:
            task_owner, task_id = picked
            target = rng.choice([u for u in self.users if u is not task_owner])
            status, _, _ = task_owner.request("PUT", f"/tasks/{task_id}/shares/{target.username}",
                                              {"permission": rng.choice(["view", "edit"])})
        elif roll < 0.78:
            task_owner, task_id = picked
            target = rng.choice([u for u in self.users if u is not task_owner])
            status, _, _ = task_owner.request("DELETE",
                                              f"/tasks/{task_id}/shares/{target.username}")
        elif roll < 0.86:
            member = rng.choice(self.users[1:])
            status, _, _ = owner.request("PUT", f"/lists/{list_id}/shares/{member.username}",
                                         {"permission": "edit"})
        elif roll < 0.92:
            member = rng.choice(self.users[1:])
            status, _, _ = owner.request("DELETE", f"/lists/{list_id}/shares/{member.username}")
        else:
            task_owner, task_id = picked
            destination = rng.choice([*self.list_ids, None])
            status, _, _ = task_owner.request("PATCH", f"/tasks/{task_id}",
                                              {"list": destination})
        with self.lock:
            self.statuses[status] += 1


def run_round(world: World, copies: dict[str, Replica], seed: int) -> Counter:
    """Writers and syncers for ROUND_SECONDS; how many syncs each user's client made."""
    stop = threading.Event()
    errors: list[BaseException] = []
    sync_counts: Counter = Counter()

    def writer(rng: random.Random) -> None:
        try:
            while not stop.is_set():
                world.write(rng)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    def syncer(user: ApiUser, rng: random.Random) -> None:
        try:
            while not stop.is_set():
                copies[user.username].sync(limit=rng.choice([1, 2, 5, 50]))
                sync_counts[user.username] += 1
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(random.Random(seed + i),))
               for i in range(WRITERS)]
    threads += [threading.Thread(target=syncer, args=(user, random.Random(seed + 50 + i)))
                for i, user in enumerate(world.users)]
    for thread in threads:
        thread.start()
    time.sleep(ROUND_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return sync_counts


def test_clients_that_sync_while_others_write_end_with_a_full_sync(server, database):
    suffix = str(random.randrange(10**6))
    users = [ApiUser.register(server.port, f"{name}{suffix}") for name in ("own", "bee", "cee")]
    owner = users[0]
    list_ids = []
    for name in ("one", "two"):
        status, _, made = owner.request("POST", "/lists", {"name": name})
        assert status == 201, made
        list_ids.append(made["id"])
    world = World(users, list_ids)
    copies = {user.username: Replica(fetcher(user)) for user in users}
    for round_number in range(ROUNDS):
        sync_counts = run_round(world, copies, round_number * 100)
        assert not [s for s in world.statuses if s >= 500], world.statuses
        for user in users:
            copy = copies[user.username]
            copy.sync()
            fresh = full_copy(fetcher(user), limit=7)
            if copy.versions() != fresh.versions():
                wrong = {k for k in copy.versions().keys() | fresh.versions().keys()
                         if copy.versions().get(k) != fresh.versions().get(k)}
                print(what_the_log_says(database, wrong))
            assert copy.versions() == fresh.versions(), (round_number, user.username)
        print(f"\nround {round_number}: writes {dict(world.statuses)}, "
              f"syncs {dict(sync_counts)}, copies {[len(c.objects) for c in copies.values()]}")
    assert sum(world.statuses.values()) > 100
    assert error_lines(server.output()) == []


def test_a_log_append_waits_until_the_one_before_it_has_committed(database):
    """Positions are commit order: while one transaction holds an appended, uncommitted
    row, another's append waits (SQLite: for the write lock; PostgreSQL: for the log's
    advisory lock), so no reader can see a higher position while a lower one is pending.
    (The race test above rarely catches a missing lock: its window is a few statements.)"""
    engine = make_engine(database)
    done = threading.Event()
    positions: dict[str, int] = {}

    def append_as(name: str, session: Session) -> None:
        session.connection(execution_options={SQLITE_IMMEDIATE: True})
        log.append(session, [log_row("list", 1, "updated", utcnow(), owner_id=1, list_id=1)])
        positions[name] = session.execute(text("SELECT max(seq) FROM changes")).scalar_one()
        session.commit()

    try:
        with Session(engine) as first, Session(engine) as second:
            first.connection(execution_options={SQLITE_IMMEDIATE: True})
            log.append(first, [log_row("list", 1, "updated", utcnow(), owner_id=1, list_id=1)])
            positions["first"] = first.execute(text("SELECT max(seq) FROM changes")).scalar_one()
            waiter = threading.Thread(target=lambda: (append_as("second", second), done.set()))
            waiter.start()
            assert not done.wait(1.0), "the second append did not wait for the first's commit"
            first.commit()
            assert done.wait(10.0)
            waiter.join()
    finally:
        engine.dispose()
    assert positions["second"] > positions["first"]
