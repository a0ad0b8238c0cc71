"""Forwarded client addresses under the real servers (issue 24, #7).

gunicorn hands ``X-Forwarded-For`` to the application as the client sent it; waitress, as
production.ini configures it, does too. Only ``taskservice.trusted_proxies`` may make the
application believe it, whichever server runs it.
"""

from __future__ import annotations

from functools import partial

import pytest

from tests.support.database import migrated_database
from tests.support.servers import WAITRESS, GunicornProcess, PserveProcess

# One process each: the rate limit's memory:// storage counts per process.
SERVERS = {"waitress": partial(PserveProcess, options=WAITRESS), "gunicorn": GunicornProcess}
# Local addresses to connect from (any 127.x.y.z on Linux): a client, and a proxy.
CLIENT, PROXY = "127.24.7.1", "127.24.7.2"


def statuses(server: PserveProcess, source: str, *forwarded_for: str) -> list[int]:
    return [server.request("GET", "/tasks", headers={"X-Forwarded-For": value},
                           source=source)[0] for value in forwarded_for]


@pytest.mark.parametrize("kind", SERVERS)
def test_an_untrusted_client_escapes_no_limit_by_forging_addresses(tmp_path, kind):
    env = {"DATABASE_URL": migrated_database(tmp_path / "proxies.sqlite"),
           "TASKSERVICE_RATELIMIT": "3/minute"}
    with SERVERS[kind](tmp_path, env) as server:
        forged = [f"203.0.113.{n}" for n in range(1, 5)]
        assert statuses(server, CLIENT, *forged) == [401, 401, 401, 429]


@pytest.mark.parametrize("kind", SERVERS)
def test_behind_a_trusted_proxy_each_forwarded_client_counts_apart(tmp_path, kind):
    env = {"DATABASE_URL": migrated_database(tmp_path / "proxies.sqlite"),
           "TASKSERVICE_RATELIMIT": "3/minute", "TASKSERVICE_TRUSTED_PROXIES": PROXY}
    with SERVERS[kind](tmp_path, env) as server:
        one, other = "198.51.100.1", "198.51.100.2"
        assert statuses(server, PROXY, one, one, one, one) == [401, 401, 401, 429]
        assert statuses(server, PROXY, other, f"{one}, {other}") == [401, 401]
        # Untrusted, the same headers count against the peer's own address.
        assert statuses(server, CLIENT, one, other, one, other) == [401, 401, 401, 429]
