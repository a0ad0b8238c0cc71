"""``REPORT`` (contract section 16): ``CALDAV:calendar-multiget``, ``CALDAV:calendar-query``
(filters on ``COMPLETED`` and ``STATUS``, RFC 4791 9.9 time ranges) and ``DAV:sync-collection``
(RFC 6578: upserts, 404s for what left, ``DAV:limit`` with a 507 continuation, tokens that are
URIs and a 403 ``DAV:valid-sync-token`` for any token this collection did not issue)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from taskservice.caldav.names import INBOX, collection_path, derived_uid
from taskservice.caldav.xml import caldav, dav
from tests.support.api import create_task
from tests.support.caldav import (
    assert_dav_error,
    dav_request,
    etag_of,
    inbox,
    list_collection,
    multiget_body,
    multistatus,
    put,
    query_body,
    report,
    sync,
    task_path,
    vtodo,
)
from tests.support.lists import create_list, share_list


@pytest.fixture
def groceries(alice):
    return create_list(alice, name="Groceries")["id"]


def in_groceries(alice, groceries, **fields):
    """A task of the list, and its path in alice's home."""
    task = create_task(alice, list=groceries, **fields)
    return task, task_path(alice, groceries, task["id"])


# -- calendar-multiget --------------------------------------------------------------------


def test_multiget_returns_each_object_and_a_404_for_a_name_that_holds_nothing(
        alice, dav_alice, groceries):
    milk, milk_path = in_groceries(alice, groceries, title="milk")
    bread, bread_path = in_groceries(alice, groceries, title="bread")
    missing = list_collection(alice, groceries) + "missing.ics"
    found = multistatus(report(dav_alice, list_collection(alice, groceries),
                               multiget_body(milk_path, bread_path, missing))).responses
    assert set(found) == {milk_path, bread_path, missing}
    for task, path in ((milk, milk_path), (bread, bread_path)):
        assert found[path].text(dav("getetag")) == etag_of(alice, task["id"])
        served = dav_request(dav_alice, "GET", path, status=200).text
        assert found[path].text(caldav("calendar-data")) == served
    assert found[missing].status == 404


def test_multiget_of_another_users_task_is_a_404(alice, bob, dav_alice):
    secret = create_task(bob, title="bob's secret")
    path = task_path(alice, INBOX, secret["id"])
    response = report(dav_alice, collection_path("alice", INBOX), multiget_body(path))
    resource = multistatus(response).responses[path]
    assert resource.status == 404 and not resource.props
    assert b"bob's secret" not in response.body


# -- calendar-query -----------------------------------------------------------------------


def query(client, path, vtodo_filter=""):
    return set(multistatus(report(client, path, query_body(vtodo_filter), depth="1")
                           ).responses)


@pytest.fixture
def open_and_done(alice, groceries):
    _, open_path = in_groceries(alice, groceries, title="open")
    _, done_path = in_groceries(alice, groceries, title="done", done=True)
    return open_path, done_path


def test_a_query_without_a_filter_lists_every_vtodo(dav_alice, groceries, open_and_done):
    assert query(dav_alice, list_collection(dav_alice, groceries)) == set(open_and_done)


def test_completed_is_not_defined_lists_the_open_tasks(dav_alice, groceries, open_and_done):
    found = query(dav_alice, list_collection(dav_alice, groceries),
                  '<c:prop-filter name="COMPLETED"><c:is-not-defined/></c:prop-filter>')
    assert found == {open_and_done[0]}


def test_status_not_completed_lists_the_open_tasks(dav_alice, groceries, open_and_done):
    """What Tasks.org and Thunderbird send to hide finished tasks."""
    found = query(dav_alice, list_collection(dav_alice, groceries),
                  '<c:prop-filter name="STATUS"><c:text-match negate-condition="yes">'
                  "COMPLETED</c:text-match></c:prop-filter>")
    assert found == {open_and_done[0]}


def test_status_completed_lists_the_done_tasks(dav_alice, groceries, open_and_done):
    found = query(dav_alice, list_collection(dav_alice, groceries),
                  '<c:prop-filter name="STATUS"><c:text-match>COMPLETED</c:text-match>'
                  "</c:prop-filter>")
    assert found == {open_and_done[1]}


def time_range(start: str, end: str) -> str:
    return f'<c:time-range start="{start}" end="{end}"/>'


@pytest.mark.parametrize(("start", "end", "matches"), [
    ("20300110T000000Z", "20300111T000000Z", True),
    ("20300110T120000Z", "20300111T000000Z", False),  # start < DUE is strict
    ("20300109T000000Z", "20300110T120000Z", True),  # end >= DUE
    ("20300111T000000Z", "20300112T000000Z", False),
])
def test_a_time_range_matches_a_due_as_rfc_4791_says(alice, dav_alice, groceries, start,
                                                       end, matches):
    """RFC 4791 9.9, a VTODO with DUE and no DTSTART: (start < DUE) AND (end >= DUE)."""
    _, path = in_groceries(alice, groceries, title="due", due_at="2030-01-10T12:00:00Z")
    found = query(dav_alice, list_collection(dav_alice, groceries), time_range(start, end))
    assert found == ({path} if matches else set())


