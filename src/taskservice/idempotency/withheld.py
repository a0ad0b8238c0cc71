"""Secrets a response shows once, which the idempotency store never keeps.

A view whose answer shows a secret (a new webhook signing secret, a new token) hands it
to ``web.secrets.withhold``. When the request carries an ``Idempotency-Key`` the tween keeps the
answer with null in place of each such secret (:func:`redact`) -- a batch's answer too:
its sub-requests run inside the envelope, on this thread, so a context variable collects
theirs -- and, for the request's own secrets, where a replay reads each again. A replay
then shows the secret as it is now and as the caller may see it now
(:func:`replayed_body`): the named source, registered by its package (``ISecretSource``),
decides; a secret a sub-request showed stays null. An answer that would still hold a
secret after that (not JSON, or the secret inside another value) is not kept at all: the
key is given up, as after a 5xx, and a retry runs the request again.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Protocol

from pyramid.request import Request
from sqlalchemy.orm import Session
from zope.interface import Interface

from ..accounts.security import Identity
from ..web.secrets import Withheld
from .store import KeptResponse


class ISecretSource(Interface):
    """Reads a withheld secret again for a replay (a ``SecretSource``), by source name."""


class SecretSource(Protocol):
    def __call__(self, request: Request, session: Session, identity: Identity,
                 reference: str) -> str | None:
        """The secret as ``identity`` may see it now, or None (gone, or not theirs)."""


def _nulled(value: Any, secrets: set[str]) -> Any:
    if isinstance(value, str):
        return None if value in secrets else value
    if isinstance(value, dict):
        return {key: _nulled(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_nulled(item, secrets) for item in value]
    return value


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("ascii")


def redact(kept: KeptResponse, withheld: list[Withheld],
           request: Request) -> KeptResponse | None:
    """``kept`` with null in place of each withheld secret and, for ``request``'s own,
    where a replay reads them again; None when no secret can be left out for sure."""
    secrets = {item.value for item in withheld}
    try:
        body = _dumps(_nulled(json.loads(kept.body or b""), secrets))
    except (ValueError, RecursionError):
        return None
    if any(secret.encode() in body for secret in secrets):
        return None
    own = {item.field: item.source for item in withheld if item.request is request}
    return dataclasses.replace(kept, body=body, withheld=json.dumps(own) if own else None)


def replayed_body(request: Request, session: Session, identity: Identity,
                  body: bytes | None, withheld: str | None) -> bytes | None:
    """A kept ``body`` with each secret it withheld read again, as ``identity`` may see
    it now (null when it may not, or its source is gone)."""
    if body is None or withheld is None:
        return body
    answer = json.loads(body)
    for field, source in json.loads(withheld).items():
        name, _, reference = source.partition(":")
        read_again: SecretSource | None = request.registry.queryUtility(ISecretSource,
                                                                        name=name)
        answer[field] = None if read_again is None else read_again(
            request, session, identity, reference)
    return _dumps(answer)
