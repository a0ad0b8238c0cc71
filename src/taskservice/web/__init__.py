"""The plumbing every domain shares: tweens, the error shape, validation, services.

``request.client_address`` is who the client is (behind trusted proxies too). In
request order: the request id and access log (and, for JSON logs, the id in each
line), security headers, read-only mode, the
rate limit, then the exception views that put every failure in the contract's shape;
``add_api_services`` is how a domain adds its Cornice services, whose bodies the ``json``
renderer encodes. ``writes_itself`` tells the database package which requests write
through their own session (``db.interfaces.IWritesItself``).
"""

from __future__ import annotations

from pyramid.config import Configurator

from ..db.interfaces import IWritesItself
from .endpoints import writes_itself


def includeme(config: Configurator) -> None:
    config.registry.registerUtility(writes_itself, IWritesItself)
    config.include(".requestclass")
    config.include(".client_address")
    config.include(".requestlog")
    config.include(".logformat")
    config.include(".hardening")
    config.include(".readonly")
    config.include(".ratelimit")
    config.include(".errors")
    config.include(".exception_views")
    config.include(".renderer")
    config.include(".scopes")
    config.include(".services")
