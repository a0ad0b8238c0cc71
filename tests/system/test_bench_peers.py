"""The benchmark's peers (benchmarks/peers) answer the benchmark's requests as the service
would: each started as the benchmark starts it, on a small seeded database of its own.

They are measured against the service, so a peer that answered 401 or 404 to what the
service serves, or skipped a write, would make a cheap request look like a framework's
cost. The frameworks come with the ``testing`` extra (its ``peers`` part).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from benchmarks.peers import PEERS
from benchmarks.run import RESULTS, free_port, running_command
from benchmarks.seed import OTHER, QUIET, QUIET_TOKEN, TOKEN, USERNAME, seed

TASKS = 50
OWN_TASK, OTHERS_TASK = 1, 10  # seed.py: other's tasks are in a list bench is a member of
BASELINE = "bare WSGI"  # validates nothing, by design (benchmarks/baseline_app.py)


@pytest.fixture(scope="module", params=sorted(PEERS))
def peer(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[str]:
    """The peer's base URL, served as the benchmark serves it (on any core), on a database
    of its own: one peer's writes are not in another's pages."""
    chosen = PEERS[request.param]
    name = "peer-" + chosen.name.replace(" ", "-")
    database = tmp_path_factory.mktemp(name) / "bench.sqlite"
    seed(f"sqlite:///{database}", TASKS)
    RESULTS.mkdir(exist_ok=True)  # where running_command writes the server's log
    port = free_port()
    with running_command(name, chosen.command(port), port, f"0-{(os.cpu_count() or 1) - 1}",
                         chosen.env(str(database))):
        yield f"http://127.0.0.1:{port}"


def call(url: str, method: str = "GET", token: str | None = TOKEN,
         body: dict[str, Any] | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def test_health_needs_no_token(peer: str) -> None:
    assert call(f"{peer}/__lbheartbeat__", token=None) == (200, {})


def test_a_task_of_the_caller_and_of_their_list(peer: str) -> None:
    status, task = call(f"{peer}/tasks/{OWN_TASK}")
    assert status == 200
    assert (task["id"], task["owner"], task["list"]) == (str(OWN_TASK), USERNAME, None)
    status, task = call(f"{peer}/tasks/{OTHERS_TASK}")
    assert status == 200
    assert task["owner"] != USERNAME and task["list"] is not None


def test_an_unknown_token_is_401_and_anothers_task_404(peer: str) -> None:
    assert call(f"{peer}/tasks/{OWN_TASK}", token="not-a-token")[0] == 401
    assert call(f"{peer}/tasks/{OWN_TASK}", token=None)[0] == 401
    assert call(f"{peer}/tasks/{OWN_TASK}", token=QUIET_TOKEN)[0] == 404


def test_the_first_page_is_the_callers_newest_tasks(peer: str) -> None:
    status, page = call(f"{peer}/tasks?limit=20")
    assert status == 200
    keys = [(datetime.fromisoformat(task["created_at"]), int(task["id"]))
            for task in page["items"]]
    assert len(keys) == 20 and keys == sorted(keys, reverse=True)
    assert page["next_cursor"]
    assert {task["owner"] for task in page["items"]} == {USERNAME, OTHER}  # own, the list's
    status, page = call(f"{peer}/tasks?limit=20", token=QUIET_TOKEN)
    assert status == 200 and {task["owner"] for task in page["items"]} == {QUIET}


def test_a_created_task_is_stored_with_its_tags(peer: str) -> None:
    body = {"title": "Benchmark task 1", "priority": "high", "tags": ["bench", "t3"],
            "description": "Created under load."}
    status, task = call(f"{peer}/tasks", "POST", body=body)
    assert status == 201
    assert (task["title"], task["priority"], task["tags"], task["version"]) == (
        "Benchmark task 1", "high", ["bench", "t3"], 1)
    assert call(f"{peer}/tasks/{task['id']}")[1] == task
    # Positions are unique among the caller's top-level tasks: a second create must pass.
    assert call(f"{peer}/tasks", "POST", body=body)[0] == 201


def test_a_creation_is_validated(peer: str, request: pytest.FixtureRequest) -> None:
    """The framework peers validate as the service does; the bare baseline, by design, not
    (benchmarks/baseline_app.py): it is checked to answer, without asserting a 400."""
    if request.node.callspec.params["peer"] == BASELINE:
        assert call(f"{peer}/tasks", "POST", body={"title": "x"})[0] == 201
        return
    assert call(f"{peer}/tasks", "POST", body={"description": "no title"})[0] in (400, 422)
    assert call(f"{peer}/tasks", "POST", body={"title": "x", "priority": "huge"})[0] in (
        400, 422)


def test_a_patch_changes_the_task_and_bumps_its_version(peer: str) -> None:
    before = call(f"{peer}/tasks/{OWN_TASK + 1}")[1]
    status, task = call(f"{peer}/tasks/{OWN_TASK + 1}", "PATCH",
                        body={"done": not before["done"], "title": "Patched 1"})
    assert status == 200
    assert (task["title"], task["done"], task["version"]) == (
        "Patched 1", not before["done"], before["version"] + 1)
    assert task["updated_at"] > before["updated_at"]
    assert call(f"{peer}/tasks/{OWN_TASK + 1}")[1] == task
