"""A round trip through the Python client openapi-python-client generates from /__api__.

Written as a consumer would write it: register, log in, create a task, list with a
filter and a sort, PATCH with If-Match, and handle the 412 a stale ETag gets. Values go
from one call to the next with the generated types (the created task's priority is the
list filter and the PATCH's), so ``mypy --strict`` fails here when the document makes
two types of one enum, leaves a body unnamed, or leaves an answer untyped.
``.ci/client-check`` type-checks it and runs it against the app in-process; ``python
roundtrip.py URL`` runs it against a live server.
"""

from __future__ import annotations

import sys
import uuid
from http import HTTPStatus
from typing import Any, TypeVar

from taskservice_client import AuthenticatedClient, Client
from taskservice_client.api.accounts import log_in, register
from taskservice_client.api.tasks import create_task, list_tasks, patch_task
from taskservice_client.models import (
    Credentials,
    Error,
    NewToken,
    Registration,
    Task,
    TaskCreate,
    TaskPage,
    TaskPatch,
    TaskSort,
    User,
)
from taskservice_client.types import Response

Expected = TypeVar("Expected")
PASSWORD = "correct horse battery"


def expect(kind: type[Expected], value: object) -> Expected:
    """``value`` as ``kind``, or the round trip fails saying what came instead."""
    if not isinstance(value, kind):
        raise AssertionError(f"expected a {kind.__name__}, got {value!r}")
    return value


def log_in_new_user(base_url: str, httpx_args: dict[str, Any]) -> AuthenticatedClient:
    """Register a fresh user and log in as them."""
    anonymous = Client(base_url=base_url, httpx_args=httpx_args)
    username = f"sdk_{uuid.uuid4().hex[:12]}"
    user = expect(User, register.sync(
        client=anonymous, body=Registration(username=username, password=PASSWORD)))
    token = expect(NewToken, log_in.sync(
        client=anonymous, body=Credentials(username=user.username, password=PASSWORD)))
    secret = expect(str, token.token)  # null only in an Idempotency-Key replay
    return AuthenticatedClient(base_url=base_url, token=secret,
                               prefix=token.token_type.value, httpx_args=httpx_args)


def patch_if_match(client: AuthenticatedClient, task: Task, etag: str,
                   changes: TaskPatch) -> Response[Error | Task]:
    return patch_task.sync_detailed(task.id, client=client, body=changes, if_match=etag)


def roundtrip(base_url: str, httpx_args: dict[str, Any] | None = None) -> Task:
    """The whole round trip; the task as it ends."""
    httpx_args = httpx_args or {}
    client = log_in_new_user(base_url, httpx_args)
    created = create_task.sync_detailed(
        client=client, body=TaskCreate(title="Buy milk", tags=["home"]))
    task = expect(Task, created.parsed)
    page = expect(TaskPage, list_tasks.sync(
        client=client, priority=task.priority, tag=["home"], sort=TaskSort.DESC_PRIORITY))
    assert [item.id for item in page.items] == [task.id], page
    etag = created.headers["ETag"]
    done = patch_if_match(client, task, etag, TaskPatch(done=True, priority=task.priority))
    task = expect(Task, done.parsed)
    assert task.done and task.version == 2, task
    stale = patch_if_match(client, task, etag, TaskPatch(done=False))  # the first ETag again
    error = expect(Error, stale.parsed)
    assert stale.status_code == HTTPStatus.PRECONDITION_FAILED, stale
    assert stale.headers["ETag"] == done.headers["ETag"], stale.headers
    assert error.errors[0].name == "If-Match" and error.request_id, error
    return task


if __name__ == "__main__":
    print(roundtrip(sys.argv[1]))
