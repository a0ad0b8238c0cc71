"""A request that carries a password, or whose answer is a token, is never kept by the
idempotency store: not its answer, not even its fingerprint, a fast hash of the password
(issue 24, #8). Its ``Idempotency-Key`` is ignored, as on the anonymous ``POST /tokens``
and ``POST /users`` the key is for (contract section 10: authenticated POSTs)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from taskservice.idempotency.models import IdempotencyKey
from tests.support.api import assert_error, send_json
from tests.support.constants import PASSWORD
from tests.support.database import columns_holding

KEY = "Idempotency-Key"
LOGIN = {"username": "alice", "password": PASSWORD}
NEW_PASSWORD = "a brand new password"


def post(client, path, body, key, status="*"):
    return send_json(client.testapp, "POST", path, body, {**client.headers, KEY: key},
                     status=status)


def kept(dbsession) -> int:
    return dbsession.scalar(select(func.count()).select_from(IdempotencyKey))


def test_a_login_with_a_key_keeps_nothing_and_is_not_replayed(alice, dbsession, connection):
    first = post(alice, "/tokens", LOGIN, "k-login", status=201)
    again = post(alice, "/tokens", LOGIN, "k-login", status=201)
    assert "Idempotent-Replayed" not in again.headers
    assert again.json["token"] != first.json["token"]
    assert kept(dbsession) == 0
    assert columns_holding(connection, first.json["token"]) == []
    assert columns_holding(connection, PASSWORD) == []


def test_a_batch_that_logs_in_or_changes_the_password_keeps_nothing(alice, dbsession,
                                                                     connection):
    envelope = {"requests": [
        {"method": "POST", "path": "/tokens", "body": LOGIN},
        {"method": "PATCH", "path": "/users/me",
         "body": {"current_password": PASSWORD, "password": NEW_PASSWORD}},
    ]}
    answer = post(alice, "/batch", envelope, "k-batch", status=200).json
    assert [r["status"] for r in answer["responses"]] == [201, 200]
    assert kept(dbsession) == 0
    for secret in (answer["responses"][0]["body"]["token"], PASSWORD, NEW_PASSWORD):
        assert columns_holding(connection, secret) == []


@pytest.mark.parametrize("body", [
    '{"username": "newbie", "password": "' + NEW_PASSWORD + '"}',
    '{"username": "newbie", "\\u0070assword": "' + NEW_PASSWORD + '"}',  # the same JSON
    '{"username": "newbie", "password": "' + NEW_PASSWORD + '"',  # not JSON: a 400
])
def test_a_registration_with_a_key_keeps_nothing(alice, dbsession, connection, body):
    response = post(alice, "/users", body, "k-register")
    assert response.status_int in (201, 400), response.body
    assert kept(dbsession) == 0
    assert columns_holding(connection, NEW_PASSWORD) == []


def test_a_request_without_a_password_is_still_kept(alice, dbsession):
    """The rule reads field names: a task about passwords is kept like any other."""
    post(alice, "/tasks", {"title": "password", "description": "change the password"},
         "k-task", status=201)
    assert_error(post(alice, "/tasks", {"title": "other"}, "k-task"), 422, ("header", KEY))
    assert kept(dbsession) == 1


# -- a token made by a token (contract section 15) -------------------------------------------

NEW_TOKEN = {"name": "script", "scopes": ["read"], "expires_in": 3600}


def test_a_token_made_with_a_key_is_replayed_without_its_secret(alice, dbsession, connection):
    """Only the token's hash is stored, so its secret cannot be shown again: the replay
    answers the same token with ``token: null``, and the secret is in no column."""
    first = post(alice, "/users/me/tokens", NEW_TOKEN, "k-token", status=201)
    again = post(alice, "/users/me/tokens", NEW_TOKEN, "k-token", status=201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == {**first.json, "token": None}
    assert columns_holding(connection, first.json["token"]) == []
    listed = alice.testapp.get("/users/me/tokens", headers=alice.headers).json["items"]
    assert [token["id"] for token in listed].count(first.json["id"]) == 1  # made once


def test_a_batch_that_makes_a_token_keeps_no_secret(alice, connection):
    envelope = {"requests": [{"method": "POST", "path": "/users/me/tokens", "body": NEW_TOKEN}]}
    answer = post(alice, "/batch", envelope, "k-batch-token", status=200).json
    made = answer["responses"][0]["body"]
    assert answer["responses"][0]["status"] == 201 and made["token"]
    assert columns_holding(connection, made["token"]) == []
    again = post(alice, "/batch", envelope, "k-batch-token", status=200).json
    assert again["responses"][0]["body"] == {**made, "token": None}


def test_the_document_allows_the_replayed_token_its_null(testapp):
    """The replay above answers ``token: null``; the 201's schema must say it may."""
    schema = testapp.get("/__api__").json["components"]["schemas"]["NewToken"]
    assert schema["properties"]["token"].get("nullable") is True
