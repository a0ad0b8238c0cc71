"""Reminders fired by real processes (contract section 14): each reminder is queued once,
never before its moment, however many processes fire and whatever happens to them.

``pserve`` with the delivery thread (``taskservice.webhooks.delivery = thread``) and
``taskservice-worker`` processes on one database, one webhook (``task.reminder``) per
user, posting to a Receiver on 127.0.0.1. A reminder is told by a ``task.reminder`` event;
"fired once" means one event id (``webhook-id``) per task and ``scheduled_for`` -- a
delivery may be repeated with the same id (delivery is at least once), a reminder may not.

Each test has a database of its own (``server_database``: a SQLite file, or on a
PostgreSQL run a fresh database on the server of ``TASKSERVICE_TEST_DATABASE_URL``),
because a firing round claims every due reminder of its database, not only the test's.

The contract promises a reminder within 5 s of its moment while a process is up. These
tests wait up to ``DEADLINE`` past the moment (a loaded two-core box) and print the lag
they saw: speed is the benchmarks' business, here only "arrived", "not early" and "once".
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, Table, select, update

from taskservice.db.base import ID, UTCDateTime
from taskservice.db.session import make_engine
from taskservice.webhooks.models import DELIVERIES, EVENTS
from tests.support.constants import FAST_HASHING
from tests.support.dates import iso, parse
from tests.support.load import ApiUser, error_lines, server_database
from tests.support.metrics import parse_samples, scrape, total
from tests.support.servers import PserveProcess, WorkerProcess
from tests.support.webhooks import RECEIVER_ENVIRONMENT, Received, Receiver

# Seconds past a reminder's moment after which "it never came" is the verdict (the
# contract says 5 with a process up; this is for a loaded machine).
DEADLINE = 30.0
# Four firing rounds (0.5 s each) after the last expected reminder arrived: a second
# firing of any of them would have been queued and delivered by then.
SETTLE = 2.0
# Sub-requests per POST /batch (taskservice.batch.max_requests' default).
BATCH = 25
REMINDER = "task.reminder"

# (task id, scheduled_for) -> the event ids (webhook-id) that told of that reminder.
Fired = dict[tuple[str, datetime], set[str]]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    with server_database(tmp_path, "ts_remind") as url:
        yield url


@pytest.fixture
def processes() -> Iterator[ExitStack]:
    """Where a test enters the processes it starts: all stopped when it ends, whatever
    happens."""
    with ExitStack() as stack:
        yield stack


def environment(url: str, delivery: str, **settings: str) -> dict[str, str]:
    """A server's or worker's environment on ``url`` that may deliver to a Receiver."""
    return {**FAST_HASHING, **RECEIVER_ENVIRONMENT, "DATABASE_URL": url,
            "TASKSERVICE_LOGIN_RATELIMIT": "", "TASKSERVICE_WEBHOOKS_DELIVERY": delivery,
            **settings}


# -- through the API -------------------------------------------------------------------------


def subscribe(user: ApiUser, url: str) -> str:
    status, _, body = user.request("POST", "/webhooks", {"url": url, "events": [REMINDER]})
    assert status == 201, body
    return str(body["id"])


def create_task(user: ApiUser, body: dict[str, Any]) -> dict[str, Any]:
    status, _, task = user.request("POST", "/tasks", body)
    assert status == 201, task
    return task


def run_batches(user: ApiUser, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``requests`` in atomic batches of ``BATCH``; every answer's body, each a success."""
    bodies = []
    for start in range(0, len(requests), BATCH):
        status, _, answer = user.request(
            "POST", "/batch", {"requests": requests[start:start + BATCH], "atomic": True})
        assert status == 200 and answer["committed"], answer
        bodies += [response["body"] for response in answer["responses"]]
    return bodies


def create_tasks(user: ApiUser, bodies: list[dict[str, Any]]) -> list[str]:
    requests = [{"method": "POST", "path": "/tasks", "body": body} for body in bodies]
    return [task["id"] for task in run_batches(user, requests)]


def whole_second_after(seconds: float) -> datetime:
    """The first whole second (UTC) at least ``seconds`` from now."""
    return datetime.fromtimestamp(math.ceil(time.time() + seconds), UTC)


