"""Metrics added up over the worker processes of a machine: gunicorn with two workers.

In prometheus_client's multiprocess mode each worker writes its counts to files in
``PROMETHEUS_MULTIPROC_DIR``; whichever worker answers a scrape reports them all.
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.constants import ROOT
from tests.support.database import migrated_database
from tests.support.metrics import parse_samples, scrape, total, value
from tests.support.servers import (
    START_TIMEOUT,
    free_port,
    http_request,
    server_environment,
    stop_process,
)

REQUESTS = 60
HEARTBEAT = "/__heartbeat__"


def wait_until_listening(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            http_request(port, "GET", "/__lbheartbeat__")
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer within {START_TIMEOUT}s:\n{log.read_text()}")


@pytest.fixture
def gunicorn(tmp_path: Path):
    """``gunicorn --paste production.ini -w 2`` with metrics on, in multiprocess mode."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left by an earlier run")  # on_starting: gone
    port = free_port()
    env = server_environment({
        "DATABASE_URL": migrated_database(tmp_path / "metrics.sqlite"),
        "TASKSERVICE_METRICS": "prometheus",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    })
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:taskservice.metrics.gunicorn_hooks",
             "--paste", "production.ini", "-w", "2", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    try:
        wait_until_listening(process, port, log)
        yield port, metrics_dir
    finally:
        stop_process(process)


def worker_pids(metrics_dir: Path) -> set[str]:
    """The processes that counted something (prometheus_client names files by pid)."""
    return {path.stem.rsplit("_", 1)[1] for path in metrics_dir.glob("counter_*.db")}


def test_counts_add_up_over_two_gunicorn_workers(gunicorn):
    port, metrics_dir = gunicorn
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: http_request(port, "GET", HEARTBEAT)[0],
                                 range(REQUESTS)))
    assert statuses == [200] * REQUESTS
    assert len(worker_pids(metrics_dir)) == 2, "both workers should have served requests"
    # Whichever worker answers a scrape, the totals are the machine's.
    scrapes = [parse_samples(scrape(port)) for _ in range(4)]
    for samples in scrapes:
        assert value(samples, "taskservice_http_requests_total", method="GET",
                     route=HEARTBEAT, status="200") == REQUESTS
        assert value(samples, "taskservice_http_request_duration_seconds_count",
                     method="GET", route=HEARTBEAT) == REQUESTS
        assert total(samples, "taskservice_http_requests_total", route="/__lbheartbeat__") >= 1
    # Each scrape counts the ones before it, whichever worker answered them.
    counted = [value(s, "taskservice_http_requests_total", method="GET", route="/__metrics__",
                     status="200") or 0 for s in scrapes]
    assert counted == [0, 1, 2, 3]
