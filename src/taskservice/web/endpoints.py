"""Section 5 of the contract, the service endpoints, named once for every module.

They need no credentials, are never rate-limited or counted against anyone's budget, and
answer in read-only mode; so are the files the ``/docs`` page loads. The route names
decide 401-or-404 for anonymous callers and the OpenAPI document's error lists; the
paths let tweens that run before routing (the rate limiter) recognise them.
"""

from __future__ import annotations

from pyramid.request import Request

from ..vocabulary import WRITE_METHODS

# route name -> path
SERVICE_ENDPOINTS: dict[str, str] = {
    "heartbeat": "/__heartbeat__",
    "lbheartbeat": "/__lbheartbeat__",
    "version": "/__version__",
    "openapi": "/__api__",
    "docs": "/docs",
    "metrics": "/__metrics__",  # routed only when taskservice.metrics is on
}
SERVICE_ROUTES = frozenset(SERVICE_ENDPOINTS)
# Every one but the heartbeat answers without the database.
NO_DATABASE_ROUTES = SERVICE_ROUTES - {"heartbeat"}
DOCS_ROUTE = "docs"
DOCS_PATH = SERVICE_ENDPOINTS[DOCS_ROUTE]
# The page's own files (Swagger UI and its start-up script) are served below it.
DOCS_ASSETS_PATH = DOCS_PATH + "/"
_SERVICE_PATHS = frozenset(SERVICE_ENDPOINTS.values())
_NO_DATABASE_PATHS = frozenset(SERVICE_ENDPOINTS[route] for route in NO_DATABASE_ROUTES)
# ``POST /batch`` (contract section 10) writes nothing itself: its sub-requests do, each
# judged as a request of its own (read-only mode, the SQLite write turn).
BATCH_PATH = "/batch"
# Marks a batch sub-request's environ, with the batch's request id: a batch never nests,
# and what is done once per client request (noting a token's use) is the batch's to do.
SUBREQUEST_PARENT_KEY = "taskservice.batch.parent"


def raw_path(request: Request) -> str:
    """The request's path as the WSGI server passed it, without decoding it.

    ``request.path_info`` decodes the path as UTF-8 and raises for one that is not, which
    a client may send (``/users/%ff``); the section 5 paths are ASCII, so comparing them
    with the undecoded path is exact.
    """
    path: str = request.environ.get("PATH_INFO", "")
    return path


def is_service_path(path: str) -> bool:
    """``path`` (from ``raw_path``) is a section 5 endpoint or a file of ``/docs``."""
    return path in _SERVICE_PATHS or path.startswith(DOCS_ASSETS_PATH)


def needs_transaction(request: Request) -> bool:
    """pyramid_tm's ``tm.activate_hook``: no transaction for what answers without the
    database (the load balancer's heartbeat, the version, the docs and their files).

    Beginning and aborting one cost as much as the rest of such a request, and a load
    balancer asks for its heartbeat every few seconds from every instance.
    """
    if request.method in WRITE_METHODS:  # a 405, whose error view may look the caller up
        return True
    path = raw_path(request)
    return not (path in _NO_DATABASE_PATHS or path.startswith(DOCS_ASSETS_PATH))


def is_subrequest(request: Request) -> bool:
    """``request`` is one of a batch's sub-requests."""
    return SUBREQUEST_PARENT_KEY in request.environ


def writes_itself(request: Request) -> bool:
    """A write method, except the batch envelope, whose sub-requests are the writes."""
    return request.method in WRITE_METHODS and raw_path(request) != BATCH_PATH


# The endpoints that check or hash a password (argon2 is slow by design).
# They do that work before their writing transaction begins, never while they hold the
# SQLite write turn, which every other writer would wait for: authenticating them reads in
# a short session of its own (accounts.security), and an atomic batch may not carry them
# (batch.views), since its one transaction holds the turn from its start.
PASSWORD_ENDPOINTS = frozenset({("POST", "/users"), ("POST", "/tokens"), ("PATCH", "/users/me")})


def is_password_endpoint(method: str, path: str) -> bool:
    """``method`` on ``path`` (decoded, without its query) checks or hashes a password."""
    return (method, path) in PASSWORD_ENDPOINTS


def checks_password(request: Request) -> bool:
    """The request is one of the password endpoints (matched as its route is, decoded)."""
    try:
        path: str = request.path_info
    except UnicodeDecodeError:  # no route matches it either: a 404
        return False
    return is_password_endpoint(request.method, path)
