"""Passwords (argon2id) and API tokens (random bytes, stored as SHA-256)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pyramid.config import Configurator
from pyramid.request import Request

from .interfaces import IPasswords

TOKEN_BYTES = 32


class Passwords:
    """Hashes and checks passwords with the cost the ini asks for."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self._hasher = hasher
        # Checked against when the username is unknown, so a failed login takes the same
        # time whether or not the user exists (no enumeration by timing).
        self._decoy_hash = hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; ``None`` burns the same time and says no."""
        try:
            return self._hasher.verify(password_hash or self._decoy_hash, password) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False


def new_token() -> str:
    """A fresh bearer token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What the database stores and looks tokens up by."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _passwords(request: Request) -> Passwords:
    passwords: Passwords = request.registry.getUtility(IPasswords)
    return passwords


def includeme(config: Configurator) -> None:
    settings = config.registry.app_settings
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost,
        parallelism=settings.argon2_parallelism,
    )
    config.registry.registerUtility(Passwords(hasher), IPasswords)
    config.add_request_method(_passwords, "passwords", reify=True)
