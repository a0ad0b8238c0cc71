"""CalDAV writes racing each other through a real ``pserve`` (contract section 16).

Calendar apps sync in the background, often several of them for one user: two phones
saving one task, a laptop and a phone uploading the same new task after an outage, two
clients making the same calendar. Each race here is released by a barrier against
waitress's threads on real connections (SQLite, or PostgreSQL when
``TASKSERVICE_TEST_DATABASE_URL`` is set), and repeated for a few rounds so that a rare
interleaving shows. Whatever the order, the outcome is one a serial run could give: one
winner, the others refused with the status the RFCs name, nothing stored twice, never a
5xx (conftest reads the server's log after each test).
"""

from __future__ import annotations

import http.client
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit
from xml.etree.ElementTree import fromstring

import pytest

from taskservice.caldav.names import INBOX, collection_path, home_path, object_path
from taskservice.caldav.xml import caldav, dav
from tests.support.caldav import mkcalendar_body, propfind_body, vtodo
from tests.support.dav_clients import DavAccount, header
from tests.support.load import concurrently
from tests.support.servers import REQUEST_TIMEOUT, PserveProcess
from tests.support.token_api import basic

RACERS = 8  # production.ini's waitress threads: all of them busy at once
ROUNDS = 5
ICAL = "text/calendar; charset=utf-8"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def preconditions(self) -> set[str]:
        """The elements of a ``DAV:error`` body (the RFCs' precondition names)."""
        root = fromstring(self.body)
        assert root.tag == dav("error"), self.body[:2000]
        return {child.tag for child in root}


