"""What the accounts package registers, looked up by interface rather than by a string."""

from __future__ import annotations

from zope.interface import Interface


class IPasswords(Interface):
    """Hashes and checks passwords (``credentials.Passwords``)."""


class IPasswordThrottle(Interface):
    """Counts failed password checks (``password_throttle.PasswordThrottle``)."""
