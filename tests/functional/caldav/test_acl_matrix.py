"""The list permission matrix of section 7, over CalDAV (contract section 16): each role on
a list -- its owner, a member with each share permission, a non-member, an admin -- times
each method, with the exact status; and nothing outside the caller's view appears in a
PROPFIND, a REPORT or a sync.

Every role calls through its own home: a list is at ``/dav/calendars/<caller>/<list id>/``
for whoever may view it (section 16's table), so a member, an admin and a stranger all try
the same segment in their own home.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from taskservice.caldav.names import INBOX, collection_path, derived_uid, home_path
from taskservice.caldav.xml import dav
from tests.support.api import Client, create_task
from tests.support.caldav import (
    EDITABLE,
    READ_ONLY,
    XML,
    app_password,
    assert_dav_error,
    assert_proppatch_refused,
    children,
    dav_request,
    multistatus,
    privileges,
    propfind,
    proppatch_body,
    put,
    query_body,
    report,
    sync,
    task_path,
    task_titled,
    vtodo,
)
from tests.support.lists import create_list, share_list

ROLES = ("owner", "manage", "edit", "view", "stranger", "admin")
WRITERS = {"owner", "manage", "edit", "admin"}
VIEWERS = WRITERS | {"view"}


@dataclass
class Scene:
    """Alice's list with one task in it, and the caller of the role, through CalDAV."""

    role: str
    owner: Client
    caller: Client
    list_id: str
    task_id: str

    @property
    def collection(self) -> str:
        return collection_path(self.caller.username, self.list_id)

    @property
    def task(self) -> str:
        return task_path(self.caller, self.list_id, self.task_id)

    def task_exists(self) -> bool:
        response = self.owner.testapp.get(f"/tasks/{self.task_id}", headers=self.owner.headers,
                                          status="*")
        return response.status_int == 200


@pytest.fixture(params=ROLES)
def scene(request, alice, register) -> Scene:
    role = request.param
    shared = create_list(alice, name="Shared")["id"]
    task = create_task(alice, title="in the list", list=shared)
    if role == "owner":
        caller = alice
    else:
        caller = register(f"as_{role}", admin=role == "admin")
        if role in {"manage", "edit", "view"}:
            share_list(alice, shared, caller.username, role)
    return Scene(role, alice, app_password(caller), shared, task["id"])


def expect(scene: Scene, allowed: set[str], success: int) -> int:
    """The status of the role: ``success`` for ``allowed`` roles, a 404 for whoever may not
    view the list, a 403 for a viewer the action is not for."""
    if scene.role in allowed:
        return success
    return 403 if scene.role in VIEWERS else 404


def check(response, status: int, precondition: str | None = None) -> None:
    if status >= 400:
        assert_dav_error(response, status, precondition if status == 403 else None)
    else:
        assert response.status_int == status, (response.status, response.body[:1000])


def test_propfind_of_the_list(scene):
    status = expect(scene, VIEWERS, 207)
    response = propfind(scene.caller, scene.collection, dav("current-user-privilege-set"),
                        status="*")
    check(response, status)
    if status == 207:
        resource = multistatus(response).responses[scene.collection]
        wanted = READ_ONLY if scene.role == "view" else EDITABLE
        assert privileges(resource) == wanted


def test_get_of_a_task_in_the_list(scene):
    check(dav_request(scene.caller, "GET", scene.task), expect(scene, VIEWERS, 200))


def test_report_on_the_list(scene):
    response = report(scene.caller, scene.collection, query_body(), depth="1", status="*")
    status = expect(scene, VIEWERS, 207)
    check(response, status)
    if status == 207:
        assert set(multistatus(response).responses) == {scene.task}


def test_put_of_a_new_task_into_the_list(scene):
    status = expect(scene, WRITERS, 201)
    response = put(scene.caller, scene.collection + "new.ics", vtodo("new-uid", "put new"))
    check(response, status, dav("need-privileges"))
    titles = [t["title"] for t in scene.owner.testapp.get(
        f"/lists/{scene.list_id}/tasks", headers=scene.owner.headers).json["items"]]
    assert ("put new" in titles) == (status == 201)


def test_put_over_the_task_in_the_list(scene):
    status = expect(scene, WRITERS, 204)
    response = put(scene.caller, scene.task, vtodo(derived_uid(int(scene.task_id)), "changed"))
    check(response, status, dav("need-privileges"))
    title = scene.owner.testapp.get(f"/tasks/{scene.task_id}",
                                    headers=scene.owner.headers).json["title"]
    assert title == ("changed" if status == 204 else "in the list")


