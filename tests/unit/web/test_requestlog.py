"""Request ids: a client's own is kept only when it is sane, all of it."""

from __future__ import annotations

import pytest
from pyramid.testing import DummyRequest

from taskservice.web.requestlog import request_id


@pytest.mark.parametrize("offered", ["abc\n", "abc\r\n", "\nabc", "ok id"])
def test_an_id_that_is_sane_only_in_part_is_replaced(offered):
    request = DummyRequest(headers={"X-Request-Id": offered})
    assert request_id(request) != offered
    assert len(request_id(request)) == 32


def test_a_sane_id_is_kept_and_the_same_for_a_retried_attempt():
    request = DummyRequest(headers={"X-Request-Id": "trace-7"})
    retried = DummyRequest(environ=request.environ)
    assert request_id(request) == request_id(retried) == "trace-7"
