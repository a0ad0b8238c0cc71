"""Accounts: users, their passwords and tokens, and who is calling.

``/users`` and ``/tokens``, the argon2 password hasher, the failed-password throttle, and
the security policy that turns a bearer token into an identity and an ACL decision.
"""

from __future__ import annotations

from pyramid.config import Configurator

from .resources import TokenCollection, UserCollection
from .security import SecurityPolicy
from .views import SERVICES


def includeme(config: Configurator) -> None:
    config.include(".credentials")
    config.include(".password_throttle")
    config.set_security_policy(SecurityPolicy())
    config.add_root_child("users", UserCollection)
    config.add_root_child("tokens", TokenCollection)
    config.add_api_services(*SERVICES)
