"""The OpenAPI 3.0 document of one app, built from its own Cornice registry.

Why not ``cornice_swagger``: it emits Swagger 2.0 only, lists every Service imported in
the process rather than the app's, misses bodies unless ``colander_body_validator`` is
among the validators, and cannot express StrictMapping's unknown-key rejection. Walking
``registry.cornice_services`` and the Colander nodes of each view is short, and the
document then describes exactly what this app validates.

A view documents itself with ``@service.get(outcome=Outcome(...))`` when it is not in the
central table (responses.OUTCOMES): a plugin's endpoint brings its outcome, components and
enums along and needs no edit here.

The document is written for client generators as much as for people: every body and
enum is a named component (components.py, enums.py), every operation has its own
operationId and summary (operations.py), and every response declares the error shape
and the headers it carries, so that a generated client is typed end to end.

OpenAPI 3.0 (not 3.1) because the Swagger UI shipped by ``swagger-ui-bundle`` renders 3.0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import colander
from cornice import Service
from pyramid.registry import Registry
from pyramid.security import NO_PERMISSION_REQUIRED

from ..permissions import UNDECLARED, Permission, Scope, ScopeRule
from ..settings import Settings
from ..vocabulary import IDEMPOTENCY_KEY_HEADER
from ..web.endpoints import NO_DATABASE_ROUTES, SERVICE_ROUTES
from ..web.validation import (
    check_body_size,
    check_json_content_type,
    reject_query_parameters,
)
from .components import Schemas
from .enums import ENUMS, by_values
from .nodes import node_schema
from .operations import Names, check_unique, names_of
from .response_schemas import JSON, SCHEMAS
from .responses import (
    OUTCOMES,
    PATH_PARAMETERS,
    REQUEST_HEADERS,
    Outcome,
)
from .security import SCOPES_EXTENSION, SECURITY, SECURITY_SCHEMES
from .statuses import error_responses, response_components, success_response

OPENAPI_VERSION = "3.0.3"
PACKAGE = "taskservice"
# "{id}" or Pyramid's "{id:regex}"; OpenAPI wants the bare name.
PATH_PARAMETER = re.compile(r"\{(\w+)(?::[^}]*)?\}")
# HEAD is Cornice's automatic twin of GET; OPTIONS answers CORS preflights.
UNDOCUMENTED_METHODS = frozenset({"HEAD", "OPTIONS"})
# Paths are relative to wherever the document was fetched from.
SERVERS = [{"url": "/", "description": "The server this document is served by"}]

DESCRIPTION = """\
A task-management REST service. Authenticate with `Authorization: Bearer <token>`
(`POST /tokens` issues one; `Authorization: Token <token>` is accepted too).

Every 4xx and 5xx has the body `{"status": "error", "errors": [{"location", "name",
"description"}], "request_id"}` (the `Error` schema). A method a path does not list is
a 405 with an `Allow` header. Every response carries `X-Request-Id`.

