"""The caldav library (python-caldav, what GNOME Errands is built on) against ``pserve``
(contract section 16), used as an app uses it: it starts from the address a user types (the
bare one, or ``/.well-known/caldav``) with an app password and finds everything else itself.

Each step is checked through the JSON API (title, done, version, ETag), and each JSON API
change is checked through the library. Edits go through the library's ``save()`` of an
object it fetched, which sends ``If-Match`` with the ETag it was served: a stale one must be
a 412, never a silent overwrite.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import caldav
import pytest
from caldav.elements import dav
from caldav.lib import error

from tests.support.dav_clients import DavAccount, instant
from tests.support.servers import PserveProcess

REQUEST_TIMEOUT = 10  # seconds, for each request the library sends
WELL_KNOWN = "/.well-known/caldav"


def dav_client(port: int, account: DavAccount, start: str = WELL_KNOWN) -> caldav.DAVClient:
    """The library as an app starts it: the service's address and the app password."""
    return caldav.DAVClient(url=f"http://127.0.0.1:{port}{start}",
                            username=account.username, password=account.app_password,
                            timeout=REQUEST_TIMEOUT)


@pytest.fixture
def client(server: PserveProcess, account: DavAccount) -> Iterator[caldav.DAVClient]:
    with dav_client(server.port, account) as client:
        yield client


def path(url: Any) -> str:
    return urlsplit(str(url)).path


def home(account: DavAccount) -> str:
    return f"/dav/calendars/{account.username}/"


def calendars(client: caldav.DAVClient) -> dict[str, caldav.Calendar]:
    """The calendars the library discovers (principal, then its home), by path."""
    return {path(calendar.url): calendar for calendar in client.principal().get_calendars()}


def list_calendar(client: caldav.DAVClient, account: DavAccount, list_id: str
                  ) -> caldav.Calendar:
    """A list's calendar as discovered (never a URL the test builds and the server obeys)."""
    found = calendars(client)
    assert home(account) + f"{list_id}/" in found, sorted(found)
    return found[home(account) + f"{list_id}/"]


def fetched(calendar: caldav.Calendar, url: Any) -> caldav.Todo:
    """The todo as a ``GET`` serves it now, with its ETag: what an app edits and saves.

    No multiget fallback: the server's own answer to the ``GET`` is what is under test.
    """
    todo = caldav.Todo(client=calendar.client, url=url, parent=calendar)
    return todo.load(multiget_fallback=False)


def summary(todo: caldav.CalendarObjectResource) -> str:
    return str(todo.get_icalendar_component()["SUMMARY"])


def retitle(todo: caldav.Todo, title: str) -> None:
    with todo.edit_icalendar_component() as component:
        component["SUMMARY"] = title


def full_sync(calendar: caldav.Calendar) -> caldav.SynchronizableCalendarObjectCollection:
    """An initial ``sync-collection``; no fallback to a plain listing if the server fails it."""
    return calendar.get_objects_by_sync_token(load_objects=True, disable_fallback=True)


def changes_since(calendar: caldav.Calendar, token: Any
                  ) -> caldav.SynchronizableCalendarObjectCollection:
    return calendar.get_objects_by_sync_token(token, load_objects=True, disable_fallback=True)


def url_titled(calendar: caldav.Calendar, title: str) -> Any:
    """The URL of the object with this summary, found by a full sync as an app finds it."""
    [url] = [todo.url for todo in full_sync(calendar) if summary(todo) == title]
    return url


@pytest.mark.parametrize("start", [WELL_KNOWN, "/"])
def test_discovery_from_the_address_a_user_types(server, account, start):
    list_id = account.create_list("Groceries")
    with dav_client(server.port, account, start) as client:
        assert path(client.principal().url) == f"/dav/principals/{account.username}/"
        found = calendars(client)
        assert set(found) == {home(account) + "inbox/", home(account) + f"{list_id}/"}
        groceries = found[home(account) + f"{list_id}/"]
        assert groceries.get_display_name() == "Groceries"
        assert groceries.get_supported_components() == ["VTODO"]


