"""Firing under load: how long one process takes to queue a second's worth of reminders.

``python -m benchmarks.reminders [--database-url URL] [--armed 100000] [--due 1000]``
seeds the benchmark database (seed.py, 1,000 tasks), adds tasks of the bench user's, each
with one absolute reminder, until ``--armed`` rows of ``task_reminders`` are armed, of
which ``--due`` come due within the same second (T, spread over it) and the rest later
(up to 30 days), subscribes one webhook of the bench user's to every event, and then runs
``taskservice.reminders.firing.fire_due(registry, now=T + 1 s)`` round after round, as
one worker's delivery loop would, until a round fires nothing. It reports the wall time
and process CPU until every due reminder was queued (contract section 14's target: 1,000
of 100,000 within 5 s on one worker), the rounds, and checks that each due reminder was
queued once as a ``task.reminder`` event and nothing else fired.

The rows go in as the app writes them (the reminder's JSON as the task shows it, its
moment, armed), through the models' tables, like the rest of the seed. The app is built
from ``production.ini`` (``delivery = worker``: no thread of its own fires or delivers
meanwhile) on the same database; nothing is delivered, only queued.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pyramid.paster import get_app
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection
from webob import Request

from taskservice.db.session import make_engine
from taskservice.positions import key_between
from taskservice.reminders.models import TASK_REMINDERS
from taskservice.tasks.models import TASKS
from taskservice.tasks.schedule import Schedule
from taskservice.web.representation import timestamp
from taskservice.webhooks.models import EVENTS

from .seed import BATCH, EPOCH, Seeded, seed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET_SECONDS = 5.0
# The later reminders are spread over this span after the due second.
LATER_SPAN = 30 * 86_400
MAX_ROUNDS = 10_000  # a loop that never drains stops here (and the run fails)


@dataclass
class Firing:
    """What one run measured."""

    database: str
    armed: int
    due: int
    queued: int  # task.reminder events queued by the rounds
    seconds: float  # wall time from the first round to the one that queued the last due
    cpu_seconds: float  # this process's CPU over the same rounds (the database's not counted)
    rounds: list[int]  # what each round fired, the last (empty) one included
    still_armed: int

    @property
    def ok(self) -> bool:
        return self.queued == self.due and self.still_armed == self.armed - self.due


def due_second() -> datetime:
    """The second the due reminders fall in: an hour ahead, so setting them arms them."""
    return (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)


def due_moments(due: int, start: datetime) -> list[datetime]:
    """``due`` moments spread over the second from ``start``."""
    return [start + timedelta(microseconds=n * 1_000_000 // due) for n in range(due)]


def later_moments(count: int, start: datetime) -> list[datetime]:
    """``count`` moments from the second after the rounds' ``now`` (``start`` + 1 s) on,
    spread over 30 days."""
    return [start + timedelta(seconds=2 + n * LATER_SPAN // max(count, 1)) for n in range(count)]


def task_row(task_id: int, position: str, at: datetime) -> dict:
    """A task of the bench user's in no list, not done, no due, one absolute reminder."""
    return {
        "id": task_id, "owner_id": 1, "title": f"Reminder at {timestamp(at)}",
        "description": "", "done": False, "priority": 1, **Schedule(None, "UTC").columns(),
        "reminders": [{"at": timestamp(at)}], "tags": [], "created_at": EPOCH,
        "updated_at": EPOCH, "version": 1, "list_id": None, "parent_id": None,
        "position": position, "has_subtasks": False,
    }


