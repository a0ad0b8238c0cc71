"""Request ids: a client's own is kept only when it is sane, all of it."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from pyramid.testing import DummyRequest

from taskservice.web.requestlog import PATH_SAFE, logged_path, request_id


@pytest.mark.parametrize("offered", ["abc\n", "abc\r\n", "\nabc", "ok id"])
def test_an_id_that_is_sane_only_in_part_is_replaced(offered):
    request = DummyRequest(headers={"X-Request-Id": offered})
    assert request_id(request) != offered
    assert len(request_id(request)) == 32


def test_a_sane_id_is_kept_and_the_same_for_a_retried_attempt():
    request = DummyRequest(headers={"X-Request-Id": "trace-7"})
    retried = DummyRequest(environ=request.environ)
    assert request_id(request) == request_id(retried) == "trace-7"


@pytest.mark.parametrize("code", range(256))
def test_a_path_is_logged_as_quote_writes_it_with_or_without_quoting(code):
    """The fast path skips ``quote`` only for characters it would leave as they are."""
    path = f"/tasks/{chr(code)}x"
    request = DummyRequest(environ={"PATH_INFO": path})
    assert logged_path(request) == quote(path.encode("latin-1"), safe=PATH_SAFE)