@dataclass(frozen=True)
class CalendarApp:
    """One device of ``account``: its app password in HTTP Basic, bytes on the wire."""

    port: int
    account: DavAccount

    @property
    def username(self) -> str:
        return self.account.username

    def request(self, method: str, path: str, body: bytes = b"", **headers: str) -> Answer:
        """``headers`` given with underscores for dashes (``If_Match="…"``)."""
        sent = {**basic(self.username, self.account.app_password),
                **{name.replace("_", "-"): value for name, value in headers.items()}}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return Answer(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def put(self, path: str, ical: str, **headers: str) -> Answer:
        return self.request("PUT", path, ical.encode(), Content_Type=ICAL, **headers)

    def created(self, path: str, ical: str) -> str:
        """A new object at ``path``; its ETag."""
        answer = self.put(path, ical, If_None_Match="*")
        assert answer.status == 201, answer
        return header(answer.headers, "ETag")

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def members(self, path: str) -> list[str]:
        """The paths a ``Depth: 1`` PROPFIND of ``path`` lists below it, as listed (so a
        path listed twice shows twice)."""
        answer = self.request("PROPFIND", path, propfind_body(dav("getetag")).encode(),
                              Depth="1", Content_Type="application/xml; charset=utf-8")
        assert answer.status == 207, answer
        hrefs = [unquote(urlsplit(href.text or "").path)
                 for href in fromstring(answer.body).iter(dav("href"))]
        return [href for href in hrefs if href != path]

    def move(self, path: str, destination: str) -> Answer:
        return self.request("MOVE", path, Destination=f"http://127.0.0.1:{self.port}{destination}")


@pytest.fixture
def app(server: PserveProcess, account: DavAccount) -> CalendarApp:
    return CalendarApp(server.port, account)


def statuses(answers: list[Answer]) -> Counter[int]:
    return Counter(answer.status for answer in answers)


def the_winner(answers: list[Answer], *won: int) -> int:
    """The index of the one answer whose status is in ``won``; every other is not."""
    winners = [index for index, answer in enumerate(answers) if answer.status in won]
    assert len(winners) == 1, statuses(answers)
    return winners[0]


def fresh_uid() -> str:
    """A UID of its own, also a word the JSON API's ``q`` finds in the titles made of it."""
    return f"race{secrets.token_hex(6)}"


def tasks_with(account: DavAccount, word: str) -> list[dict[str, Any]]:
    """The tasks whose title holds ``word``, through the JSON API."""
    status, _, body = account.api.request("GET", f"/tasks?{urlencode({'q': word, 'limit': 100})}")
    assert status == 200, body
    return list(body["items"])


def rounds(race: Callable[[], None]) -> None:
    """``race`` ROUNDS times, each on new objects, so a rare interleaving gets its chance."""
    for _ in range(ROUNDS):
        race()


# -- 1. one object, one If-Match -----------------------------------------------------------


def test_puts_with_the_same_if_match_let_exactly_one_win(app, account):
    rounds(lambda: same_if_match_race(app, account))


def same_if_match_race(app: CalendarApp, account: DavAccount) -> None:
    uid = fresh_uid()
    path = object_path(app.username, INBOX, f"{uid}.ics")
    etag = app.created(path, vtodo(uid, f"{uid} first"))
    [task] = tasks_with(account, uid)
    bodies = [vtodo(uid, f"{uid} writer {index}") for index in range(RACERS)]
    answers = concurrently(RACERS, lambda index: app.put(path, bodies[index], If_Match=etag))
    assert statuses(answers) == {204: 1, 412: RACERS - 1}
    winner = the_winner(answers, 204)
    stored, _ = account.task(task["id"])
    assert stored["version"] == task["version"] + 1
    assert stored["title"] == f"{uid} writer {winner}"
    served = app.get(path)
    assert (served.status, served.body) == (200, bodies[winner].encode())


# -- 2. one UID under several names --------------------------------------------------------


@pytest.mark.parametrize("collections", [1, 2], ids=["one collection", "two collections"])
def test_new_objects_with_one_uid_make_one_task(app, account, collections):
    segments = [INBOX, account.create_list("second")][:collections]
    rounds(lambda: same_uid_race(app, account, segments))


def same_uid_race(app: CalendarApp, account: DavAccount, segments: list[str]) -> None:
    """Each racer puts the same UID under a name of its own, in one of ``segments``."""
    uid = fresh_uid()
    paths = [object_path(app.username, segments[index % len(segments)], f"{uid}-{index}.ics")
             for index in range(RACERS)]
    answers = concurrently(RACERS, lambda index: app.put(
        paths[index], vtodo(uid, f"{uid} by {index}"), If_None_Match="*"))
    assert statuses(answers) == {201: 1, 403: RACERS - 1}
    for answer in answers:
        if answer.status == 403:
            assert caldav("no-uid-conflict") in answer.preconditions()
    winner = the_winner(answers, 201)
    [task] = tasks_with(account, uid)
    assert task["title"] == f"{uid} by {winner}"
    listed = [path for segment in segments
              for path in app.members(collection_path(app.username, segment))
              if uid in path]
    assert listed == [paths[winner]]


# -- 3. one name, several UIDs -------------------------------------------------------------


@pytest.mark.parametrize("in_list", [False, True], ids=["inbox", "list"])
@pytest.mark.parametrize("if_none_match", ["*", None], ids=["If-None-Match", "unconditional"])
def test_new_objects_at_one_name_make_one_resource(app, account, if_none_match, in_list):
    """A serial run is the model: the first PUT creates (201); with ``If-None-Match: *``
    each later one finds the name taken (412, RFC 7232 3.2); without, each later one would
    replace the object with one of another UID, which RFC 4791 5.3.2.1 refuses (403
    ``CALDAV:no-uid-conflict``). Never two resources at one URL."""
    refused = 412 if if_none_match else 403
    headers = {"If_None_Match": if_none_match} if if_none_match else {}
    segment = account.create_list("named") if in_list else INBOX
    rounds(lambda: same_name_race(app, account, segment, refused, headers))


def same_name_race(app: CalendarApp, account: DavAccount, segment: str, refused: int,
                   headers: dict[str, str]) -> None:
    word = fresh_uid()
    path = object_path(app.username, segment, f"{word}.ics")
    bodies = [vtodo(f"{word}-{index}", f"{word} by {index}") for index in range(RACERS)]
    answers = concurrently(RACERS, lambda index: app.put(path, bodies[index], **headers))
    assert statuses(answers) == {201: 1, refused: RACERS - 1}
    winner = the_winner(answers, 201)
    [task] = tasks_with(account, word)
    assert task["title"] == f"{word} by {winner}"
    listed = [member for member in app.members(collection_path(app.username, segment))
              if word in member]
    assert listed == [path]
    served = app.get(path)
    assert (served.status, served.body) == (200, bodies[winner].encode())


def test_two_members_of_a_list_putting_one_new_name_make_one_resource(server, app, account):
    """The owner and an editor of one list, each in their own home, create one name in it
    (``If-None-Match: *``): the list is one collection, so one 201 and the rest 412."""
    friend = CalendarApp(server.port, DavAccount.register(server.port))
    segment = account.create_list("shared")
    status, _, body = account.api.request(
        "PUT", f"/lists/{segment}/shares/{friend.username}", {"permission": "edit"})
    assert status == 201, body
    rounds(lambda: shared_name_race([app, friend], segment))


def shared_name_race(apps: list[CalendarApp], segment: str) -> None:
    word = fresh_uid()
    answers = concurrently(RACERS, lambda index: apps[index % 2].put(
        object_path(apps[index % 2].username, segment, f"{word}.ics"),
        vtodo(f"{word}-{index}", f"{word} by {index}"), If_None_Match="*"))
    assert statuses(answers) == {201: 1, 412: RACERS - 1}
    for app in apps:
        listed = [member for member in app.members(collection_path(app.username, segment))
                  if word in member]
        assert listed == [object_path(app.username, segment, f"{word}.ics")]


# -- 4. the JSON API and CalDAV on one task ------------------------------------------------


def test_json_patch_and_caldav_put_with_one_if_match_let_one_win(app, account):
    rounds(lambda: two_doors_race(app, account))


def two_doors_race(app: CalendarApp, account: DavAccount) -> None:
    """Half the racers PATCH through the JSON API, half PUT through CalDAV, all with the
    ETag both doors served: the first write wins, every other sees it stale."""
    uid = fresh_uid()
    path = object_path(app.username, INBOX, f"{uid}.ics")
    etag = app.created(path, vtodo(uid, f"{uid} first"))
    [task] = tasks_with(account, uid)
    titles = [f"{uid} {'json' if index % 2 else 'caldav'} {index}" for index in range(RACERS)]

    def write(index: int) -> Answer:
        if index % 2:
            status, headers, _ = account.api.request(
                "PATCH", f"/tasks/{task['id']}", {"title": titles[index]}, {"If-Match": etag})
            return Answer(status, headers, b"")
        return app.put(path, vtodo(uid, titles[index]), If_Match=etag)

    answers = concurrently(RACERS, write)
    winner = the_winner(answers, 200, 204)
    assert statuses(answers)[412] == RACERS - 1
    stored, _ = account.task(task["id"])
    assert (stored["version"], stored["title"]) == (task["version"] + 1, titles[winner])


# -- 5. one calendar made twice ------------------------------------------------------------


def test_mkcalendars_of_one_segment_make_one_list(app, account):
    rounds(lambda: mkcalendar_race(app, account))


def mkcalendar_race(app: CalendarApp, account: DavAccount) -> None:
    segment = fresh_uid()
    path = collection_path(app.username, segment)
    answers = concurrently(RACERS, lambda _: app.request(
        "MKCALENDAR", path, mkcalendar_body().encode(),
        Content_Type="application/xml; charset=utf-8"))
    assert statuses(answers) == {201: 1, 405: RACERS - 1}
    listed = [member for member in app.members(home_path(app.username)) if segment in member]
    assert listed == [path]
    status, _, lists = account.api.request("GET", "/lists?limit=100")
    assert status == 200, lists
    assert [item["name"] for item in lists["items"]].count(segment) == 1


# -- 6. deleted while written, moved two ways ----------------------------------------------


def test_delete_and_put_of_one_object_leave_one_outcome(app, account):
    rounds(lambda: delete_put_race(app, account))


def delete_put_race(app: CalendarApp, account: DavAccount) -> None:
    """Half delete, half replace, all with the same If-Match: the first wins; the rest
    find the object changed (412) or gone (404); the end is that winner's."""
    uid = fresh_uid()
    path = object_path(app.username, INBOX, f"{uid}.ics")
    etag = app.created(path, vtodo(uid, f"{uid} first"))
    [task] = tasks_with(account, uid)
    bodies = [vtodo(uid, f"{uid} writer {index}") for index in range(RACERS)]
    answers = concurrently(RACERS, lambda index: app.request(
        "DELETE", path, If_Match=etag) if index % 2 else app.put(
        path, bodies[index], If_Match=etag))
    winner = the_winner(answers, 204)
    assert set(statuses(answers)) - {204} <= {404, 412}, statuses(answers)
    listed = [member for member in app.members(collection_path(app.username, INBOX))
              if uid in member]
    if winner % 2:  # deleted
        assert (app.get(path).status, account.task_status(task["id"]), listed) == (404, 404, [])
        return
    served = app.get(path)
    assert (served.status, served.body) == (200, bodies[winner].encode())
    assert account.task(task["id"])[0]["title"] == f"{uid} writer {winner}"
    assert listed == [path]


def test_moves_of_one_object_to_two_collections_leave_it_in_one(app, account):
    segments = [account.create_list("left"), account.create_list("right")]
    rounds(lambda: two_moves_race(app, account, segments))


def two_moves_race(app: CalendarApp, account: DavAccount, segments: list[str]) -> None:
    """Half move the object to one list, half to the other: the first move wins (201),
    every later one finds no such object where it looks (404) -- the task is in exactly
    one collection, the winner's, and in its list."""
    uid = fresh_uid()
    name = f"{uid}.ics"
    app.created(object_path(app.username, INBOX, name), vtodo(uid, f"{uid} moved"))
    [task] = tasks_with(account, uid)
    targets = [object_path(app.username, segments[index % 2], name) for index in range(RACERS)]
    answers = concurrently(RACERS, lambda index: app.move(
        object_path(app.username, INBOX, name), targets[index]))
    assert statuses(answers) == {201: 1, 404: RACERS - 1}
    winner = the_winner(answers, 201)
    listed = [member for segment in [INBOX, *segments]
              for member in app.members(collection_path(app.username, segment))
              if uid in member]
    assert listed == [targets[winner]]
    assert account.task(task["id"])[0]["list"] == segments[winner % 2]
