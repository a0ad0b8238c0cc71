"""Safe retries (contract section 10): an authenticated POST with an ``Idempotency-Key``
is run once and its response kept (``models``) for ``taskservice.idempotency.ttl``;
the same request again is answered from it (``tween``), another one with the key is a
422, and one while the first still runs a 409. ``taskservice-admin <ini>
purge-idempotency-keys`` deletes the expired rows (an expired key is already treated as
absent and replaced)."""

from __future__ import annotations

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.include(".tween")
