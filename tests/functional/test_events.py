"""Domain events as a subscriber from outside the package sees them (``taskservice.events``).

The subscriber is added with Pyramid's own ``add_subscriber`` on the built app, as a
plugin's ``includeme`` would: it must hear every change of a task, a list, a share and a
user, through the JSON API and a batch alike, with the state before and after; and
nothing of a write that is rolled back.
"""

from __future__ import annotations

from typing import Any

import pytest
from pyramid.config import Configurator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taskservice.events import AfterCommit, BeforeCommit, ResourceChanged
from taskservice.tasks.models import Task
from tests.functional.batch.conftest import batch, statuses
from tests.support.api import Client, create_task
from tests.support.constants import PASSWORD


class Heard:
    """What a subscriber heard, in order."""

    def __init__(self) -> None:
        self.changes: list[ResourceChanged] = []
        self.committing: list[tuple[str, ...]] = []
        self.committed: list[tuple[str, ...]] = []

    def actions(self) -> list[tuple[str, str]]:
        return [(change.kind, change.action) for change in self.changes]

    def one(self, kind: str, action: str) -> ResourceChanged:
        [found] = [c for c in self.changes if (c.kind, c.action) == (kind, action)]
        return found


def _names(changes: tuple[ResourceChanged, ...]) -> tuple[str, ...]:
    return tuple(f"{c.kind}.{c.action}" for c in changes)


@pytest.fixture
def heard(app: Any) -> Heard:
    heard = Heard()
    config = Configurator(registry=app.registry)
    config.add_subscriber(heard.changes.append, ResourceChanged)
    config.add_subscriber(lambda e: heard.committing.append(_names(e.changes)), BeforeCommit)
    config.add_subscriber(lambda e: heard.committed.append(_names(e.changes)), AfterCommit)
    config.commit()
    return heard


def test_a_task_is_heard_created_updated_shared_unshared_and_deleted(alice, bob, heard):
    task = create_task(alice, title="first", priority="high")
    url, headers = f"/tasks/{task['id']}", alice.headers
    alice.testapp.patch_json(url, {"title": "second"}, headers=headers)
    alice.testapp.put_json(f"{url}/shares/bob", {"permission": "edit"}, headers=headers)
    alice.testapp.delete(f"{url}/shares/bob", headers=headers)
    alice.testapp.delete(url, headers=headers, status=204)

    assert heard.actions() == [("task", "created"), ("task", "updated"), ("task", "shared"),
                               ("task", "unshared"), ("task", "deleted")]
    created, updated = heard.one("task", "created"), heard.one("task", "updated")
    assert (created.before, created.after) == (None, task)
    assert (updated.before["title"], updated.after["title"]) == ("first", "second")
    assert updated.after["version"] == updated.before["version"] + 1
    shared = heard.one("task", "shared")
    assert shared.share is not None and shared.share.json() == {
        "username": "bob", "permission": "edit", "previous": None}
    unshared = heard.one("task", "unshared")
    assert unshared.share is not None and unshared.share.permission is None
    deleted = heard.one("task", "deleted")
    assert deleted.after is None and deleted.before is not None
    assert deleted.before["title"] == "second"
    assert {c.actor for c in heard.changes} == {"alice"}
    # Each write is its own transaction: told before and after each commit.
    assert heard.committed == heard.committing == [(f"task.{a}",) for _, a in heard.actions()]


def _renamed_and_shared(owner: Client, member: str, permission: str) -> dict[str, Any]:
    """A list of ``owner``'s, created as "home", renamed "house", shared with ``member``."""
    testapp, headers = owner.testapp, owner.headers
    listed = testapp.post_json("/lists", {"name": "home"}, headers=headers, status=201).json
    testapp.patch_json(f"/lists/{listed['id']}", {"name": "house"}, headers=headers)
    testapp.put_json(f"/lists/{listed['id']}/shares/{member}", {"permission": permission},
                     headers=headers)
    return listed


def test_a_list_deleted_is_heard_with_every_task_in_it(heard, alice, bob):
    listed = _renamed_and_shared(alice, "bob", "edit")
    tasks = [create_task(alice, title=f"t{n}", list=listed["id"]) for n in range(2)]
    heard.changes.clear()

    alice.testapp.delete(f"/lists/{listed['id']}", headers=alice.headers, status=204)

    deleted = {(c.kind, c.object_id) for c in heard.changes if c.action == "deleted"}
    assert deleted == {("list", int(listed["id"])), *(("task", int(t["id"])) for t in tasks)}
    assert heard.one("list", "deleted").before["name"] == "house"


