"""Service endpoints for operators and load balancers: heartbeats and version."""

from __future__ import annotations

import logging
from importlib.metadata import version

from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from sqlalchemy import text

from ..db.interfaces import IDatabaseEngine
from ..db.transient import failure_reason
from ..web.endpoints import SERVICE_ENDPOINTS
from ..web.errors import error_dict, render_errors
from ..web.services import api_service

heartbeat = api_service("heartbeat", SERVICE_ENDPOINTS["heartbeat"],
                        "Is the service able to reach its database?", traverse=False)
lbheartbeat = api_service("lbheartbeat", SERVICE_ENDPOINTS["lbheartbeat"],
                          "Is the process up? (for load balancers)", traverse=False)
version_info = api_service("version", SERVICE_ENDPOINTS["version"], "Which release is running",
                           traverse=False)
SERVICES = (heartbeat, lbheartbeat, version_info)

PACKAGE = "taskservice"
# Anyone may call the heartbeat: the answer says what is wrong, the log says where.
UNREACHABLE = "Database unreachable: the database does not answer; try again shortly"

log = logging.getLogger(__name__)


@heartbeat.get(permission=NO_PERMISSION_REQUIRED)
def check_heartbeat(request: Request) -> dict[str, str] | Response:
    """Check that the service reaches its database (503 when it does not).

    A cheap query on a fresh connection from the pool, outside the request's session. The
    driver's reason (host, port, file) is logged under the request id, never answered.
    """
    engine = request.registry.getUtility(IDatabaseEngine)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach the database is the answer
        log.warning("request %s: heartbeat: database unreachable: %s", request.request_id,
                    failure_reason(error))
        return render_errors(request, 503, [error_dict("request", "database", UNREACHABLE)],
                             [("Retry-After", "5")])
    return {"database": "ok"}


@lbheartbeat.get(permission=NO_PERMISSION_REQUIRED, operation_id="checkLoadBalancerHeartbeat")
def check_lbheartbeat(request: Request) -> dict[str, str]:
    """Check that the process answers, without touching the database (for load balancers).

    Nothing else is touched, so a slow database drops no worker.
    """
    return {}


@version_info.get(permission=NO_PERMISSION_REQUIRED)
def get_version(request: Request) -> dict[str, str]:
    """Which release is running."""
    return {"name": PACKAGE, "version": version(PACKAGE)}