@pytest.mark.parametrize(("start", "end", "matches"), [
    ("20300109T140000Z", "20300109T160000Z", True),  # 00:00 in Tokyo is 15:00Z the day before
    ("20300110T000000Z", "20300110T010000Z", False),
])
def test_an_all_day_due_counts_from_midnight_in_the_tasks_zone(alice, dav_alice, groceries,
                                                                 start, end, matches):
    _, path = in_groceries(alice, groceries, title="all day", due_date="2030-01-10",
                           time_zone="Asia/Tokyo")
    found = query(dav_alice, list_collection(dav_alice, groceries), time_range(start, end))
    assert found == ({path} if matches else set())


@pytest.mark.parametrize(("rule", "matches"), [("FREQ=DAILY", True),
                                               ("FREQ=DAILY;COUNT=3", False)])
def test_a_recurring_task_matches_when_an_occurrence_falls_in_the_range(
        alice, dav_alice, groceries, rule, matches):
    _, path = in_groceries(alice, groceries, title="daily", due_at="2030-01-01T09:00:00Z",
                           recurrence={"rule": rule, "from": "due"})
    found = query(dav_alice, list_collection(dav_alice, groceries),
                  time_range("20300105T000000Z", "20300106T000000Z"))
    assert found == ({path} if matches else set())


def test_a_query_lists_only_what_the_caller_may_view(alice, bob, dav_alice):
    mine = create_task(alice, title="mine")
    create_task(bob, title="bob's")
    assert query(dav_alice, collection_path("alice", INBOX)) == {
        task_path(alice, INBOX, mine["id"])}


# -- sync-collection ----------------------------------------------------------------------


def synced(client, path, token=""):
    return multistatus(sync(client, path, token))


def test_an_initial_sync_lists_what_exists_and_never_a_404(alice, dav_alice, groceries):
    kept, kept_path = in_groceries(alice, groceries, title="kept")
    gone, _ = in_groceries(alice, groceries, title="gone")
    alice.testapp.delete(f"/tasks/{gone['id']}", headers=alice.headers, status=204)
    result = synced(dav_alice, list_collection(alice, groceries))
    assert set(result.responses) == {kept_path}
    assert result.responses[kept_path].status is None
    assert result.responses[kept_path].text(dav("getetag")) == etag_of(alice, kept["id"])
    assert result.sync_token and urlsplit(result.sync_token).scheme, "a token is a URI"


def test_a_sync_from_a_token_lists_each_change_once(alice, dav_alice, groceries):
    path = list_collection(alice, groceries)
    changed, changed_path = in_groceries(alice, groceries, title="changed")
    in_groceries(alice, groceries, title="untouched")
    token = synced(dav_alice, path).sync_token
    for title in ("once", "twice"):
        alice.testapp.patch_json(f"/tasks/{changed['id']}", {"title": title},
                                 headers=alice.headers, status=200)
    _, new_path = in_groceries(alice, groceries, title="new")
    result = synced(dav_alice, path, token)
    assert set(result.responses) == {changed_path, new_path}
    assert result.responses[changed_path].text(dav("getetag")) == etag_of(alice,
                                                                           changed["id"])
    assert result.sync_token != token
    assert synced(dav_alice, path, result.sync_token).responses == {}


def test_a_deleted_task_is_a_404_response(alice, dav_alice, groceries):
    path = list_collection(alice, groceries)
    gone, gone_path = in_groceries(alice, groceries, title="gone")
    token = synced(dav_alice, path).sync_token
    alice.testapp.delete(f"/tasks/{gone['id']}", headers=alice.headers, status=204)
    result = synced(dav_alice, path, token)
    assert result.responses[gone_path].status == 404
    assert set(result.responses) == {gone_path}


def test_a_task_moved_away_is_a_404_here_and_an_upsert_there(alice, dav_alice, groceries):
    other = create_list(alice, name="Other")["id"]
    source, target = list_collection(alice, groceries), list_collection(alice, other)
    task, old_path = in_groceries(alice, groceries, title="moving")
    tokens = {path: synced(dav_alice, path).sync_token for path in (source, target)}
    alice.testapp.patch_json(f"/tasks/{task['id']}", {"list": other}, headers=alice.headers,
                             status=200)
    assert {h: r.status for h, r in synced(dav_alice, source, tokens[source]).responses.items()
            } == {old_path: 404}
    there = synced(dav_alice, target, tokens[target]).responses
    assert set(there) == {task_path(alice, other, task["id"])}


