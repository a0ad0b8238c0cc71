"""Where the scope's 403 stands among the other errors, and scopes inside a batch (section 15).

"The scope's 403 comes after the 401 and the 404 and before 405, 413, 415 and 400": a
token lacking the scope learns nothing it could not learn with it (another user's task
stays a 404), and is refused before anything else is looked at. ``POST /batch`` needs
``write``, "whose sub-requests need their own scopes".
"""

from __future__ import annotations

import json

import pytest

from tests.support.api import assert_error, assert_unauthorized, create_task, send_json
from tests.support.lists import create_list
from tests.support.scoped import (
    assert_insufficient_scope,
    create_hook,
    expire,
    mint,
    needed_scope,
    resolve_publicly,
)

# A token of each single scope lacking the one a request needs: read lacks every other.
LACKING = {"read": "write", "write": "read", "webhooks": "read", "account": "read"}


@pytest.fixture(autouse=True)
def public_hooks(monkeypatch):
    resolve_publicly(monkeypatch)


@pytest.fixture
def reader(alice):
    return mint(alice, ["read"])


@pytest.fixture
def writer(alice):
    return mint(alice, ["write"])


# -- 401 first


def test_without_credentials_a_write_is_a_401(testapp, alice):
    create_task(alice)
    assert_unauthorized(send_json(testapp, "POST", "/tasks", {"title": "x"}, status=401))


def test_an_expired_token_lacking_the_scope_is_a_401(testapp, dbsession, alice):
    expired = mint(alice, ["read"], expires_in=60)
    expire(dbsession, expired)
    response = send_json(testapp, "POST", "/tasks", {"title": "x"}, expired.headers, 401)
    assert_unauthorized(response)


# -- then the 404 of what the token may not reach


