"""Webhook delivery across real processes: events committed before a ``kill -9`` of the
server or of a worker all arrive after a restart, and two workers on one PostgreSQL
database never deliver the same attempt at the same time.

SQLite by default; PostgreSQL as well when ``TASKSERVICE_TEST_DATABASE_URL`` is set
(that database is migrated to head here; the rows these tests add are their own).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from taskservice.accounts.models import User
from taskservice.db.base import utcnow
from taskservice.db.session import make_engine
from taskservice.webhooks.models import DELIVERIES, EVENTS
from tests.support.constants import FAST_HASHING, PASSWORD
from tests.support.servers import PserveProcess, WorkerProcess, migrate
from tests.support.webhooks import Receiver

DELIVERY_TIMEOUT = 60.0
EVENTS_AT_ONCE = 20


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hooks.sqlite'}"
    else:
        url = os.environ.get("TASKSERVICE_TEST_DATABASE_URL", "")
        if not url:
            pytest.skip("PostgreSQL: set TASKSERVICE_TEST_DATABASE_URL")
    migrate(url)
    return url


def environment(url: str, delivery: str) -> dict[str, str]:
    return {**FAST_HASHING, "DATABASE_URL": url, "TASKSERVICE_LOGIN_RATELIMIT": "",
            "TASKSERVICE_WEBHOOKS_DELIVERY": delivery,
            "TASKSERVICE_WEBHOOKS_ALLOW_HTTP": "true", "TASKSERVICE_WEBHOOKS_ALLOW_PRIVATE": "true",
            "TASKSERVICE_WEBHOOKS_TIMEOUT": "2", "TASKSERVICE_WEBHOOKS_RETRY_DELAYS": "0 0 0"}


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def sign_up(server: PserveProcess, username: str) -> dict[str, str]:
    credentials = {"username": username, "password": PASSWORD}
    status, _, _ = server.request("POST", "/users", credentials)
    assert status == 201
    _, _, token = server.request("POST", "/tokens", credentials)
    return {"Authorization": f"Bearer {token['token']}"}


def commit_events(server: PserveProcess, receiver: Receiver, username: str) -> set[str]:
    """A webhook and ``EVENTS_AT_ONCE`` created tasks, committed; the task ids."""
    headers = sign_up(server, username)
    status, _, _ = server.request("POST", "/webhooks", {"url": receiver.url,
                                                        "events": ["task.created"]}, headers)
    assert status == 201
    ids = set()
    for number in range(EVENTS_AT_ONCE):
        status, _, task = server.request("POST", "/tasks", {"title": f"t{number}"}, headers)
        assert status == 201
        ids.add(task["id"])
    return ids


def delivered_tasks(receiver: Receiver) -> set[str]:
    return {d.json["data"]["task"]["id"] for d in receiver.deliveries}


def test_killed_server_events_arrive_after_a_restart(tmp_path, database_url):
    username = f"kill{os.getpid()}{database_url[:3]}"
    with Receiver() as receiver:
        # Delivery by workers, of which none runs: nothing can be delivered before the kill.
        server = PserveProcess(tmp_path, environment(database_url, "worker"), name="first")
        with server:
            tasks = commit_events(server, receiver, username)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(timeout=10)
        assert receiver.deliveries == []
        with PserveProcess(tmp_path, environment(database_url, "thread"), name="second"):
            receiver.wait_for(EVENTS_AT_ONCE, DELIVERY_TIMEOUT)
    assert delivered_tasks(receiver) == tasks


def test_a_worker_killed_mid_delivery_leaves_the_attempt_to_be_retried(
        tmp_path, database_url, workers):
    username = f"wkill{os.getpid()}{database_url[:3]}"
    env = environment(database_url, "worker")
    with Receiver(delay=0.5) as receiver, PserveProcess(tmp_path, env) as server:
        tasks = commit_events(server, receiver, username)
        workers.append(WorkerProcess(tmp_path, env, name="first").started())
        receiver.wait_for(1, DELIVERY_TIMEOUT)  # an attempt is under way (0.5 s each)
        workers[0].kill()
        assert len(delivered_tasks(receiver)) < EVENTS_AT_ONCE
        workers.append(WorkerProcess(tmp_path, env, name="second").started())
        receiver.delay = 0
        receiver.wait_for(EVENTS_AT_ONCE, DELIVERY_TIMEOUT)
        assert workers[1].stop() == 0, workers[1].output()  # a graceful stop
    assert delivered_tasks(receiver) == tasks
    assert "event_id=" in workers[1].output()  # each attempt is logged with its event id


def test_two_workers_deliver_1000_events_never_the_same_one_at_once(tmp_path, workers):
    url = os.environ.get("TASKSERVICE_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("several workers are for PostgreSQL: set TASKSERVICE_TEST_DATABASE_URL")
    migrate(url)
    count = 1000
    env = environment(url, "worker")
    with Receiver(delay=0.002) as receiver:
        with PserveProcess(tmp_path, env) as server:
            headers = sign_up(server, f"two{os.getpid()}")
            _, _, hook = server.request("POST", "/webhooks", {"url": receiver.url,
                                                               "events": ["*"]}, headers)
        engine = make_engine(url)
        now = utcnow()
        with engine.begin() as connection:
            ids = connection.execute(insert(EVENTS).returning(EVENTS.c.id), [
                {"webhook_id": int(hook["id"]), "type": "task.created", "occurred_at": now,
                 "actor": "x", "data": "{}", "attempt": 0, "next_attempt_at": now}
                for _ in range(count)]).scalars().all()
        workers.extend(WorkerProcess(tmp_path, env, name=f"w{n}").started() for n in range(2))
        received = receiver.wait_for(count, DELIVERY_TIMEOUT * 2)
        for worker in workers:
            assert worker.stop() == 0
        with engine.connect() as connection:
            attempts = connection.execute(select(DELIVERIES.c.event_id, DELIVERIES.c.attempt)
                                          .where(DELIVERIES.c.webhook_id == int(hook["id"]))
                                          ).all()
            connection.execute(User.__table__.delete().where(User.id.in_(
                select(User.id).where(User.username == f"two{os.getpid()}"))))
            connection.commit()
        engine.dispose()
    assert received == {str(i) for i in ids}
    assert receiver.overlaps == []
    assert len(receiver.deliveries) == count  # each once: no attempt was ever repeated
    assert sorted(attempts) == sorted((i, 1) for i in ids)
    for worker in workers:  # both took part
        assert "outcome=succeeded" in worker.output()


def test_two_workers_and_a_slow_receiver_never_deliver_one_event_twice_at_once(
        tmp_path, database_url, workers):
    """Each attempt takes most of the timeout: the claim's lease must outlast every attempt
    of the claim, or the other worker takes the event again while it is under way."""
    username = f"slow{os.getpid()}{database_url[:3]}"
    env = environment(database_url, "worker")
    with Receiver(delay=1.0) as receiver, PserveProcess(tmp_path, env) as server:
        tasks = commit_events(server, receiver, username)
        workers.extend(WorkerProcess(tmp_path, env, name=f"w{n}").started() for n in range(2))
        receiver.wait_for(EVENTS_AT_ONCE, DELIVERY_TIMEOUT)
        for worker in workers:  # each records the attempt under way, then stops
            assert worker.stop() == 0, worker.output()
    assert delivered_tasks(receiver) == tasks
    assert receiver.overlaps == []
    assert len(receiver.deliveries) == EVENTS_AT_ONCE  # none was taken again


def test_a_worker_turns_to_another_users_event_while_slow_receivers_hold_theirs(
        tmp_path, database_url, workers):
    """Alice's ten webhooks answer slowly (at once when bob's delivery arrives); bob's
    event, committed while hers are under way, is attempted before hers are all answered."""
    journal: list[tuple[str, str, str]] = []
    bob_arrived = threading.Event()
    env = environment(database_url, "worker")
    with Receiver(delay=1.0, gate=bob_arrived, journal=journal, name="alice") as slow, \
            Receiver(opens=bob_arrived, journal=journal, name="bob") as fast, \
            PserveProcess(tmp_path, env) as server:
        alice, bob = (sign_up(server, f"{name}{os.getpid()}{database_url[:3]}")
                      for name in ("fa", "fb"))
        for number in range(10):
            subscribe(server, alice, f"{slow.url}?n={number}")
        subscribe(server, bob, fast.url)
        assert server.request("POST", "/tasks", {"title": "a"}, alice)[0] == 201
        workers.append(WorkerProcess(tmp_path, env).started())
        slow.wait_for(1, DELIVERY_TIMEOUT)  # alice's deliveries are under way
        assert server.request("POST", "/tasks", {"title": "b"}, bob)[0] == 201
        fast.wait_for(1, DELIVERY_TIMEOUT)
        slow.wait_for(10, DELIVERY_TIMEOUT)
        slow.wait_idle(DELIVERY_TIMEOUT)
    names = [(what, name) for what, name, _ in journal]
    assert names.count(("answered", "alice")) == 10
    last_alice_answer = len(names) - 1 - names[::-1].index(("answered", "alice"))
    assert names.index(("arrived", "bob")) < last_alice_answer, names


def subscribe(server: PserveProcess, headers: dict[str, str], url: str) -> None:
    status, _, _ = server.request("POST", "/webhooks", {"url": url, "events": ["task.created"]},
                                  headers)
    assert status == 201


def test_writes_go_on_while_an_attempt_waits_for_its_receiver(tmp_path, database_url):
    """An attempt holds no transaction, lock or SQLite write turn: while the delivery thread's
    attempt waits for a receiver that has not answered, another user's write completes."""
    answer = threading.Event()
    env = {**environment(database_url, "thread"), "TASKSERVICE_WEBHOOKS_TIMEOUT": "60"}
    with Receiver(delay=DELIVERY_TIMEOUT, gate=answer) as receiver, \
            PserveProcess(tmp_path, env) as server:
        hooked, other = (sign_up(server, f"{name}{os.getpid()}{database_url[:3]}")
                         for name in ("lh", "lo"))
        subscribe(server, hooked, receiver.url)
        assert server.request("POST", "/tasks", {"title": "a"}, hooked)[0] == 201
        receiver.wait_for(1, DELIVERY_TIMEOUT)  # the attempt is under way, unanswered
        status, _, _ = server.request("POST", "/tasks", {"title": "b"}, other)
        unanswered = receiver.intervals == []
        answer.set()
    assert status == 201 and unanswered
