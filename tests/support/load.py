"""Helpers for tests that drive a real server process: concurrency, outages, hardening.

Built on ``tests.support.servers`` (free ports, ``pserve``, a private PostgreSQL cluster); what is
here is what those tests share and ``servers`` does not offer:

- ``server_database``: a fresh, migrated database that only this test's server uses --
  a temporary SQLite file, or on a PostgreSQL run a private database created on the
  shared server (and dropped afterwards), so a test never touches the suite's own data;
- ``ini_with``: production.ini with some ``[server:waitress]`` options changed;
- ``concurrently``: run N calls at the same instant (a barrier), to provoke races;
- ``ApiUser``: a registered, logged-in user talking HTTP to the server;
- ``error_lines``: what a server logged at ERROR (or worse), or as a traceback.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.client import HTTPMessage
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from tests.support.constants import FAST_HASHING, PASSWORD, ROOT
from tests.support.servers import PserveProcess, http_request, migrate

T = TypeVar("T")
BARRIER_TIMEOUT = 30.0


@contextmanager
def server_database(tmp_path: Path, prefix: str = "ts_conc") -> Iterator[str]:
    """The URL of a fresh database migrated to head, for a server process of this test.

    On a PostgreSQL run (``TASKSERVICE_TEST_DATABASE_URL`` set) a private database is
    created on that server and dropped with ``FORCE`` afterwards: the races under test
    need the real database, but never the rows other tests roll back in ``test``.
    """
    base = os.environ.get("TASKSERVICE_TEST_DATABASE_URL")
    if not base:
        url = f"sqlite:///{tmp_path / f'{prefix}.sqlite'}"
        migrate(url)
        yield url
        return
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(base).set(database=name).render_as_string(hide_password=False)
            migrate(url)
            yield url
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def ini_with(tmp_path: Path, **server_options: Any) -> str:
    """A copy of production.ini with ``[server:waitress]`` options set (added if absent).

    Lets a test shorten waitress's timeouts without a second ini to keep in sync (serve it
    with ``options=WAITRESS``, whichever server ``[server:main]`` names).
    """
    text = (ROOT / "production.ini").read_text()
    for key, value in server_options.items():
        text, found = re.subn(rf"^{key}\s*=.*$", f"{key} = {value}", text, flags=re.M)
        if not found:
            text = text.replace("[server:waitress]\n",
                                f"[server:waitress]\n{key} = {value}\n", 1)
    path = tmp_path / "server.ini"
    path.write_text(text)
    return str(path)


def start_server(tmp_path: Path, database_url: str, ini: str = "production.ini",
                 options: tuple[str, ...] = (), **env: str) -> PserveProcess:
    """A started ``pserve`` on ``database_url`` with fast hashing; the caller stops it.

    Cheap argon2 so that registrations and logins do not dominate a test's time; the
    production cost is exercised by the soak, which runs production.ini unchanged.
    """
    server = PserveProcess(tmp_path, {"DATABASE_URL": database_url, **FAST_HASHING, **env},
                           ini=ini, options=options)
    server.start()
    return server


def concurrently(count: int, action: Callable[[int], T]) -> list[T]:
    """``action(0..count-1)`` in ``count`` threads released together by a barrier.

    Starting together is what turns "two clients at about the same time" into an
    actual race on the server; an exception in any call is raised here.
    """
    barrier = threading.Barrier(count)

    def run(index: int) -> T:
        barrier.wait(timeout=BARRIER_TIMEOUT)
        return action(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


class ApiUser:
    """A registered user with a bearer token, talking HTTP to one server."""

    def __init__(self, port: int, username: str, token: str) -> None:
        self.port = port
        self.username = username
        self.headers = {"Authorization": f"Bearer {token}"}

    @classmethod
    def register(cls, port: int, username: str) -> ApiUser:
        status, _, body = http_request(port, "POST", "/users",
                                       {"username": username, "password": PASSWORD})
        assert status == 201, body
        status, _, body = http_request(port, "POST", "/tokens",
                                       {"username": username, "password": PASSWORD})
        assert status == 201, body
        return cls(port, username, body["token"])

    def request(self, method: str, path: str, body: Any = None,
                headers: dict | None = None) -> tuple[int, HTTPMessage, Any]:
        return http_request(self.port, method, path, body, {**self.headers, **(headers or {})})

    def create_task(self, title: str = "shared work") -> dict:
        status, _, body = self.request("POST", "/tasks", {"title": title})
        assert status == 201, body
        return body


def error_lines(output: str) -> list[str]:
    """Lines a server logged at ERROR or CRITICAL, and tracebacks (the ini's format)."""
    return [line for line in output.splitlines()
            if re.search(r"\b(ERROR|CRITI)\b", line) or line.startswith("Traceback")]


def case_variants(name: str, count: int) -> list[str]:
    """``count`` distinct spellings of ``name`` that differ only in letter case."""
    letters = [i for i, char in enumerate(name) if char.isalpha()]
    assert 2 ** len(letters) >= count, f"{name!r} has too few letters for {count} variants"
    variants = []
    for mask in range(count):
        chars = list(name.lower())
        for bit, position in enumerate(letters):
            if mask >> bit & 1:
                chars[position] = chars[position].upper()
        variants.append("".join(chars))
    return variants
