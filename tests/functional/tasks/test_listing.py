"""Contract section 3, listing: visibility, every filter and sort, limits, cursors, Link."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
import webtest
from sqlalchemy import update

from taskservice.tasks.models import Task
from taskservice.vocabulary import MAX_TAGS, SORTS
from tests.support.api import assert_error, create_task
from tests.support.listing import RANK, expected_order, forged, ids, page, walk

T0 = datetime(2030, 1, 1, tzinfo=UTC)

# title, priority, due_at (hours after T0), created_at and updated_at (minutes after T0);
# every sort key has ties and gaps, so the tie-break by id is exercised everywhere.
SPECS = [
    ("cherry", "high", 5, 1, 9),
    ("apple", "low", None, 1, 3),
    ("banana", "urgent", 2, 2, 3),
    ("apple", "normal", 5, 0, 7),
    ("date", "high", None, 1, 2),
    ("elder", "low", -3, 4, 7),
    ("banana", "normal", 2, 3, 1),
]


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def tasks(testapp, alice, dbsession):
    """SPECS as alice's tasks with their timestamps set, as the API now shows them."""
    created = []
    for title, priority, due, created_min, updated_min in SPECS:
        due_at = None if due is None else iso(T0 + timedelta(hours=due))
        task = create_task(alice, title=title, priority=priority, due_at=due_at)
        dbsession.execute(update(Task).where(Task.id == int(task["id"])).values(
            created_at=T0 + timedelta(minutes=created_min),
            updated_at=T0 + timedelta(minutes=updated_min)))
        created.append(task["id"])
    dbsession.commit()
    return [testapp.get(f"/tasks/{i}", headers=alice.headers).json for i in created]


# -- visibility -----------------------------------------------------------------------------

def test_each_user_lists_only_their_own_tasks(testapp, alice, bob):
    mine = [create_task(alice, title=f"a{i}") for i in range(2)]
    theirs = [create_task(bob, title="b")]
    assert sorted(ids(walk(testapp, alice, {}, 10))) == sorted(ids(mine))
    assert ids(walk(testapp, bob, {}, 10)) == ids(theirs)


def test_an_admin_lists_every_task(testapp, alice, bob, admin):
    everything = [create_task(alice), create_task(bob), create_task(admin)]
    assert sorted(ids(walk(testapp, admin, {}, 2))) == sorted(ids(everything))


def test_an_empty_list(testapp, alice):
    response = page(testapp, alice)
    assert response.json == {"items": [], "next_cursor": None}
    assert "Link" not in response.headers


# -- sorting --------------------------------------------------------------------------------

def test_the_default_sort_is_newest_first(testapp, alice, tasks):
    assert ids(walk(testapp, alice, {}, 100)) == ids(expected_order(tasks, "-created_at"))


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("limit", [1, 3, 100])
def test_every_sort_in_both_directions_page_by_page(testapp, alice, tasks, sort, limit):
    assert ids(walk(testapp, alice, {"sort": sort}, limit)) == ids(expected_order(tasks, sort))


def test_the_sort_names_are_the_contracts():
    """Section 3's, both ways, and section 13's manual order, ascending only."""
    assert sorted(SORTS) == sorted([
        *(sign + field for field in ("created_at", "updated_at", "due_at", "priority", "title")
          for sign in ("", "-")),
        "position"])


@pytest.mark.parametrize("sort,first,last", [
    ("priority", "low", "urgent"), ("-priority", "urgent", "low"),
])
def test_priority_sorts_by_rank_not_by_name(testapp, alice, tasks, sort, first, last):
    items = page(testapp, alice, {"sort": sort}).json["items"]
    assert (items[0]["priority"], items[-1]["priority"]) == (first, last)


@pytest.mark.parametrize("sort", ["due_at", "-due_at"])
def test_tasks_without_a_due_date_come_last_in_both_directions(testapp, alice, tasks, sort):
    items = page(testapp, alice, {"sort": sort}).json["items"]
    assert [t["due_at"] is None for t in items] == [False] * 5 + [True] * 2


@pytest.mark.parametrize("sort", ["", "id", "--title", "owner", "title ", "TITLE", "+title",
                                  "description"])
def test_an_unknown_sort_is_400(testapp, alice, sort):
    assert_error(page(testapp, alice, {"sort": sort}, status=400), 400, ("querystring", "sort"))


# -- filters --------------------------------------------------------------------------------

def titles(testapp, client, params):
    return sorted(t["title"] for t in walk(testapp, client, params, 100))


