"""Every server section of production.ini, as ops pick one: ``pserve --server-name=<name>``.

Each must start on the port given as ``http_port=`` and serve the ini's application: the
load balancer's heartbeat, and a user's requests with a bearer token. granian's runner is
the package's own (taskservice/serving.py) and loads the application in every worker:
with the rate-limit counters on Redis, every one of several workers must serve it, and one
killed must be replaced; with them in memory://, several workers are refused.
"""

from __future__ import annotations

import configparser
import os
import signal
import time
from pathlib import Path

import pytest

from tests.support.constants import FAST_HASHING, ROOT
from tests.support.database import migrated_database
from tests.support.load import ApiUser, concurrently
from tests.support.servers import (
    SERVER_SECTIONS,
    PserveProcess,
    run_pserve_to_exit,
    server_section,
)

# Requests sent, a batch at a time, before giving up on every granian worker serving one.
REQUEST_BUDGET = 400
BATCH = 8
# A correctness bound on granian replacing a killed worker, not a speed target.
RESPAWN_BOUND = 30.0


# Several granian workers, counting on a Redis database of their own (the shared server's).
WORKERS = 2
SHARED_COUNTERS = {"TASKSERVICE_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/14"}


def serve(tmp_path: Path, name: str, workers: int | None = None) -> PserveProcess:
    env = {"DATABASE_URL": migrated_database(tmp_path / "servers.sqlite"), **FAST_HASHING}
    variables: tuple[str, ...] = ()
    if workers is not None:
        env.update(SHARED_COUNTERS)
        variables = (f"granian_workers={workers}",)
    return PserveProcess(tmp_path, env, name=name, options=server_section(name),
                         variables=variables)


@pytest.mark.parametrize("name", SERVER_SECTIONS)
def test_each_server_section_serves_the_app(tmp_path, name):
    with serve(tmp_path, name) as server:
        status, _, body = server.request("GET", "/__lbheartbeat__")
        assert (status, body) == (200, {})
        user = ApiUser.register(server.port, "operator")
        task = user.create_task(f"served by {name}")
        status, _, body = user.request("GET", f"/tasks/{task['id']}")
        assert (status, body["title"]) == (200, f"served by {name}")
        assert server.request("GET", f"/tasks/{task['id']}")[0] == 401


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def has_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` holds ``path`` open (its own database connection)."""
    for fd in os.scandir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(fd.path) == str(path):
                return True
        except OSError:
            continue
    return False


def granian_workers() -> int:
    ini = configparser.RawConfigParser()
    ini.read(ROOT / "production.ini")
    return int(ini.defaults()["granian_workers"])  # [server:granian]'s get workers


def test_granian_runs_the_ini_s_worker_count(tmp_path):
    with serve(tmp_path, "granian") as server:
        assert len(children(server.process.pid)) == granian_workers()


def test_several_granian_workers_are_refused_while_counters_live_in_memory(tmp_path):
    env = {"DATABASE_URL": migrated_database(tmp_path / "servers.sqlite"), **FAST_HASHING}
    result = run_pserve_to_exit(env, options=server_section("granian"),
                                variables=(f"granian_workers={WORKERS}",))
    assert result.returncode != 0
    assert "taskservice.ratelimit.storage = memory://" in result.stderr, result.stderr


def test_granian_serves_from_every_worker(tmp_path):
    database = tmp_path / "servers.sqlite"
    with serve(tmp_path, "granian", WORKERS) as server:
        user = ApiUser.register(server.port, "operator")
        pids = children(server.process.pid)
        assert len(pids) == WORKERS
        for _ in range(REQUEST_BUDGET // BATCH):  # until each worker has served a request
            if all(has_open(pid, database) for pid in pids):
                break
            statuses = concurrently(BATCH, lambda _: user.request("GET", "/tasks")[0])
            assert statuses == [200] * BATCH
        assert [pid for pid in pids if not has_open(pid, database)] == []


def test_a_killed_granian_worker_is_replaced(tmp_path):
    with serve(tmp_path, "granian", WORKERS) as server:
        killed = children(server.process.pid)[0]
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + RESPAWN_BOUND
        while time.monotonic() < deadline:
            now = children(server.process.pid)
            if len(now) == WORKERS and killed not in now:
                break
            time.sleep(0.2)
        now = children(server.process.pid)
        assert len(now) == WORKERS and killed not in now, server.output()
        assert server.process.poll() is None
        assert server.request("GET", "/__lbheartbeat__")[0] == 200


def test_granian_workers_end_with_a_killed_server(tmp_path):
    """SIGKILL gives granian's main process no time to stop its workers: they must not be
    left serving (each asked the kernel for a SIGKILL when the server ends)."""
    with serve(tmp_path, "granian", WORKERS) as server:
        workers = children(server.process.pid)
        assert len(workers) == WORKERS
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=RESPAWN_BOUND)
        deadline = time.monotonic() + RESPAWN_BOUND
        while time.monotonic() < deadline and any(alive(pid) for pid in workers):
            time.sleep(0.1)
        assert [pid for pid in workers if alive(pid)] == []


def alive(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
