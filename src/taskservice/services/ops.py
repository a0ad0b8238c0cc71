"""Service endpoints for operators and load balancers: heartbeat and version."""

from __future__ import annotations

from importlib.metadata import version

from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED
from sqlalchemy import text

from ..errors import error_dict, render_errors
from . import api_service

heartbeat = api_service("heartbeat", "/__heartbeat__", "Is the service able to reach its database?",
                        traverse=False)
version_info = api_service("version", "/__version__", "Which release is running", traverse=False)
SERVICES = (heartbeat, version_info)

PACKAGE = "taskservice"


@heartbeat.get(permission=NO_PERMISSION_REQUIRED)
def check_heartbeat(request: Request):
    """A cheap query on a fresh connection from the pool, outside the request's session."""
    engine = request.registry["dbsession_engine"]
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach the database is the answer
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0][:200]
        return render_errors(
            request, 503, [error_dict("request", "database", f"Database unreachable: {reason}")],
            [("Retry-After", "5")],
        )
    return {"database": "ok"}


@version_info.get(permission=NO_PERMISSION_REQUIRED)
def get_version(request: Request) -> dict:
    return {"name": PACKAGE, "version": version(PACKAGE)}