Every body, enum and response shape is a named component, for client generators. With
openapi-typescript, pass `--default-non-nullable false`: a body field with a default is
optional to send.
"""


@dataclass(frozen=True)
class OperationContext:
    """What every operation of one document is described with."""

    settings: Settings
    schemas: Schemas


def build_document(registry: Registry) -> dict[str, Any]:
    """The whole document for the services registered in ``registry``."""
    declared = declared_outcomes(registry)
    schemas = Schemas(by_values((*ENUMS, *(enum for o in declared for enum in o.enums))))
    schemas.add_all(SCHEMAS)
    for outcome in declared:
        schemas.add_all(dict(outcome.schemas))
    paths = build_paths(registry, schemas)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": PACKAGE, "version": version(PACKAGE), "description": DESCRIPTION},
        "servers": SERVERS,
        "paths": paths,
        "components": {
            "schemas": schemas.sorted(),
            **response_components(),
            "securitySchemes": SECURITY_SCHEMES,
        },
        "security": SECURITY,
    }


def build_paths(registry: Registry, schemas: Schemas) -> dict[str, dict[str, Any]]:
    """Every path item; operations with the same id or summary stop start-up."""
    paths: dict[str, dict[str, Any]] = {}
    named: list[tuple[str, Names]] = []
    context = OperationContext(registry.app_settings, schemas)
    for service in registry.cornice_services.values():
        item = paths.setdefault(openapi_path(service.path), {})
        for method, view, args in service.definitions:
            if method in UNDOCUMENTED_METHODS:
                continue
            names = names_of(service, method, view)
            named.append((f"{method} {service.path}", names))
            item[method.lower()] = operation(service, method, names, args, context)
    check_unique(named)
    return paths


def openapi_path(pattern: str) -> str:
    return PATH_PARAMETER.sub(r"{\1}", pattern)


def declared_outcomes(registry: Registry) -> list[Outcome]:
    """The Outcomes the views carry themselves (``@service.get(outcome=...)``)."""
    return [outcome for service in registry.cornice_services.values()
            for method, _, _ in service.definitions
            if (outcome := view_outcome(service, method)) is not None]


def view_outcome(service: Service, method: str) -> Outcome | None:
    outcome: Outcome | None = getattr(service, "documented", {}).get(method, {}).get("outcome")
    return outcome


def outcome_of(service: Service, method: str) -> Outcome:
    """The hand-described responses, the view's own or the central table's (one of them:
    both would be two truths); a view added without one stops start-up."""
    central = OUTCOMES.get((service.name, method))
    own = view_outcome(service, method)
    if own is not None and central is not None:
        raise LookupError(f"{method} {service.path} (service {service.name!r}) has an "
                          "outcome= and an entry in taskservice.openapi.responses.OUTCOMES")
    outcome = own or central
    if outcome is None:
        raise LookupError(
            f"{method} {service.path} (service {service.name!r}) has no entry in "
            "taskservice.openapi.responses.OUTCOMES, nor an outcome= of its own"
        )
    return outcome


def operation(
    service: Service, method: str, names: Names, args: dict[str, Any], context: OperationContext
) -> dict[str, Any]:
    """One path item operation: parameters, body and every response the view can give."""
    outcome = outcome_of(service, method)
    idempotent = is_idempotent(method, args)
    schema = args.get("schema")
    request = None if schema is None else schema.bind(settings=context.settings)
    result: dict[str, Any] = {
        "operationId": names.operation_id,
        "summary": names.summary,
        "tags": [names.tag],
        "parameters": [
            *path_parameters(service.path),
            *query_parameters(child(request, "querystring"), context.schemas),
            *(REQUEST_HEADERS[name] for name in outcome.request_headers),
            *([REQUEST_HEADERS[IDEMPOTENCY_KEY_HEADER]] if idempotent else []),
        ],
        "responses": {
            **{str(status): success_response(outcome, status, idempotent)
               for status in outcome.statuses},
            **error_responses(error_statuses(service, method, args, outcome, request)
                              | ({409, 422} if idempotent else set())),
        },
    }
    body = child(request, "body")
    if body is not None:
        result["requestBody"] = request_body(body, context.schemas, f"{method} {service.path}")
    if not result["parameters"]:
        del result["parameters"]
    if is_anonymous(args):
        result["security"] = []  # anonymous callers welcome
    elif scopes := needed_scopes(service, method):
        result[SCOPES_EXTENSION] = sorted(scopes)
    return result


def needed_scopes(service: Service, method: str) -> frozenset[Scope]:
    """What a token must hold for ``method`` on ``service`` (contract section 15)."""
    rule: ScopeRule = getattr(service, "scopes", UNDECLARED)
    return rule.needed(method)


# Permissions every caller has (the ACLs grant REGISTER and LOGIN to Everyone): the
# operations that need no token. Decided per method, not per route: only POST is
# anonymous on /users and /tokens.
ANONYMOUS_PERMISSIONS = frozenset({Permission.REGISTER, Permission.LOGIN, NO_PERMISSION_REQUIRED})


def is_anonymous(args: dict[str, Any]) -> bool:
    return args.get("permission") in ANONYMOUS_PERMISSIONS


def is_idempotent(method: str, args: dict[str, Any]) -> bool:
    """An authenticated POST: it may carry an ``Idempotency-Key`` (section 10)."""
    return method == "POST" and not is_anonymous(args)


def child(node: colander.SchemaNode | None, name: str) -> colander.SchemaNode | None:
    if node is None:
        return None
    return next((c for c in node.children if c.name == name), None)


def path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True,
         "schema": PATH_PARAMETERS.get(name, {"type": "string"})}
        for name in PATH_PARAMETER.findall(path)
    ]


def query_parameters(query: colander.SchemaNode | None, schemas: Schemas) -> list[dict[str, Any]]:
    """One parameter per query-string field; a repeatable one is ``?tag=a&tag=b``."""
    parameters = []
    for node in () if query is None else query.children:
        schema = node_schema(node, schemas)
        parameter = {"name": node.name, "in": "query", "required": node.required,
                     "schema": schema}
        if schema.get("type") == "array":
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


def request_body(body: colander.SchemaNode, schemas: Schemas, where: str) -> dict[str, Any]:
    """A JSON body, always required (an empty one is a 400), named by its ``schema_name``."""
    schema = node_schema(body, schemas)
    if "$ref" not in schema:
        raise LookupError(f"the body of {where} has no name: build its Colander schema "
                          "with schema_name=... (its component in the document)")
    return {"required": True, "content": {JSON: {"schema": schema}}}


def error_statuses(
    service: Service, method: str, args: dict[str, Any], outcome: Outcome,
    request: colander.SchemaNode | None,
) -> set[int]:
    """Statuses that follow from the route, its validators, its schema and its scopes."""
    validators = args.get("validators", ())
    derived = {
        400: request is not None or reject_query_parameters in validators,
        401: not is_anonymous(args),
        403: not is_anonymous(args) and bool(needed_scopes(service, method)),
        404: bool(PATH_PARAMETER.search(service.path)),
        413: check_body_size in validators,
        415: check_json_content_type in validators,
        429: service.name not in SERVICE_ROUTES,
        503: service.name not in NO_DATABASE_ROUTES,
    }
    return set(outcome.others) | {status for status, applies in derived.items() if applies}
