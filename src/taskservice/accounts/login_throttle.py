"""Failed logins are throttled per username and per client address.

Checked before the password, so a guesser learns nothing until the window passes; many
users may share an address (an office, a NAT), so it gets ten times as many.
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response

from ..metrics import record_login_refusal
from ..settings import RateLimit
from ..web.ratelimit import Limiter, too_many_requests
from .interfaces import ILoginThrottle

LOGIN_ADDRESS_FACTOR = 10


class LoginThrottle:
    """One limiter per username and one per address, on the shared counter storage."""

    def __init__(self, per_user: RateLimit, storage: str) -> None:
        per_address = RateLimit(per_user.amount * LOGIN_ADDRESS_FACTOR, per_user.per)
        self.by_user = Limiter(per_user, storage, "taskservice-login")
        self.by_address = Limiter(per_address, storage, "taskservice-login-addr")

    def _keyed(self, request: Request, username: str) -> list[tuple[Limiter, tuple[str, str]]]:
        return [
            (self.by_user, ("user", username.lower())),
            (self.by_address, ("addr", request.client_address)),
        ]

    def refusal(self, request: Request, username: str) -> Response | None:
        """A 429 while this username or this address has too many recent failed logins."""
        for limiter, key in self._keyed(request, username):
            if not limiter.allows(*key):
                record_login_refusal(request.registry)
                return too_many_requests(request, limiter, key, name="username")
        return None

    def record_failure(self, request: Request, username: str) -> None:
        for limiter, key in self._keyed(request, username):
            limiter.hit(*key)


def includeme(config: Configurator) -> None:
    settings = config.registry.app_settings
    if settings.login_ratelimit is not None:
        throttle = LoginThrottle(settings.login_ratelimit, settings.ratelimit_storage)
        config.registry.registerUtility(throttle, ILoginThrottle)
