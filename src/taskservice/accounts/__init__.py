"""Accounts: users, their passwords and tokens, and who is calling.

``/users``, ``/tokens`` and ``/users/me/tokens``, the argon2 password hasher, the
failed-password throttle, the security policy that turns a token (Bearer, or an app
password in Basic) into an identity and an ACL decision within the token's scopes and
lists, and the record of when each token was last used.
"""

from __future__ import annotations

from pyramid.config import Configurator

from .resources import TokenCollection, UserCollection
from .security import SecurityPolicy
from .token_views import SERVICES as TOKEN_SERVICES
from .views import SERVICES


def includeme(config: Configurator) -> None:
    config.include(".credentials")
    config.include(".password_throttle")
    config.set_security_policy(SecurityPolicy())
    config.add_root_child("users", UserCollection)
    config.add_root_child("tokens", TokenCollection)
    config.add_api_services(*SERVICES, *TOKEN_SERVICES)
