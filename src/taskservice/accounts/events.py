"""What the accounts package tells whoever listens, through ``registry.notify``.

Accounts notifies; a consumer (metrics) subscribes in its own ``includeme``. Accounts
thus never imports a consumer, and what a consumer does with the news, or whether it is
there at all, is no concern of the code that checks passwords.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyramid.request import Request


@dataclass(frozen=True)
class LoginRefused:
    """A password check (a login or a password change) refused by the password throttle."""

    request: Request
