"""What ``GET /__heartbeat__`` checks: the ``config.add_heartbeat`` directive (Kinto's
``add_api_capability``'s sibling ``registry.heartbeats``, by name).

The service registers its database's check with it like any plugin registers the check of
a dependency of its own: the heartbeat answers ``{name: "ok"}`` for every check, or a 503
naming each one that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError
from pyramid.request import Request
from sqlalchemy import text

from ..db.interfaces import IDatabaseEngine
from ..db.transient import failure_reason

# Anyone may call the heartbeat: the answer says what is wrong, the log says where.
UNREACHABLE = "Database unreachable: the database does not answer; try again shortly"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Heartbeat:
    """One check: ``check(request)`` is true when the dependency answers (an exception is a
    failure too, logged); ``unavailable`` is the error's description when it does not."""

    check: Callable[[Request], bool]
    unavailable: str

    def passes(self, name: str, request: Request) -> bool:
        try:
            return self.check(request)
        except Exception as error:  # any failure of the dependency is the answer
            log.warning("request %s: heartbeat: %s failed: %s", request.request_id, name,
                        failure_reason(error))
            return False


def add_heartbeat(config: Configurator, name: str, check: Callable[[Request], bool],
                  unavailable: str = "") -> None:
    """The ``config.add_heartbeat`` directive: ``check`` is run by every ``/__heartbeat__``
    and reported under ``name``. Keep it cheap and bounded in time: a load balancer calls
    it often, and its answer waits for every check. ``unavailable`` is what a client is
    told when it fails (say nothing of hosts or ports: anyone may ask)."""
    heartbeats: dict[str, Heartbeat] = config.registry.heartbeats
    if name in heartbeats:
        raise ConfigurationError(f"heartbeat {name!r} is added twice")
    heartbeats[name] = Heartbeat(check, unavailable or
                                 f"{name} unavailable: it does not answer; try again shortly")


def database_answers(request: Request) -> bool:
    """A cheap query on a fresh connection from the pool, outside the request's session;
    the driver's reason (host, port, file) is logged under the request id."""
    engine = request.registry.getUtility(IDatabaseEngine)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return True


def includeme(config: Configurator) -> None:
    config.registry.heartbeats = {}
    config.add_directive("add_heartbeat", add_heartbeat)
    config.add_heartbeat("database", database_answers, UNREACHABLE)
