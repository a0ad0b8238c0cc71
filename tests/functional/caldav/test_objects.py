"""Calendar object resources (contract section 16): ``GET``, ``PUT``, ``DELETE`` and
``MOVE`` of a task as a VTODO, with ``If-Match`` / ``If-None-Match``, the ETag rules, the
UID and name a client chose, and ``CALDAV:no-uid-conflict``."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from taskservice.caldav.names import INBOX, collection_path, derived_uid
from taskservice.caldav.xml import caldav, dav
from tests.support.api import create_task
from tests.support.caldav import (
    assert_dav_error,
    children,
    dav_request,
    etag_of,
    inbox,
    list_collection,
    properties,
    propfind,
    put,
    task_path,
    task_titled,
    unfolded,
    vtodo,
)
from tests.support.lists import create_list


@pytest.fixture
def groceries(alice):
    return create_list(alice, name="Groceries")["id"]


def test_get_of_a_json_task_is_one_vcalendar_with_its_vtodo(alice, dav_alice):
    task = create_task(alice, title="milk", tags=["home", "shop"])
    response = dav_request(dav_alice, "GET", task_path(dav_alice, INBOX, task["id"]),
                           status=200)
    assert response.content_type == "text/calendar"
    assert response.headers["ETag"] == etag_of(alice, task["id"])
    lines = unfolded(response.text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VTODO") == 1
    assert properties(response.text, "UID") == [f"UID:{derived_uid(int(task['id']))}"]
    assert properties(response.text, "SUMMARY") == ["SUMMARY:milk"]
    assert properties(response.text, "CATEGORIES") == ["CATEGORIES:home,shop"]


def test_get_of_a_name_that_holds_nothing_is_a_404(dav_alice):
    assert_dav_error(dav_request(dav_alice, "GET", inbox(dav_alice) + "nothing.ics"), 404)


def test_a_put_into_inbox_creates_a_task_in_no_list_stored_as_sent(alice, dav_alice):
    ical = vtodo("client-uid-1@example.com", "from the phone", "X-APPLE-SORT-ORDER:7")
    path = inbox(dav_alice) + "client-uid-1.ics"
    created = put(dav_alice, path, ical, status=201)
    task = task_titled(alice, "from the phone")
    assert task["list"] is None and task["owner"] == "alice"
    assert created.headers["ETag"] == etag_of(alice, task["id"])
    fetched = dav_request(dav_alice, "GET", path, status=200)
    assert fetched.body == ical.encode()
    assert fetched.headers["ETag"] == created.headers["ETag"]


def test_a_put_into_a_list_creates_a_task_in_that_list(alice, dav_alice, groceries):
    put(dav_alice, list_collection(dav_alice, groceries) + "bread.ics",
        vtodo("bread-uid", "bread"), status=201)
    assert task_titled(alice, "bread")["list"] == groceries


def test_a_put_over_an_object_is_a_204_and_changes_the_task(alice, dav_alice):
    path = inbox(dav_alice) + "a.ics"
    etag = put(dav_alice, path, vtodo("a-uid", "before"), status=201).headers["ETag"]
    changed = put(dav_alice, path, vtodo("a-uid", "after"), status=204, If_Match=etag)
    task = task_titled(alice, "after")
    assert task["version"] == 2
    assert changed.headers["ETag"] == etag_of(alice, task["id"])


def test_if_match_with_another_etag_is_a_412_and_changes_nothing(alice, dav_alice):
    path = inbox(dav_alice) + "a.ics"
    put(dav_alice, path, vtodo("a-uid", "before"), status=201)
    put(dav_alice, path, vtodo("a-uid", "after"), status=412, If_Match='"99"')
    assert task_titled(alice, "before")["version"] == 1


def test_if_match_on_a_name_that_holds_nothing_is_a_412(dav_alice):
    put(dav_alice, inbox(dav_alice) + "new.ics", vtodo("new-uid", "new"), status=412,
        If_Match='"1"')


def test_if_none_match_star_creates_but_never_overwrites(alice, dav_alice):
    path = inbox(dav_alice) + "a.ics"
    put(dav_alice, path, vtodo("a-uid", "first"), status=201, If_None_Match="*")
    put(dav_alice, path, vtodo("a-uid", "second"), status=412, If_None_Match="*")
    assert task_titled(alice, "first")["version"] == 1


def test_a_put_the_service_changes_carries_no_etag(alice, dav_alice):
    """Completing a recurring task rolls it forward (section 12): the object stored is not
    the one sent, so the client must fetch it rather than trust its copy."""
    path = inbox(dav_alice) + "daily.ics"
    series = ("DUE;VALUE=DATE:20300101", "RRULE:FREQ=DAILY")
    etag = put(dav_alice, path, vtodo("daily-uid", "daily", *series), status=201)
    done = put(dav_alice, path, vtodo("daily-uid", "daily", *series, "STATUS:COMPLETED",
                                      "COMPLETED:20260101T090000Z", "PERCENT-COMPLETE:100"),
               status=204, If_Match=etag.headers["ETag"])
    assert "ETag" not in done.headers
    task = task_titled(alice, "daily")
    assert task["done"] is False and task["due_date"] == "2030-01-02"
    fetched = dav_request(dav_alice, "GET", path, status=200)
    assert properties(fetched.text, "DUE") == ["DUE;VALUE=DATE:20300102"]
    assert properties(fetched.text, "STATUS") in ([], ["STATUS:NEEDS-ACTION"])


def test_the_uid_and_the_name_a_client_chose_are_kept(alice, dav_alice, groceries):
    path = list_collection(dav_alice, groceries) + "My Name.ics"
    put(dav_alice, path.replace(" ", "%20"), vtodo("uid@client", "named"), status=201)
    listed = children(propfind(dav_alice, list_collection(dav_alice, groceries),
                               dav("getetag"), depth="1"),
                      list_collection(dav_alice, groceries))
    assert listed == {path}
    fetched = dav_request(dav_alice, "GET", quote(path), status=200)
    assert properties(fetched.text, "UID") == ["UID:uid@client"]


@pytest.mark.parametrize("name", ["a@b.ics", "a+b.ics", "a%20b.ics", "%C3%A9t%C3%A9.ics"])
def test_a_name_is_compared_after_percent_decoding(alice, dav_alice, name):
    put(dav_alice, inbox(dav_alice) + name, vtodo(f"uid-{name}", "odd name"), status=201)
    decoded = inbox(dav_alice) + name.replace("%20", " ").replace("%C3%A9", "é")
    dav_request(dav_alice, "GET", quote(decoded, safe="/"), status=200)
    dav_request(dav_alice, "GET", quote(decoded, safe="/@+"), status=200)


def test_a_json_task_moved_to_a_list_keeps_its_name(alice, dav_alice, groceries):
    put(dav_alice, inbox(dav_alice) + "keep-me.ics", vtodo("keep-uid", "moving"), status=201)
    task = task_titled(alice, "moving")
    alice.testapp.patch_json(f"/tasks/{task['id']}", {"list": groceries},
                             headers=alice.headers, status=200)
    dav_request(dav_alice, "GET", inbox(dav_alice) + "keep-me.ics", status=404)
    dav_request(dav_alice, "GET", list_collection(dav_alice, groceries) + "keep-me.ics",
                status=200)


def test_a_second_resource_with_a_uid_of_the_home_is_a_403_no_uid_conflict(
        alice, dav_alice, groceries):
    first = inbox(dav_alice) + "first.ics"
    put(dav_alice, first, vtodo("same-uid", "first"), status=201)
    second = list_collection(dav_alice, groceries) + "second.ics"
    response = put(dav_alice, second, vtodo("same-uid", "second"), status="*")
    error = assert_dav_error(response, 403, caldav("no-uid-conflict"))
    href = error.find(caldav("no-uid-conflict")).findtext(dav("href"))
    assert href is not None and href.endswith(first)
    dav_request(dav_alice, "GET", second, status=404)


def test_the_derived_uid_of_a_json_task_conflicts_too(alice, dav_alice):
    task = create_task(alice, title="json")
    response = put(dav_alice, inbox(dav_alice) + "copy.ics",
                   vtodo(derived_uid(int(task["id"])), "copy"), status="*")
    assert_dav_error(response, 403, caldav("no-uid-conflict"))


def test_a_put_that_is_not_text_calendar_is_a_403_supported_calendar_data(dav_alice):
    response = dav_request(dav_alice, "PUT", inbox(dav_alice) + "a.ics",
                           vtodo("a-uid", "json?"), Content_Type="application/json")
    assert_dav_error(response, 403, caldav("supported-calendar-data"))


def test_delete_deletes_the_task(alice, dav_alice):
    task = create_task(alice, title="gone")
    path = task_path(dav_alice, INBOX, task["id"])
    dav_request(dav_alice, "DELETE", path, status=204)
    alice.testapp.get(f"/tasks/{task['id']}", headers=alice.headers, status=404)
    dav_request(dav_alice, "GET", path, status=404)


def test_delete_with_another_etag_is_a_412_and_keeps_the_task(alice, dav_alice):
    task = create_task(alice, title="kept")
    dav_request(dav_alice, "DELETE", task_path(dav_alice, INBOX, task["id"]), status=412,
                If_Match='"2"')
    alice.testapp.get(f"/tasks/{task['id']}", headers=alice.headers, status=200)


def test_delete_with_the_current_etag_deletes(alice, dav_alice):
    task = create_task(alice, title="gone")
    dav_request(dav_alice, "DELETE", task_path(dav_alice, INBOX, task["id"]), status=204,
                If_Match=etag_of(alice, task["id"]))
    alice.testapp.get(f"/tasks/{task['id']}", headers=alice.headers, status=404)


def test_move_to_another_collection_of_the_home_moves_the_task(alice, dav_alice, groceries):
    """RFC 4918 9.9.4: a MOVE to a name that held nothing is a 201."""
    source = inbox(dav_alice) + "mine.ics"
    put(dav_alice, source, vtodo("mine-uid", "to move"), status=201)
    target = list_collection(dav_alice, groceries) + "mine.ics"
    dav_request(dav_alice, "MOVE", source, status=201,
                Destination=f"http://localhost{target}", Overwrite="F")
    assert task_titled(alice, "to move")["list"] == groceries
    dav_request(dav_alice, "GET", source, status=404)
    fetched = dav_request(dav_alice, "GET", target, status=200)
    assert properties(fetched.text, "UID") == ["UID:mine-uid"]


def test_move_to_another_home_is_refused_and_moves_nothing(alice, bob, dav_alice):
    """The contract moves tasks only within a home; another user's home is a 404 to the
    caller, and a 403 would do as well: either way nothing moves."""
    task = create_task(alice, title="stays")
    response = dav_request(dav_alice, "MOVE", task_path(dav_alice, INBOX, task["id"]),
                           Destination=collection_path("bob", INBOX) + "x.ics")
    assert_dav_error(response, response.status_int)
    assert response.status_int in (403, 404), response.status
    assert alice.testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json["list"] is None


def test_move_to_the_same_path_on_another_server_is_a_403_and_moves_nothing(
        alice, dav_alice, groceries):
    """A Destination names a server too (RFC 4918 10.3): this one moves nothing there."""
    task = create_task(alice, title="stays")
    target = "http://elsewhere.example" + list_collection(alice, groceries) + "x.ics"
    response = dav_request(dav_alice, "MOVE", task_path(dav_alice, INBOX, task["id"]),
                           Destination=target)
    assert_dav_error(response, 403)
    assert alice.testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json["list"] is None


def test_head_answers_as_get_without_a_body(alice, dav_alice):
    task = create_task(alice, title="headed")
    path = task_path(dav_alice, INBOX, task["id"])
    response = dav_request(dav_alice, "HEAD", path, status=200)
    assert response.body == b""
    assert response.headers["ETag"] == etag_of(alice, task["id"])
    assert response.content_type == "text/calendar"
