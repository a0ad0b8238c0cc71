"""What both peers take from the service's contract, stated once: they share no code with
taskservice (each is an independent app, as its users would write it), only these facts."""

from __future__ import annotations

import hashlib

# A task's priority as the API names it, by the rank the ``tasks.priority`` column stores.
PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_PRIORITY = "normal"
TITLE_MAX_LENGTH, TAG_MAX_LENGTH = 200, 50


def token_digest(token: str) -> str:
    """What ``tokens.token_hash`` holds for a bearer token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def needed_scope(method: str) -> str:
    """The token scope a request needs: ``read`` to read, ``write`` for anything else."""
    return "read" if method in ("GET", "HEAD", "OPTIONS") else "write"