def remind_many(users: list[ApiUser], per_user: int,
                seconds: int = 1) -> tuple[datetime, set[tuple[str, datetime]]]:
    """``per_user`` tasks for each user, each with one absolute reminder, the reminders
    due over ``seconds`` consecutive whole seconds from a first moment that comes only
    once they are all set (a reminder set after its moment never fires); that moment and
    every (task id, moment) expected to fire.

    The tasks are created first, then given their reminders (batches of PATCH): the
    creations time the writes, and the first moment is put 1.5 times their duration
    ahead (setting the reminders costs less than creating the tasks did).
    """
    started = time.monotonic()
    tasks = [(user, create_tasks(user, [{"title": f"reminded {n}"} for n in range(per_user)]))
             for user in users]
    created = time.monotonic() - started
    first = whole_second_after(1.5 * created + 2)

    def moment(number: int) -> datetime:
        return first + timedelta(seconds=number % seconds)

    for user, ids in tasks:
        run_batches(user, [{"method": "PATCH", "path": f"/tasks/{task_id}",
                            "body": {"reminders": [{"at": iso(moment(n))}]}}
                           for n, task_id in enumerate(ids)])
    left = first.timestamp() - time.time()
    assert left > 0, f"setting the reminders took {-left:.1f}s past their moment"
    print(f"\n{len(users) * per_user} tasks created in {created:.1f}s, their reminders set "
          f"in {time.monotonic() - started - created:.1f}s, {left:.1f}s before the first "
          "comes due")
    return first, {(task_id, moment(n)) for _, ids in tasks for n, task_id in enumerate(ids)}


# -- at the receiver ----------------------------------------------------------------------


def reminders_received(receiver: Receiver) -> list[Received]:
    with receiver.lock:
        deliveries = list(receiver.deliveries)
    return [d for d in deliveries if d.json["type"] == REMINDER]


def fired(receiver: Receiver) -> Fired:
    """Every reminder told of so far, with the event ids that told of it."""
    seen: Fired = defaultdict(set)
    for delivery in reminders_received(receiver):
        data = delivery.json["data"]
        seen[(data["task"]["id"], parse(data["scheduled_for"]))].add(
            delivery.headers["webhook-id"])
    return seen


def wait_for_reminders(receiver: Receiver, expected: set[tuple[str, datetime]],
                       last_moment: datetime) -> Fired:
    """Until every ``expected`` reminder has arrived, then ``SETTLE`` more seconds (a
    duplicate would show by then); fails ``DEADLINE`` seconds after ``last_moment``."""
    deadline = last_moment.timestamp() + DEADLINE
    while not expected <= fired(receiver).keys():
        if time.time() > deadline:
            missing = expected - fired(receiver).keys()
            pytest.fail(f"{len(missing)} of {len(expected)} reminders had not arrived "
                        f"{DEADLINE:.0f}s after their moment, e.g. {sorted(missing)[:3]}")
        time.sleep(0.1)
    print(f"all {len(expected)} arrived {time.time() - last_moment.timestamp():.2f}s after "
          f"the last moment; queued at most {max(queueing_lags(receiver)):.2f}s after its own")
    time.sleep(SETTLE)
    return fired(receiver)


def queueing_lags(receiver: Receiver) -> list[float]:
    """Seconds from each reminder's moment to its event (its ``occurred_at``: when it was
    fired and queued); the contract's 5 s are about these, delivery comes after."""
    return [(parse(body["occurred_at"]) - parse(body["data"]["scheduled_for"])).total_seconds()
            for body in (delivery.json for delivery in reminders_received(receiver))]


def assert_each_fired_once(seen: Fired, expected: set[tuple[str, datetime]]) -> None:
    missing = expected - seen.keys()
    unexpected = seen.keys() - expected
    doubled = {key: ids for key, ids in seen.items() if len(ids) > 1}
    assert not missing, f"{len(missing)} reminders never fired, e.g. {sorted(missing)[:3]}"
    assert not unexpected, f"{len(unexpected)} fired unasked, e.g. {sorted(unexpected)[:3]}"
    assert not doubled, (f"{len(doubled)} reminders fired more than once, e.g. "
                         f"{[(key, len(ids)) for key, ids in sorted(doubled.items())[:3]]} "
                         "(reminder, times)")


def event_ids(seen: Fired) -> set[str]:
    return {event_id for ids in seen.values() for event_id in ids}


# -- in the database ------------------------------------------------------------------------


