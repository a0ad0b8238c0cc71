"""One throttle for every password check: logging in and changing one's password.

``POST /tokens`` checks ``password`` and ``PATCH /users/me`` checks ``current_password``,
directly or as batch sub-requests; a failure on any of them counts against the same
budget, which is checked before argon2 runs: a refused guesser learns nothing, and the
argon2 work one client can make the service do is bounded. Failures count:

- per account *and* client address (``taskservice.login_ratelimit``): a stranger's
  failures at their address never refuse the owner at theirs, so nobody can lock an
  account -- ``root`` included -- by failing to log in to it;
- per client address over all accounts, ten times as many (many users may share an
  office's address): spraying one password over many accounts stops too;
- per token, for a password change: a stolen token gives no more guesses when it is
  used from many addresses.

An IPv6 client counts by its /64 network: one host usually has a whole /64 to pick
addresses from. There is deliberately no ceiling per account over all addresses: whoever
could reach it from addresses of their own would lock the owner out again.
"""

from __future__ import annotations

from ipaddress import IPv6Address, IPv6Network

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response

from ..settings import RateLimit
from ..web.client_address import parse_address
from ..web.ratelimit import Limiter, too_many_requests
from .events import LoginRefused
from .interfaces import IPasswordThrottle

ADDRESS_FACTOR = 10
IPV6_CLIENT_PREFIX = 64
Keyed = list[tuple[Limiter, tuple[str, ...]]]


def address_key(address: str) -> str:
    """What one client counts as: its address, or its IPv6 address's /64 network."""
    parsed = parse_address(address)
    if isinstance(parsed, IPv6Address):
        return str(IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False))
    return address


class PasswordThrottle:
    """The three limiters, on the rate limit's counter storage (shared through Redis)."""

    def __init__(self, limit: RateLimit, storage: str) -> None:
        per_address = RateLimit(limit.amount * ADDRESS_FACTOR, limit.per)
        self.by_account = Limiter(limit, storage, "taskservice-password")
        self.by_token = Limiter(limit, storage, "taskservice-password-token")
        self.by_address = Limiter(per_address, storage, "taskservice-password-addr")

    def _keyed(self, request: Request, account: str, token_id: int | None) -> Keyed:
        address = address_key(request.client_address)
        keyed: Keyed = [(self.by_account, ("account", address, account.lower()))]
        if token_id is not None:
            keyed.append((self.by_token, ("token", str(token_id))))
        keyed.append((self.by_address, ("addr", address)))
        return keyed

    def refusal(self, request: Request, account: str, field: str,
                token_id: int | None = None) -> Response | None:
        """A 429 naming ``field`` while any of this check's budgets is spent, else None.

        ``account`` is the username tried (any case), ``token_id`` the caller's token
        when a password is checked for an authenticated caller.
        """
        for limiter, key in self._keyed(request, account, token_id):
            if not limiter.allows(*key):
                request.registry.notify(LoginRefused(request))
                return too_many_requests(request, limiter, key, name=field)
        return None

    def record_failure(self, request: Request, account: str, token_id: int | None = None) -> None:
        for limiter, key in self._keyed(request, account, token_id):
            limiter.hit(*key)


class NoThrottle:
    """``taskservice.login_ratelimit`` empty: every check runs, nothing is counted."""

    def refusal(self, request: Request, account: str, field: str,
                token_id: int | None = None) -> Response | None:
        return None

    def record_failure(self, request: Request, account: str, token_id: int | None = None) -> None:
        return None


def _password_throttle(request: Request) -> PasswordThrottle | NoThrottle:
    throttle: PasswordThrottle | NoThrottle = request.registry.getUtility(IPasswordThrottle)
    return throttle


def includeme(config: Configurator) -> None:
    settings = config.registry.app_settings
    throttle: PasswordThrottle | NoThrottle = NoThrottle()
    if settings.login_ratelimit is not None:
        throttle = PasswordThrottle(settings.login_ratelimit, settings.ratelimit_storage)
    config.registry.registerUtility(throttle, IPasswordThrottle)
    config.add_request_method(_password_throttle, "password_throttle", reify=True)
