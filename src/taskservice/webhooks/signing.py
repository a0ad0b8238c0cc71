"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

A secret is ``whsec_`` and the base64 of random bytes; a signature is
``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`` keyed with those bytes. During a
rotation's overlap a delivery carries one signature per secret, separated by spaces, so a
receiver that still holds the old secret verifies it too. The tests check these against
the ``standardwebhooks`` library itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_: Iterable[str], message_id: str, timestamp: int,
            body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of one delivery, signed with each secret."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id, timestamp, body) for secret in secrets_),
        "Content-Type": "application/json",
    }
