"""``PROPFIND`` (contract section 16, RFC 4918 9.1 and RFC 4791): what a collection and a
resource report, at ``Depth: 0`` and ``1``, with ``prop``, ``allprop`` and ``propname``."""

from __future__ import annotations

import pytest

from taskservice.caldav.names import INBOX, collection_path, principal_path
from taskservice.caldav.xml import caldav, calendarserver, dav
from tests.support.api import create_task
from tests.support.caldav import (
    EDITABLE,
    PROPNAME_BODY,
    VTODO_CONTENT_TYPE,
    XML,
    assert_dav_error,
    children,
    dav_request,
    inbox,
    list_collection,
    multistatus,
    privileges,
    propfind,
    task_path,
)
from tests.support.lists import create_list

COLLECTION_PROPS = (dav("resourcetype"), dav("displayname"),
                    caldav("supported-calendar-component-set"), dav("sync-token"),
                    calendarserver("getctag"), dav("supported-report-set"),
                    dav("current-user-privilege-set"), dav("owner"))
RESOURCE_PROPS = (dav("getetag"), dav("getcontenttype"), dav("getlastmodified"))


@pytest.fixture
def groceries(alice):
    return create_list(alice, name="Groceries")["id"]


def collection(client, path, *props):
    return multistatus(propfind(client, path, *props)).responses[path]


def test_a_list_collection_reports_every_property_of_the_contract(dav_alice, groceries):
    path = list_collection(dav_alice, groceries)
    resource = collection(dav_alice, path, *COLLECTION_PROPS)
    assert {c.tag for c in resource.value(dav("resourcetype"))} == {dav("collection"),
                                                                     caldav("calendar")}
    assert resource.text(dav("displayname")) == "Groceries"
    components = resource.value(caldav("supported-calendar-component-set"))
    assert [c.get("name") for c in components] == ["VTODO"]
    token = resource.text(dav("sync-token"))
    assert ":" in token, "a sync token is a URI"
    assert resource.text(calendarserver("getctag")) == token
    reports = {report.tag for supported in resource.value(dav("supported-report-set"))
               for wrapper in supported for report in wrapper}
    assert reports == {caldav("calendar-multiget"), caldav("calendar-query"),
                       dav("sync-collection")}
    assert privileges(resource) == EDITABLE
    owner = resource.value(dav("owner")).findtext(dav("href"))
    assert owner is not None and owner.endswith(principal_path("alice"))


def test_inbox_reports_read_write_content_bind_and_unbind(dav_alice):
    resource = collection(dav_alice, inbox(dav_alice), *COLLECTION_PROPS)
    assert privileges(resource) == EDITABLE
    assert [c.get("name") for c in resource.value(
        caldav("supported-calendar-component-set"))] == ["VTODO"]


def test_a_resource_reports_the_json_apis_etag_and_its_content_type(alice, dav_alice):
    task = create_task(alice, title="milk")
    etag = alice.testapp.get(f"/tasks/{task['id']}", headers=alice.headers).headers["ETag"]
    path = task_path(dav_alice, INBOX, task["id"])
    resource = collection(dav_alice, path, *RESOURCE_PROPS)
    assert resource.text(dav("getetag")) == etag
    assert resource.text(dav("getcontenttype")) == VTODO_CONTENT_TYPE
    assert resource.text(dav("getlastmodified"))


def test_depth_1_of_inbox_lists_the_callers_tasks_in_no_list(alice, bob, dav_alice, groceries):
    loose = create_task(alice, title="loose")
    create_task(alice, title="listed", list=groceries)
    shared = create_task(bob, title="shared with alice")
    bob.testapp.put_json(f"/tasks/{shared['id']}/shares/alice", {"permission": "view"},
                         headers=bob.headers, status=201)
    create_task(bob, title="bob's own")
    response = propfind(dav_alice, inbox(dav_alice), dav("getetag"), depth="1")
    assert children(response, inbox(dav_alice)) == {
        task_path(dav_alice, INBOX, loose["id"]), task_path(dav_alice, INBOX, shared["id"])}


def test_depth_1_of_a_list_lists_its_tasks(alice, dav_alice, groceries):
    listed = [create_task(alice, title=f"item {n}", list=groceries) for n in range(3)]
    create_task(alice, title="elsewhere")
    path = list_collection(dav_alice, groceries)
    response = propfind(dav_alice, path, dav("getetag"), depth="1")
    assert children(response, path) == {task_path(dav_alice, groceries, t["id"]) for t in listed}


def test_depth_infinity_is_a_403_propfind_finite_depth(dav_alice):
    response = propfind(dav_alice, inbox(dav_alice), dav("getetag"), depth="infinity",
                        status="*")
    assert_dav_error(response, 403, dav("propfind-finite-depth"))


def test_an_unknown_property_is_reported_in_a_404_propstat(dav_alice):
    unknown = "{http://example.com/ns/}colour"
    resource = collection(dav_alice, inbox(dav_alice), dav("displayname"), unknown)
    assert resource.props[unknown][0] == 404
    assert resource.props[dav("displayname")][0] == 200


def test_allprop_reports_the_resource_properties(alice, dav_alice):
    task = create_task(alice, title="milk")
    path = task_path(dav_alice, INBOX, task["id"])
    resource = collection(dav_alice, path)  # no props: allprop
    for name in RESOURCE_PROPS:
        assert resource.props[name][0] == 200, name


def test_propname_names_the_collection_properties_without_values(dav_alice, groceries):
    path = list_collection(dav_alice, groceries)
    response = dav_request(dav_alice, "PROPFIND", path, PROPNAME_BODY, Depth="0",
                           Content_Type=XML)
    resource = multistatus(response).responses[path]
    for name in (dav("displayname"), dav("resourcetype"), dav("sync-token")):
        status, element = resource.props[name]
        assert status == 200 and len(element) == 0 and not (element.text or "").strip()


def token_of(client, path):
    return collection(client, path, dav("sync-token")).text(dav("sync-token"))


@pytest.mark.parametrize("change", [
    {"title": "renamed"}, {"done": True}, {"reminders": [{"at": "2031-01-01T09:00:00Z"}]},
])
def test_the_sync_token_and_ctag_change_with_every_change(alice, dav_alice, groceries, change):
    """A reminder-only edit included (section 16)."""
    task = create_task(alice, title="milk", list=groceries)
    path = list_collection(dav_alice, groceries)
    before = token_of(dav_alice, path)
    alice.testapp.patch_json(f"/tasks/{task['id']}", change, headers=alice.headers, status=200)
    after = collection(dav_alice, path, dav("sync-token"), calendarserver("getctag"))
    assert after.text(dav("sync-token")) != before
    assert after.text(calendarserver("getctag")) == after.text(dav("sync-token"))


def test_the_owner_of_a_shared_list_is_its_owners_principal(alice, bob, dav_bob, groceries):
    alice.testapp.put_json(f"/lists/{groceries}/shares/bob", {"permission": "view"},
                           headers=alice.headers, status=201)
    resource = collection(dav_bob, collection_path("bob", groceries), dav("owner"))
    owner = resource.value(dav("owner")).findtext(dav("href"))
    assert owner is not None and owner.endswith(principal_path("alice"))
