"""Cornice services bound to the traversal tree, and helpers every view uses.

Every service traverses its own path from the root factory, so ``request.context`` is
the resource the URL names and each view's ``permission=`` is checked against that
resource's ACL before the view runs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from cornice import Service
from pyramid.config import Configurator
from pyramid.request import Request

from ..permissions import ScopeRule
from ..traversal import preflight_root_factory, root_factory
from .errors import cornice_error_handler

# Response headers a browser script may read when CORS is on.
EXPOSED_HEADERS = ("ETag", "Location", "Link", "Retry-After", "X-Request-Id")

View = TypeVar("View", bound=Callable[..., Any])


class ApiService(Protocol):
    """What a domain's views use of a Cornice ``Service``: a decorator per HTTP method.

    Cornice ships no types. Its decorators record the view with the keyword arguments
    (``permission``, ``schema``, ``validators``...) and hand the function back unchanged,
    which is what this says, so decorated views stay typed.
    """

    name: str  # the service's route name

    def get(self, **kwargs: Any) -> Callable[[View], View]: ...

    def post(self, **kwargs: Any) -> Callable[[View], View]: ...

    def put(self, **kwargs: Any) -> Callable[[View], View]: ...

    def patch(self, **kwargs: Any) -> Callable[[View], View]: ...

    def delete(self, **kwargs: Any) -> Callable[[View], View]: ...


# View arguments for the OpenAPI document only (taskservice.openapi.operations and, for
# ``outcome``, taskservice.openapi.responses.Outcome).
OPENAPI_ARGUMENTS = ("operation_id", "summary", "tag", "outcome")


class DocumentedService(Service):  # type: ignore[misc]  # Cornice ships no types
    """A Cornice ``Service`` whose views may name their OpenAPI operation.

    ``@service.get(operation_id=..., summary=...)`` is for a view that cannot be described
    by its own name and docstring (one function serving two routes); ``tag=...`` for one
    documented with another domain than the package it lives in; ``outcome=`` is the
    view's responses, statuses and components, for a view outside the central table (a
    plugin's). Pyramid's ``add_view`` refuses keywords it does not know, so they are kept
    here, per method, and never reach it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.documented: dict[str, dict[str, Any]] = {}

    def add_view(self, method: str, view: Any, **kwargs: Any) -> None:
        documented = {key: kwargs.pop(key) for key in OPENAPI_ARGUMENTS if key in kwargs}
        super().add_view(method, view, **kwargs)
        self.documented[method.upper()] = documented


def api_service(name: str, path: str, description: str, *, scopes: ScopeRule,
                traverse: bool = True) -> ApiService:
    """A Cornice service on ``path``, traversed from the root, with our error shape.

    ``scopes`` is what a token must hold to use it (contract section 15), per method:
    required, so that no endpoint is added without saying.
    """
    options: dict[str, Any] = {"factory": root_factory, "traverse": path} if traverse else {}
    service = DocumentedService(
        name=name, path=path, description=description, renderer="json",
        error_handler=cornice_error_handler, cors_headers=EXPOSED_HEADERS, **options,
    )
    service.scopes = scopes
    api: ApiService = service
    return api


def _with_cors(service: Service, origins: tuple[str, ...]) -> Service:
    """A copy of ``service`` allowing ``origins``, so each app has its own CORS policy.

    Cornice reads CORS settings from the service object, adds an OPTIONS view to it and
    inserts its origin check into each definition's validators, so the copy gets its own
    view lists and argument dicts: the module-level service is never changed. A traversed
    service answers OPTIONS without looking its object up (``preflight_root_factory``), so a
    preflight is the same whether or not the URL names something.
    """
    if not origins:
        return service
    clone = copy.copy(service)
    clone.definitions = [
        (method, view, {**args, "validators": list(args.get("validators", ()))})
        for method, view, args in service.definitions
    ]
    clone.defined_methods = list(service.defined_methods)
    clone.cors_origins = origins
    if getattr(service, "factory", None) is root_factory:
        clone.factory = preflight_root_factory
    return clone


def application_url(request: Request) -> str:
    """Where clients reach this service: ``taskservice.public_url``, else the request's own.

    The request's is built from its ``Host`` header, which the client chooses; behind a
    proxy that passes any host on, only the configured URL is trustworthy.
    """
    public_url: str = request.registry.app_settings.public_url
    request_url: str = request.application_url
    return public_url or request_url


def absolute_url(request: Request, path: str) -> str:
    """``path`` (from the service's root, ``/tasks/1``) as an absolute URL for clients."""
    return application_url(request) + path


def add_api_services(config: Configurator, *services: Service) -> None:
    """The ``config.add_api_services`` directive: each service, with the app's CORS policy."""
    origins = config.registry.app_settings.cors_origins
    for service in services:
        config.add_cornice_service(_with_cors(service, origins))
        if (rule := getattr(service, "scopes", None)) is not None:
            config.declare_scopes(service.name, rule)


def includeme(config: Configurator) -> None:
    config.add_directive("add_api_services", add_api_services)