@pytest.fixture
def variety(alice):
    """Tasks that each filter tells apart."""
    specs = [
        dict(title="Buy milk", done=False, priority="high", tags=["home", "shop"],
             due_at="2030-01-01T00:00:00Z"),
        dict(title="Pay rent", done=True, priority="high", tags=["home"],
             due_at="2030-01-02T00:00:00Z"),
        dict(title="100% done", description="literal percent", priority="low", tags=["shop"]),
        dict(title="snake_case", description="", done=True, tags=["work", "home"],
             due_at="2029-12-31T00:00:00Z"),
        dict(title="snakeXcase", description="the MILK of kindness", priority="urgent"),
    ]
    for spec in specs:
        create_task(alice, **spec)


@pytest.mark.parametrize("params,expected", [
    ({"done": "true"}, ["Pay rent", "snake_case"]),
    ({"done": "false"}, ["100% done", "Buy milk", "snakeXcase"]),
    ({"priority": "high"}, ["Buy milk", "Pay rent"]),
    ({"priority": "normal"}, ["snake_case"]),
    ({"tag": "home"}, ["Buy milk", "Pay rent", "snake_case"]),
    ({"tag": ["home", "shop"]}, ["Buy milk"]),
    ({"tag": ["home", "work"]}, ["snake_case"]),
    ({"tag": ["shop", "work"]}, []),
    ({"tag": "HOME"}, []),
    ({"tag": "hom"}, []),
    ({"owner": "alice"}, ["100% done", "Buy milk", "Pay rent", "snake_case", "snakeXcase"]),
    ({"owner": "ALICE"}, ["100% done", "Buy milk", "Pay rent", "snake_case", "snakeXcase"]),
    ({"owner": "bob"}, []),
    ({"owner": "nobody"}, []),
    ({"q": "milk"}, ["Buy milk", "snakeXcase"]),
    ({"q": "MiLk"}, ["Buy milk", "snakeXcase"]),
    ({"q": "KINDNESS"}, ["snakeXcase"]),
    ({"q": "%"}, ["100% done"]),
    ({"q": "0%"}, ["100% done"]),
    ({"q": "_"}, ["snake_case"]),
    ({"q": "e_c"}, ["snake_case"]),
    ({"q": "\\"}, []),
    ({"q": "'"}, []),
    ({"q": "nothing like it"}, []),
    ({"due_before": "2030-01-01T00:00:00Z"}, ["snake_case"]),
    ({"due_before": "2030-01-01T00:00:00.000001Z"}, ["Buy milk", "snake_case"]),
    ({"due_before": "2030-01-01T02:00:01+02:00"}, ["Buy milk", "snake_case"]),
    ({"due_after": "2030-01-01T00:00:00Z"}, ["Pay rent"]),
    ({"due_after": "2029-12-31T23:59:59Z"}, ["Buy milk", "Pay rent"]),
    ({"due_after": "2029-12-31T18:59:59-05:00"}, ["Buy milk", "Pay rent"]),
    ({"due_after": "2029-12-31T00:00:00Z", "due_before": "2030-01-02T00:00:00Z"}, ["Buy milk"]),
    ({"done": "false", "priority": "high", "tag": "home", "q": "BUY"}, ["Buy milk"]),
    ({"done": "true", "tag": "home", "due_before": "2030-01-01T00:00:00Z"}, ["snake_case"]),
    ({"done": "true", "priority": "low"}, []),
])
def test_filters(testapp, alice, variety, params, expected):
    assert titles(testapp, alice, params) == sorted(expected)


def test_filters_never_reveal_other_users_tasks(testapp, alice, bob, variety):
    create_task(bob, title="Buy milk too", tags=["home"], priority="high")
    assert titles(testapp, alice, {"owner": "bob"}) == []
    assert titles(testapp, alice, {"q": "too"}) == []
    assert titles(testapp, bob, {"tag": "home"}) == ["Buy milk too"]


def test_an_admin_filters_by_owner(testapp, alice, bob, admin):
    create_task(alice, title="hers")
    create_task(bob, title="his")
    assert titles(testapp, admin, {"owner": "Bob"}) == ["his"]


@pytest.mark.parametrize("params,name", [
    ({"done": "yes"}, "done"), ({"done": "True"}, "done"), ({"done": "1"}, "done"),
    ({"done": ""}, "done"), ({"priority": "High"}, "priority"), ({"priority": ""}, "priority"),
    ({"tag": ""}, "tag"), ({"tag": "t" * 51}, "tag"), ({"tag": ["ok", ""]}, "tag"),
    ({"q": ""}, "q"), ({"owner": ""}, "owner"), ({"due_before": "2030-01-01T00:00:00"},
                                                    "due_before"),
    ({"due_after": "2031-02-30"}, "due_after"), ({"due_before": "soon"}, "due_before"),
    ({"done": ["true", "false"]}, "done"), ({"q": ["a", "b"]}, "q"),
    ({"sort": ["title", "-title"]}, "sort"), ({"colour": "red"}, "colour"),
    ({"tag": [f"t{i}" for i in range(21)]}, "tag"), ({"tag": ["same"] * 1000}, "tag"),
])
def test_bad_filters_are_400(testapp, alice, params, name):
    assert_error(page(testapp, alice, params, status=400), 400, ("querystring", name))


