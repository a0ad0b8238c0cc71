"""Every sub-request of a batch authenticates as a direct request does (contract section 10):
a token revoked, or a user deleted, by an earlier sub-request is gone for the later ones.

In a non-atomic batch the later ones are 401s (what came before is committed); in an
atomic one the first 401 stops the batch and nothing is committed, so the token or the
user is back as it was. Never a 5xx, and never a sub-request run as a caller who is gone.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from taskservice.tasks.models import Task
from tests.functional.batch.conftest import batch, statuses
from tests.support.api import Client
from tests.support.constants import PASSWORD

LOG_OUT = {"method": "DELETE", "path": "/tokens/current"}
WHO_AM_I = {"method": "GET", "path": "/users/me"}
CREATE = {"method": "POST", "path": "/tasks", "body": {"title": "after"}}
DELETE_ME = {"method": "DELETE", "path": "/users/me"}
NEW_PASSWORD = "another horse battery"
CHANGE_PASSWORD = {"method": "PATCH", "path": "/users/me",
                   "body": {"current_password": PASSWORD, "password": NEW_PASSWORD}}


def tasks(dbsession) -> int:
    return dbsession.scalar(select(func.count()).select_from(Task))


def me_status(client: Client) -> int:
    return client.testapp.get("/users/me", headers=client.headers, status="*").status_int


def assert_unauthenticated(response, index: int) -> None:
    """Sub-response ``index`` is the 401 a direct request with a dead token gets."""
    item = response.json["responses"][index]
    assert item["status"] == 401
    assert [(e["location"], e["name"]) for e in item["body"]["errors"]] == [
        ("header", "Authorization")]


def test_after_logging_out_in_a_batch_the_rest_of_it_is_unauthenticated(alice, dbsession):
    response = batch(alice, [LOG_OUT, WHO_AM_I, CREATE], atomic=False)
    assert statuses(response) == [204, 401, 401]
    assert_unauthenticated(response, 1)
    assert tasks(dbsession) == 0
    assert me_status(alice) == 401  # the log-out was committed


def test_logging_out_stops_an_atomic_batch_and_the_token_stays_valid(alice, dbsession):
    response = batch(alice, [CREATE, LOG_OUT, WHO_AM_I, CREATE], atomic=True)
    assert statuses(response) == [201, 204, 401, 424]
    assert_unauthenticated(response, 2)
    assert response.json["committed"] is False
    assert tasks(dbsession) == 0
    assert me_status(alice) == 200  # nothing committed: not even the log-out


def test_after_deleting_oneself_in_a_batch_the_rest_of_it_is_unauthenticated(
        alice, bob, dbsession):
    response = batch(alice, [DELETE_ME, WHO_AM_I, CREATE, {"method": "GET", "path": "/tasks"}],
                     atomic=False)
    assert statuses(response) == [204, 401, 401, 401]
    assert_unauthenticated(response, 1)
    assert tasks(dbsession) == 0
    assert me_status(alice) == 401
    bob.testapp.get("/users/alice", headers=bob.headers, status=404)


def test_deleting_oneself_stops_an_atomic_batch_and_the_account_stays(alice, dbsession):
    response = batch(alice, [CREATE, DELETE_ME, CREATE], atomic=True)
    assert statuses(response) == [201, 204, 401]
    assert_unauthenticated(response, 2)
    assert response.json["committed"] is False
    assert tasks(dbsession) == 0
    assert me_status(alice) == 200


@pytest.mark.parametrize("atomic", [False, True])
def test_an_admin_who_deletes_another_user_in_a_batch_goes_on_as_themself(
        alice, admin, atomic):
    """Each sub-request looks up the batch's own token: only the deleted account is gone."""
    response = batch(admin, [{"method": "DELETE", "path": "/users/alice"}, WHO_AM_I, CREATE],
                     atomic=atomic)
    assert statuses(response) == [204, 200, 201]
    assert response.json["responses"][1]["body"]["username"] == admin.username
    assert me_status(alice) == 401


def test_a_password_change_in_a_batch_keeps_the_callers_own_token(alice, testapp, dbsession):
    """It revokes every other token of the caller's; theirs goes on to the batch's end.

    (Non-atomic: an atomic batch holds the SQLite write turn throughout, which password
    work must not, issue 24.)
    """
    other = testapp.post_json("/tokens", {"username": "alice", "password": PASSWORD},
                              status=201).json["token"]
    response = batch(alice, [CHANGE_PASSWORD, WHO_AM_I, CREATE], atomic=False)
    assert statuses(response) == [200, 200, 201]
    assert tasks(dbsession) == 1
    assert me_status(alice) == 200
    testapp.get("/users/me", headers={"Authorization": f"Bearer {other}"}, status=401)


@pytest.mark.parametrize("atomic", [False, True])
def test_deleting_oneself_in_a_batch_with_an_idempotency_key_is_no_5xx(alice, atomic):
    """The key's row goes with the account; keeping the response then updates nothing."""
    response = batch(alice, [DELETE_ME], atomic=atomic,
                     headers={"Idempotency-Key": "delete-me-once"})
    assert statuses(response) == [204]
    assert me_status(alice) == 401
