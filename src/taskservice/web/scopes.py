"""The scopes each route needs, declared by the services that serve it.

``api_service(..., scopes=...)`` declares a service's rule (``permissions.ScopeRule``) and
``add_api_services`` records it under the service's route; a route served otherwise
declares its own with ``config.declare_scopes``. The security policy reads the rule of
the route a request matched (:func:`needed_scopes`); a route with none is closed to every
restricted token, one limited to lists too (tests/functional/tokens/ check that every
route declares one).
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request

from ..permissions import Scope, ScopeRule

NOTHING: frozenset[Scope] = frozenset()


def declare_scopes(config: Configurator, route_name: str, rule: ScopeRule) -> None:
    """The ``config.declare_scopes`` directive: ``route_name`` needs what ``rule`` says."""
    config.registry.route_scopes[route_name] = rule


def route_scopes(request: Request) -> dict[str, ScopeRule]:
    """Every route's declared rule, by route name."""
    rules: dict[str, ScopeRule] = request.registry.route_scopes
    return rules


def needed_scopes(request: Request) -> frozenset[Scope] | None:
    """What the request's token must hold for its route and method (nothing unrouted:
    that is a 404 whoever asks); None for a route that declared no rule, which no
    restricted token may use."""
    route = request.matched_route
    if route is None:
        return NOTHING
    rule = route_scopes(request).get(route.name)
    return None if rule is None else rule.needed(request.method)


def includeme(config: Configurator) -> None:
    config.registry.route_scopes = {}
    config.add_directive("declare_scopes", declare_scopes)
