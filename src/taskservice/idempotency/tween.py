"""The ``Idempotency-Key`` tween: claim the key, run the request, keep its response.

It sits above pyramid_tm, so the lease is committed before the request's transaction
begins and the response is kept after that transaction has ended (committed or not):
on SQLite, whose one writer at a time is the request, neither waits for the other. The
key's owner is the caller, found here in the lease's own transaction and handed to the
request (``web.identity``), which then does not look the token up again.

What is never kept: a request that carries a password (fingerprint.carries_password),
which runs as if it had no key, and each secret an answer shows (withheld.py).

A POST without the header, and every other method, pays one dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Callable

from pyramid.config import Configurator
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response

from ..accounts.security import authenticate
from ..db.session import own_transaction
from ..vocabulary import IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_MAX_LENGTH
from ..web.errors import error_dict, render_errors
from ..web.identity import identity_cache
from ..web.secrets import recording
from .fingerprint import carries_password, fingerprint, well_formed
from .store import Claim, KeptResponse, Outcome, claim, give_up, keep, new_lease
from .withheld import redact, replayed_body

# The lease of this request, kept in the environ: a retried attempt of the same request
# (pyramid_retry) holds the key already.
LEASE_KEY = "taskservice.idempotency.lease"
REPLAYED_HEADER = "Idempotent-Replayed"
# The header as WSGI names it: one dict lookup, cheaper than WebOb's header mapping.
ENVIRON_HEADER = "HTTP_" + IDEMPOTENCY_KEY_HEADER.upper().replace("-", "_")
# A request with this key still running: it is most likely done very soon.
KEY_BUSY_RETRY_AFTER_SECONDS = "1"


def _refusal(request: Request, status: int, description: str,
             headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return render_errors(request, status, [error_dict("header", IDEMPOTENCY_KEY_HEADER,
                                                      description)], headers)


def _answer(request: Request, claimed: Claim, body: bytes | None) -> Response:
    """The answer to a request that may not run: a replay (of ``body``), a 409 or a 422."""
    if claimed.outcome is Outcome.BUSY:
        return _refusal(request, 409, "The first request with this Idempotency-Key is still "
                        "running; retry shortly",
                        (("Retry-After", KEY_BUSY_RETRY_AFTER_SECONDS),))
    if claimed.outcome is Outcome.MISMATCH:
        return _refusal(request, 422, "This Idempotency-Key was used with a different method, "
                        "path or body; use a new key for a new request")
    kept = claimed.kept
    assert kept is not None and kept.status is not None
    response = Response(status=kept.status)
    if body is not None:
        response.content_type, response.charset = "application/json", "utf-8"
        response.body = body
    for name, value in (("Location", kept.location), ("ETag", kept.etag)):
        if value is not None:
            response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response


def kept_response(response: Response) -> KeptResponse | None:
    """What to keep of ``response``; None for an answer the client should retry (a 5xx,
    or a 429 whose window will pass)."""
    if response.status_code >= 500 or response.status_code == 429:
        return None
    return KeptResponse(response.status_code, response.body or None,
                        response.headers.get("Location"), response.headers.get("ETag"))


def _keyed(request: Request, handler: Callable[[Request], Response], key: str,
           ttl: int) -> Response:
    lease = request.environ.setdefault(LEASE_KEY, new_lease())
    with own_transaction(request) as session:  # ended before the request begins its own
        identity = authenticate(request, session)
        claimed, replayed = None, None
        if identity is not None and well_formed(key):
            claimed = claim(session, identity.user_id, key, fingerprint(request), lease)
            if claimed.kept is not None:  # a replay: its withheld secrets read again
                replayed = replayed_body(request, session, identity, claimed.kept.body,
                                         claimed.kept.withheld)
    identity_cache.set(request, identity)
    if identity is None:  # the request's own 401 (or an anonymous endpoint's answer)
        return handler(request)
    if claimed is None:
        return _refusal(request, 400, f"Must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} visible "
                        "ASCII characters")
    if claimed.outcome is not Outcome.RUN:
        return _answer(request, claimed, replayed)
    return _run(request, handler, identity.user_id, key, lease, ttl)


def _run(request: Request, handler: Callable[[Request], Response], user_id: int, key: str,
         lease: str, ttl: int) -> Response:
    """Run the request holding the key, then keep its answer, secrets withheld (or give
    the key up: after a 5xx, or when a secret cannot be left out for sure)."""
    try:
        with recording() as withheld:
            response = handler(request)
    except BaseException:
        with own_transaction(request) as session:
            give_up(session, user_id, key, lease)
        raise
    kept = kept_response(response)
    if kept is not None and withheld:
        kept = redact(kept, withheld, request)
    with own_transaction(request) as session:
        if kept is None:
            give_up(session, user_id, key, lease)
        else:
            keep(session, user_id, key, lease, kept, ttl)
    return response


def idempotency_tween_factory(
    handler: Callable[[Request], Response], registry: Registry
) -> Callable[[Request], Response]:
    ttl = registry.app_settings.idempotency_ttl

    def idempotency_tween(request: Request) -> Response:
        key = request.environ.get(ENVIRON_HEADER)
        if key is None or request.method != "POST" or carries_password(request):
            return handler(request)
        return _keyed(request, handler, key, ttl)

    return idempotency_tween


def includeme(config: Configurator) -> None:
    # Outside the request's transaction; read-only mode and the access log outside it.
    config.add_tween(
        "taskservice.idempotency.tween.idempotency_tween_factory",
        over="pyramid_tm.tm_tween_factory",
        under=("taskservice.web.readonly.readonly_tween_factory",
               "taskservice.web.hardening.hardening_tween_factory",
               "taskservice.web.requestlog.access_log_tween_factory"),
    )
