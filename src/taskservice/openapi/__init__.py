"""``GET /__api__`` (the OpenAPI document) and ``GET /docs`` (Swagger UI on it).

The document is generated once, when the application is created, from the Cornice
services and Colander schemas registered in that application: every route and schema
is known by then, and a view without a documented outcome stops start-up instead of
being served undocumented. Both endpoints are Cornice services themselves, so they are
described in the document like every other endpoint.

Swagger UI's files come from the ``swagger-ui-bundle`` package and are served by this
app, so the page works with no internet access.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape

from pyramid.config import Configurator
from pyramid.events import ApplicationCreated
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from swagger_ui_bundle import swagger_ui_path
from zope.interface import Interface

from ..web.endpoints import DOCS_ASSETS_PATH, DOCS_PATH, SERVICE_ENDPOINTS
from ..web.services import api_service
from .generator import build_document

SWAGGER_UI = str(swagger_ui_path)
ASSETS = "taskservice.openapi:static"
STATIC_MAX_AGE = 3600

openapi = api_service("openapi", SERVICE_ENDPOINTS["openapi"],
                      "The OpenAPI 3 document of this API", traverse=False)
docs = api_service("docs", DOCS_PATH, "A page to read and try this API in a browser",
                   traverse=False)
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
<link rel="stylesheet" href="{ui}/swagger-ui.css">
<link rel="icon" type="image/png" href="{ui}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-spec-url="{spec}"></div>
<script src="{ui}/swagger-ui-bundle.js"></script>
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
    page = PAGE.format(
        ui=escape(request.static_path(SWAGGER_UI + "/").rstrip("/")),
        docs_js=escape(request.static_path(ASSETS + "/docs.js")),
        spec=escape(request.route_path("openapi")),
    )
    return Response(page, content_type="text/html", charset="utf-8")


def publish_document(event: ApplicationCreated) -> None:
    """Build the document once, when every service of the app is registered."""
    registry = event.app.registry
    body = json.dumps(build_document(registry), indent=1).encode("utf-8")
    registry.registerUtility(Document(body), IDocument)


def includeme(config: Configurator) -> None:
    for service in SERVICES:
        config.add_cornice_service(service)
    assets_url = DOCS_ASSETS_PATH.lstrip("/")
    config.add_static_view(assets_url + "swagger-ui", SWAGGER_UI, cache_max_age=STATIC_MAX_AGE)
    config.add_static_view(assets_url + "assets", ASSETS, cache_max_age=STATIC_MAX_AGE)
    config.add_subscriber(publish_document, ApplicationCreated)
