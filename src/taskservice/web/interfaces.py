"""What the web plumbing registers, looked up by interface rather than by a string."""

from __future__ import annotations

from zope.interface import Interface


class IRequestLimiter(Interface):
    """The ``Limiter`` of ``taskservice.ratelimit`` (registered only when it is set)."""