def test_a_list_update_and_share_carry_the_state_before_and_after(heard, alice, bob):
    _renamed_and_shared(alice, "bob", "view")
    updated, shared = heard.one("list", "updated"), heard.one("list", "shared")
    assert (updated.before["name"], updated.after["name"]) == ("home", "house")
    assert "permission" not in updated.after  # whose would it be?
    assert shared.share is not None and shared.share.username == "bob"


def test_a_user_is_heard_registered_changed_and_deleted_with_what_goes_with_them(
        heard, register, admin):
    carol: Client = register("carol")
    task = create_task(carol, title="mine")
    carol.testapp.patch_json("/users/me", {"current_password": PASSWORD,
                                           "password": PASSWORD + "x"}, headers=carol.headers)
    heard.changes.clear()
    admin.testapp.delete("/users/carol", headers=admin.headers, status=204)

    assert sorted(heard.actions()) == [("task", "deleted"), ("user", "deleted")]
    assert heard.one("task", "deleted").object_id == int(task["id"])
    user = heard.one("user", "deleted")
    assert user.before is not None and user.before["username"] == "carol"
    assert user.actor == "root_admin"


def test_registration_and_a_password_change_are_heard(heard, register):
    carol: Client = register("carol")
    carol.testapp.patch_json("/users/me", {"current_password": PASSWORD,
                                           "password": PASSWORD + "x"}, headers=carol.headers)
    created, updated = heard.one("user", "created"), heard.one("user", "updated")
    assert created.after is not None and created.after["username"] == "carol"
    assert created.actor == "carol"
    assert updated.before == updated.after  # the body shows no password


@pytest.mark.parametrize("atomic", [True, False])
def test_a_batch_is_heard_as_its_requests_would_be(heard, alice, atomic):
    task = create_task(alice, title="before")
    heard.changes.clear()
    heard.committed.clear()
    response = batch(alice, [
        {"method": "POST", "path": "/tasks", "body": {"title": "new"}},
        {"method": "PATCH", "path": f"/tasks/{task['id']}", "body": {"done": True}},
    ], atomic=atomic)
    assert statuses(response) == [201, 200]
    assert heard.actions() == [("task", "created"), ("task", "updated")]
    assert heard.one("task", "updated").after["done"] is True
    # Atomic: one transaction, told once of both; else one transaction each.
    expected = [("task.created", "task.updated")] if atomic else [("task.created",),
                                                                  ("task.updated",)]
    assert heard.committed == expected


def test_a_write_rolled_back_tells_no_one(heard, alice):
    task = create_task(alice, title="kept")
    heard.changes.clear()
    heard.committed.clear()
    response = batch(alice, [
        {"method": "PATCH", "path": f"/tasks/{task['id']}", "body": {"title": "lost"}},
        {"method": "PATCH", "path": f"/tasks/{task['id']}", "body": {"priority": "bogus"}},
    ], atomic=True)
    assert statuses(response)[1] == 400
    assert heard.changes == [] and heard.committed == []
    current = alice.testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json
    assert current["title"] == "kept"


def test_a_failing_subscriber_rolls_the_write_back(app: Any, alice: Client,
                                                   dbsession: Session,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    def fail(change: ResourceChanged) -> None:
        raise RuntimeError("subscriber failed")

    committed: list[Any] = []
    config = Configurator(registry=app.registry)
    config.add_subscriber(fail, ResourceChanged)
    config.add_subscriber(committed.append, AfterCommit)
    config.commit()
    before = dbsession.scalar(select(func.count()).select_from(Task))
    response = alice.testapp.post_json("/tasks", {"title": "never"}, headers=alice.headers,
                                       status=500)
    assert response.json["request_id"]
    assert dbsession.scalar(select(func.count()).select_from(Task)) == before
    assert committed == []


def test_a_subscriber_can_be_told_only_one_kind(app: Any, alice: Client) -> None:
    lists_only: list[ResourceChanged] = []
    config = Configurator(registry=app.registry)
    config.add_subscriber(lists_only.append, ResourceChanged, kind="list")
    config.commit()
    create_task(alice)
    alice.testapp.post_json("/lists", {"name": "l"}, headers=alice.headers, status=201)
    assert [(c.kind, c.action) for c in lists_only] == [("list", "created")]

