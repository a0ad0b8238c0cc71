"""Concurrent clients through a real server: no lost update, no duplicate, never a 5xx.

One ``pserve production.ini`` (its ``[server:main]``) per module, on a database of its
own (a temporary SQLite file, or a private database on the PostgreSQL run), so the
races happen between real threads and processes on real connections -- webtest would
serialise them.
Every request of a race is released at the same instant by a barrier.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text

from tests.support.load import (
    ApiUser,
    case_variants,
    concurrently,
    error_lines,
    server_database,
    start_server,
)
from tests.support.servers import PserveProcess, http_request
from tests.support.soak import run_traffic

RACERS = 32
REGISTRATIONS = 16


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with server_database(tmp_path_factory.mktemp("concurrency")) as url:
        yield url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, database: str) -> Iterator[PserveProcess]:
    server = start_server(tmp_path_factory.mktemp("server"), database)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def no_errors_logged(server: PserveProcess) -> Iterator[None]:
    """Whatever a race did, the server logged no ERROR and no traceback for it."""
    yield
    assert error_lines(server.output()) == []


@pytest.fixture(scope="module")
def owner(server: PserveProcess) -> ApiUser:
    return ApiUser.register(server.port, "owner")


@pytest.fixture(scope="module")
def friend(server: PserveProcess) -> ApiUser:
    return ApiUser.register(server.port, "friend")


def statuses(responses: list[tuple[int, dict, object]]) -> Counter:
    return Counter(status for status, _, _ in responses)


def current_version(user: ApiUser, task_id: str) -> int:
    status, _, body = user.request("GET", f"/tasks/{task_id}")
    assert status == 200, body
    return body["version"]


def test_same_if_match_lets_exactly_one_patch_win(owner):
    task = owner.create_task()
    path = f"/tasks/{task['id']}"
    responses = concurrently(RACERS, lambda i: owner.request(
        "PATCH", path, {"title": f"writer {i}"}, {"If-Match": '"1"'}))
    counts = statuses(responses)
    print(f"\nsame If-Match x{RACERS}: {dict(counts)}")
    assert counts == {200: 1, 412: RACERS - 1}
    [winner] = [body for status, _, body in responses if status == 200]
    status, _, stored = owner.request("GET", path)
    assert status == 200, stored
    assert stored["version"] == 2
    assert stored["title"] == winner["title"]  # the winner's write is the one kept


def test_list_members_with_the_same_if_match_let_exactly_one_patch_win(owner, server):
    """Members of one list editing one task of it, each through the list's ACL (none owns
    the task): the first versioned UPDATE wins, every other sees a stale ETag."""
    suffix = secrets.token_hex(2)
    members = [ApiUser.register(server.port, f"member{i}x{suffix}") for i in range(RACERS)]
    status, _, made = owner.request("POST", "/lists", {"name": "race"})
    assert status == 201, made
    for member in members:
        status, _, body = owner.request(
            "PUT", f"/lists/{made['id']}/shares/{member.username}", {"permission": "edit"})
        assert status == 201, body
    status, _, task = owner.request("POST", f"/lists/{made['id']}/tasks", {"title": "shared"})
    assert status == 201, task
    path = f"/tasks/{task['id']}"
    responses = concurrently(RACERS, lambda i: members[i].request(
        "PATCH", path, {"title": f"member {i}"}, {"If-Match": '"1"'}))
    counts = statuses(responses)
    print(f"\nlist members, same If-Match x{RACERS}: {dict(counts)}")
    assert counts == {200: 1, 412: RACERS - 1}
    [winner] = [body for status, _, body in responses if status == 200]
    status, _, stored = members[0].request("GET", path)
    assert status == 200 and stored["version"] == 2 and stored["title"] == winner["title"]


def test_patches_without_if_match_are_all_counted(owner):
    task = owner.create_task()
    path = f"/tasks/{task['id']}"
    responses = concurrently(RACERS, lambda i: owner.request(
        "PATCH", path, {"description": f"writer {i}"}))
    counts = statuses(responses)
    print(f"\nno If-Match x{RACERS}: {dict(counts)}")
    assert not [status for status in counts if status >= 500]
    assert counts == {200: RACERS}
    assert current_version(owner, task["id"]) == 1 + counts[200]  # no write lost


def test_concurrent_put_of_one_share_creates_it_once(owner, friend, database):
    task = owner.create_task()
    path = f"/tasks/{task['id']}/shares/{friend.username}"
    responses = concurrently(RACERS, lambda i: owner.request(
        "PUT", path, {"permission": "edit" if i % 2 else "view"}))
    counts = statuses(responses)
    print(f"\nshare PUT x{RACERS}: {dict(counts)}")
    assert counts == {201: 1, 200: RACERS - 1}
    status, _, shares = owner.request("GET", f"/tasks/{task['id']}/shares")
    assert status == 200 and [s["username"] for s in shares["items"]] == [friend.username]
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT count(*) FROM task_shares WHERE task_id = :id"),
                {"id": int(task["id"])},
            ).scalar_one()
    finally:
        engine.dispose()
    assert rows == 1


@pytest.mark.parametrize("if_match", [None, '"1"'])
def test_concurrent_deletes_delete_once(owner, if_match):
    task = owner.create_task()
    path = f"/tasks/{task['id']}"
    headers = {"If-Match": if_match} if if_match else {}
    responses = concurrently(RACERS, lambda i: owner.request("DELETE", path, headers=headers))
    counts = statuses(responses)
    print(f"\nDELETE x{RACERS} (If-Match {if_match}): {dict(counts)}")
    assert counts[204] == 1
    assert set(counts) <= {204, 404, 412}
    assert owner.request("GET", path)[0] == 404


def test_registrations_of_one_name_in_different_case_make_one_user(server):
    base = f"racer{secrets.token_hex(2)}"  # hex digits may be letters: a-f
    names = case_variants(base, REGISTRATIONS)
    responses = concurrently(REGISTRATIONS, lambda i: http_request(
        server.port, "POST", "/users", {"username": names[i], "password": "correct horse"}))
    counts = statuses(responses)
    print(f"\nregistrations x{REGISTRATIONS}: {dict(counts)}")
    assert counts == {201: 1, 409: REGISTRATIONS - 1}
    status, _, body = http_request(server.port, "POST", "/tokens",
                                   {"username": base.upper(), "password": "correct horse"})
    assert status == 201, body  # the one account that exists is usable under any case


def test_short_mixed_traffic_has_no_5xx(server):
    """The soak (tests/support/soak.py) in brief: mixed traffic from 8 clients, zero 5xx."""
    report = run_traffic(server.port, duration=8.0, workers=8, prefix="short")
    print(f"\nshort soak: {report.summary()}")
    assert report.requests > 100
    assert report.server_errors == 0, report.samples
    assert report.unexpected == 0, report.samples
    assert report.connection_errors == 0, report.samples


def tasks_titled(database: str, title: str) -> int:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM tasks WHERE title = :t"),
                                      {"t": title}).scalar_one()
    finally:
        engine.dispose()


def test_concurrent_posts_with_one_idempotency_key_create_one_task(owner, database):
    """One creation; every other racer gets its replay or a 409 while it runs."""
    title = f"once {secrets.token_hex(4)}"
    key = {"Idempotency-Key": secrets.token_hex(8)}
    responses = concurrently(RACERS, lambda i: owner.request(
        "POST", "/tasks", {"title": title}, key))
    counts = statuses(responses)
    print(f"\nsame Idempotency-Key x{RACERS}: {dict(counts)}")
    assert set(counts) <= {201, 409}
    created = [(headers, body) for status, headers, body in responses if status == 201]
    assert len([h for h, _ in created if "Idempotent-Replayed" not in h]) == 1
    assert len({body["id"] for _, body in created}) == 1
    assert all(headers["Retry-After"] == "1" for status, headers, _ in responses
               if status == 409)
    status, headers, body = owner.request("POST", "/tasks", {"title": title}, key)
    assert (status, headers["Idempotent-Replayed"]) == (201, "true")
    assert body["id"] == created[0][1]["id"]
    assert tasks_titled(database, title) == 1


def test_concurrent_batches_each_and_all_in_one_never_deadlock(owner, database):
    """Atomic and non-atomic batches of creations at once: every sub-request commits."""
    title = f"batched {secrets.token_hex(4)}"
    creations = [{"method": "POST", "path": "/tasks", "body": {"title": title}}] * 5
    responses = concurrently(16, lambda i: owner.request(
        "POST", "/batch", {"requests": creations, "atomic": i % 2 == 0}))
    assert statuses(responses) == {200: 16}
    subs = Counter(item["status"] for _, _, body in responses for item in body["responses"])
    assert subs == {201: 16 * 5}
    assert all(body.get("committed", True) for _, _, body in responses)
    assert tasks_titled(database, title) == 16 * 5


def test_concurrent_atomic_batches_with_one_idempotency_key_run_once(owner, database):
    title = f"batch once {secrets.token_hex(4)}"
    key = {"Idempotency-Key": secrets.token_hex(8)}
    envelope = {"requests": [{"method": "POST", "path": "/tasks", "body": {"title": title}}] * 3,
                "atomic": True}
    responses = concurrently(RACERS, lambda i: owner.request("POST", "/batch", envelope, key))
    assert set(statuses(responses)) <= {200, 409}
    ran = [body for status, headers, body in responses
           if status == 200 and "Idempotent-Replayed" not in headers]
    assert len(ran) == 1 and ran[0]["committed"] is True
    assert tasks_titled(database, title) == 3


def test_concurrent_batches_that_end_their_caller_run_the_rest_unauthenticated(server, database):
    """Each sub-request looks its token up again, in its batch's session (atomic) or its
    own transaction: a log-out or self-deletion midway makes the rest 401s (an atomic
    batch stops and keeps nothing), with no 5xx and no sub-request waiting on its batch."""
    title = f"after the end {secrets.token_hex(4)}"
    users = [ApiUser.register(server.port, f"ending{i}_{secrets.token_hex(3)}") for i in range(8)]
    create = {"method": "POST", "path": "/tasks", "body": {"title": title}}
    ends = [{"method": "DELETE", "path": "/tokens/current"},
            {"method": "DELETE", "path": "/users/me"}]
    responses = concurrently(len(users), lambda i: users[i].request("POST", "/batch", {
        "requests": [create, ends[i % 2], create], "atomic": i % 4 < 2}))
    assert statuses(responses) == {200: len(users)}
    assert [[item["status"] for item in body["responses"]] for _, _, body in responses] == [
        [201, 204, 401]] * len(users)
    assert [body.get("committed") for _, _, body in responses] == [False, False, None, None] * 2
    # Kept: the first creation of the two non-atomic batches that logged out (an account
    # deleted takes its tasks with it; an atomic batch keeps nothing).
    assert tasks_titled(database, title) == 2


COMPLETERS = 16
FIRST_DUE = date(2030, 1, 1)


def due_after(rolls: int) -> str:
    """The due of the daily series below after ``rolls`` completions."""
    return (FIRST_DUE + timedelta(days=rolls)).isoformat()


def test_concurrent_completions_of_a_recurring_task_roll_one_occurrence_each(owner):
    """Contract section 12 under a race: half the completions carry the starting ETag, half
    none. Every 200 rolled exactly one occurrence (one version, one history entry each,
    none skipped, none twice); at most one conditional completion won, the others are 412."""
    status, _, task = owner.request("POST", "/tasks", {
        "title": "daily", "due_date": due_after(0), "recurrence": {"rule": "FREQ=DAILY"}})
    assert status == 201, task
    path = f"/tasks/{task['id']}"
    responses = concurrently(COMPLETERS, lambda i: owner.request(
        "PATCH", path, {"done": True}, {"If-Match": '"1"'} if i % 2 else {}))
    guarded = Counter(status for status, _, _ in responses[1::2])
    print(f"\nrecurring completions x{COMPLETERS}: {dict(statuses(responses))}")
    assert statuses(responses[0::2]) == {200: COMPLETERS // 2}
    assert guarded[200] <= 1 and guarded[200] + guarded[412] == COMPLETERS // 2
    rolled = sorted((body for status, _, body in responses if status == 200),
                    key=lambda body: body["version"])
    assert [(b["version"], b["due_date"], b["done"], b["completed_at"]) for b in rolled] == [
        (n + 1, due_after(n), False, None) for n in range(1, len(rolled) + 1)]
    status, _, page = owner.request("GET", f"{path}/history?limit=100")
    assert status == 200 and page["next_cursor"] is None, page
    completions = sorted((e for e in page["items"] if e["action"] != "created"),
                         key=lambda entry: entry["version"])
    assert [(e["action"], e["version"], e["occurrence"]["due_date"], e["changes"])
            for e in completions] == [
        ("completed_occurrence", n + 1, due_after(n - 1),
         {"due_date": {"from": due_after(n - 1), "to": due_after(n)}})
        for n in range(1, len(rolled) + 1)]
    assert current_version(owner, task["id"]) == len(rolled) + 1


# -- contract section 13: moves of siblings at once ---------------------------------------------

MOVERS = 16
MOVES_EACH = 12
SIBLINGS = 8
RETRIES = 50
MAX_POSITION = 64


def make_siblings(owner: ApiUser, count: int) -> tuple[str, list[str]]:
    """A parent and ``count`` subtasks of it: (its id, theirs in creation order)."""
    status, _, parent = owner.request("POST", "/tasks", {"title": "parent"})
    assert status == 201, parent
    made = []
    for i in range(count):
        status, _, task = owner.request("POST", "/tasks", {"title": f"s{i}",
                                                           "parent": parent["id"]})
        assert status == 201, task
        made.append(task["id"])
    return parent["id"], made


def assert_total_order(owner: ApiUser, parent_id: str, expected: list[str]) -> list[str]:
    """The parent's subtasks are ``expected`` (in any order), listed by position, no two of
    them at the same one, each within the bound; their ids in that order."""
    status, _, page = owner.request("GET", f"/tasks?parent={parent_id}&sort=position&limit=100")
    assert status == 200 and page["next_cursor"] is None, page
    items = page["items"]
    assert sorted(task["id"] for task in items) == sorted(expected)
    positions = [task["position"].encode("utf-8") for task in items]
    assert len(set(positions)) == len(positions), f"siblings share a position: {positions}"
    assert positions == sorted(positions)
    assert max(len(position) for position in positions) <= MAX_POSITION
    return [task["id"] for task in items]


def test_sixteen_moves_after_one_sibling_at_once_give_distinct_positions(owner):
    """Every racer computes a place between the same two siblings: however the moves commit,
    each ends at a position of its own, right after the anchor or after another racer."""
    parent_id, (anchor, *movers) = make_siblings(owner, MOVERS + 1)
    responses = concurrently(MOVERS, lambda i: owner.request(
        "POST", f"/tasks/{movers[i]}/move", {"after": anchor}))
    counts = statuses(responses)
    print(f"\nmoves after one sibling x{MOVERS}: {dict(counts)}")
    assert counts == {200: MOVERS}
    order = assert_total_order(owner, parent_id, [anchor, *movers])
    assert order[0] == anchor


def move_at_random(owner: ApiUser, siblings: list[str], seed: int, guarded: bool) -> Counter:
    """``MOVES_EACH`` moves of a random sibling after another; a guarded client sends the
    ETag it just read and tries again on a 412. The statuses it got."""
    rng = random.Random(seed)
    counts: Counter = Counter()
    for _ in range(MOVES_EACH):
        moved, after = rng.sample(siblings, 2)
        for _ in range(RETRIES):
            headers = {}
            if guarded:
                status, read_headers, body = owner.request("GET", f"/tasks/{moved}")
                assert status == 200, body
                headers = {"If-Match": read_headers["ETag"]}
            status, _, body = owner.request("POST", f"/tasks/{moved}/move", {"after": after},
                                            headers)
            counts[status] += 1
            if status != 412:
                assert status == 200, body
                assert body["id"] == moved
                break
        else:
            raise AssertionError(f"{RETRIES} moves of {moved} in a row were 412s")
    return counts


def test_sixteen_clients_moving_siblings_at_random_end_with_a_total_order(owner):
    """Half the clients move with If-Match (retrying on 412), half without: every move lands,
    and the siblings end in one order with no two at the same position."""
    parent_id, siblings = make_siblings(owner, SIBLINGS)
    results = concurrently(MOVERS, lambda i: move_at_random(owner, siblings, seed=i,
                                                            guarded=i % 2 == 1))
    counts = sum(results, Counter())
    print(f"\nrandom moves of {SIBLINGS} siblings by {MOVERS} clients: {dict(counts)}")
    assert set(counts) <= {200, 412}
    assert counts[200] == MOVERS * MOVES_EACH
    assert_total_order(owner, parent_id, siblings)
