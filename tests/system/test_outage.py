"""The database goes away under traffic and comes back: 503s, no 500, no restart, no loss.

A private PostgreSQL cluster (never the machine's shared server), a real ``pserve
production.ini`` on it, and client threads creating tasks the whole time. While the
cluster is stopped every request must be a 503 with ``Retry-After``; once it is back
the same server process must serve again within seconds, with no restart -- SQLAlchemy
drops the pool's dead connections on the first disconnect error it sees. Afterwards
the database must hold exactly the tasks whose creation was answered 201.

This runs in the SQLite suite run too: the cluster is the test's own either way, and
the test fails (never skips) when the PostgreSQL server binaries are missing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.load import ApiUser, error_lines, start_server
from tests.support.servers import PrivatePostgres, PserveProcess, migrate, private_cluster

CLIENTS = 4
HEALTHY_SECONDS = 1.0
OUTAGE_SECONDS = 2.0
# A correctness bound (the service heals itself), not a speed target.
RECOVERY_BOUND = 20.0
POLL_INTERVAL = 0.1


@dataclass
class Outcome:
    title: str
    status: int | None  # None: no HTTP answer at all
    retry_after: str | None = None
    task_id: str | None = None


@dataclass
class Traffic:
    """Client threads creating uniquely titled tasks until stopped; every outcome kept."""

    user: ApiUser
    outcomes: list[Outcome] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self.threads = [threading.Thread(target=self._create_tasks, args=(client,))
                        for client in range(CLIENTS)]
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _create_tasks(self, client: int) -> None:
        number = 0
        while not self.stopping.is_set():
            number += 1
            title = f"outage {client}-{number}"
            try:
                status, headers, body = self.user.request("POST", "/tasks", {"title": title})
            except OSError:
                self.outcomes.append(Outcome(title, None))
                continue
            self.outcomes.append(Outcome(title, status, headers.get("Retry-After"),
                                         body.get("id") if status == 201 else None))
            time.sleep(0.01)

    def with_status(self, status: int | None) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status == status]


@pytest.fixture
def cluster() -> Iterator[PrivatePostgres]:
    with private_cluster() as cluster:
        migrate(cluster.url)
        yield cluster


@pytest.fixture
def server(tmp_path: Path, cluster: PrivatePostgres) -> Iterator[PserveProcess]:
    server = start_server(tmp_path, cluster.url)
    try:
        yield server
    finally:
        server.stop()


def stored_titles(database_url: str) -> dict[str, str]:
    """Title -> id of every task in the database, read directly (not through the API)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT title, id FROM tasks")).all()
    finally:
        engine.dispose()
    return {title: str(task_id) for title, task_id in rows}


def assert_unavailable(response: tuple[int, dict, object]) -> None:
    status, headers, body = response
    assert status == 503, body
    assert int(headers["Retry-After"]) >= 1
    assert body["request_id"] == headers["X-Request-Id"]


def wait_until_served(user: ApiUser) -> float:
    """Seconds until an authenticated read succeeds again, polling; fails past the bound."""
    started = time.monotonic()
    while time.monotonic() - started < RECOVERY_BOUND:
        status, _, _ = user.request("GET", "/tasks?limit=1")
        if status == 200:
            return time.monotonic() - started
        assert status == 503
        time.sleep(POLL_INTERVAL)
    pytest.fail(f"the service did not recover within {RECOVERY_BOUND}s of the database")


def test_database_outage_under_traffic(cluster, server):
    user = ApiUser.register(server.port, "survivor")
    traffic = Traffic(user)
    traffic.start()
    try:
        time.sleep(HEALTHY_SECONDS)
        cluster.stop()
        time.sleep(0.3)  # let the traffic meet the dead pool first
        assert_unavailable(user.request("POST", "/tasks", {"title": "during the outage"}))
        assert_unavailable(user.request("GET", "/tasks"))
        assert_unavailable(server.request("GET", "/__heartbeat__"))
        time.sleep(OUTAGE_SECONDS)
        cluster.start()
        recovery = wait_until_served(user)
        print(f"\nrecovered {recovery:.2f}s after the database was back")
        assert server.request("GET", "/__heartbeat__")[0] == 200
        time.sleep(HEALTHY_SECONDS)  # traffic succeeds again on the healed pool
    finally:
        traffic.stop()

    statuses = sorted({outcome.status for outcome in traffic.outcomes}, key=str)
    print(f"traffic: {len(traffic.outcomes)} POSTs, {len(traffic.with_status(201))}x201, "
          f"{len(traffic.with_status(503))}x503, statuses {statuses}")
    assert set(statuses) == {201, 503}  # never a 500, never a dropped connection
    assert all(outcome.retry_after for outcome in traffic.with_status(503))
    assert traffic.outcomes[-1].status == 201

    stored = stored_titles(cluster.url)
    created = {outcome.title: outcome.task_id for outcome in traffic.with_status(201)}
    refused = {outcome.title for outcome in traffic.with_status(503)}
    assert {title: stored.get(title) for title in created} == created  # nothing lost
    assert refused & set(stored) == set()  # nothing half-written
    assert "during the outage" not in stored
    assert error_lines(server.output()) == []
