"""Subtasks and manual order (contract section 13) made and read through the API.

Trees of tasks (``chain``, ``create_subtask``), task shares, ``POST /tasks/<id>/move``,
a task's history, and siblings in the contract's order: by ``position`` in byte order,
ties by id (``in_order``), computed from what the API shows, never from the SQL under test.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import webtest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taskservice.changes.models import Change
from tests.support.api import Client, create_task, send_json
from tests.support.listing import ids, walk

# The contract's bound on a position's length (section 13).
MAX_POSITION = 64
# How deep a tree may be: a task, its subtask, theirs, theirs.
MAX_DEPTH = 4


def create_subtask(client: Client, parent_id: str, **fields: Any) -> dict:
    """A subtask of ``parent_id`` made by ``client`` (201 or the test fails), as returned."""
    return create_task(client, parent=parent_id, **fields)


def chain(client: Client, depth: int, **fields: Any) -> list[dict]:
    """A top-level task and ``depth - 1`` subtasks, each under the one before, all made by
    ``client`` with ``fields``. A ``list`` is sent for every level (each subtask names its
    parent's list, as a client may): the tests that build trees are not about whether a
    subtask created without ``list`` lands in its parent's (test_subtasks.py is)."""
    tasks = [create_task(client, title="level 1", **fields)]
    for level in range(2, depth + 1):
        tasks.append(create_subtask(client, tasks[-1]["id"], title=f"level {level}", **fields))
    return tasks


def share_task(owner: Client, task_id: str, username: str, permission: str,
               status: int = 201) -> dict:
    """``owner`` (or anyone allowed) shares the task with ``username`` as ``permission``."""
    return owner.testapp.put_json(f"/tasks/{task_id}/shares/{username}",
                                  {"permission": permission}, headers=owner.headers,
                                  status=status).json


def move(client: Client, task_id: str, body: Any, status: int | str = 200,
         headers: dict | None = None) -> webtest.TestResponse:
    """``POST /tasks/<id>/move`` with ``body`` (raw when bytes or a string) as ``client``."""
    return send_json(client.testapp, "POST", f"/tasks/{task_id}/move", body,
                     {**client.headers, **(headers or {})}, status)


def patch(client: Client, task_id: str, body: Any, status: int | str = 200,
          headers: dict | None = None) -> webtest.TestResponse:
    """``PATCH /tasks/<id>`` with ``body`` as ``client``, expecting ``status``."""
    return send_json(client.testapp, "PATCH", f"/tasks/{task_id}", body,
                     {**client.headers, **(headers or {})}, status)


def read(client: Client, task_id: str) -> dict:
    """The task as ``client`` sees it now (200 or the test fails)."""
    return client.testapp.get(f"/tasks/{task_id}", headers=client.headers, status=200).json


def is_gone(client: Client, task_id: str) -> bool:
    """``GET /tasks/<id>`` is a 404 for ``client``."""
    status = client.testapp.get(f"/tasks/{task_id}", headers=client.headers, status="*")
    return status.status_int == 404


def history(client: Client, task_id: str) -> list[dict]:
    """The task's history entries, newest first (one page of up to 100)."""
    body = client.testapp.get(f"/tasks/{task_id}/history", {"limit": "100"},
                              headers=client.headers, status=200).json
    assert body["next_cursor"] is None
    return body["items"]


def history_rows(dbsession: Session, task_id: str) -> int:
    """How many history rows the database still holds for the task."""
    return dbsession.scalar(select(func.count()).select_from(Change)
                            .where(Change.task_id == int(task_id))) or 0


def listed(client: Client, params: dict[str, Any], path: str = "/tasks",
           limit: int = 100) -> list[dict]:
    """Every task of a listing, page after page (``GET /tasks`` or a list's tasks)."""
    return walk(client.testapp, client, params, limit, path=path)


def children(client: Client, parent_id: str) -> list[str]:
    """The ids of a task's direct subtasks, in their order, as ``client`` lists them."""
    return ids(listed(client, {"parent": parent_id, "sort": "position"}))


def in_order(tasks: Iterable[dict]) -> list[dict]:
    """The contract's ``sort=position``: by position in byte order, ties by id."""
    return sorted(tasks, key=lambda task: (task["position"].encode("utf-8"), int(task["id"])))


def changed_fields(before: dict, after: dict) -> set[str]:
    """The fields of a task whose values differ between two of its representations."""
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