def add_reminders(connection: Connection, at: list[datetime]) -> None:
    """One task per moment, each after the bench user's last top-level task in no list,
    and its armed row of ``task_reminders``."""
    tasks = TASKS.c
    next_id = connection.execute(select(func.max(tasks.id))).scalar_one() + 1
    position = connection.execute(select(func.max(tasks.position)).where(
        tasks.owner_id == 1, tasks.list_id.is_(None), tasks.parent_id.is_(None))).scalar_one()
    for start in range(0, len(at), BATCH):
        rows = []
        for n, moment in enumerate(at[start:start + BATCH], start=next_id + start):
            position = key_between(position, None)
            rows.append(task_row(n, position, moment))
        connection.execute(insert(TASKS), rows)
        connection.execute(insert(TASK_REMINDERS), [
            {"task_id": row["id"], "slot": 0, "reminder": row["reminders"][0],
             "scheduled_for": moment, "owner_id": 1, "list_id": None, "armed": True}
            for row, moment in zip(rows, at[start:start + BATCH], strict=True)])
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('tasks', 'id'), (SELECT max(id) FROM tasks))")


def armed_count(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(TASK_REMINDERS).where(
        TASK_REMINDERS.c.armed)).scalar_one()


def reminder_events(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(EVENTS).where(
        EVENTS.c.type == "task.reminder")).scalar_one()


def prepare(url: str, armed: int, due: int, start: datetime) -> Seeded:
    """The seeded database with ``armed - due`` armed reminders from ``start`` + 2 s on
    (the due ones are added by :func:`add_due`), its statistics taken."""
    seeded = seed(url, 1000)
    engine = make_engine(url)
    with engine.begin() as connection:
        already = armed_count(connection)  # the seed's own reminders, in 2030
        if armed - already < due:
            raise SystemExit(f"--armed {armed} leaves no room for {due} due reminders "
                             f"beside the seed's {already}")
        add_reminders(connection, later_moments(armed - already - due, start))
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return seeded


def add_due(url: str, due: int, start: datetime) -> None:
    """The ``due`` reminders of the second from ``start``."""
    engine = make_engine(url)
    with engine.begin() as connection:
        add_reminders(connection, due_moments(due, start))
    engine.dispose()


def subscribe(app, seeded: Seeded) -> None:
    """One webhook of the bench user's on every event (its host is never reached)."""
    request = Request.blank("/webhooks", method="POST",
                            headers={"Authorization": f"Bearer {seeded.token}"})
    request.body = json.dumps({"url": "https://hooks.example.com/reminders",
                               "events": ["*"]}).encode()
    request.content_type = "application/json"
    response = request.get_response(app)
    if response.status_code != 201:
        raise SystemExit(f"POST /webhooks: {response.status}\n{response.text}")


def fire(registry, start: datetime, due: int) -> tuple[list[int], float, float]:
    """Rounds of ``fire_due`` at ``start`` + 1 s until one fires nothing; the wall and CPU
    seconds until the round that brought the count to ``due``."""
    from taskservice.reminders.firing import fire_due

    now = start + timedelta(seconds=1)
    fire_due(registry, now=start - timedelta(minutes=1))  # warm: statements built, none due
    rounds: list[int] = []
    wall, cpu = time.perf_counter(), time.process_time()
    seconds = cpu_seconds = float("nan")
    while len(rounds) < MAX_ROUNDS:
        rounds.append(fire_due(registry, now=now))
        if sum(rounds) >= due and seconds != seconds:  # the first time only (nan != nan)
            seconds = time.perf_counter() - wall
            cpu_seconds = time.process_time() - cpu
        if rounds[-1] == 0:
            break
    return rounds, seconds, cpu_seconds


def built_app(url: str, ini: str):
    """The app of ``ini`` on ``url``."""
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url  # what production.ini's app reads
    try:
        app = get_app(str(ROOT / ini))
    finally:
        if previous is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = previous
    return app


def measure(url: str, armed: int, due: int, ini: str = "production.ini") -> Firing:
    """Rounds of ``fire_due`` at a given ``now``, back to back (see the module docstring)."""
    start = due_second()
    seeded = prepare(url, armed, due, start)
    add_due(url, due, start)
    app = built_app(url, ini)
    subscribe(app, seeded)
    rounds, seconds, cpu_seconds = fire(app.registry, start, due)
    return result(url, armed, due, rounds, seconds, cpu_seconds)