def test_delete_of_the_task(scene):
    status = expect(scene, WRITERS, 204)
    check(dav_request(scene.caller, "DELETE", scene.task), status, dav("need-privileges"))
    assert scene.task_exists() == (status != 204)


def test_delete_of_the_list(scene):
    status = expect(scene, {"owner", "admin"}, 204)
    check(dav_request(scene.caller, "DELETE", scene.collection), status)
    response = scene.owner.testapp.get(f"/lists/{scene.list_id}", headers=scene.owner.headers,
                                       status="*")
    assert response.status_int == (404 if status == 204 else 200)


def test_proppatch_of_the_lists_displayname(scene):
    status = expect(scene, {"owner", "manage", "admin"}, 207)
    response = dav_request(scene.caller, "PROPPATCH", scene.collection,
                           proppatch_body("Renamed"), Content_Type=XML)
    if status == 403:
        assert_proppatch_refused(response, scene.collection)
    else:
        check(response, status)
    name = scene.owner.testapp.get(f"/lists/{scene.list_id}", headers=scene.owner.headers
                                   ).json["name"]
    assert name == ("Renamed" if status == 207 else "Shared")


def test_mkcalendar_at_the_lists_segment(scene):
    """A viewer's home has the list there (405, section 16's precisions); to anyone else the
    segment is as free as one no list ever had: the answer must not tell them apart."""
    response = dav_request(scene.caller, "MKCALENDAR", scene.collection)
    if scene.role in VIEWERS:
        assert_dav_error(response, 405)
        return
    never = dav_request(scene.caller, "MKCALENDAR",
                        collection_path(scene.caller.username, "987654321"))
    assert response.status_int == never.status_int != 405


# -- nothing outside the caller's view ----------------------------------------------------


def test_a_stranger_sees_nothing_of_the_list(alice, bob, dav_bob):
    shared = create_list(alice, name="Secret")["id"]
    create_task(alice, title="secret task", list=shared)
    create_task(alice, title="secret loose task")
    home = propfind(dav_bob, home_path("bob"), dav("displayname"), depth="1")
    assert children(home, home_path("bob")) == {collection_path("bob", INBOX)}
    inbox = collection_path("bob", INBOX)
    assert children(propfind(dav_bob, inbox, dav("getetag"), depth="1"), inbox) == set()
    assert multistatus(report(dav_bob, inbox, query_body(), depth="1")).responses == {}
    assert multistatus(sync(dav_bob, inbox)).responses == {}
    for response in (home, report(dav_bob, inbox, query_body(data=True), depth="1")):
        assert b"secret" not in response.body.lower()


def test_a_task_shared_alone_from_a_private_list_is_all_the_member_sees(alice, bob, dav_bob):
    private = create_list(alice, name="Private")["id"]
    create_task(alice, title="not shared", list=private)
    shared = create_task(alice, title="shared alone", list=private)
    alice.testapp.put_json(f"/tasks/{shared['id']}/shares/bob", {"permission": "view"},
                           headers=alice.headers, status=201)
    inbox = collection_path("bob", INBOX)
    expected = {task_path(bob, INBOX, shared["id"])}
    assert children(propfind(dav_bob, inbox, dav("getetag"), depth="1"), inbox) == expected
    assert set(multistatus(report(dav_bob, inbox, query_body(), depth="1")).responses) \
        == expected
    assert set(multistatus(sync(dav_bob, inbox)).responses) == expected
    propfind(dav_bob, collection_path("bob", private), dav("displayname"), status=404)


def test_a_viewer_cannot_create_through_inbox_into_the_list(alice, bob, dav_bob):
    """Writing into one's own inbox makes a task of one's own in no list, whatever the
    object says: the list stays as it was."""
    shared = create_list(alice, name="Shared")["id"]
    share_list(alice, shared, "bob", "view")
    put(dav_bob, collection_path("bob", INBOX) + "mine.ics", vtodo("mine", "bob's own"),
        status=201)
    assert task_titled(bob, "bob's own")["list"] is None
    assert alice.testapp.get(f"/lists/{shared}/tasks", headers=alice.headers
                             ).json["items"] == []


def test_move_of_the_task_out_of_the_list(scene):
    """A MOVE is the JSON API's move: taking a task out of its list (into the caller's
    inbox) is its owner's or an admin's right (section 7), whoever else may edit it."""
    status = expect(scene, {"owner", "admin"}, 201)
    target = collection_path(scene.caller.username, INBOX) + "moved.ics"
    response = dav_request(scene.caller, "MOVE", scene.task, Destination=target)
    check(response, status, dav("need-privileges"))
    moved = scene.owner.testapp.get(f"/tasks/{scene.task_id}",
                                    headers=scene.owner.headers).json["list"]
    assert moved == (None if status == 201 else scene.list_id)