def test_a_todo_made_edited_completed_reopened_and_deleted_by_the_library(client, account):
    list_id = account.create_list("Errands")
    calendar = list_calendar(client, account, list_id)
    made = calendar.add_todo(summary="Buy oat milk")
    task = account.task_titled("Buy oat milk")
    assert (task["list"], task["done"], task["version"]) == (list_id, False, 1)

    todo = fetched(calendar, made.url)
    assert todo.etag == account.task(task["id"])[1]  # the task's strong ETag, the JSON API's
    retitle(todo, "Buy oat milk, two cartons")
    todo.save()  # If-Match: that ETag
    body, _ = account.task(task["id"])
    assert (body["title"], body["done"], body["version"]) == ("Buy oat milk, two cartons", False, 2)

    fetched(calendar, made.url).complete()
    body, _ = account.task(task["id"])
    assert (body["done"], body["version"]) == (True, 3)
    assert body["completed_at"] is not None

    fetched(calendar, made.url).uncomplete()
    body, _ = account.task(task["id"])
    assert (body["done"], body["completed_at"], body["version"]) == (False, None, 4)

    fetched(calendar, made.url).delete(if_match=True)
    assert account.task_status(task["id"]) == 404


def test_a_task_made_in_the_inbox_is_in_no_list(client, account):
    inbox = calendars(client)[home(account) + "inbox/"]
    inbox.add_todo(summary="Water the plants")
    assert account.task_titled("Water the plants")["list"] is None


def test_dues_in_a_zone_and_all_day(client, account):
    """A ``DUE;TZID=`` naming an IANA zone sets the task's zone; a date ``DUE`` is an all-day
    due (contract section 16's table, section 12's fields)."""
    inbox = calendars(client)[home(account) + "inbox/"]
    inbox.add_todo(summary="Board the train",
                   due=datetime(2027, 3, 1, 8, 15, tzinfo=ZoneInfo("Europe/Berlin")))
    inbox.add_todo(summary="Pay the rent", due=date(2027, 4, 1))
    train, rent = (account.task_titled(title) for title in ("Board the train", "Pay the rent"))
    assert (instant(train["due_at"]), train["due_date"], train["time_zone"]) == (
        datetime(2027, 3, 1, 7, 15, tzinfo=UTC), None, "Europe/Berlin")
    assert (rent["due_at"], rent["due_date"]) == (None, "2027-04-01")

def test_completing_a_recurring_todo_rolls_it_forward(client, account):
    """The library completes the occurrence; the service moves the task to the next one and,
    having changed what was sent, answers without an ETag (the library then holds none, so
    its next save is not made on a copy the service does not have)."""
    inbox = calendars(client)[home(account) + "inbox/"]
    made = inbox.add_todo(summary="Water the garden", rrule={"FREQ": "WEEKLY"},
                          due=datetime(2027, 5, 3, 18, 0, tzinfo=UTC))
    task = account.task_titled("Water the garden")
    assert task["recurrence"]["rule"] == "FREQ=WEEKLY"

    todo = fetched(inbox, made.url)
    todo.complete()
    assert todo.etag is None
    body, _ = account.task(task["id"])
    assert (body["done"], body["completed_at"], body["version"]) == (False, None, 2)
    assert instant(body["due_at"]) == datetime(2027, 5, 10, 18, 0, tzinfo=UTC)
    again = fetched(inbox, made.url)
    assert again.is_pending()
    assert again.get_icalendar_component()["DUE"].dt == datetime(2027, 5, 10, 18, 0, tzinfo=UTC)


def test_a_task_moved_through_the_json_api_moves_between_calendars(client, account):
    """Under the same resource name (the one the library chose); the old calendar's sync
    reports it removed, the new one's reports it."""
    today, someday = (account.create_list(name) for name in ("Today", "Someday"))
    source, target = (list_calendar(client, account, list_id) for list_id in (today, someday))
    made = source.add_todo(summary="Learn the cello")
    name = path(made.url).rsplit("/", 1)[1]
    before = {calendar: full_sync(calendar).sync_token for calendar in (source, target)}

    account.patch_task(account.task_titled("Learn the cello")["id"], {"list": someday})
    left = changes_since(source, before[source])
    assert left.deleted_urls == {made.url.canonical()}
    arrived = changes_since(target, before[target])
    assert [(path(todo.url), summary(todo)) for todo in arrived] == [
        (home(account) + f"{someday}/{name}", "Learn the cello")]
    assert arrived.deleted_urls == set()

