"""What makes two requests "the same" for an ``Idempotency-Key``, and a well-formed key.

The same method, the same path and query string as sent, and the same JSON value as the
body: whitespace and key order do not matter. A body that is not JSON counts byte for
byte (its endpoint answers it with a 400, kept like any other answer).
"""

from __future__ import annotations

import hashlib
import json

from pyramid.request import Request

from ..vocabulary import IDEMPOTENCY_KEY_MAX_LENGTH
from ..web.requestlog import logged_path


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
