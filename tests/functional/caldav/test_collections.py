"""Collections (contract section 16 and its precisions): ``MKCALENDAR`` makes a list,
``PROPPATCH`` of ``displayname`` renames one, ``DELETE`` deletes one; ``inbox/`` holds the
tasks in no list the caller may view, and cannot be deleted or renamed."""

from __future__ import annotations

import pytest

from taskservice.caldav.names import INBOX, collection_path, home_path
from taskservice.caldav.xml import caldav, dav
from tests.support.api import create_task
from tests.support.caldav import (
    XML,
    assert_dav_error,
    assert_proppatch_refused,
    children,
    dav_request,
    inbox,
    list_collection,
    mkcalendar_body,
    multistatus,
    propfind,
    proppatch_body,
    task_path,
)
from tests.support.lists import create_list, share_list


def lists_of(client):
    return client.testapp.get("/lists", headers=client.headers, status=200).json["items"]


def mkcalendar(client, segment, body="", status=201):
    return dav_request(client, "MKCALENDAR", collection_path(client.username, segment), body,
                       status=status, **({"Content_Type": XML} if body else {}))


def test_mkcalendar_creates_a_list_named_by_its_displayname(alice, dav_alice):
    mkcalendar(dav_alice, "work-calendar", mkcalendar_body("Work", ("VTODO",)))
    [made] = lists_of(alice)
    assert made["name"] == "Work" and made["owner"] == "alice"


def test_mkcalendar_without_a_displayname_names_the_list_by_its_segment(alice, dav_alice):
    mkcalendar(dav_alice, "chores")
    assert [item["name"] for item in lists_of(alice)] == ["chores"]


def test_the_segment_mkcalendar_asked_for_stays_the_lists_url(alice, dav_alice):
    """Section 16's precisions: clients go on using the URL they made."""
    mkcalendar(dav_alice, "work-calendar", mkcalendar_body("Work"))
    response = propfind(dav_alice, home_path("alice"), dav("displayname"), depth="1")
    found = multistatus(response).responses
    assert set(found) - {home_path("alice")} == {collection_path("alice", "work-calendar"),
                                                 inbox(dav_alice)}
    assert found[collection_path("alice", "work-calendar")].text(dav("displayname")) == "Work"


EXTENDED_MKCOL = ('<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" '
                  'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:resourcetype>'
                  '<d:collection/>{kind}</d:resourcetype>{name}</d:prop></d:set></d:mkcol>')


def test_an_extended_mkcol_of_a_calendar_makes_a_list(alice, dav_alice):
    """RFC 5689: how vdirsyncer makes a collection (it never sends MKCALENDAR)."""
    body = EXTENDED_MKCOL.format(kind="<c:calendar/>",
                                 name="<d:displayname>Garden</d:displayname>")
    response = dav_request(dav_alice, "MKCOL", home_path("alice") + "garden/", body,
                           Content_Type="application/xml")
    assert response.status_int == 201
    assert [item["name"] for item in lists_of(alice)] == ["Garden"]
    found = multistatus(propfind(dav_alice, home_path("alice"), dav("displayname"),
                                 depth="1")).responses
    assert collection_path("alice", "garden") in found


@pytest.mark.parametrize("body", ["", EXTENDED_MKCOL.format(kind="", name="")])
def test_a_mkcol_of_anything_but_a_calendar_is_a_403_and_makes_nothing(alice, dav_alice,
                                                                       body):
    response = dav_request(dav_alice, "MKCOL", home_path("alice") + "plain/", body,
                           Content_Type="application/xml")
    assert_dav_error(response, 403, dav("valid-resourcetype"))
    assert lists_of(alice) == []


@pytest.mark.parametrize("existing", ["made", "json", INBOX])
def test_mkcalendar_of_an_existing_name_is_a_405(alice, dav_alice, existing):
    segment = {"made": "chores", INBOX: INBOX}.get(existing)
    if existing == "made":
        mkcalendar(dav_alice, "chores")
    if existing == "json":
        segment = create_list(alice, name="json")["id"]
    count = len(lists_of(alice))
    mkcalendar(dav_alice, segment, status=405)
    assert len(lists_of(alice)) == count