def test_sync_collection_initial_then_incremental(client, account):
    list_id = account.create_list("Sync")
    for title in ("Kept", "Changed", "Deleted"):
        account.create_task(title, list_id)
    changed, deleted = (account.task_titled(title) for title in ("Changed", "Deleted"))
    calendar = list_calendar(client, account, list_id)

    initial = full_sync(calendar)
    urls = {summary(todo): todo.url.canonical() for todo in initial}
    assert set(urls) == {"Kept", "Changed", "Deleted"}
    assert initial.deleted_urls == set()
    assert urlsplit(initial.sync_token).scheme  # sync tokens are URIs

    account.patch_task(changed["id"], {"title": "Changed again"})
    after_patch = changes_since(calendar, initial.sync_token)
    assert [(todo.url.canonical(), summary(todo)) for todo in after_patch] == [
        (urls["Changed"], "Changed again")]
    assert after_patch.deleted_urls == set()
    assert after_patch.sync_token != initial.sync_token

    account.delete_task(deleted["id"])
    after_delete = changes_since(calendar, after_patch.sync_token)
    assert after_delete.deleted_urls == {urls["Deleted"]}
    assert [todo.url.canonical() for todo in after_delete] == [urls["Deleted"]]

    quiet = changes_since(calendar, after_delete.sync_token)
    assert (list(quiet), quiet.deleted_urls) == ([], set())


def test_an_altered_sync_token_is_a_403_and_the_library_syncs_in_full(client, account):
    list_id = account.create_list("Laundry")
    account.create_task("Fold the towels", list_id)
    calendar = list_calendar(client, account, list_id)
    altered = full_sync(calendar).sync_token + "0"
    with pytest.raises(error.AuthorizationError) as refused:
        changes_since(calendar, altered)
    assert refused.value.status == 403
    assert "{DAV:}valid-sync-token" in refused.value.preconditions
    again = calendar.get_objects_by_sync_token(altered, load_objects=True)  # as apps call it
    assert [summary(todo) for todo in again] == ["Fold the towels"]

def test_a_json_api_change_is_seen_by_the_library(client, account):
    list_id = account.create_list("Papers")
    task = account.create_task("Renew passport", list_id)
    calendar = list_calendar(client, account, list_id)
    todo = fetched(calendar, url_titled(calendar, "Renew passport"))
    assert todo.is_pending()

    account.patch_task(task["id"], {"title": "Renew passport today", "done": True})
    todo.load(multiget_fallback=False)
    assert summary(todo) == "Renew passport today"
    assert not todo.is_pending()
    assert todo.etag == account.task(task["id"])[1]


def test_a_task_done_through_the_json_api_is_reopened_by_the_library(client, account):
    """The service writes a done task with STATUS, COMPLETED and PERCENT-COMPLETE:100; the
    library's ``uncomplete()`` sets STATUS:NEEDS-ACTION and drops COMPLETED, but leaves
    PERCENT-COMPLETE as it was. The user reopened the task: it must not stay done."""
    list_id = account.create_list("Library")
    task = account.create_task("Return the books", list_id)
    account.patch_task(task["id"], {"done": True})
    calendar = list_calendar(client, account, list_id)
    todo = fetched(calendar, url_titled(calendar, "Return the books"))
    assert not todo.is_pending()

    todo.uncomplete()
    body, _ = account.task(task["id"])
    assert (body["done"], body["completed_at"]) == (False, None)