@pytest.mark.parametrize(("method", "suffix"), [
    ("PATCH", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/move"), ("PUT", "/shares/alice"),
])
def test_someone_elses_task_is_a_404_to_a_token_lacking_write(testapp, bob, reader,
                                                              method, suffix):
    task = create_task(bob)
    response = send_json(testapp, method, f"/tasks/{task['id']}{suffix}",
                         {"title": "x", "permission": "view"}, reader.headers, 404)
    assert_error(response, 404)


@pytest.mark.parametrize("suffix", ["", "/history", "/shares", "/occurrences"])
def test_someone_elses_task_is_a_404_to_a_token_lacking_read(testapp, bob, writer, suffix):
    task = create_task(bob)
    assert_error(testapp.get(f"/tasks/{task['id']}{suffix}", headers=writer.headers,
                             status=404), 404)


def test_a_task_that_does_not_exist_is_a_404_to_a_token_lacking_write(testapp, reader):
    assert_error(testapp.delete("/tasks/999999", headers=reader.headers, status=404), 404)


def test_someone_elses_list_webhook_and_account_are_404s(testapp, alice, bob):
    """Each with a token lacking what its method would need."""
    listed = create_list(bob)
    hook = create_hook(bob)
    reader = mint(alice, ["read"])
    for method, path in [("PATCH", f"/lists/{listed['id']}"), ("GET", f"/webhooks/{hook['id']}"),
                         ("DELETE", f"/webhooks/{hook['id']}"), ("DELETE", "/users/bob")]:
        assert needed_scope(method, path) != "read"
        assert_error(send_json(testapp, method, path, {"name": "x"}, reader.headers, 404), 404)


def test_a_task_the_caller_may_view_is_the_scopes_403(testapp, alice, bob, reader):
    """Shared with the caller to view only: the scope is what the token lacks first."""
    task = create_task(bob)
    bob.testapp.put_json(f"/tasks/{task['id']}/shares/alice", {"permission": "view"},
                         headers=bob.headers, status=201)
    response = send_json(testapp, "PATCH", f"/tasks/{task['id']}", {"done": True},
                         reader.headers, 403)
    assert_insufficient_scope(response, "write")


# -- and before 405, 413, 415 and 400


@pytest.mark.parametrize(("method", "path"), [
    ("PUT", "/tasks"), ("DELETE", "/tasks"), ("POST", "/tasks/{task}"), ("PATCH", "/lists"),
    ("POST", "/lists/{list}/shares"), ("PUT", "/tasks/{task}/history"), ("PUT", "/webhooks"),
    ("POST", "/webhooks/{hook}"), ("PATCH", "/users/alice"),
])
def test_a_method_the_path_does_not_allow_is_the_scopes_403_first(
        testapp, alice, method, path):
    listed = create_list(alice)
    task = create_task(alice, list=listed["id"])
    hook = create_hook(alice)
    path = path.format(task=task["id"], list=listed["id"], hook=hook["id"])
    needed = needed_scope(method, path)
    lacking = mint(alice, [LACKING[needed]])
    holding = mint(alice, [needed])
    assert_insufficient_scope(
        send_json(testapp, method, path, {"name": "x"}, lacking.headers, 403), needed)
    allowed = send_json(testapp, method, path, {"name": "x"}, holding.headers, 405)
    assert_error(allowed, 405)
    assert allowed.headers["Allow"]


def test_a_body_too_large_is_the_scopes_403_first(testapp, reader, writer, app):
    body = {"title": "x", "description": "y" * app.registry.app_settings.max_body_bytes}
    assert_insufficient_scope(send_json(testapp, "POST", "/tasks", body, reader.headers, 403),
                              "write")
    assert_error(send_json(testapp, "POST", "/tasks", body, writer.headers, 413), 413)


def test_a_body_that_is_not_json_is_the_scopes_403_first(testapp, reader, writer):
    def post(client, status):
        return testapp.post("/tasks", json.dumps({"title": "x"}), headers={
            **client.headers, "Content-Type": "text/plain"}, status=status)

    assert_insufficient_scope(post(reader, 403), "write")
    assert_error(post(writer, 415), 415)


@pytest.mark.parametrize("body", ['{"title": ', '{"title": ""}', '{"title": "x", "id": "1"}'])
def test_a_malformed_body_is_the_scopes_403_first(testapp, reader, writer, body):
    assert_insufficient_scope(send_json(testapp, "POST", "/tasks", body, reader.headers, 403),
                              "write")
    assert_error(send_json(testapp, "POST", "/tasks", body, writer.headers, 400), 400)


# -- batch: the envelope needs write, each sub-request its own scope


def batch(client, *requests, atomic=False, status=200):
    return client.testapp.post_json("/batch", {"requests": list(requests), "atomic": atomic},
                                    headers=client.headers, status=status)


def assert_sub_insufficient_scope(sub_response, scope):
    """A sub-response carries no WWW-Authenticate (only ETag, Location, Link and
    Retry-After pass): the status and the body say it."""
    assert sub_response["status"] == 403, sub_response
    [error] = sub_response["body"]["errors"]
    assert (error["location"], error["name"]) == ("header", "Authorization")
    assert scope in error["description"]


def test_a_write_only_tokens_sub_requests_need_their_own_scopes(writer):
    answer = batch(writer, {"method": "POST", "path": "/tasks", "body": {"title": "a"}},
                   {"method": "GET", "path": "/tasks"},
                   {"method": "GET", "path": "/webhooks"},
                   {"method": "PATCH", "path": "/users/me", "body": {"time_zone": "UTC"}}).json
    created, listing, hooks, account = answer["responses"]
    assert created["status"] == 201
    assert_sub_insufficient_scope(listing, "read")
    assert_sub_insufficient_scope(hooks, "webhooks")
    assert_sub_insufficient_scope(account, "account")


def test_an_atomic_batch_stops_at_a_sub_request_lacking_its_scope(testapp, alice, writer):
    answer = batch(writer, {"method": "POST", "path": "/tasks", "body": {"title": "a"}},
                   {"method": "GET", "path": "/tasks"},
                   {"method": "POST", "path": "/tasks", "body": {"title": "b"}},
                   atomic=True).json
    assert [sub["status"] for sub in answer["responses"]] == [201, 403, 424]
    assert answer["committed"] is False
    assert testapp.get("/tasks", headers=alice.headers).json["items"] == []


def test_a_read_and_write_tokens_batch_works(alice):
    both = mint(alice, ["read", "write"])
    answer = batch(both, {"method": "POST", "path": "/tasks", "body": {"title": "a"}},
                   {"method": "GET", "path": "/tasks"}).json
    created, listing = answer["responses"]
    assert created["status"] == 201 and listing["status"] == 200
    assert [task["id"] for task in listing["body"]["items"]] == [created["body"]["id"]]


def test_a_batch_of_reads_still_needs_write(reader):
    """Whatever its sub-requests: the envelope's own rule."""
    response = batch(reader, {"method": "GET", "path": "/tasks"}, status=403)
    assert_insufficient_scope(response, "write")
