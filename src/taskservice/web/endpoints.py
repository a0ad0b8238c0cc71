"""Section 5 of the contract, the service endpoints, named once for every module.

They need no credentials, are never rate-limited or counted against anyone's budget, and
answer in read-only mode; so are the files the ``/docs`` page loads. The route names
decide 401-or-404 for anonymous callers and the OpenAPI document's error lists; the
paths let tweens that run before routing (the rate limiter) recognise them.
"""

from __future__ import annotations

# route name -> path
SERVICE_ENDPOINTS: dict[str, str] = {
    "heartbeat": "/__heartbeat__",
    "lbheartbeat": "/__lbheartbeat__",
    "version": "/__version__",
    "openapi": "/__api__",
    "docs": "/docs",
}
SERVICE_ROUTES = frozenset(SERVICE_ENDPOINTS)
# Every one but the heartbeat answers without the database.
NO_DATABASE_ROUTES = SERVICE_ROUTES - {"heartbeat"}
DOCS_PATH = SERVICE_ENDPOINTS["docs"]
# The page's own files (Swagger UI and its start-up script) are served below it.
DOCS_ASSETS_PATH = DOCS_PATH + "/"
_SERVICE_PATHS = frozenset(SERVICE_ENDPOINTS.values())


def is_service_path(path: str) -> bool:
    """``path`` (a request's ``path_info``) is a section 5 endpoint or a file of ``/docs``."""
    return path in _SERVICE_PATHS or path.startswith(DOCS_ASSETS_PATH)
