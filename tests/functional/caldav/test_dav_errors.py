"""Errors under ``/dav/`` (contract sections 15 and 16): a 401 a calendar app prompts on,
``DAV:error`` bodies instead of the JSON shape, ``DAV:need-privileges`` for a token lacking a
scope, read-only mode's 503 on every write, and ``taskservice.caldav = off``."""

from __future__ import annotations

import pytest

from taskservice.caldav.names import DAV_ROOT, INBOX, collection_path, home_path
from taskservice.caldav.xml import dav
from tests.support.api import Client, create_task
from tests.support.caldav import (
    ICAL,
    XML,
    anonymous,
    app_password,
    assert_dav_error,
    dav_request,
    inbox,
    mkcalendar_body,
    propfind,
    propfind_body,
    proppatch_body,
    put,
    query_body,
    report,
    task_path,
    vtodo,
)
from tests.support.constants import PASSWORD
from tests.support.lists import create_list
from tests.support.token_api import BASIC_CHALLENGE, basic

READS = ("PROPFIND", "REPORT", "GET")


def challenges(response) -> str:
    return ", ".join(response.headers.getall("WWW-Authenticate"))


@pytest.mark.parametrize("method", ["PROPFIND", "GET", "PUT", "DELETE", "REPORT", "MKCALENDAR"])
def test_an_anonymous_request_is_a_401_offering_basic_and_bearer(testapp, alice, method):
    response = anonymous(testapp, method, inbox(alice) + "a.ics")
    assert_dav_error(response, 401)
    assert BASIC_CHALLENGE in challenges(response)
    assert "Bearer" in challenges(response)


@pytest.mark.parametrize("secret", ["password", "wrong token", "revoked"])
def test_bad_credentials_are_a_401_offering_basic(alice, secret):
    token = {"password": PASSWORD, "wrong token": "x" * 43, "revoked": None}[secret]
    if token is None:
        device = app_password(alice)
        token = device.token
        alice.testapp.delete("/tokens/current", headers=device.headers, status=204)
    response = dav_request(Client(alice.testapp, "alice", token), "PROPFIND", DAV_ROOT,
                           propfind_body(), Authorization=basic("alice", token)["Authorization"],
                           Depth="0", Content_Type=XML)
    assert_dav_error(response, 401)
    assert BASIC_CHALLENGE in challenges(response)


def test_a_bearer_token_works_as_well_as_basic(alice):
    """Section 16: an app password or a bearer token."""
    propfind(alice, home_path("alice"), dav("displayname"), status=207)


@pytest.mark.parametrize("path", ["/dav/nowhere/", "/dav/calendars/nobody/",
                                  "/dav/calendars/alice/999999999/",
                                  "/dav/calendars/alice/inbox/none.ics",
                                  "/dav/principals/nobody/"])
def test_a_path_that_names_nothing_is_a_404_dav_error(dav_alice, path):
    assert_dav_error(propfind(dav_alice, path, dav("displayname"), status="*"), 404)


def test_a_method_a_resource_does_not_take_is_a_405_dav_error_with_allow(dav_alice):
    response = dav_request(dav_alice, "POST", inbox(dav_alice), "x", Content_Type=ICAL)
    assert_dav_error(response, 405)
    assert "PROPFIND" in response.headers["Allow"]


def scoped(client: Client, *scopes: str) -> Client:
    return app_password(client, scopes=list(scopes))


