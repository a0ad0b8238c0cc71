"""What every request skips since issue 31: a request class made per request, and a
transaction where nothing reads the database. What they still get is checked here too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import transaction
from pyramid.interfaces import IRequestFactory


def test_requests_are_made_from_one_class_that_has_every_request_method(app):
    baked = app.registry.getUtility(IRequestFactory)
    for name in ("dbsession", "tm", "request_id", "client_address", "current_service"):
        assert name in vars(baked), name
    assert app.request_factory is baked and app.request_extensions is None


def test_a_sub_request_made_from_another_class_still_gets_the_request_methods(testapp, alice):
    """The batch builds its sub-requests with pyramid.request.Request.blank."""
    body = {"requests": [{"method": "POST", "path": "/tasks", "body": {"title": "from a batch"}},
                         {"method": "GET", "path": "/tasks"}]}
    response = testapp.post_json("/batch", body, headers=alice.headers)
    statuses = [item["status"] for item in response.json["responses"]]
    assert statuses == [201, 200]
    assert response.json["responses"][1]["body"]["items"][0]["title"] == "from a batch"


class Begun:
    """A transaction synchronizer (``transaction.interfaces.ISynchronizer``) that counts
    the transactions begun while it is registered: pyramid_tm begins one per request."""

    def __init__(self) -> None:
        self.count = 0

    def newTransaction(self, txn: object) -> None:
        self.count += 1

    def beforeCompletion(self, txn: object) -> None:
        pass

    def afterCompletion(self, txn: object) -> None:
        pass


@pytest.fixture
def begun() -> Iterator[Begun]:
    synchronizer = Begun()
    transaction.manager.registerSynch(synchronizer)
    yield synchronizer
    transaction.manager.unregisterSynch(synchronizer)


@pytest.mark.parametrize("path", ["/__lbheartbeat__", "/__version__", "/__api__", "/docs"])
def test_what_answers_without_the_database_begins_no_transaction(testapp, begun, path):
    testapp.get(path)
    assert begun.count == 0


@pytest.mark.parametrize("path", ["/__heartbeat__", "/tasks"])
def test_everything_else_runs_in_a_transaction(testapp, alice, begun, path):
    testapp.get(path, headers=alice.headers)
    assert begun.count == 1


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("path", ["/__lbheartbeat__", "/__version__", "/docs"])
def test_a_write_to_what_answers_without_the_database_is_a_405_with_credentials(
        testapp, alice, method, path):
    """Found by the API fuzz: its error view looks the caller up, in a transaction."""
    response = testapp.request(path, method=method, headers=alice.headers, status="*")
    assert response.status_int == 405, response.text