# A lone surrogate reaches a URL only as the bytes of its UTF-8-like form, which no UTF-8
# decoder accepts; the same for any other byte sequence that is not UTF-8.
@pytest.mark.parametrize("query,name", [
    ("q=half%20%ED%A0%80%20a%20pair", "q"), ("tag=%ED%BF%BF", "tag"),
    ("done=true&owner=%ED%A0%80ab", "owner"), ("cursor=%FF", "cursor"), ("%C3=1", "\ufffd"),
])
def test_a_query_string_that_is_not_utf8_is_400(testapp, alice, query, name):
    response = testapp.get(f"/tasks?{query}", headers=alice.headers, status=400)
    assert_error(response, 400, ("querystring", name))


def test_as_many_tag_filters_as_a_task_has_tags_is_allowed(testapp, alice):
    tags = [f"t{i}" for i in range(MAX_TAGS)]
    create_task(alice, title="all of them", tags=tags)
    create_task(alice, title="all but one", tags=tags[1:])
    assert titles(testapp, alice, {"tag": tags}) == ["all of them"]


def test_every_bad_parameter_is_listed_at_once(testapp, alice):
    params = {"done": "maybe", "priority": "x", "sort": "x", "limit": "0", "extra": "1"}
    response = page(testapp, alice, params, status=400)
    assert_error(response, 400, *(("querystring", name) for name in params))


# -- limit ----------------------------------------------------------------------------------

@pytest.mark.parametrize("limit", ["0", "-1", "101", "99999999999999999999", "abc", "1.5", "",
                                   "1e2", " 5", "+5", "0x10"])
def test_a_bad_limit_is_400(testapp, alice, limit):
    assert_error(page(testapp, alice, {"limit": limit}, status=400), 400, ("querystring", "limit"))


@pytest.mark.parametrize("limit,size", [("1", 1), ("5", 5), ("6", 5), ("100", 5)])
def test_a_good_limit_bounds_the_page(testapp, alice, limit, size):
    for _ in range(5):
        create_task(alice)
    body = page(testapp, alice, {"limit": limit}).json
    assert len(body["items"]) == size
    assert (body["next_cursor"] is None) == (size == 5)


def test_the_default_limit_is_20(testapp, alice):
    for _ in range(21):
        create_task(alice)
    body = page(testapp, alice).json
    assert len(body["items"]) == 20 and body["next_cursor"] is not None


def test_page_sizes_follow_the_settings(make_app, register):
    client = register()
    app = webtest.TestApp(make_app(taskservice__page_size__default="2",
                                   taskservice__page_size__max="3"),
                          extra_environ={"HTTP_HOST": "example.com"})
    for _ in range(4):
        create_task(client)
    get = lambda params, status=200: app.get("/tasks", params, headers=client.headers,  # noqa
                                             status=status)
    assert len(get({}).json["items"]) == 2
    assert len(get({"limit": "3"}).json["items"]) == 3
    assert_error(get({"limit": "4"}, 400), 400, ("querystring", "limit"))


# -- cursors and the Link header ------------------------------------------------------------

@pytest.fixture
def cursor(testapp, alice, tasks):
    return page(testapp, alice, {"limit": "2", "sort": "title"}).json["next_cursor"]


def _flip(text, index):
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1:]


def _forged(cursor):
    """A well-formed cursor whose payload was edited, with the old checksum."""
    encoded, _, checksum = cursor.partition(".")
    payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    edited = payload.replace(b'"title"', b'"-title"')
    return base64.urlsafe_b64encode(edited).rstrip(b"=").decode() + "." + checksum


@pytest.mark.parametrize("tamper", [
    lambda c: _flip(c, 3), lambda c: _flip(c, len(c) - 1), lambda c: c[:-1], lambda c: c + "0",
    lambda c: c.partition(".")[0], lambda c: "x" + c, lambda c: "garbage", lambda c: "é" * 10,
    lambda c: "." + c.partition(".")[2], _forged, lambda c: "x" * 1001,
], ids=["payload", "checksum", "truncated", "extended", "no-checksum", "prefixed", "garbage",
        "non-ascii", "no-payload", "forged", "too-long"])
def test_a_tampered_cursor_is_400(testapp, alice, cursor, tamper):
    response = page(testapp, alice, {"limit": "2", "sort": "title", "cursor": tamper(cursor)},
                    status=400)
    assert_error(response, 400, ("querystring", "cursor"))


