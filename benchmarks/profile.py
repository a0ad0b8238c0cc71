"""Profile one request type in-process: ``python -m benchmarks.profile GET /tasks/1``.

Seeds a 1,000-task SQLite database (``--tasks``), builds the app from ``production.ini``,
and calls it directly (no server, no network) N times under cProfile, so the profile shows only the
service's own per-request cost. Prints the time per request and the top functions by
cumulative and by own time; ``--cpu`` prints the CPU time per request without the
profiler instead. For a profile under real load, use
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
from webob import Request

from .seed import Seeded, recurring_task, reminded_task, reminder_block, seed


def build_request(method: str, path: str, seeded: Seeded, body: str | None, n: int) -> Request:
    """``{n}`` in the path becomes a task id, ``{recurring}`` the id of one of the user's
    daily recurring tasks, ``{reminded}`` one of theirs with reminders, ``{<field>}`` that
    field of the seed; ``{n}`` in the body becomes the request's number (so that repeated
    PATCHes each change something), ``{reminded_at}`` the seeded absolute reminder of
    that ``{reminded}`` task and ``{rearm_offset}`` an offset that differs from the
    seeded ones (lua/patch_reminder.lua's body is
    ``{"reminders": [{"offset": {rearm_offset}}, {"offset": 32400}, {"at": "{reminded_at}"}]}``)."""
    for name, value in asdict(seeded).items():
        path = path.replace("{" + name + "}", str(value))
    reminded, reminded_at = reminded_task(n, seeded.tasks)
    path = path.replace("{n}", str(n % 900 + 1))
    path = path.replace("{recurring}", str(recurring_task(n, seeded.tasks)))
    path = path.replace("{reminded}", str(reminded))
    request = Request.blank(path, method=method,
                            headers={"Authorization": f"Bearer {seeded.token}"})
    if body is not None:
        body = body.replace("{reminded_at}", reminded_at)
        # A new offset each time round the block: every request moves the reminder.
        body = body.replace("{rearm_offset}",
                            str(-60 * (n // len(reminder_block(seeded.tasks)) % 50 + 16)))
        request.body = body.replace("{n}", str(n)).encode()
        request.content_type = "application/json"
    return request


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
    parser.add_argument("--cpu", action="store_true",
                        help="no profiler: CPU ms per request, median of 5 batches of n/5")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/profile.sqlite"
        seeded = seed(url, args.tasks)
        if args.quiet:
            seeded = replace(seeded, token=seeded.quiet_token)
        os.environ["DATABASE_URL"] = url
        app = get_app(args.ini)
        if args.webhook:
            subscribe = build_request("POST", "/webhooks", seeded, json.dumps(
                {"url": "https://hooks.example.com/profile", "events": ["*"]}), 0)
            assert subscribe.get_response(app).status_code == 201
        requests = [build_request(args.method, args.path, seeded, args.body, n)
                    for n in range(args.n)]
        for request in requests[:50]:  # warm caches (compiled SQL, reified properties)
            request.copy().get_response(app)
        if args.cpu:
            figures = cpu_ms_per_request(app, requests)
            print(f"{args.method} {args.path}: {statistics.median(figures):.3f} ms CPU per "
                  f"request (median of {', '.join(f'{f:.3f}' for f in figures)})")
        else:
            profile(app, requests, args.top)


if __name__ == "__main__":
    main()
