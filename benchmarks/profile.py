"""Profile one request type in-process: ``python -m benchmarks.profile GET /tasks/1``.

Seeds a 1,000-task SQLite database, builds the app from ``production.ini``, and calls it
directly (no server, no network) N times under cProfile, so the profile shows only the
service's own per-request cost. Prints the time per request and the top functions by
cumulative and by own time. For a profile under real load, use
``py-spy record --pid <server pid>`` while ``make bench`` runs.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import tempfile
import time

from pyramid.paster import get_app
from webob import Request

from .seed import seed


def build_request(method: str, path: str, token: str, body: str | None, n: int) -> Request:
    request = Request.blank(path.replace("{n}", str(n % 900 + 1)), method=method,
                            headers={"Authorization": f"Bearer {token}"})
    if body is not None:
        request.body = body.encode()
        request.content_type = "application/json"
    return request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("method")
    parser.add_argument("path", help="{n} is replaced by a task id that changes per request")
    parser.add_argument("--body")
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--ini", default="production.ini")
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/profile.sqlite"
        token = seed(url, 1000).token
        os.environ["DATABASE_URL"] = url
        app = get_app(args.ini)
        requests = [build_request(args.method, args.path, token, args.body, n)
                    for n in range(args.n)]
        for request in requests[:50]:  # warm caches (compiled SQL, reified properties)
            request.copy().get_response(app)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for request in requests:
            response = request.get_response(app)
        profiler.disable()
        elapsed = time.perf_counter() - started
    print(f"{response.status}; {elapsed / args.n * 1000:.3f} ms per request (under cProfile)")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
