"""The caller's identity, computed at most once per request.

Pyramid 2 asks the security policy for the identity every time ``request.identity`` is
read; the policy keeps the answer here, in Pyramid's ``RequestLocalCache``, as its docs
recommend. The plumbing (access log, rate limiter) reads it without authenticating just
to log or count: ``known_identity`` never computes it.
"""

from __future__ import annotations

from typing import Protocol

from pyramid.request import Request, RequestLocalCache

identity_cache = RequestLocalCache()


class Caller(Protocol):
    """What the plumbing needs of an identity (the accounts domain defines the class)."""

    @property
    def user_id(self) -> int: ...

    @property
    def username(self) -> str: ...


def known_identity(request: Request) -> Caller | None:
    """The identity if this request has already been authenticated, else None."""
    identity: Caller | None = identity_cache.get(request, None)
    return identity
