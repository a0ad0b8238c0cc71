"""What makes two requests "the same" for an ``Idempotency-Key``, a well-formed key, and
the requests that are never kept.

The same method, the same path and query string as sent, and the same JSON value as the
body: whitespace and key order do not matter. A body that is not JSON counts byte for
byte (its endpoint answers it with a 400, kept like any other answer).

A body that carries a password (a registration, a login, a password change, a batch with
one of them) is never kept, not even as its fingerprint, which would be a fast hash of the
password; and a login's answer is a token, which is stored only as a hash (contract
section 2).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pyramid.request import Request

from ..vocabulary import IDEMPOTENCY_KEY_MAX_LENGTH
from ..web.requestlog import logged_path

# The fields a password travels in (``POST /users``, ``POST /tokens``, ``PATCH /users/me``).
PASSWORD_FIELDS = frozenset({"password", "current_password"})


def well_formed(key: str) -> bool:
    """1 to 255 visible ASCII characters."""
    return 0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH and all("!" <= c <= "~" for c in key)


def _canonical_body(body: bytes) -> bytes:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return body
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("ascii")


def fingerprint(request: Request) -> str:
    """The SHA-256 of the method, the path with its query, and the canonical body."""
    digest = hashlib.sha256()
    for part in (request.method.encode("ascii"), logged_path(request).encode("ascii"),
                 _canonical_body(request.body)):
        digest.update(len(part).to_bytes(8, "big"))  # no two splits of one text collide
        digest.update(part)
    return digest.hexdigest()


def _names_a_password(value: Any) -> bool:
    """Whether a password field appears anywhere in the JSON ``value`` (a batch holds its
    sub-requests' bodies)."""
    if isinstance(value, dict):
        return any(key in PASSWORD_FIELDS or _names_a_password(item)
                   for key, item in value.items())
    return isinstance(value, list) and any(map(_names_a_password, value))


def carries_password(request: Request) -> bool:
    """Whether the body holds a password: a password field at any depth, or, in a body
    that is not JSON, the word anywhere."""
    try:
        return _names_a_password(json.loads(request.body))
    except (ValueError, RecursionError):
        return b"password" in request.body.lower()