def test_mkcalendar_without_vtodo_is_a_403_supported_calendar_component(alice, dav_alice):
    response = mkcalendar(dav_alice, "events", mkcalendar_body("Events", ("VEVENT",)),
                          status="*")
    assert_dav_error(response, 403, caldav("supported-calendar-component"))
    assert lists_of(alice) == []


def test_mkcalendar_in_another_users_home_is_a_404(bob, dav_alice):
    response = dav_request(dav_alice, "MKCALENDAR", collection_path("bob", "mine"), status="*")
    assert_dav_error(response, 404)
    assert lists_of(bob) == []


def test_proppatch_of_displayname_renames_the_list(alice, dav_alice):
    groceries = create_list(alice, name="Groceries")
    path = list_collection(dav_alice, groceries["id"])
    response = dav_request(dav_alice, "PROPPATCH", path, proppatch_body("Food"),
                           Content_Type=XML)
    resource = multistatus(response).responses[path]
    assert resource.props[dav("displayname")][0] == 200
    renamed = alice.testapp.get(f"/lists/{groceries['id']}", headers=alice.headers).json
    assert renamed["name"] == "Food" and renamed["version"] == groceries["version"] + 1


@pytest.mark.parametrize("method", ["PROPPATCH", "DELETE"])
def test_inbox_cannot_be_renamed_or_deleted(alice, dav_alice, method):
    task = create_task(alice, title="stays")
    body = proppatch_body("Renamed") if method == "PROPPATCH" else ""
    response = dav_request(dav_alice, method, inbox(dav_alice), body, Content_Type=XML)
    if method == "PROPPATCH":
        assert_proppatch_refused(response, inbox(dav_alice))
    else:
        assert_dav_error(response, 403)
    alice.testapp.get(f"/tasks/{task['id']}", headers=alice.headers, status=200)
    assert multistatus(propfind(dav_alice, inbox(dav_alice), dav("displayname"))
                       ).responses[inbox(dav_alice)].text(dav("displayname")) != "Renamed"


def test_delete_of_a_list_collection_deletes_the_list_and_its_tasks(alice, dav_alice):
    groceries = create_list(alice, name="Groceries")["id"]
    task = create_task(alice, title="milk", list=groceries)
    dav_request(dav_alice, "DELETE", list_collection(dav_alice, groceries), status=204)
    alice.testapp.get(f"/lists/{groceries}", headers=alice.headers, status=404)
    alice.testapp.get(f"/tasks/{task['id']}", headers=alice.headers, status=404)


def test_delete_of_a_list_by_a_manager_is_a_403(alice, bob, dav_bob):
    groceries = create_list(alice, name="Groceries")["id"]
    share_list(alice, groceries, "bob", "manage")
    response = dav_request(dav_bob, "DELETE", collection_path("bob", groceries))
    assert_dav_error(response, 403)
    alice.testapp.get(f"/lists/{groceries}", headers=alice.headers, status=200)


def test_inbox_holds_tasks_shared_directly_from_a_list_the_caller_cannot_view(
        alice, bob, dav_alice):
    """Section 16's precisions: tasks in no list *they may view*."""
    private = create_list(bob, name="Bob's")["id"]
    task = create_task(bob, title="shared from a list", list=private)
    bob.testapp.put_json(f"/tasks/{task['id']}/shares/alice", {"permission": "edit"},
                         headers=bob.headers, status=201)
    own = create_task(alice, title="alice's")
    response = propfind(dav_alice, inbox(dav_alice), dav("getetag"), depth="1")
    assert children(response, inbox(dav_alice)) == {
        task_path(dav_alice, INBOX, task["id"]), task_path(dav_alice, INBOX, own["id"])}
