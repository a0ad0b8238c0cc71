"""Discovery (contract section 16, RFC 6764 and RFC 5397): from the host alone a client
finds ``/dav/``, its principal, its calendar home and the collections in it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from taskservice.caldav.names import DAV_ROOT, INBOX, collection_path, home_path, principal_path
from taskservice.caldav.xml import caldav, dav
from tests.support.caldav import (
    anonymous,
    app_password,
    assert_dav_error,
    children,
    multistatus,
    propfind,
    put,
    vtodo,
)
from tests.support.lists import create_list, share_list

METHODS = ("GET", "HEAD", "PROPFIND", "OPTIONS", "REPORT", "PUT", "DELETE")


@pytest.mark.parametrize("path", ["/.well-known/caldav", "/.well-known/caldav/"])
@pytest.mark.parametrize("method", METHODS)
def test_well_known_is_a_redirect_that_keeps_the_method(testapp, path, method):
    """301 or 308, never a 302 (which turns a PROPFIND into a GET), and no credentials."""
    response = anonymous(testapp, method, path)
    assert response.status_int in (301, 308)
    assert urlsplit(response.headers["Location"]).path == DAV_ROOT


@pytest.mark.parametrize("path", [
    DAV_ROOT, principal_path("alice"), home_path("alice"), collection_path("alice", INBOX),
    collection_path("alice", INBOX) + "x.ics"])
def test_options_answers_without_credentials(testapp, alice, path):
    """Section 16's precisions: ``OPTIONS`` answers without credentials, on any path."""
    response = anonymous(testapp, "OPTIONS", path)
    assert response.status_int in (200, 204)
    classes = {part.strip() for part in response.headers["DAV"].split(",")}
    assert {"1", "3", "calendar-access"} <= classes
    allowed = {part.strip() for part in response.headers["Allow"].split(",")}
    assert {"OPTIONS", "PROPFIND"} <= allowed


def test_the_root_names_the_callers_principal(dav_alice):
    root = multistatus(propfind(dav_alice, DAV_ROOT, dav("current-user-principal")))
    [resource] = root.responses.values()
    href = resource.value(dav("current-user-principal")).findtext(dav("href"))
    assert href is not None and href.endswith(principal_path("alice"))


def test_the_principal_names_the_home(dav_alice):
    wanted = (dav("displayname"), caldav("calendar-home-set"), dav("principal-URL"))
    found = multistatus(propfind(dav_alice, principal_path("alice"), *wanted))
    resource = found.responses[principal_path("alice")]
    assert resource.text(dav("displayname"))
    home = resource.value(caldav("calendar-home-set")).findtext(dav("href"))
    assert home is not None and home.endswith(home_path("alice"))
    url = resource.value(dav("principal-URL")).findtext(dav("href"))
    assert url is not None and url.endswith(principal_path("alice"))


def test_another_users_principal_is_a_404(dav_alice, bob):
    assert_dav_error(propfind(dav_alice, principal_path("bob"), dav("displayname"),
                              status="*"), 404)


def test_another_users_home_is_a_404(dav_alice, bob):
    """The contract names only the caller's home; another user's, like their principal,
    is a 404 rather than a view of what they share (a demanding client's reading)."""
    assert_dav_error(propfind(dav_alice, home_path("bob"), dav("displayname"), status="*"),
                     404)


def test_the_home_lists_inbox_and_every_list_the_caller_may_view(alice, bob, dav_bob):
    own = create_list(bob, name="Bob's")["id"]
    shared = create_list(alice, name="Alice's, shared")["id"]
    share_list(alice, shared, "bob", "view")
    create_list(alice, name="Alice's, private")
    response = propfind(dav_bob, home_path("bob"), dav("resourcetype"), depth="1")
    assert children(response, home_path("bob")) == {
        collection_path("bob", INBOX), collection_path("bob", own),
        collection_path("bob", shared)}


def test_a_list_collection_is_named_by_its_list(alice, dav_alice):
    groceries = create_list(alice, name="Groceries")["id"]
    path = collection_path("alice", groceries)
    resource = multistatus(propfind(dav_alice, path, dav("displayname"),
                                    dav("resourcetype"))).responses[path]
    assert resource.text(dav("displayname")) == "Groceries"
    kinds = {child.tag for child in resource.value(dav("resourcetype"))}
    assert kinds == {dav("collection"), caldav("calendar")}


def test_a_list_limited_token_sees_only_its_lists_and_no_inbox(alice):
    mine, other = (create_list(alice, name=name)["id"] for name in ("phone", "desk"))
    phone = app_password(alice, lists=[mine])
    response = propfind(phone, home_path("alice"), dav("resourcetype"), depth="1")
    assert children(response, home_path("alice")) == {collection_path("alice", mine)}
    for path in (collection_path("alice", INBOX), collection_path("alice", other)):
        assert_dav_error(propfind(phone, path, dav("displayname"), status="*"), 404)
        assert_dav_error(put(phone, path + "new.ics", vtodo("new-uid", "new")), 404)
    assert alice.testapp.get("/tasks", headers=alice.headers).json["items"] == []
