"""One request class for the life of the process, with every request method on it.

``config.add_request_method`` (ours, Cornice's, pyramid_tm's and any plugin's) stays the
way to add to the request. Pyramid applies those additions to each request as it is made:
with a property among them it builds a new subclass of the request class for every request
(``InstancePropertyHelper.apply_properties``), which was the request machinery's largest
cost on the cheapest requests. The additions are fixed once the application is created, so
they are put on one subclass then, and the router makes its requests from it with nothing
left to apply. A sub-request made from another class (``Request.blank``, as
``invoke_subrequest``'s documentation shows) still gets them applied, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.config import Configurator
from pyramid.events import ApplicationCreated
from pyramid.interfaces import IRequestFactory
from pyramid.request import Request, apply_request_extensions
from pyramid.response import Response

InvokeSubrequest = Callable[..., Response]


def request_class(base: type[Request], extensions: Any) -> type[Request]:
    """``base`` with the request ``extensions`` (methods and properties) as its own."""
    attributes = {"__module__": base.__module__, **extensions.methods,
                  **dict(extensions.descriptors)}
    return type(base.__name__, (base,), attributes)


def _bake_request_class(event: ApplicationCreated) -> None:
    """Make the new application's requests from one class that has the extensions."""
    router = event.app
    extensions = router.request_extensions
    if extensions is None:
        return
    baked = request_class(router.request_factory, extensions)
    router.registry.registerUtility(baked, IRequestFactory)  # pyramid.scripting.prepare too
    router.request_factory, router.request_extensions = baked, None
    # Read by the router as each request is made: request.invoke_subrequest is this one.
    router.invoke_subrequest = _applying(router.invoke_subrequest, baked, extensions)


def _applying(invoke: InvokeSubrequest, baked: type[Request],
              extensions: Any) -> InvokeSubrequest:
    """``invoke`` that first gives a sub-request of another class the extensions."""
    def invoke_subrequest(request: Request, use_tweens: bool = False) -> Response:
        if not isinstance(request, baked):
            apply_request_extensions(request, extensions=extensions)
        return invoke(request, use_tweens)

    return invoke_subrequest


def includeme(config: Configurator) -> None:
    config.add_subscriber(_bake_request_class, ApplicationCreated)