@pytest.mark.parametrize("method", ["PUT", "DELETE", "MKCALENDAR", "PROPPATCH", "MOVE"])
def test_a_read_token_writing_is_a_403_need_privileges(alice, method):
    task = create_task(alice, title="stays")
    reader = scoped(alice, "read")
    path = {"PUT": inbox(alice) + "new.ics", "MKCALENDAR": collection_path("alice", "new"),
            "PROPPATCH": inbox(alice)}.get(method, task_path(alice, INBOX, task["id"]))
    body = {"PUT": vtodo("new-uid", "new"), "PROPPATCH": proppatch_body("x"),
            "MKCALENDAR": mkcalendar_body("New")}.get(method, "")
    response = dav_request(reader, method, path, body,
                           Content_Type=ICAL if method == "PUT" else XML,
                           Destination=collection_path("alice", "elsewhere") + "x.ics")
    assert_dav_error(response, 403, dav("need-privileges"))
    assert alice.testapp.get("/tasks", headers=alice.headers).json["items"] == [
        alice.testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json]
    assert alice.testapp.get("/lists", headers=alice.headers).json["items"] == []


@pytest.mark.parametrize("method", READS)
def test_a_token_without_read_is_a_403_need_privileges(alice, method):
    task = create_task(alice, title="secret")
    writer = scoped(alice, "write")
    path = task_path(alice, INBOX, task["id"]) if method == "GET" else inbox(alice)
    body = {"PROPFIND": propfind_body(dav("displayname")), "REPORT": query_body()}.get(method,
                                                                                       "")
    response = dav_request(writer, method, path, body, Depth="0", Content_Type=XML)
    assert_dav_error(response, 403, dav("need-privileges"))
    assert b"secret" not in response.body


def test_a_write_token_may_put(alice):
    put(scoped(alice, "write"), inbox(alice) + "w.ics", vtodo("w-uid", "written"), status=201)


def test_the_scope_403_comes_after_the_404(alice, bob):
    """Section 15: checked after the 404 of a resource the token may not reach."""
    secret = create_task(bob, title="bob's")
    response = dav_request(scoped(alice, "read"), "DELETE", task_path(alice, INBOX,
                                                                     secret["id"]))
    assert_dav_error(response, 404)


# -- read-only mode -----------------------------------------------------------------------


@pytest.fixture
def replica(app_with):
    return app_with(readonly="true")


def on(testapp, client: Client) -> Client:
    moved = Client(testapp, client.username, client.token)
    moved.headers = client.headers
    return moved


@pytest.mark.parametrize("method", ["PUT", "DELETE", "MKCALENDAR", "PROPPATCH", "MOVE"])
def test_read_only_mode_makes_every_write_a_503(replica, alice, dav_alice, method):
    task = create_task(alice, title="stays")
    there = on(replica, dav_alice)
    path = {"PUT": inbox(alice) + "new.ics", "MKCALENDAR": collection_path("alice", "new"),
            "PROPPATCH": collection_path("alice", create_list(alice)["id"])
            }.get(method, task_path(alice, INBOX, task["id"]))
    body = {"PUT": vtodo("new-uid", "new"), "PROPPATCH": proppatch_body("x")}.get(method, "")
    response = dav_request(there, method, path, body,
                           Content_Type=ICAL if method == "PUT" else XML,
                           Destination=collection_path("alice", "elsewhere") + "x.ics")
    assert_dav_error(response, 503)
    assert response.headers["Retry-After"]
    alice.testapp.get(f"/tasks/{task['id']}", headers=alice.headers, status=200)


def test_read_only_mode_reads_on(replica, alice, dav_alice):
    task = create_task(alice, title="readable")
    there = on(replica, dav_alice)
    propfind(there, inbox(alice), dav("getetag"), depth="1", status=207)
    dav_request(there, "GET", task_path(alice, INBOX, task["id"]), status=200)
    report(there, inbox(alice), query_body(), depth="1", status=207)


# -- taskservice.caldav = off ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/.well-known/caldav", "/.well-known/caldav/", DAV_ROOT,
                                  "/dav/calendars/alice/", "/dav/calendars/alice/inbox/"])
@pytest.mark.parametrize("method", ["PROPFIND", "GET", "OPTIONS"])
def test_caldav_off_makes_every_path_a_404(app_with, alice, path, method):
    off = app_with(caldav="off")
    response = off.request(path, method=method, headers=alice.headers, status="*")
    assert response.status_int == 404, response.status
