"""Another user's ``POST /tasks`` while three users run batches of password changes.

Issue 24, #3: on SQLite an atomic batch of password changes held the process's write turn
through two argon2 runs per sub-request, and every other writer waited for it. This
starts ``pserve production.ini`` (waitress, 8 threads, the production argon2 cost) on a
fresh SQLite file, measures one user's creates alone, then again while three other users
send batch after batch of password changes, and prints the creates' latencies::

    .venv/bin/python -m benchmarks.password_stall                 # atomic batches
    .venv/bin/python -m benchmarks.password_stall --non-atomic

``--root`` serves another checkout's code and ini (``git archive main | tar -x -C DIR``):
that is how the figures before the fix were taken. Where atomic batches of password
changes are refused (400), the script says so and measures nothing for them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORDS = ("correct horse battery", "battery staple horse")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(port: int, method: str, path: str, body: Any = None,
         token: str | None = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        connection.close()


def user(port: int, name: str) -> str:
    credentials = {"username": name, "password": PASSWORDS[0]}
    assert call(port, "POST", "/users", credentials)[0] == 201
    status, body = call(port, "POST", "/tokens", credentials)
    assert status == 201, body
    return str(body["token"])


def changes(count: int) -> list[dict[str, Any]]:
    """``count`` password changes back and forth, each valid after the one before."""
    return [{"method": "PATCH", "path": "/users/me",
             "body": {"current_password": PASSWORDS[n % 2], "password": PASSWORDS[(n + 1) % 2]}}
            for n in range(count)]


def creates(port: int, token: str, seconds: float) -> tuple[list[float], list[int]]:
    """Milliseconds of each ``POST /tasks``, one after the other, for ``seconds``, and
    the status of each that failed."""
    latencies, failures, deadline = [], [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        status = call(port, "POST", "/tasks", {"title": "measured"}, token)[0]
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 201:
            failures.append(status)
    return latencies, failures


def changer(port: int, token: str, atomic: bool, size: int, stop: threading.Event,
            outcomes: list[int]) -> None:
    batch = {"requests": changes(size), "atomic": atomic}
    while not stop.is_set():
        outcomes.append(call(port, "POST", "/batch", batch, token)[0])


def summary(name: str, measured: tuple[list[float], list[int]]) -> str:
    latencies, failures = measured
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (f"| {name} | {len(ordered)} | {statistics.median(ordered):.1f} | {p95:.1f} "
            f"| {ordered[-1]:.1f} | {len(failures)} {sorted(set(failures))} |")


def start(root: Path, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    url = f"sqlite:///{workdir / 'stall.sqlite'}"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(root / "src"),
           "TASKSERVICE_LOGIN_RATELIMIT": ""}
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "alembic"), "-c", "production.ini", "upgrade", "head"],
                   cwd=root, env=env, check=True, capture_output=True)
    port = free_port()
    log = open(workdir / "server.log", "wb")  # noqa: SIM115 (kept open while it runs)
    server = subprocess.Popen([str(bin_dir / "pserve"), "production.ini", f"http_port={port}"],
                              cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            call(port, "GET", "/__lbheartbeat__")
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"the server did not start: see {workdir / 'server.log'}")


def run(args: argparse.Namespace, port: int) -> None:
    other = user(port, "other")
    changers = [user(port, f"changer{n}") for n in range(3)]
    atomic = not args.non_atomic
    status, body = call(port, "POST", "/batch", {"requests": changes(2), "atomic": atomic},
                        changers[0])
    if status != 200:
        print(f"A {'non-' * (not atomic)}atomic batch of password changes: {status} "
              f"{json.dumps(body)}")
        return
    alone = creates(port, other, args.seconds)
    stop, outcomes = threading.Event(), []
    threads = [threading.Thread(target=changer, args=(port, token, atomic, args.size, stop,
                                                      outcomes)) for token in changers]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the first batches are running
    loaded = creates(port, other, args.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    kind = "atomic" if atomic else "non-atomic"
    print(f"POST /tasks latency (ms), three users sending {kind} batches of {args.size} "
          f"password changes ({len(outcomes)} batches, statuses {sorted(set(outcomes))}):\n")
    print("| while | creates | p50 | p95 | max | failed |\n|---|---:|---:|---:|---:|---|")
    print(summary("alone", alone))
    print(summary(f"three users' {kind} batches", loaded))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--non-atomic", action="store_true", help="batches with atomic: false")
    parser.add_argument("--size", type=int, default=10, help="password changes per batch")
    parser.add_argument("--seconds", type=float, default=10.0, help="of creates, each phase")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="password-stall-") as workdir:
        server, port = start(args.root.resolve(), Path(workdir))
        try:
            run(args, port)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
