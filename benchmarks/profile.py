"""Profile one request type in-process: ``python -m benchmarks.profile GET /tasks/1``.

Seeds a 1,000-task SQLite database (``--tasks``; ``--database-url`` another, emptied
first), builds the app from ``production.ini``, and calls it directly (no server, no
network) N times under cProfile, so the profile shows only the service's own per-request
cost. Prints the time per request and the top functions by
cumulative and by own time; ``--cpu`` prints the CPU time per request without the
profiler instead, and ``--cpu --against limited`` (or ``basic``) the same requests made
with another credential (``--credential``) in alternating batches, each way's CPU and
Python calls per request; ``--statements`` the SQL statements each request sends (a
count per request and each distinct statement's). For a profile under real load, use
``py-spy record --pid <server pid>`` while ``make bench`` runs.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import tempfile
import time
from dataclasses import asdict, replace

from pyramid.paster import get_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from webob import Request

from .seed import (
    LIST_ID,
    Seeded,
    app_password,
    owner_of,
    recurring_task,
    reminded_task,
    reminder_block,
    seed,
)

# The Authorization header each way of calling sends (contract section 15): the bench
# user's unrestricted token, their list-limited one (seed.py), or the first as an app
# password in Basic.
CREDENTIALS = {
    "bearer": lambda seeded: f"Bearer {seeded.token}",
    "limited": lambda seeded: f"Bearer {seeded.limited_token}",
    "basic": lambda seeded: app_password(seeded.username, seeded.token),
}


def build_request(method: str, path: str, seeded: Seeded, body: str | None, n: int,
                  credential: str = "bearer") -> Request:
    """``{n}`` in the path becomes a task id, ``{in_list}`` the id of a task in other's
    list (``LIST_ID``, which bench reaches as a member), ``{recurring}`` the id of one of
    the user's daily recurring tasks, ``{reminded}`` one of theirs with reminders,
    ``{<field>}`` that field of the seed; ``{n}`` in the body becomes the request's number
    (so that repeated PATCHes each change something), ``{reminded_at}`` the seeded
    absolute reminder of that ``{reminded}`` task and ``{rearm_offset}`` an offset that
    differs from the seeded ones (lua/patch_reminder.lua's body is
    ``{"reminders": [{"offset": {rearm_offset}}, {"offset": 32400}, {"at": "{reminded_at}"}]}``)."""
    for name, value in asdict(seeded).items():
        path = path.replace("{" + name + "}", str(value))
    reminded, reminded_at = reminded_task(n, seeded.tasks)
    path = path.replace("{n}", str(n % 900 + 1))
    path = path.replace("{in_list}", str(list_task(n, seeded.tasks)))
    path = path.replace("{recurring}", str(recurring_task(n, seeded.tasks)))
    path = path.replace("{reminded}", str(reminded))
    request = Request.blank(path, method=method,
                            headers={"Authorization": CREDENTIALS[credential](seeded)})
    if body is not None:
        body = body.replace("{reminded_at}", reminded_at)
        # A new offset each time round the block: every request moves the reminder.
        body = body.replace("{rearm_offset}",
                            str(-60 * (n // len(reminder_block(seeded.tasks)) % 50 + 16)))
        request.body = body.replace("{n}", str(n)).encode()
        request.content_type = "application/json"
    return request


def list_task(n: int, total: int) -> int:
    """The ``n``-th task of other's list (``LIST_ID``: every tenth id), going round them."""
    task_id = (n % (total // 10) + 1) * 10
    assert owner_of(task_id) == 2, f"task {task_id} is not in list {LIST_ID}"
    return task_id


def cpu_ms_per_request(app, requests: list[Request], batches: int = 5) -> list[float]:
    """Process CPU milliseconds per request of each batch, without a profiler.

    CPU time, not wall time, so a busy machine changes the figures less; for the
    before/after figures of a change.
    """
    size = len(requests) // batches
    figures = []
    for start in range(0, size * batches, size):
        started = time.process_time()
        for request in requests[start:start + size]:
            request.get_response(app)
        figures.append((time.process_time() - started) / size * 1000)
    return figures


def calls_per_request(app, requests: list[Request]) -> float:
    """Python function calls per request (cProfile's count): what does not depend on the
    machine, to read next to the CPU figures."""
    profiler = cProfile.Profile()
    profiler.enable()
    for request in requests:
        request.get_response(app)
    profiler.disable()
    return pstats.Stats(profiler).total_calls / len(requests)  # type: ignore[attr-defined]


def compare(app, each: dict[str, list[Request]], batches: int) -> str:
    """The same requests made each way in turn, batch by batch (A B A B ...), so that the
    machine's noise hits every way alike: each way's median CPU ms per request, its ratio
    to the first way's, and its Python calls per request (a batch more, profiled)."""
    size = len(next(iter(each.values()))) // (batches + 1)
    figures: dict[str, list[float]] = {way: [] for way in each}
    for start in range(0, size * batches, size):
        for way, requests in each.items():
            figures[way] += cpu_ms_per_request(app, requests[start:start + size], 1)
    medians = {way: statistics.median(values) for way, values in figures.items()}
    first = next(iter(medians.values()))
    calls = {way: calls_per_request(app, requests[size * batches:])
             for way, requests in each.items()}
    return "; ".join(
        f"{way} {medians[way]:.3f} ms ({medians[way] / first:.2f}×; batches "
        f"{', '.join(f'{f:.2f}' for f in figures[way])}), {calls[way]:,.0f} calls"
        for way in each)


def statements_per_request(app, requests: list[Request]) -> str:
    """The SQL statements the requests send (every engine's, as the driver gets them,
    BEGIN and COMMIT excepted): how many per request, then each distinct one's count per
    request, most frequent first, cut to its first line."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(" ".join(statement.split())[:160])

    event.listen(Engine, "before_cursor_execute", record)
    try:
        for request in requests:
            request.get_response(app)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    counts: dict[str, int] = {}
    for statement in sent:
        counts[statement] = counts.get(statement, 0) + 1
    lines = [f"{len(sent) / len(requests):.2f} statements per request"]
    lines += [f"  {count / len(requests):5.2f}  {statement}"
              for statement, count in sorted(counts.items(), key=lambda item: -item[1])]
    return "\n".join(lines)


def profile(app, requests: list[Request], top: int) -> None:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for request in requests:
        response = request.get_response(app)
    profiler.disable()
    elapsed = time.perf_counter() - started
    per_request = elapsed / len(requests) * 1000
    print(f"{response.status}; {per_request:.3f} ms per request (under cProfile)")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("method")
    parser.add_argument("path", help="{n} is replaced by a task id that changes per request, "
                        "{recurring} by a recurring task's, {sync_token}, {list_id} ... by "
                        "the seed's values")
    parser.add_argument("--body")
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--ini", default="production.ini")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--webhook", action="store_true",
                        help="with one webhook of the user's subscribed to every event "
                             "(production.ini delivers by worker: nothing is delivered)")
    parser.add_argument("--tasks", type=int, default=1000, help="tasks to seed")
    parser.add_argument("--quiet", action="store_true",
                        help="as the quiet user (seed.py: three reminders of their own among "
                             "everyone's), not as bench")
    parser.add_argument("--database-url",
                        help="seed and serve this database (emptied first: PostgreSQL's "
                             "CPU is not counted, only this process's) instead of a "
                             "SQLite file of its own")
    parser.add_argument("--cpu", action="store_true",
                        help="no profiler: CPU ms per request, median of 5 batches of n/5")
    parser.add_argument("--statements", action="store_true",
                        help="no profiler: the SQL statements per request, and each "
                             "distinct one's count per request")
    parser.add_argument("--credential", choices=CREDENTIALS, default="bearer",
                        help="how bench calls: their unrestricted token (bearer), their "
                             "list-limited one (limited), or the first in Basic (basic)")
    parser.add_argument("--against", choices=CREDENTIALS, action="append", default=[],
                        help="with --cpu: the same requests made this way too, in "
                             "alternating batches (10 of n/11 each, and one profiled for "
                             "the calls); repeatable")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/profile.sqlite"
        seeded = seed(url, args.tasks)
        if args.quiet:
            seeded = replace(seeded, token=seeded.quiet_token)
        os.environ["DATABASE_URL"] = url
        app = get_app(args.ini)
        if args.webhook:
            subscribe = build_request("POST", "/webhooks", seeded, json.dumps(
                {"url": "https://hooks.example.com/profile", "events": ["*"]}), 0)
            assert subscribe.get_response(app).status_code == 201
        each = {way: [build_request(args.method, args.path, seeded, args.body, n, way)
                      for n in range(args.n)]
                for way in dict.fromkeys([args.credential, *args.against])}
        for requests in each.values():
            for request in requests[:50]:  # warm caches (compiled SQL, reified properties)
                request.copy().get_response(app)
        requests = each[args.credential]
        if args.cpu and args.against:
            print(f"{args.method} {args.path}: {compare(app, each, batches=10)}")
        elif args.statements:
            print(f"{args.method} {args.path}: {statements_per_request(app, requests)}")
        elif args.cpu:
            figures = cpu_ms_per_request(app, requests)
            print(f"{args.method} {args.path}: {statistics.median(figures):.3f} ms CPU per "
                  f"request (median of {', '.join(f'{f:.3f}' for f in figures)})")
        else:
            profile(app, requests, args.top)


if __name__ == "__main__":
    main()
