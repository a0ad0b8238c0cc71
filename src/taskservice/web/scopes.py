"""The scopes each route needs, declared by the services that serve it.

``api_service(..., scopes=...)`` declares a service's rule (``permissions.ScopeRule``) and
``add_api_services`` records it under the service's route; a route served otherwise
declares its own with ``config.declare_scopes``. The security policy reads the rule of
the route a request matched (:func:`needed_scopes`); a route with none is ``UNDECLARED``,
closed to every token that lacks a scope (tests/functional/accounts/ check that every
route declares one).
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request

from ..permissions import UNDECLARED, Scope, ScopeRule

NOTHING: frozenset[Scope] = frozenset()


def declare_scopes(config: Configurator, route_name: str, rule: ScopeRule) -> None:
    """The ``config.declare_scopes`` directive: ``route_name`` needs what ``rule`` says."""
    config.registry.route_scopes[route_name] = rule


def route_scopes(request: Request) -> dict[str, ScopeRule]:
    """Every route's declared rule, by route name."""
    rules: dict[str, ScopeRule] = request.registry.route_scopes
    return rules


def needed_scopes(request: Request) -> frozenset[Scope]:
    """What the request's token must hold for its route and method (nothing unrouted:
    that is a 404 whoever asks)."""
    route = request.matched_route
    if route is None:
        return NOTHING
    return route_scopes(request).get(route.name, UNDECLARED).needed(request.method)


def includeme(config: Configurator) -> None:
    config.registry.route_scopes = {}
    config.add_directive("declare_scopes", declare_scopes)
