"""One ``pserve`` per module for the CalDAV client tests, on a database of its own (a
temporary SQLite file, or a private database on the suite's PostgreSQL when
``TASKSERVICE_TEST_DATABASE_URL`` is set), and a new user for each test.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.support.constants import FAST_HASHING
from tests.support.dav_clients import DavAccount
from tests.support.load import error_lines, server_database
from tests.support.servers import PserveProcess

# An access-log line (web/requestlog.py) of an answer in the 5xx range, and its request id.
SERVER_ERROR = re.compile(r"\[taskservice\.access\]\S* (\S+) \S+ \S+ 5\d\d \S+ms")
# What web/exception_views.py logs for an attempt pyramid_retry runs again.
RETRIED = re.compile(r"retrying request (\S+) after")


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
    assert server_errors(output) == []


def server_errors(output: str) -> list[str]:
    """The access-log lines of the 5xx answers clients got. An attempt lost to a concurrent
    writer (a unique violation) is retried: the access log has a 503 line for it that no
    client saw, and one "retrying request <id>" line says so."""
    retried = Counter(RETRIED.findall(output))
    errors = []
    for line in output.splitlines():
        found = SERVER_ERROR.search(line)
        if found and retried[found[1]]:
            retried[found[1]] -= 1
        elif found:
            errors.append(line)
    return errors


@pytest.fixture
def account(server: PserveProcess) -> DavAccount:
    return DavAccount.register(server.port)
