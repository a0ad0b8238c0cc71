"""``GET /__api__`` (the OpenAPI document) and ``GET /docs`` (Swagger UI on it).

The document is generated once, when the application is created, from the Cornice
services and Colander schemas registered in that application: every route and schema
is known by then, and a view without a documented outcome stops start-up instead of
being served undocumented. Both endpoints are Cornice services themselves, so they are
described in the document like every other endpoint.

Swagger UI's files come from the ``swagger-ui-bundle`` package and are served by this
app, so the page works with no internet access -- only the three the page loads: the
package's other files include a stock page that loads the petstore from the internet and
an OAuth2 redirect target, which have no business on this origin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

from pyramid.config import Configurator
from pyramid.events import ApplicationCreated
from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request
from pyramid.response import FileResponse, Response
from pyramid.security import NO_PERMISSION_REQUIRED
from swagger_ui_bundle import swagger_ui_path
from zope.interface import Interface

from ..permissions import NO_SCOPE
from ..web.endpoints import DOCS_ASSETS_PATH, DOCS_PATH, DOCS_ROUTE, SERVICE_ENDPOINTS
from ..web.services import api_service
from .generator import build_document

SWAGGER_UI = Path(swagger_ui_path)
# The files of Swagger UI that PAGE loads, by its name for each; nothing else is served.
SWAGGER_UI_FILES = {"css": "swagger-ui.css", "bundle": "swagger-ui-bundle.js",
                    "icon": "favicon-32x32.png"}
SWAGGER_UI_ROUTE = "docs_swagger_ui"
ASSETS = "taskservice.openapi:static"
STATIC_MAX_AGE = 3600

openapi = api_service("openapi", SERVICE_ENDPOINTS["openapi"],
                      "The OpenAPI 3 document of this API", scopes=NO_SCOPE, traverse=False)
docs = api_service(DOCS_ROUTE, DOCS_PATH, "A page to read and try this API in a browser",
                   scopes=NO_SCOPE, traverse=False)
SERVICES = (openapi, docs)

class IDocument(Interface):
    """The app's OpenAPI document, serialised once (``Document``)."""


@dataclass(frozen=True)
class Document:
    body: bytes


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>taskservice API</title>
<link rel="stylesheet" href="{css}">
<link rel="icon" type="image/png" href="{icon}">
</head>
<body>
<div id="swagger-ui" data-spec-url="{spec}"></div>
<script src="{bundle}"></script>
<script src="{docs_js}"></script>
</body>
</html>
"""


@openapi.get(permission=NO_PERMISSION_REQUIRED, operation_id="getOpenApiDocument")
def get_document(request: Request) -> Response:
    """The OpenAPI 3 document of this API.

    Serialised once, at start-up.
    """
    document: Document = request.registry.getUtility(IDocument)
    return Response(body=document.body, content_type="application/json",
                    charset="utf-8")


@docs.get(permission=NO_PERMISSION_REQUIRED)
def get_docs_page(request: Request) -> Response:
    """A page to read and try this API in a browser (Swagger UI, served from here)."""
    urls = {key: request.route_path(SWAGGER_UI_ROUTE, name=name)
            for key, name in SWAGGER_UI_FILES.items()}
    urls.update(docs_js=request.static_path(ASSETS + "/docs.js"),
                spec=request.route_path("openapi"))
    page = PAGE.format(**{key: escape(url) for key, url in urls.items()})
    return Response(page, content_type="text/html", charset="utf-8")


def get_swagger_ui_file(request: Request) -> Response:
    """One of the files of Swagger UI that the page loads; any other name is a 404."""
    name = request.matchdict["name"]
    if name not in SWAGGER_UI_FILES.values():
        raise HTTPNotFound()
    return FileResponse(str(SWAGGER_UI / name), request, cache_max_age=STATIC_MAX_AGE)


def publish_document(event: ApplicationCreated) -> None:
    """Build the document once, when every service of the app is registered."""
    registry = event.app.registry
    body = json.dumps(build_document(registry), indent=1).encode("utf-8")
    registry.registerUtility(Document(body), IDocument)


def includeme(config: Configurator) -> None:
    for service in SERVICES:
        config.add_cornice_service(service)
    assets_url = DOCS_ASSETS_PATH.lstrip("/")
    config.add_route(SWAGGER_UI_ROUTE, DOCS_ASSETS_PATH + "swagger-ui/{name}")
    config.add_view(get_swagger_ui_file, route_name=SWAGGER_UI_ROUTE,
                    permission=NO_PERMISSION_REQUIRED, request_method=("GET", "HEAD"))
    config.add_static_view(assets_url + "assets", ASSETS, cache_max_age=STATIC_MAX_AGE)
    # Open to anyone (section 5): no scope, for these routes added without add_api_services.
    static_route = f"__{assets_url}assets/"  # the name Pyramid gives a static view's route
    for route in (*(service.name for service in SERVICES), SWAGGER_UI_ROUTE, static_route):
        config.declare_scopes(route, NO_SCOPE)
    config.add_subscriber(publish_document, ApplicationCreated)
