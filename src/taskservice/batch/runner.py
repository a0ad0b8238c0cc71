"""Running a batch's sub-requests through the application itself, as the batch's caller.

Each sub-request is a request of its own handed to ``invoke_subrequest`` with every
tween: the access log, the security headers, read-only mode, the rate limit, the
exception views; then authentication (the batch's token, looked up again by each, in
the session it runs in: an earlier sub-request may have revoked it or deleted its
user), traversal, the ACL, Cornice's validation and the view with its conditional
checks. No view function is ever called directly, so a sub-request meets every check a
direct request does. What differs is only where the transaction is:

- each on its own (``atomic: false``): the envelope commits its own transaction first
  (it has only read its caller), and pyramid_tm gives each sub-request one of its own,
  committed or rolled back as a direct request's would be;
- all in one (``atomic: true``): after that commit, one transaction that the envelope's
  pyramid_tm ends, with one session every sub-request shares (so each sees what the
  ones before it wrote, and on SQLite the batch takes the write turn once, never twice on
  one thread); each sub-request's pyramid_tm is told it is already managed, and the first
  failure dooms the transaction.

A conflicting write (a ``StaleDataError``, a PostgreSQL serialization failure) is
retried as a direct request's is, by pyramid_retry, which retries whole requests: an
atomic batch, which has committed nothing, is retried whole; in a non-atomic one the
sub-request that met it is answered as on a direct request's last attempt, a 503 with
``Retry-After`` (the ones before it are committed, and running them again is not a retry).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from pyramid.request import Request
from pyramid.response import Response
from pyramid_retry import IRetryableError, is_last_attempt
from sqlalchemy.orm import Session

from ..db.interfaces import ISessionFactory
from ..db.sqlite import take_sqlite_write_turn
from ..db.transient import is_transient
from ..vocabulary import WRITE_METHODS
from ..web.endpoints import SUBREQUEST_PARENT_KEY
from ..web.errors import error_dict
from ..web.requestlog import ENVIRON_KEY as REQUEST_ID_KEY

# The response headers a sub-response carries, when it has them.
KEPT_HEADERS = ("ETag", "Location", "Link", "Retry-After")
# The envelope's environ a sub-request shares: the client's address (the peer, and whom
# a trusted proxy forwarded for: web.client_address) and its credentials.
SHARED_ENVIRON = ("REMOTE_ADDR", "HTTP_X_FORWARDED_FOR", "HTTP_AUTHORIZATION")

# A sub-response as the JSON text of the envelope's item: its body is the bytes its
# endpoint rendered, spliced in unparsed (never decoded and encoded again, which would
# also cost a 500 on what orjson refuses, such as an error naming a lone surrogate).
SubResponse = bytes


def _subrequests(request: Request, items: Sequence[dict[str, Any]]) -> Iterator[Request]:
    """Each sub-request of the batch, with the batch's credentials, when its turn comes
    (so that none is built after an atomic batch has stopped).

    Each looks its token up itself, in its own session (in an atomic batch, the one
    they share): a token revoked or an account deleted by an earlier sub-request is gone
    for the later ones (401), never a caller that no longer exists. The lookup is one
    more query in the session the sub-request uses anyway, so it takes no second SQLite
    write turn and opens no transaction beside the batch's.
    """
    shared = {key: request.environ[key] for key in SHARED_ENVIRON if key in request.environ}
    base_url = request.application_url
    for index, item in enumerate(items):
        environ = {**shared, SUBREQUEST_PARENT_KEY: request.request_id,
                   REQUEST_ID_KEY: f"{request.request_id}.{index + 1}"}  # its log lines
        sub = Request.blank(item["path"], environ=environ, base_url=base_url,
                            method=item["method"], headers=item["headers"])
        if item["body"] is not None:
            sub.content_type = "application/json"
            # The standard encoder: any JSON value, integers past 64 bits included, and
            # lone surrogates escaped, for the endpoint to refuse as it would directly.
            sub.body = json.dumps(item["body"]).encode("ascii")
        yield sub


def _body(response: Response) -> bytes:
    """The body as JSON text: as rendered, ``null`` for none, a string for a page."""
    if not response.body:
        return b"null"
    if response.content_type == "application/json":
        return bytes(response.body)
    return json.dumps(response.text).encode("ascii")


def _item(status: int, headers: dict[str, str], body: bytes) -> SubResponse:
    return b'{"status":%d,"headers":%b,"body":%b}' % (status, orjson.dumps(headers), body)


def sub_response(response: Response) -> SubResponse:
    headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    return _item(response.status_code, headers, _body(response))


def not_run(request: Request, failed: int) -> SubResponse:
    """The 424 of a sub-request an earlier failure kept from running."""
    description = (f"Not run: request {failed + 1} of this atomic batch failed, "
                   "so nothing was committed")
    body = {"status": "error", "errors": [error_dict("request", "", description)],
            "request_id": request.request_id}
    return _item(424, {}, orjson.dumps(body))


def _end_envelope_transaction(request: Request) -> None:
    """Commit what the envelope did before any sub-request runs: it only read its caller.

    Then the sub-requests' writes are all a transaction holds, and no session of the
    envelope's is left open beside theirs.
    """
    request.tm.commit()


def run_each(request: Request, items: Sequence[dict[str, Any]]) -> list[SubResponse]:
    """``atomic: false``: in order, each in its own transaction, whatever the others do."""
    _end_envelope_transaction(request)
    try:  # each sub-request's pyramid_tm begins and ends its own
        return [sub_response(request.invoke_subrequest(sub, use_tweens=True))
                for sub in _subrequests(request, items)]
    finally:
        request.tm.begin()  # for the envelope's pyramid_tm to end


def _shared_session(request: Request, items: Sequence[dict[str, Any]]) -> Session:
    """One session in the batch's transaction, with the write turn if anything writes."""
    session: Session = request.registry.getUtility(ISessionFactory)()
    writes = any(item["method"] in WRITE_METHODS for item in items)
    if writes and session.get_bind().dialect.name == "sqlite":
        take_sqlite_write_turn(request, session)
    return session


def _retry_whole_batch(request: Request, sub: Request) -> None:
    """Raise the conflict a sub-request met, for pyramid_retry to run the batch again.

    Nothing of an atomic batch is committed, so running it again is what retrying a
    direct request is; on the last attempt the sub-request's 503 answers instead.
    """
    exc = getattr(sub, "exception", None)
    if not isinstance(exc, Exception) or is_last_attempt(request):
        return
    if is_transient(exc) or IRetryableError.providedBy(exc):
        raise exc


def run_atomic(request: Request, items: Sequence[dict[str, Any]]) -> tuple[list[SubResponse], bool]:
    """``atomic: true``: in order, in one transaction, up to the first 4xx or 5xx.

    Returns the sub-responses and whether everything succeeded (and so will commit).
    """
    _end_envelope_transaction(request)
    request.tm.begin()  # the batch's one transaction, which the envelope's pyramid_tm ends
    session = _shared_session(request, items)
    responses: list[SubResponse] = []
    for sub in _subrequests(request, items):
        sub.environ["tm.active"] = True  # pyramid_tm: the batch's transaction manages it
        sub.dbsession = session
        response = request.invoke_subrequest(sub, use_tweens=True)
        responses.append(sub_response(response))
        if response.status_code >= 400:
            _retry_whole_batch(request, sub)
            request.tm.doom()  # pyramid_tm aborts, however the envelope itself is answered
            failed = len(responses) - 1
            return responses + [not_run(request, failed)] * (len(items) - len(responses)), False
    return responses, True
