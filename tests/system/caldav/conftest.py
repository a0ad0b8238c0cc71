"""One ``pserve`` per module for the CalDAV client tests, on a database of its own (a
temporary SQLite file, or a private database on the suite's PostgreSQL when
``TASKSERVICE_TEST_DATABASE_URL`` is set), and a new user for each test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.support.constants import FAST_HASHING
from tests.support.dav_clients import DavAccount
from tests.support.load import error_lines, server_database
from tests.support.servers import PserveProcess

# An access-log line (web/requestlog.py) of an answer in the 5xx range.
SERVER_ERROR = re.compile(r"\[taskservice\.access\]\S* \S+ \S+ \S+ 5\d\d \S+ms")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PserveProcess]:
    workdir = tmp_path_factory.mktemp("caldav-clients")
    with (server_database(workdir, "ts_dav") as url,
          PserveProcess(workdir, {"DATABASE_URL": url, **FAST_HASHING}) as server):
        yield server


@pytest.fixture(autouse=True)
def no_server_errors(server: PserveProcess) -> Iterator[None]:
    """Nothing a client sends is ever a 5xx or a traceback (contract section 16)."""
    seen = len(server.output())
    yield
    output = server.output()[seen:]
    assert error_lines(output) == []
    assert [line for line in output.splitlines() if SERVER_ERROR.search(line)] == []


@pytest.fixture
def account(server: PserveProcess) -> DavAccount:
    return DavAccount.register(server.port)
