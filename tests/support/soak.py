"""Soak: minutes of mixed API traffic against ``pserve production.ini``; count every 5xx.

Not part of the pytest run (``tests/system/test_concurrency.py`` runs the same traffic
for seconds). Run it from the repository's root as

    .venv/bin/python -m tests.support.soak [--duration 180] [--workers 8] [--database-url URL]

It starts the server from production.ini unchanged (production argon2 cost included)
on a fresh migrated SQLite file, or on ``--database-url`` (which must be migrated and
disposable), drives it from a pool of client threads over keep-alive connections on
127.0.0.1, and prints the request count, the status counts, the 5xx count and the
server's RSS at start (after warm-up) and end. Exit status 1 on any 5xx, unexpected
status or connection error, or when RSS grew by more than 10 %.

Each client is its own user working on its own tasks (so a 412 or 404 is never
expected), and shares them with the next client (so lists cross users).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.constants import PASSWORD
from tests.support.servers import PserveProcess, migrate

RSS_TOLERANCE = 0.10
WARM_UP_SECONDS = 10.0
# Operation name -> weight; every operation says which statuses are normal for it.
MIX = {
    "create": 20, "read": 25, "patch_if_match": 12, "patch": 6, "list": 15, "search": 4,
    "share": 5, "delete": 5, "me": 4, "heartbeat": 2, "login": 2,
}


@dataclass
class Report:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: int = 0
    unexpected: int = 0
    connection_errors: int = 0
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, operation: str, status: int | None, expected: set[int], detail: Any) -> None:
        with self.lock:
            self.requests += 1
            if status is None:
                self.connection_errors += 1
            else:
                self.statuses[status] += 1
                self.server_errors += status >= 500
                self.unexpected += status not in expected
            if (status is None or status not in expected) and len(self.samples) < 20:
                self.samples.append(f"{operation} -> {status}: {str(detail)[:300]}")

    def summary(self) -> str:
        return (f"{self.requests} requests, 5xx={self.server_errors}, "
                f"unexpected={self.unexpected}, connection errors={self.connection_errors}, "
                f"statuses={dict(sorted(self.statuses.items()))}")


class Connection:
    """A keep-alive HTTP connection that reconnects after any failure."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.http: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: Any = None,
                headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, Any]:
        if self.http is None:
            self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = dict(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.http.request(method, path, body=payload, headers=headers)
            response = self.http.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        is_json = "json" in response.getheader("Content-Type", "")
        decoded = json.loads(raw) if raw and is_json else None
        return response.status, response.headers, decoded

    def close(self) -> None:
        if self.http is not None:
            self.http.close()
            self.http = None


class Client:
    """One user's share of the traffic: its own tasks, a partner to share them with."""

    def __init__(self, port: int, username: str, partner: str, report: Report,
                 seed: int) -> None:
        self.connection = Connection(port)
        self.username = username
        self.partner = partner
        self.report = report
        self.random = random.Random(seed)
        self.headers: dict[str, str] = {}
        self.tasks: dict[str, int] = {}  # id -> version
        self.counter = 0

    def call(self, operation: str, expected: set[int], method: str, path: str,
             body: Any = None, headers: dict | None = None) -> tuple[int | None, Any]:
        try:
            status, _, decoded = self.connection.request(
                method, path, body, {**self.headers, **(headers or {})})
        except (OSError, http.client.HTTPException) as error:
            self.report.record(operation, None, expected, repr(error))
            return None, None
        self.report.record(operation, status, expected, decoded)
        return status, decoded

    def login(self) -> bool:
        """Log in again; the previous token stays in use until a new one is issued."""
        status, body = self.call("login", {201}, "POST", "/tokens",
                                 {"username": self.username, "password": PASSWORD})
        if status == 201:
            self.headers = {"Authorization": f"Bearer {body['token']}"}
        return status == 201

    def some_task(self) -> str | None:
        return self.random.choice(list(self.tasks)) if self.tasks else None

    def step(self, operation: str) -> None:
        task_id = self.some_task()
        if operation == "create" or (task_id is None and operation in {
                "read", "patch_if_match", "patch", "share", "delete"}):
            self.counter += 1
            status, body = self.call("create", {201}, "POST", "/tasks", {
                "title": f"{self.username} task {self.counter}",
                "priority": self.random.choice(["low", "normal", "high", "urgent"]),
                "tags": self.random.sample(["home", "work", "soak", "later"], 2),
            })
            if status == 201:
                self.tasks[body["id"]] = body["version"]
        elif operation == "read":
            self.call(operation, {200}, "GET", f"/tasks/{task_id}")
        elif operation == "patch_if_match":
            status, body = self.call(operation, {200}, "PATCH", f"/tasks/{task_id}",
                                     {"done": self.random.random() < 0.5},
                                     {"If-Match": f'"{self.tasks[task_id]}"'})
            if status == 200:
                self.tasks[task_id] = body["version"]
        elif operation == "patch":
            status, body = self.call(operation, {200}, "PATCH", f"/tasks/{task_id}",
                                     {"description": f"edited {self.counter}"})
            if status == 200:
                self.tasks[task_id] = body["version"]
        elif operation == "list":
            self.call(operation, {200}, "GET", "/tasks?limit=20&sort=-updated_at")
        elif operation == "search":
            self.call(operation, {200}, "GET", "/tasks?q=task&tag=soak&done=false")
        elif operation == "share":
            self.call(operation, {200, 201}, "PUT", f"/tasks/{task_id}/shares/{self.partner}",
                      {"permission": self.random.choice(["view", "edit"])})
        elif operation == "delete":
            status, _ = self.call(operation, {204}, "DELETE", f"/tasks/{task_id}")
            if status == 204:
                del self.tasks[task_id]
        elif operation == "me":
            self.call(operation, {200}, "GET", "/users/me")
        elif operation == "heartbeat":
            self.call(operation, {200}, "GET", "/__heartbeat__")
        elif operation == "login":
            self.login()

    def run(self, deadline: float) -> None:
        operations, weights = zip(*MIX.items(), strict=True)
        while not self.login() and time.monotonic() < deadline:
            time.sleep(0.5)  # counted as a failure already; a client without a token is idle
        while time.monotonic() < deadline:
            self.step(self.random.choices(operations, weights)[0])
        self.connection.close()


def register(port: int, username: str) -> None:
    connection = Connection(port)
    try:
        status, _, body = connection.request("POST", "/users",
                                             {"username": username, "password": PASSWORD})
    finally:
        connection.close()
    if status != 201:
        raise RuntimeError(f"registering {username}: {status} {body}")


def run_traffic(port: int, duration: float, workers: int, prefix: str = "soak") -> Report:
    """``workers`` clients, each its own user, for ``duration`` seconds; their report."""
    report = Report()
    names = [f"{prefix}{index}" for index in range(workers)]
    for name in names:
        register(port, name)
    deadline = time.monotonic() + duration
    clients = [Client(port, name, names[(index + 1) % workers], report, seed=index)
               for index, name in enumerate(names)]
    threads = [threading.Thread(target=client.run, args=(deadline,), daemon=True)
               for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 60)
    return report


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=180.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--database-url", help="a migrated, disposable database")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="taskservice-soak-") as workdir:
        url = args.database_url
        if url is None:
            url = f"sqlite:///{workdir}/soak.sqlite"
            migrate(url)
        server = PserveProcess(Path(workdir), {"DATABASE_URL": url}, name="soak")
        server.start()
        try:
            pid = server.process.pid
            rss_boot = rss_kib(pid)
            warm_up = run_traffic(server.port, WARM_UP_SECONDS, args.workers, prefix="warm")
            rss_start = rss_kib(pid)
            started = time.monotonic()
            report = run_traffic(server.port, args.duration, args.workers)
            elapsed = time.monotonic() - started
            rss_end = rss_kib(pid)
            errors = [line for line in server.output().splitlines()
                      if " ERROR " in line or line.startswith("Traceback")]
        finally:
            server.stop()

    growth = (rss_end - rss_start) / rss_start
    print(f"warm-up ({WARM_UP_SECONDS:.0f}s): {warm_up.summary()}")
    print(f"soak: {report.summary()}")
    print(f"soak: {elapsed:.0f}s, {report.requests / elapsed:.0f} requests/s, "
          f"{args.workers} clients on 127.0.0.1")
    print(f"server RSS: {rss_boot} KiB at boot, {rss_start} KiB after warm-up, "
          f"{rss_end} KiB at end ({growth:+.1%})")
    print(f"server log ERROR lines: {len(errors)}")
    for sample in report.samples:
        print(f"  {sample}")
    failed = (report.server_errors or report.unexpected or report.connection_errors
              or warm_up.server_errors or errors or growth > RSS_TOLERANCE)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