@pytest.mark.parametrize("sort", [s for s in SORTS if s != "title"])
def test_a_cursor_reused_with_another_sort_is_400(testapp, alice, cursor, sort):
    response = page(testapp, alice, {"sort": sort, "cursor": cursor}, status=400)
    assert_error(response, 400, ("querystring", "cursor"))


def test_the_link_header_leads_to_the_next_page(testapp, alice, tasks):
    params = {"limit": "3", "sort": "priority", "done": "false"}
    first = page(testapp, alice, params)
    cursor = first.json["next_cursor"]
    link = first.headers["Link"]
    url = link[1:link.index(">")]
    assert link.endswith('>; rel="next"')
    assert url.startswith("http://example.com/tasks?") and "sort=priority" in url
    assert "done=false" in url and "limit=3" in url and f"cursor={cursor}" in url
    via_link = testapp.get(url, headers=alice.headers).json
    assert via_link == page(testapp, alice, {**params, "cursor": cursor}).json


def test_the_link_header_keeps_repeated_tags(testapp, alice):
    for _ in range(3):
        create_task(alice, tags=["a", "b"])
    link = page(testapp, alice, {"tag": ["a", "b"], "limit": "1"}).headers["Link"]
    url = link[1:link.index(">")]
    assert "tag=a" in url and "tag=b" in url
    assert len(testapp.get(url, headers=alice.headers).json["items"]) == 1


# -- a walk while tasks come and go ---------------------------------------------------------

def _mutate(testapp, alice, alive, seen, round_):
    """Between two pages: delete a task not seen yet and one already seen, add a new one.

    Returns the ids deleted before the walk reached them.
    """
    unseen = sorted(alive - set(seen), key=int)
    visited = [i for i in seen if i in alive]
    for victim in unseen[:1] + visited[:1]:
        testapp.delete(f"/tasks/{victim}", headers=alice.headers, status=204)
        alive.discard(victim)
    new = create_task(alice, title=f"t{round_ % 5}", due_at=_due(round_))
    alive.add(new["id"])
    return set(unseen[:1])


def _due(i):
    return iso(T0 + timedelta(hours=i % 4)) if i % 3 else None


@pytest.mark.parametrize("sort", SORTS)
def test_a_walk_visits_every_surviving_task_exactly_once(testapp, alice, sort):
    made = {create_task(alice, title=f"t{i % 5}", priority=list(RANK)[i % 4],
                        due_at=_due(i))["id"] for i in range(12)}
    alive, seen, vanished, cursor, round_ = set(made), [], set(), None, 0
    while round_ < 100:  # bounded: a cursor that stopped advancing would page forever
        params = {"sort": sort, "limit": "3", **({"cursor": cursor} if cursor else {})}
        body = page(testapp, alice, params).json
        seen += ids(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        round_ += 1
        vanished |= _mutate(testapp, alice, alive, seen, round_)
    assert cursor is None and round_ >= 3
    assert len(seen) == len(set(seen)), "a task was repeated"
    assert made & alive <= set(seen), "a task that was there all along was skipped"
    assert not vanished & set(seen), "a task deleted before it was reached was listed"


# -- cursors forged (signed with the service's key) around values no column holds -----------

@pytest.mark.parametrize("sort,values", [
    ("-created_at", ["2030-01-01T00:00:00+00:00", 2**63]),
    ("-created_at", ["2030-01-01T00:00:00+00:00", -(2**63) - 1]),
    ("priority", [10**19, 1]), ("-priority", [-417990, 14]), ("priority", [4, 1]),
    ("title", ["p\udc00\ud800rivate", 2]), ("title", [None, 2]),
    ("-created_at", ["9999-12-31T23:59:59-23:59", 3]),
    ("created_at", ["0001-01-01T00:00:00+23:59", 3]), ("created_at", [5, 3]),
    ("due_at", [2, None, 3]), ("-due_at", [True, None, 3]),
])
def test_a_forged_cursor_with_values_no_column_holds_is_400(testapp, alice, sort, values,
                                                            cursor_key):
    create_task(alice)
    cursor = forged(sort, values, cursor_key)
    response = page(testapp, alice, {"sort": sort, "cursor": cursor}, status=400)
    assert_error(response, 400, ("querystring", "cursor"))


def test_a_well_forged_cursor_still_pages(testapp, alice, cursor_key):
    """The checks above refuse only what no column holds: a cursor of real values works."""
    first, second = create_task(alice, title="a"), create_task(alice, title="b")
    cursor = forged("title", ["a", int(first["id"])], cursor_key)
    assert ids(page(testapp, alice, {"sort": "title", "cursor": cursor}).json["items"]) == [
        second["id"]
    ]
