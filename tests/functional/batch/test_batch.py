"""``POST /batch``: every sub-request through the whole pipeline, in order, each or all
committed (contract section 10)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from taskservice.changes.models import Change
from taskservice.tasks.models import Task
from tests.functional.batch.conftest import batch, statuses
from tests.support.api import assert_error, create_task


def count(dbsession, model) -> int:
    return dbsession.scalar(select(func.count()).select_from(model))


def titles(client) -> list[str]:
    items = client.testapp.get("/tasks?sort=title", headers=client.headers).json["items"]
    return [item["title"] for item in items]


# -- running in order, each sub-response as a direct request's ------------------------------


def test_sub_requests_run_in_order_as_the_caller_each_with_its_own_status(alice):
    task = create_task(alice, title="existing")
    response = batch(alice, [
        {"method": "POST", "path": "/tasks", "body": {"title": "new", "tags": ["x"]}},
        {"method": "GET", "path": f"/tasks/{task['id']}"},
        {"method": "PATCH", "path": f"/tasks/{task['id']}", "body": {"done": True},
         "headers": {"If-Match": '"1"'}},
        {"method": "GET", "path": "/tasks?limit=1&sort=title"},
        {"method": "DELETE", "path": f"/tasks/{task['id']}"},
    ])
    assert set(response.json) == {"responses"}  # no "committed" unless atomic
    created, read, patched, listed, deleted = response.json["responses"]
    assert statuses(response) == [201, 200, 200, 200, 204]
    assert created["body"]["title"] == "new" and created["body"]["owner"] == "alice"
    assert created["headers"] == {
        "ETag": '"1"', "Location": f"http://example.com/tasks/{created['body']['id']}"}
    assert read == {"status": 200, "headers": {"ETag": '"1"'}, "body": task}
    assert patched["body"]["done"] is True and patched["headers"] == {"ETag": '"2"'}
    assert [item["title"] for item in listed["body"]["items"]] == ["existing"]
    assert 'rel="next"' in listed["headers"]["Link"]
    assert deleted == {"status": 204, "headers": {}, "body": None}
    assert titles(alice) == ["new"]


def test_a_non_atomic_batch_commits_each_and_goes_on_after_a_failure(alice, dbsession):
    response = batch(alice, [
        {"method": "POST", "path": "/tasks", "body": {"title": "first"}},
        {"method": "POST", "path": "/tasks", "body": {"title": ""}},
        {"method": "POST", "path": "/tasks", "body": {"title": "third"}},
    ], atomic=False)
    assert statuses(response) == [201, 400, 201]
    failed = response.json["responses"][1]["body"]
    assert failed["status"] == "error"
    assert [(e["location"], e["name"]) for e in failed["errors"]] == [("body", "title")]
    assert titles(alice) == ["first", "third"]
    assert count(dbsession, Change) == 2  # each creation logged, the failure not


def test_each_sub_request_has_a_request_id_of_its_own_under_the_batchs(alice):
    response = batch(alice, [{"method": "POST", "path": "/tasks", "body": {}},
                             {"method": "GET", "path": "/tasks/999"}],
                     headers={"X-Request-Id": "envelope-1"})
    assert response.headers["X-Request-Id"] == "envelope-1"
    assert [r["body"]["request_id"] for r in response.json["responses"]] == [
        "envelope-1.1", "envelope-1.2"]


# -- nothing bypasses a check a direct request meets ----------------------------------------


def test_another_users_task_is_a_404_inside_a_batch_too(alice, bob):
    secret = create_task(bob, title="bob's")
    response = batch(alice, [
        {"method": "GET", "path": f"/tasks/{secret['id']}"},
        {"method": "PATCH", "path": f"/tasks/{secret['id']}", "body": {"title": "mine now"}},
        {"method": "DELETE", "path": f"/tasks/{secret['id']}"},
        {"method": "GET", "path": f"/tasks/{secret['id']}/shares"},
    ])
    assert statuses(response) == [404, 404, 404, 404]
    for item in response.json["responses"]:
        assert [(e["location"], e["name"]) for e in item["body"]["errors"]] == [("path", "")]
    assert bob.testapp.get(f"/tasks/{secret['id']}", headers=bob.headers).json == secret


def test_a_viewer_gets_the_403_a_direct_request_would(alice, bob):
    task = create_task(alice)
    alice.testapp.put_json(f"/tasks/{task['id']}/shares/bob", {"permission": "view"},
                           headers=alice.headers, status=201)
    response = batch(bob, [{"method": "GET", "path": f"/tasks/{task['id']}"},
                           {"method": "PATCH", "path": f"/tasks/{task['id']}",
                            "body": {"title": "x"}}])
    assert statuses(response) == [200, 403]
    assert create_task is not None and titles(alice) == ["A task"]


def test_if_match_and_if_none_match_apply_inside_a_batch(alice):
    task = create_task(alice)
    path = f"/tasks/{task['id']}"
    response = batch(alice, [
        {"method": "PATCH", "path": path, "body": {"title": "x"}, "headers": {"If-Match": '"7"'}},
        {"method": "GET", "path": path, "headers": {"If-None-Match": '"1"'}},
        {"method": "DELETE", "path": path, "headers": {"If-Match": 'W/"1"'}},
    ])
    refused, unchanged, weak = response.json["responses"]
    assert refused["status"] == 412 and refused["headers"] == {"ETag": '"1"'}
    assert [(e["location"], e["name"]) for e in refused["body"]["errors"]] == [
        ("header", "If-Match")]
    assert unchanged == {"status": 304, "headers": {"ETag": '"1"'}, "body": None}
    assert weak["status"] == 412
    assert alice.testapp.get(path, headers=alice.headers).json == task


def test_validation_routing_and_methods_answer_as_directly(alice):
    response = batch(alice, [
        {"method": "POST", "path": "/tasks", "body": {"title": "x", "done": "yes", "owner": "b"}},
        {"method": "GET", "path": "/nowhere"},
        {"method": "PUT", "path": "/tasks"},
        {"method": "GET", "path": "/tasks?sort=nonsense"},
        {"method": "POST", "path": "/tasks"},
    ])
    assert statuses(response) == [400, 404, 405, 400, 400]
    invalid, _, not_allowed, bad_query, empty = response.json["responses"]
    assert sorted((e["location"], e["name"]) for e in invalid["body"]["errors"]) == [
        ("body", "done"), ("body", "owner")]
    assert "GET" in not_allowed["body"]["errors"][0]["description"]
    assert bad_query["body"]["errors"][0]["name"] == "sort"
    assert empty["body"]["errors"][0]["location"] == "body"
    assert titles(alice) == []


def test_hostile_sub_request_bodies_get_the_400_a_direct_request_would(alice):
    """Values no JSON encoder of ours would write back (a lone surrogate in an unknown
    field's name, an integer past 64 bits) reach the endpoint and come back as its 400."""
    raw = ('{"requests": [{"method": "POST", "path": "/tasks", '
           '"body": {"title": "x", "\\ud800": 1}}, {"method": "POST", "path": "/tasks", '
           '"body": {"title": 123456789012345678901234567890}}]}')
    response = alice.testapp.post("/batch", raw.encode(), headers={
        **alice.headers, "Content-Type": "application/json"}, status=200)
    assert statuses(response) == [400, 400]
    surrogate, big = response.json["responses"]
    assert [e["name"] for e in surrogate["body"]["errors"]] == ["\ud800"]
    assert [e["name"] for e in big["body"]["errors"]] == ["title"]
    assert titles(alice) == []


def test_read_only_mode_refuses_each_write_sub_request_and_answers_the_batch(
        alice, app_with):
    task = create_task(alice)
    readonly = app_with(taskservice__readonly="true")
    response = batch(alice, [
        {"method": "GET", "path": f"/tasks/{task['id']}"},
        {"method": "POST", "path": "/tasks", "body": {"title": "refused"}},
        {"method": "DELETE", "path": f"/tasks/{task['id']}"},
    ], testapp=readonly)
    assert statuses(response) == [200, 503, 503]
    assert response.json["responses"][1]["headers"] == {"Retry-After": "60"}
    atomic = batch(alice, [{"method": "POST", "path": "/tasks", "body": {"title": "no"}},
                           {"method": "GET", "path": "/tasks"}], atomic=True, testapp=readonly)
    assert statuses(atomic) == [503, 424] and atomic.json["committed"] is False
    assert titles(alice) == ["A task"]


def test_the_batch_counts_once_and_each_sub_request_once_more(alice, app_with):
    limited = app_with(taskservice__ratelimit="4/minute")
    response = batch(alice, [{"method": "GET", "path": "/tasks"}] * 4, testapp=limited)
    assert statuses(response) == [200, 200, 200, 429]  # 1 + 3 fit in 4
    assert int(response.json["responses"][3]["headers"]["Retry-After"]) >= 1
    assert_error(limited.get("/tasks", headers=alice.headers, status=429), 429)
    assert_error(batch(alice, [{"method": "GET", "path": "/tasks"}], testapp=limited,
                       status=429), 429)


def test_an_anonymous_batch_is_a_401_and_runs_nothing(testapp, alice):
    response = testapp.post_json("/batch", {"requests": [
        {"method": "POST", "path": "/tasks", "body": {"title": "x"}}]}, status=401)
    assert_error(response, 401, ("header", "Authorization"))
    assert titles(alice) == []


# -- atomic ---------------------------------------------------------------------------------


def test_an_atomic_batch_commits_all_and_each_sees_the_ones_before(alice, dbsession):
    response = batch(alice, [
        {"method": "POST", "path": "/tasks", "body": {"title": "a"}},
        {"method": "POST", "path": "/tasks", "body": {"title": "b"}},
        {"method": "GET", "path": "/tasks?sort=title"},
    ], atomic=True)
    assert statuses(response) == [201, 201, 200] and response.json["committed"] is True
    listed = response.json["responses"][2]["body"]["items"]
    assert [item["title"] for item in listed] == ["a", "b"]
    assert titles(alice) == ["a", "b"]
    assert count(dbsession, Change) == 2


def test_an_atomic_batch_stops_at_the_first_failure_and_commits_nothing(alice, dbsession):
    task = create_task(alice, title="before")
    changes = count(dbsession, Change)
    response = batch(alice, [
        {"method": "POST", "path": "/tasks", "body": {"title": "rolled back"}},
        {"method": "PATCH", "path": f"/tasks/{task['id']}", "body": {"title": "after"}},
        {"method": "PATCH", "path": f"/tasks/{task['id']}", "body": {"title": "again"},
         "headers": {"If-Match": '"1"'}},
        {"method": "POST", "path": "/tasks", "body": {"title": "never run"}},
        {"method": "GET", "path": "/tasks"},
    ], atomic=True)
    assert statuses(response) == [201, 200, 412, 424, 424]
    assert response.json["committed"] is False
    not_run = response.json["responses"][3]["body"]
    assert not_run["errors"][0]["description"].startswith("Not run: request 3 ")
    assert not_run["request_id"] == response.headers["X-Request-Id"]
    assert alice.testapp.get(f"/tasks/{task['id']}", headers=alice.headers).json == task
    assert titles(alice) == ["before"]
    assert (count(dbsession, Task), count(dbsession, Change)) == (1, changes)


def test_an_atomic_batch_that_fails_on_another_users_task_changes_nothing(alice, bob):
    secret = create_task(bob)
    response = batch(alice, [
        {"method": "POST", "path": "/tasks", "body": {"title": "mine"}},
        {"method": "DELETE", "path": f"/tasks/{secret['id']}"},
    ], atomic=True)
    assert statuses(response) == [201, 404] and response.json["committed"] is False
    assert titles(alice) == []
    assert bob.testapp.get(f"/tasks/{secret['id']}", headers=bob.headers).json == secret


# -- a malformed envelope is a 400 that runs nothing ----------------------------------------

ONE = {"method": "POST", "path": "/tasks", "body": {"title": "x"}}

ENVELOPES = [
    ({}, [("body", "requests")]),
    ({"requests": []}, [("body", "requests")]),
    ({"requests": ONE}, [("body", "requests")]),
    ({"requests": [ONE], "atomic": "yes"}, [("body", "atomic")]),
    ({"requests": [ONE], "extra": 1}, [("body", "extra")]),
    ({"requests": [ONE, {**ONE, "method": "HEAD"}]}, [("body", "requests.1.method")]),
    ({"requests": [{**ONE, "path": "tasks"}]}, [("body", "requests.0.path")]),
    ({"requests": [{**ONE, "path": "/tasks x"}]}, [("body", "requests.0.path")]),
    ({"requests": [{**ONE, "path": "/tâches"}]}, [("body", "requests.0.path")]),
    ({"requests": [{**ONE, "path": "/batch"}]}, [("body", "requests.0.path")]),
    ({"requests": [{**ONE, "path": "/%62atch/?x=1"}]}, [("body", "requests.0.path")]),
    ({"requests": [{**ONE, "headers": {"Authorization": "Bearer x"}}]},
     [("body", "requests.0.headers.Authorization")]),
    ({"requests": [{**ONE, "headers": {"If-Match": 1}}]},
     [("body", "requests.0.headers.If-Match")]),
    ({"requests": [{**ONE, "headers": {"If-None-Match": "\u00e8\u0005"}}]},
     [("body", "requests.0.headers.If-None-Match")]),
    ({"requests": [{**ONE, "surprise": True}]}, [("body", "requests.0.surprise")]),
    ({"requests": [{"path": "/tasks"}]}, [("body", "requests.0.method")]),
    ({"requests": [ONE] * 26}, [("body", "requests")]),
]


@pytest.mark.parametrize("envelope,errors", ENVELOPES)
def test_a_malformed_batch_is_a_400_naming_what_and_runs_nothing(alice, envelope, errors):
    response = alice.testapp.post_json("/batch", envelope, headers=alice.headers, status=400)
    assert_error(response, 400, *errors)
    assert titles(alice) == []


def test_a_batch_body_that_is_not_json_is_a_400(alice):
    response = alice.testapp.post("/batch", b"{requests", headers={
        **alice.headers, "Content-Type": "application/json"}, status=400)
    assert_error(response, 400, ("body", ""))


def test_the_largest_batch_follows_the_setting(alice, app_with):
    small = app_with(taskservice__batch__max_requests="2")
    assert_error(batch(alice, [ONE] * 3, testapp=small, status=400), 400, ("body", "requests"))
    assert statuses(batch(alice, [ONE] * 2, testapp=small)) == [201, 201]


# -- a conflict: an atomic batch is retried whole, as a direct request is -------------------


def test_an_atomic_batch_that_meets_a_conflict_is_retried_whole(
        alice, failing_inserts, dbsession):
    injected = failing_inserts("stale versioned row", failures=1)
    response = batch(alice, [
        {"method": "POST", "path": "/tasks", "body": {"title": "a"}},
        {"method": "POST", "path": "/tasks", "body": {"title": "b"}},
    ], atomic=True)
    assert injected.raised == 1
    assert statuses(response) == [201, 201] and response.json["committed"] is True
    assert titles(alice) == ["a", "b"]  # each created once: the failed attempt left nothing
    assert count(dbsession, Change) == 2


def test_an_atomic_batch_whose_conflict_outlives_the_retries_commits_nothing(
        alice, failing_inserts):
    failing_inserts("stale versioned row", failures=100)
    response = batch(alice, [{"method": "POST", "path": "/tasks", "body": {"title": "a"}},
                             {"method": "GET", "path": "/tasks"}], atomic=True)
    assert statuses(response) == [503, 424] and response.json["committed"] is False
    assert int(response.json["responses"][0]["headers"]["Retry-After"]) >= 1
    assert titles(alice) == []


def test_in_a_non_atomic_batch_a_conflict_is_that_sub_requests_503(alice, failing_inserts):
    failing_inserts("stale versioned row", failures=1)
    response = batch(alice, [{"method": "POST", "path": "/tasks", "body": {"title": "a"}},
                             {"method": "POST", "path": "/tasks", "body": {"title": "b"}}])
    assert statuses(response) == [503, 201]
    assert titles(alice) == ["b"]