def test_a_stale_save_is_a_412_and_never_overwrites(client, account):
    list_id = account.create_list("Health")
    task = account.create_task("Book the dentist", list_id)
    calendar = list_calendar(client, account, list_id)
    url = url_titled(calendar, "Book the dentist")
    stale = fetched(calendar, url)

    account.patch_task(task["id"], {"title": "Book the dentist for Monday"})  # the other side
    retitle(stale, "Book the hygienist")
    with pytest.raises(error.ETagMismatchError) as refused:
        stale.save()
    assert refused.value.status == 412
    with pytest.raises(error.ETagMismatchError):
        stale.delete(if_match=True)
    body, _ = account.task(task["id"])
    assert (body["title"], body["version"]) == ("Book the dentist for Monday", 2)

    fresh = fetched(calendar, url)  # what the app does next: fetch again, then save
    assert summary(fresh) == "Book the dentist for Monday"
    retitle(fresh, "Book the hygienist")
    fresh.save()
    body, _ = account.task(task["id"])
    assert (body["title"], body["version"]) == ("Book the hygienist", 3)


def test_a_list_shared_to_view_refuses_the_librarys_writes(server, account):
    """A list the caller may view but not edit is read-only: a ``PUT`` is a 403 with
    ``DAV:need-privileges``, and nothing is written."""
    list_id = account.create_list("Family")
    task = account.create_task("Plan the trip", list_id)
    reader = DavAccount.register(server.port)
    share = f"/lists/{list_id}/shares/{reader.username}"
    assert account.api.request("PUT", share, {"permission": "view"})[0] == 201
    with dav_client(server.port, reader) as client:
        calendar = list_calendar(client, reader, list_id)
        todo = fetched(calendar, url_titled(calendar, "Plan the trip"))
        retitle(todo, "Plan the trip to Rome")
        with pytest.raises(error.AuthorizationError) as refused:
            todo.save()
        assert refused.value.status == 403
        assert "{DAV:}need-privileges" in refused.value.preconditions
        with pytest.raises(error.AuthorizationError):
            calendar.add_todo(summary="Book the hotel")
    body, _ = account.task(task["id"])
    assert (body["title"], body["version"]) == ("Plan the trip", 1)
    assert account.api.request("GET", f"/lists/{list_id}/tasks")[2]["items"] == [body]

def test_a_sync_round_as_gnome_errands_makes_it(client, account):
    """The calls GNOME Errands' CalDAV sync makes: the task calendars are those whose
    component set holds VTODO; a list is made by MKCALENDAR under an id of the app's own and
    renamed by PROPPATCH; tasks are created with a UID of the app's, listed by calendar-query
    (pending ones, or all), completed and deleted."""
    principal = client.principal()
    segment = str(uuid.uuid4())
    principal.make_calendar(cal_id=segment, name="Weekend",
                            supported_calendar_component_set=["VTODO"])
    made = account.list_named("Weekend")
    task_calendars = {path(calendar.url): calendar for calendar in principal.get_calendars()
                      if "VTODO" in calendar.get_supported_components()}
    calendar = task_calendars[home(account) + f"{segment}/"]  # the segment the app chose
    calendar.set_properties([dav.DisplayName("Weekend plans")])
    assert account.list_named("Weekend plans")["version"] == made["version"] + 1

    uid = str(uuid.uuid4())
    calendar.add_todo(uid=uid, summary="Mow the lawn", description="Front and back",
                      priority=1, categories=["garden", "outdoor"])
    task = account.task_titled("Mow the lawn")
    assert (task["list"], task["description"], task["priority"], task["tags"]) == (
        made["id"], "Front and back", "urgent", ["garden", "outdoor"])
    [pending] = calendar.get_todos()
    assert pending.id == uid

    pending.complete()
    assert account.task(task["id"])[0]["done"] is True
    assert calendar.get_todos() == []  # pending ones only: COMPLETED and STATUS filters
    [listed] = calendar.get_todos(include_completed=True)
    assert listed.id == uid

    listed.delete()
    assert account.task_status(task["id"]) == 404
    calendar.delete()
    assert account.list_status(made["id"]) == 404


def test_a_todo_found_by_its_uid(client, account):
    """``get_todo_by_uid``, which GNOME Errands calls before each update and deletion: a
    ``calendar-query`` with a ``prop-filter`` on ``UID`` (a ``text-match``)."""
    inbox = calendars(client)[home(account) + "inbox/"]
    uid = str(uuid.uuid4())
    inbox.add_todo(uid=uid, summary="Feed the cat")
    inbox.add_todo(summary="Feed the fish")
    assert summary(inbox.get_todo_by_uid(uid)) == "Feed the cat"