def test_access_lost_is_a_404_in_the_collection(alice, bob, dav_bob, groceries):
    share_list(alice, groceries, "bob", "view")
    task = create_task(alice, title="shared", list=groceries)
    path = collection_path("bob", groceries)
    token = synced(dav_bob, path).sync_token
    alice.testapp.patch_json(f"/tasks/{task['id']}", {"list": None}, headers=alice.headers,
                             status=200)
    result = synced(dav_bob, path, token)
    assert {h: r.status for h, r in result.responses.items()} == {
        task_path(bob, groceries, task["id"]): 404}


def test_a_limit_is_honoured_with_a_507_continuation(alice, dav_alice, groceries):
    """RFC 6578 3.6: a truncated answer holds a 507 response for the collection itself and
    a token to continue from; following them lists everything, each once."""
    path = list_collection(alice, groceries)
    expected = {in_groceries(alice, groceries, title=f"t{n}")[1] for n in range(5)}
    seen: list[str] = []
    token, truncated = "", True
    for _ in range(10):
        result = multistatus(sync(dav_alice, path, token, limit=2))
        own = result.responses.pop(path, None)
        truncated = own is not None and own.status == 507
        assert len(result.responses) <= 2
        seen += list(result.responses)
        token = result.sync_token
        if not truncated:
            break
    assert not truncated
    assert sorted(seen) == sorted(expected)


def test_a_truncated_answer_says_number_of_matches_within_limits(alice, dav_alice, groceries):
    path = list_collection(alice, groceries)
    for n in range(3):
        in_groceries(alice, groceries, title=f"t{n}")
    response = sync(dav_alice, path, limit=1)
    assert b"number-of-matches-within-limits" in response.body
    assert multistatus(response).responses[path].status == 507


def altered(token: str) -> str:
    """``token`` with its last character changed."""
    return token[:-1] + ("0" if token[-1] != "0" else "1")


@pytest.mark.parametrize("which", ["altered", "other collection", "other user", "not ours",
                                   "not a uri"])
def test_a_token_this_collection_did_not_issue_is_a_403_valid_sync_token(
        alice, bob, dav_alice, dav_bob, groceries, which):
    path = list_collection(alice, groceries)
    in_groceries(alice, groceries, title="something")
    own = synced(dav_alice, path).sync_token
    other = create_list(alice, name="Other")["id"]
    token = {
        "altered": lambda: altered(own),
        "other collection": lambda: synced(dav_alice, list_collection(alice, other)
                                           ).sync_token,
        "other user": lambda: synced(dav_bob, collection_path("bob", INBOX)).sync_token,
        "not ours": lambda: "http://example.com/ns/sync/12345",
        "not a uri": lambda: "12345",
    }[which]()
    response = sync(dav_alice, path, token, status="*")
    assert_dav_error(response, 403, dav("valid-sync-token"))


def test_a_sync_lists_nothing_outside_the_callers_view(alice, bob, dav_alice):
    mine = create_task(alice, title="mine")
    bobs = create_task(bob, title="bob's")
    inbox = collection_path("alice", INBOX)
    token = synced(dav_alice, inbox).sync_token
    bob.testapp.patch_json(f"/tasks/{bobs['id']}", {"title": "bob's, changed"},
                           headers=bob.headers, status=200)
    bob.testapp.delete(f"/tasks/{bobs['id']}", headers=bob.headers, status=204)
    assert synced(dav_alice, inbox, token).responses == {}
    assert set(synced(dav_alice, inbox).responses) == {task_path(alice, INBOX, mine["id"])}


def uid_query(uid: str, negate: bool = False, collation: str = "i;octet") -> str:
    """The query the caldav library's ``object_by_uid`` sends (GNOME Errands before every
    change)."""
    condition = ' negate-condition="yes"' if negate else ""
    return (f'<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" '
            f'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>'
            f'<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO">'
            f'<c:prop-filter name="UID"><c:text-match collation="{collation}"{condition}>'
            f'{uid}</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter>'
            f'</c:filter></c:calendar-query>')


def test_a_uid_text_match_finds_the_object_a_client_named_and_the_one_the_service_named(
        alice, dav_alice):
    path = inbox(alice)
    put(dav_alice, path + "mine.ics", vtodo("client-uid@example.com", "named by the client"))
    made = create_task(alice, title="named by the service")
    derived = derived_uid(int(made["id"]))
    found = multistatus(report(dav_alice, path, uid_query("client-uid@example.com"),
                               depth="1")).responses
    assert set(found) == {path + "mine.ics"}
    found = multistatus(report(dav_alice, path, uid_query(derived), depth="1")).responses
    assert set(found) == {task_path(alice, INBOX, made["id"])}
    # A text-match is a substring match (RFC 4791 9.7.5), negated on request.
    found = multistatus(report(dav_alice, path, uid_query("CLIENT-UID", collation=
                                                          "i;ascii-casemap"),
                               depth="1")).responses
    assert set(found) == {path + "mine.ics"}
    found = multistatus(report(dav_alice, path, uid_query("client-uid", negate=True),
                               depth="1")).responses
    assert set(found) == {task_path(alice, INBOX, made["id"])}
