"""The HTTP API: Cornice services bound to the traversal tree.

Every service traverses its own path from the root factory, so ``request.context`` is
the resource the URL names and each view's ``permission=`` is checked against that
resource's ACL before the view runs.
"""

from __future__ import annotations

from cornice import Service
from pyramid.config import Configurator
from pyramid.request import Request

from ..errors import cornice_error_handler
from ..resources import root_factory


def api_service(name: str, path: str, description: str, traverse: bool = True) -> Service:
    """A Cornice service on ``path``, traversed from the root, with our error shape."""
    options = {"factory": root_factory, "traverse": path} if traverse else {}
    return Service(
        name=name, path=path, description=description, renderer="json",
        error_handler=cornice_error_handler, **options,
    )


def absolute_url(request: Request, path: str) -> str:
    return request.application_url + path


def includeme(config: Configurator) -> None:
    from . import ops, shares, tasks, tokens, users

    for module in (users, tokens, tasks, shares, ops):
        for service in module.SERVICES:
            config.add_cornice_service(service)
