"""Webhook URLs checked before the request's transaction begins.

``POST /webhooks`` and ``PATCH /webhooks/<id>`` refuse a URL whose host is or resolves to a
non-public address (``sender.check_url``), and resolving a name may take seconds. On
SQLite a writing request holds the process's write turn (the database's one write lock)
from its first query -- the caller's identity lookup, or the rate limiter's -- and a PATCH
holds the webhook's row lock from traversal on: resolving in the view would stall every
other writer for as long as the DNS answer takes.

So this tween, above pyramid_tm, checks each webhook URL a request carries -- its own, or
each sub-request's of a ``POST /batch``, whose atomic form holds the turn for all of them
-- before anything opens the request's session, and keeps the verdicts where the view
looks (:func:`refusal`): in a context variable, which the batch's sub-requests, run on
this thread inside the envelope, see too. The paths are recognised as routing reads them
(``request.path_info``, split as traversal splits it, a superset of what reaches the
views), so no spelling of a path reaches a view with its URL unjudged; were one to, the
view would resolve it itself.

Only an authenticated caller within the rate limit makes the service resolve a name. The
caller is found in a short read of its own, as the idempotency tween does, and handed to
the request, which then does not look the token up again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any
from urllib.parse import unquote

from pyramid.config import Configurator
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response
from pyramid.traversal import split_path_info
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.security import authenticate
from ..db.session import read_outside_transaction
from ..settings import Settings
from ..vocabulary import WEBHOOK_URL_MAX_LENGTH
from ..web.endpoints import BATCH_PATH
from ..web.identity import identity_cache
from ..web.interfaces import IRequestLimiter
from ..web.ratelimit import client_key
from . import sender
from .resources import WEBHOOK_ID

# url -> why it is refused (None: it is not), judged before the request's transaction.
VERDICTS: ContextVar[dict[str, str | None] | None] = ContextVar("webhook_url_verdicts",
                                                                default=None)
METHODS = frozenset({"POST", "PATCH"})
BATCH = tuple(split_path_info(BATCH_PATH))
_NOT_LOOKED_UP = object()


def judge(url: str, settings: Settings) -> str | None:
    """Why ``url`` may not be a webhook's, or None; resolves its host now."""
    try:
        sender.check_url(url, settings)
    except sender.Refused as refused:
        return str(refused)
    return None


def refusal(url: str, settings: Settings) -> str | None:
    """Why ``url`` may not be a webhook's, or None: the verdict made before the request's
    transaction began (see the module docstring), else judged now."""
    verdicts = VERDICTS.get()
    if verdicts is not None and url in verdicts:
        return verdicts[url]
    return judge(url, settings)


def _url_set(method: Any, path: Any, body: Any) -> str | None:
    """The URL that this POST /webhooks or PATCH /webhooks/<id> would set, if it is one."""
    if not isinstance(path, str) or not isinstance(body, dict):
        return None
    url = body.get("url")
    if not isinstance(url, str) or not 0 < len(url) <= WEBHOOK_URL_MAX_LENGTH:
        return None
    segments = split_path_info(path)
    if method == "POST" and segments == ("webhooks",):
        return url
    if method == "PATCH" and len(segments) == 2 and segments[0] == "webhooks" \
            and WEBHOOK_ID.fullmatch(segments[1]):
        return url
    return None


def _json_body(request: Request, settings: Settings) -> Any:
    """The body as the view will parse it; None when it will not (too large, not JSON)."""
    length = request.content_length
    if length is None or length > settings.max_body_bytes:
        return None
    try:
        return json.loads(request.body.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def _sub_requests(envelope: Any, settings: Settings) -> Iterator[tuple[Any, Any, Any]]:
    """(method, path as routing sees it, body) of each sub-request a batch may run."""
    items = envelope.get("requests") if isinstance(envelope, dict) else None
    if not isinstance(items, list):
        return
    for item in items[:settings.batch_max_requests]:  # more is a 400 that runs nothing
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            path = unquote(item["path"].partition("?")[0])  # as Request.blank decodes it
            yield item.get("method"), path, item.get("body")


def urls_to_check(request: Request, settings: Settings) -> list[str]:
    """Every webhook URL this request would set, its sub-requests' included."""
    try:
        segments = split_path_info(request.path_info)
    except UnicodeDecodeError:  # not UTF-8: routing gives it a 404
        return []
    if segments == BATCH and request.method == "POST":
        calls = list(_sub_requests(_json_body(request, settings), settings))
    elif segments[:1] == ("webhooks",):
        calls = [(request.method, request.path_info, _json_body(request, settings))]
    else:
        return []
    return [url for url in (_url_set(*call) for call in calls) if url is not None]


def _may_resolve(request: Request) -> bool:
    """An authenticated caller within the rate limit (looked up now in a short read of
    its own when nothing has looked it up yet)."""
    identity = identity_cache.get(request, _NOT_LOOKED_UP)
    if identity is _NOT_LOOKED_UP:
        try:
            with read_outside_transaction(request) as session:
                identity = authenticate(request, session)
        except SQLAlchemyError:  # the request meets the same database and answers (a 503):
            return False  # no exception view would, up here
        identity_cache.set(request, identity)
    if identity is None:
        return False
    limiter = request.registry.queryUtility(IRequestLimiter)
    return limiter is None or bool(limiter.allows(*client_key(request)))


def url_checks_tween_factory(
    handler: Callable[[Request], Response], registry: Registry
) -> Callable[[Request], Response]:
    settings: Settings = registry.app_settings

    def url_checks_tween(request: Request) -> Response:
        # A batch's sub-requests find their verdicts made by the envelope's pass.
        if request.method not in METHODS or VERDICTS.get() is not None:
            return handler(request)
        urls = urls_to_check(request, settings)
        if not urls or not _may_resolve(request):
            return handler(request)
        made = VERDICTS.set({url: judge(url, settings) for url in urls})
        try:
            return handler(request)
        finally:
            VERDICTS.reset(made)

    return url_checks_tween


def includeme(config: Configurator) -> None:
    # Under the idempotency tween (a replay resolves nothing), above the transaction.
    config.add_tween("taskservice.webhooks.url_checks.url_checks_tween_factory",
                     over="pyramid_tm.tm_tween_factory",
                     under="taskservice.idempotency.tween.idempotency_tween_factory")