def result(url: str, armed: int, due: int, rounds: list[int], seconds: float,
           cpu_seconds: float) -> Firing:
    engine = make_engine(url)
    with engine.connect() as connection:
        queued, still_armed = reminder_events(connection), armed_count(connection)
    engine.dispose()
    return Firing(database=engine.dialect.name, armed=armed, due=due, queued=queued,
                  seconds=seconds, cpu_seconds=cpu_seconds, rounds=rounds,
                  still_armed=still_armed)


# The loop: the due second starts this long after the worker thread, and the run fails
# when the reminders are not all queued this long after their second.
LOOP_LEAD, LOOP_DEADLINE = timedelta(seconds=3), 30.0


@dataclass
class Loop:
    """What a run of the real delivery loop measured."""

    database: str
    armed: int
    due: int
    queued: int
    first_after: float  # seconds from the second's start to the first event seen queued
    last_after: float  # seconds from the second's end (the last moment) to the last one

    @property
    def ok(self) -> bool:
        return self.queued == self.due


def measure_loop(url: str, armed: int, due: int, ini: str = "production.ini") -> Loop:
    """The real loop: the delivery thread (``runner.start``, as ``delivery = thread``
    runs it) polls while the due reminders' second comes, at the machine's clock; how long
    after it began the first event is queued and after it ended the last (seen by polling
    every 20 ms). The webhook's deliveries are attempted meanwhile and fail (its host is
    not reached), as a real worker's loop would go on delivering."""
    from taskservice.webhooks import runner

    seeded = prepare(url, armed, due, due_second())
    app = built_app(url, ini)
    subscribe(app, seeded)
    engine = make_engine(url)
    first = last = None
    runner.start(app.registry)
    try:
        start = (datetime.now(UTC) + LOOP_LEAD).replace(microsecond=0)
        add_due(url, due, start)
        deadline = time.monotonic() + LOOP_DEADLINE
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                queued = reminder_events(connection)
            now = datetime.now(UTC)
            first = first or (now if queued else None)
            if queued >= due:
                last = now
                break
            time.sleep(0.02)
    finally:
        runner.stop(app.registry)
    engine.dispose()
    return Loop(database=engine.dialect.name, armed=armed, due=due, queued=queued,
                first_after=(first - start).total_seconds() if first else float("nan"),
                last_after=(last - start).total_seconds() - 1 if last else float("nan"))


def loop_summary(loop: Loop) -> str:
    return (f"the delivery loop on {loop.database}: {loop.queued:,} of {loop.due:,} due "
            f"reminders (among {loop.armed:,} armed) queued, the first "
            f"{loop.first_after:.2f} s after their second began, the last "
            f"{loop.last_after:.2f} s after it ended")


def summary(firing: Firing) -> str:
    verdict = ("within" if firing.seconds <= TARGET_SECONDS else "OVER") + \
        f" the {TARGET_SECONDS:.0f} s target"
    check = "each queued once" if firing.ok else \
        f"WRONG: {firing.queued} events queued, {firing.still_armed} still armed"
    return (f"firing on {firing.database}: {firing.due:,} of {firing.armed:,} armed reminders "
            f"due in one second queued in {firing.seconds:.2f} s wall, "
            f"{firing.cpu_seconds:.2f} s CPU of this process "
            f"({firing.seconds / firing.due * 1000:.2f} ms each; {verdict}); "
            f"{len(firing.rounds)} rounds {firing.rounds}; {check}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL (default: $DATABASE_URL, else a new SQLite file)")
    parser.add_argument("--armed", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--ini", default="production.ini")
    parser.add_argument("--loop", action="store_true",
                        help="also run the real delivery loop (a thread, the machine's clock)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/reminders.sqlite"
        firing = measure(url, args.armed, args.due, args.ini)
        print(summary(firing), flush=True)
        loop = measure_loop(url, args.armed, args.due, args.ini) if args.loop else None
    if loop is not None:
        print(loop_summary(loop), flush=True)
    if args.json:
        print(json.dumps({"rounds": asdict(firing), "loop": loop and asdict(loop)}))
    return 0 if firing.ok and (loop is None or loop.ok) else 1


if __name__ == "__main__":
    sys.exit(main())
