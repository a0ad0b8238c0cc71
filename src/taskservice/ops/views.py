"""Service endpoints for operators and load balancers: heartbeats and version."""

from __future__ import annotations

from importlib.metadata import version

from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED

from ..permissions import NO_SCOPE
from ..web.endpoints import SERVICE_ENDPOINTS
from ..web.errors import error_dict, render_errors
from ..web.services import api_service
from .heartbeats import Heartbeat

heartbeat = api_service("heartbeat", SERVICE_ENDPOINTS["heartbeat"],
                        "Is the service able to reach its database and dependencies?",
                        scopes=NO_SCOPE, traverse=False)
lbheartbeat = api_service("lbheartbeat", SERVICE_ENDPOINTS["lbheartbeat"],
                          "Is the process up? (for load balancers)",
                          scopes=NO_SCOPE, traverse=False)
version_info = api_service("version", SERVICE_ENDPOINTS["version"], "Which release is running",
                           scopes=NO_SCOPE, traverse=False)
SERVICES = (heartbeat, lbheartbeat, version_info)

PACKAGE = "taskservice"


@heartbeat.get(permission=NO_PERMISSION_REQUIRED)
def check_heartbeat(request: Request) -> dict[str, str] | Response:
    """Check that the service reaches its database, and each dependency a plugin added.

    ``{name: "ok"}`` for each check (ops.heartbeats), or a 503 naming each one that failed.
    """
    heartbeats: dict[str, Heartbeat] = request.registry.heartbeats
    failed = [(name, beat) for name, beat in heartbeats.items() if not beat.passes(name, request)]
    if failed:
        errors = [error_dict("request", name, beat.unavailable) for name, beat in failed]
        return render_errors(request, 503, errors, [("Retry-After", "5")])
    return dict.fromkeys(heartbeats, "ok")


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