def reminder_events_queued(url: str) -> set[str]:
    """The ids of every ``task.reminder`` event ever queued: delivered ones are in the
    attempts' log, the others still in the outbox."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            delivered = connection.execute(
                select(DELIVERIES.c.event_id).where(DELIVERIES.c.event_type == REMINDER))
            waiting = connection.execute(select(EVENTS.c.id).where(EVENTS.c.type == REMINDER))
            return {str(event_id) for event_id in [*delivered.scalars(), *waiting.scalars()]}
    finally:
        engine.dispose()


def move_reminders(url: str, task_id: str, moment: datetime) -> int:
    """Every ``task_reminders`` row of the task now due at ``moment``: direct SQL, for a
    test that needs a reminder which came due long ago. The column is written through the
    app's own type (naive UTC), as the app writes it. How many rows were moved."""
    reminders = Table("task_reminders", MetaData(), Column("task_id", ID),
                      Column("scheduled_for", UTCDateTime))
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            return connection.execute(update(reminders)
                                      .where(reminders.c.task_id == int(task_id))
                                      .values(scheduled_for=moment)).rowcount
    finally:
        engine.dispose()


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, moment.timestamp() - time.time()))


def wait_for_line(worker: WorkerProcess, line: str, timeout: float) -> bool:
    """Whether ``line`` appears in the worker's log within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while line not in worker.output():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# -- the tests ------------------------------------------------------------------------------


def test_a_reminder_arrives_once_and_never_before_its_moment(tmp_path, database, processes):
    """A reminder about 3 s ahead, the delivery thread of the only process firing it. Its
    moment is 0.75 s past a whole second: one stored or compared at whole seconds would
    come early."""
    with Receiver() as receiver:
        web = processes.enter_context(
            PserveProcess(tmp_path, environment(database, "thread"), name="web"))
        user = ApiUser.register(web.port, "punctual")
        subscribe(user, receiver.url)
        moment = whole_second_after(1.5) + timedelta(milliseconds=750)
        task = create_task(user, {"title": "call back", "reminders": [{"at": iso(moment)}]})
        assert task["reminders"] == [{"at": iso(moment)}]
        assert time.time() < moment.timestamp(), "the task was created after its reminder"
        seen = wait_for_reminders(receiver, {(task["id"], moment)}, moment)
        deliveries = reminders_received(receiver)
    assert_each_fired_once(seen, {(task["id"], moment)})
    delivery = deliveries[0]  # a repeated delivery (same webhook-id) would be no later
    lag = delivery.at - moment.timestamp()
    print(f"received {lag:.3f}s after its moment")
    assert lag >= 0, f"received {-lag:.3f}s before its moment"
    body = delivery.json
    assert body["actor"] is None
    assert body["data"]["reminder"] == {"at": iso(moment)}
    assert parse(body["data"]["scheduled_for"]) == moment
    assert body["data"]["occurrence"] is None
    assert body["data"]["task"]["title"] == "call back"


def test_two_workers_and_a_web_process_queue_each_of_500_due_reminders_once(
        tmp_path, database, processes):
    """500 reminders on 500 tasks (five users, a webhook each), all due in the same second,
    with two ``taskservice-worker`` processes and a web process's delivery thread polling.
    On SQLite the three share one file and take write turns."""
    with Receiver() as receiver:
        web = processes.enter_context(
            PserveProcess(tmp_path, environment(database, "thread"), name="web"))
        workers = [processes.enter_context(WorkerProcess(
            tmp_path, environment(database, "worker"), name=f"worker{number}"))
            for number in range(2)]
        users = [ApiUser.register(web.port, f"racer{number}") for number in range(5)]
        for user in users:
            subscribe(user, receiver.url)
        moment, expected = remind_many(users, per_user=100)
        seen = wait_for_reminders(receiver, expected, moment)
        for worker in workers:  # a graceful stop, after recording what is under way
            assert worker.stop() == 0, f"see {worker.log_path}"
    assert len(expected) == 500
    assert_each_fired_once(seen, expected)
    assert reminder_events_queued(database) == event_ids(seen)
    # Three deliverers at work on five webhooks at once is ordinary operation: nothing in it
    # may fail (a deadlock between two of them, say, loses their recorded outcomes).
    for process in (web, *workers):
        assert error_lines(process.output()) == [], f"see {process.log_path}"


def test_workers_killed_mid_claim_lose_no_reminder_and_double_none(
        tmp_path, database, processes):
    """300 reminders come due over six seconds, 50 a second, while five workers race to
    fire them and are killed with SIGKILL one by one at random moments of those seconds;
    then a fresh worker runs. A claim a killed worker had not committed must be fired by
    another, one it had committed never again. (A delivery the kill cut may be repeated,
    with its event id: that is the webhooks' at-least-once, not a second firing.)"""
    seed = random.randrange(2**32)
    print(f"\nrandom seed {seed}")
    chance = random.Random(seed)
    env = environment(database, "worker")
    with Receiver() as receiver:
        web = processes.enter_context(PserveProcess(tmp_path, env, name="web"))
        doomed = [processes.enter_context(WorkerProcess(tmp_path, env, name=f"killed{n}"))
                  for n in range(5)]
        for worker in doomed:  # all up (and the box quiet) before the writes are timed
            assert wait_for_line(worker, "webhook delivery started", 30), worker.output()
        user = ApiUser.register(web.port, "survivor")
        subscribe(user, receiver.url)
        first, expected = remind_many([user], per_user=300, seconds=6)
        for worker, moment in zip(doomed, sorted(chance.uniform(0, 6) for _ in doomed),
                                  strict=True):
            sleep_until(first + timedelta(seconds=moment))
            worker.kill()
            print(f"kill -9 at {time.time() - first.timestamp():+.2f}s of the first moment: "
                  f"{len(fired(receiver))} reminders told so far")
        processes.enter_context(WorkerProcess(tmp_path, env, name="fresh"))
        seen = wait_for_reminders(receiver, expected, first + timedelta(seconds=5))
    assert_each_fired_once(seen, expected)
    assert reminder_events_queued(database) == event_ids(seen)


@pytest.mark.parametrize("starter", ["worker", "thread"])
def test_a_reminder_due_while_nothing_ran_fires_at_start_and_a_day_late_one_never(
        tmp_path, database, processes, starter):
    """Two reminders are set through a web process that fires nothing (delivery by
    workers, and none runs), then it stops. The first comes due while no process runs.
    The second, set an hour ahead, is moved 25 hours into the past with direct SQL
    (``UPDATE task_reminders SET scheduled_for``) while no process runs: the only way to
    have a reminder that came due over a day ago without waiting a day. Then one process
    starts, a ``taskservice-worker`` or ``pserve`` with the delivery thread, metrics on:
    the first fires with its original ``scheduled_for``, the second is dropped and counted.
    """
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    with Receiver() as receiver:
        with PserveProcess(tmp_path, environment(database, "worker"), name="setup") as setup:
            user = ApiUser.register(setup.port, "sleeper")
            subscribe(user, receiver.url)
            moment = whole_second_after(2.0)
            waited = create_task(user, {"title": "came due at night",
                                        "reminders": [{"at": iso(moment)}]})
            stale = create_task(user, {"title": "a day late",
                                       "reminders": [{"at": iso(whole_second_after(3600))}]})
        assert time.time() < moment.timestamp(), "the server stopped after the moment"
        sleep_until(moment + timedelta(seconds=1))
        assert move_reminders(database, stale["id"], moment - timedelta(hours=25)) == 1
        assert reminders_received(receiver) == []
        scraper = start_firing(tmp_path, database, starter, metrics, processes)
        seen = wait_for_reminders(receiver, {(waited["id"], moment)}, moment)
        samples = parse_samples(scrape(scraper.port))
    assert_each_fired_once(seen, {(waited["id"], moment)})
    assert total(samples, "taskservice_reminders_dropped_total") == 1
    assert total(samples, "taskservice_reminders_fired_total") == 1
    assert total(samples, "taskservice_reminder_lag_seconds_count") == 1
    print(f"late: {total(samples, 'taskservice_reminders_late_total'):.0f}")


def start_firing(tmp_path: Path, url: str, starter: str, metrics: Path,
                 processes: ExitStack) -> PserveProcess:
    """The process that fires (``starter``), with metrics written to ``metrics``; the web
    process to scrape them from (the same one for the delivery thread)."""
    env = environment(url, starter, TASKSERVICE_METRICS="prometheus",
                      PROMETHEUS_MULTIPROC_DIR=str(metrics))
    if starter == "worker":
        processes.enter_context(WorkerProcess(tmp_path, env, name="waking"))
        env = {**env, "TASKSERVICE_WEBHOOKS_DELIVERY": "worker"}
    return processes.enter_context(PserveProcess(tmp_path, env, name=f"{starter}-web"))
