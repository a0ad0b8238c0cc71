"""Rate limits: requests per user (or client address); the password throttle uses ``Limiter``.

Counters live where ``taskservice.ratelimit.storage`` says: ``memory://`` for a single
process, ``redis://...`` so that every worker process and machine shares one count.
The ``limits`` library keeps a moving window, so a burst at a window edge cannot double
the allowance.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from limits import RateLimitItemPerHour, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from pyramid.config import Configurator
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response
from pyramid.tweens import EXCVIEW

from ..settings import RateLimit
from .endpoints import is_service_path, raw_path
from .errors import error_dict, render_errors
from .interfaces import IRequestLimiter

ITEMS = {"second": RateLimitItemPerSecond, "minute": RateLimitItemPerMinute,
         "hour": RateLimitItemPerHour}


class Limiter:
    """One limit (e.g. 120/minute) applied per key, with a shared or local storage."""

    def __init__(self, limit: RateLimit, storage_uri: str, namespace: str) -> None:
        self.item = ITEMS[limit.per](limit.amount, namespace=namespace)
        self.strategy = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def hit(self, *key: str) -> bool:
        """Count one event for ``key``; False when that is over the limit."""
        return self.strategy.hit(self.item, *key)

    def allows(self, *key: str) -> bool:
        """Whether one more event for ``key`` would still be within the limit."""
        return self.strategy.test(self.item, *key)

    def retry_after(self, *key: str) -> int:
        """Whole seconds until the window lets ``key`` in again (at least 1)."""
        reset_at = self.strategy.get_window_stats(self.item, *key).reset_time
        return max(1, math.ceil(reset_at - time.time()))


def too_many_requests(request: Request, limiter: Limiter, key: tuple[str, ...],
                      name: str = "") -> Response:
    seconds = limiter.retry_after(*key)
    return render_errors(
        request, 429,
        [error_dict("request", name, f"Too many requests; retry in {seconds} seconds")],
        [("Retry-After", str(seconds))],
    )


def client_key(request: Request) -> tuple[str, ...]:
    """Who a request counts against: the user, or the client address when anonymous."""
    identity = request.identity
    if identity is not None:
        return ("user", str(identity.user_id))
    return ("addr", request.client_address)


def ratelimit_tween_factory(
    handler: Callable[[Request], Response], registry: Registry
) -> Callable[[Request], Response]:
    limiter: Limiter = registry.getUtility(IRequestLimiter)

    def ratelimit_tween(request: Request) -> Response:
        # Section 5 is never throttled, nor are CORS preflights, which do nothing.
        if is_service_path(raw_path(request)) or request.method == "OPTIONS":
            return handler(request)
        key = client_key(request)
        if not limiter.hit(*key):
            return too_many_requests(request, limiter, key)
        return handler(request)

    return ratelimit_tween


def includeme(config: Configurator) -> None:
    settings = config.registry.app_settings
    if settings.ratelimit is not None:
        limiter = Limiter(settings.ratelimit, settings.ratelimit_storage, "taskservice-requests")
        config.registry.registerUtility(limiter, IRequestLimiter)
        # Inside pyramid_tm: identifying the caller needs the request's transaction.
        config.add_tween("taskservice.web.ratelimit.ratelimit_tween_factory",
                         under="pyramid_tm.tm_tween_factory", over=EXCVIEW)
