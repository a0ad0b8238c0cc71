"""``POST /batch`` (contract section 10): several requests in one, each or all committed."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import unquote

from pyramid.authorization import Allow, Authenticated
from pyramid.request import Request
from pyramid.response import Response

from ..permissions import CONTENT, Permission
from ..traversal import ACL, Resource
from ..web.endpoints import BATCH_PATH, is_password_endpoint, is_subrequest
from ..web.errors import error_response
from ..web.schemas import request_schema
from ..web.services import api_service
from ..web.validation import BODY_VALIDATORS
from .runner import SubResponse, run_atomic, run_each
from .schemas import batch_body

batch = api_service("batch", BATCH_PATH, "Several requests in one", scopes=CONTENT)
SERVICES = (batch,)


class BatchEndpoint(Resource):
    """``/batch``: anyone authenticated; each sub-request then meets its own ACL."""

    __acl__: ClassVar[ACL] = [(Allow, Authenticated, Permission.BATCH)]


def _answer(responses: list[SubResponse], committed: bool | None = None) -> Response:
    """``{"responses": [...]}``, with ``committed`` for an atomic batch."""
    tail = b"" if committed is None else b',"committed":' + (b"true" if committed else b"false")
    response = Response(content_type="application/json", charset="utf-8")
    response.body = b'{"responses":[' + b",".join(responses) + b"]" + tail + b"}"
    return response


@batch.post(permission=Permission.BATCH, schema=request_schema(body=batch_body()),
            validators=BODY_VALIDATORS)
def run_batch(request: Request) -> Response:
    """Run the requests in order, each in its own transaction or all in one (``atomic``)."""
    if is_subrequest(request):  # the envelope schema refuses /batch; this, any alias
        raise error_response(400, "body", "requests", "A batch cannot contain another batch")
    body = request.validated["body"]
    if not body["atomic"]:
        return _answer(run_each(request, body["requests"]))
    _refuse_password_work(body["requests"])
    return _answer(*run_atomic(request, body["requests"]))


def _refuse_password_work(items: list[dict[str, Any]]) -> None:
    """A 400 for an atomic batch that would check or hash a password (issue 24).

    Its one transaction holds the SQLite write turn (and on any database the locks of what
    it wrote) from its first sub-request to its last, and argon2 is slow on purpose:
    every other writer would wait for it. Alone or in a non-atomic batch the same request
    does that work before its own transaction begins.
    """
    for index, item in enumerate(items):
        if is_password_endpoint(item["method"], unquote(item["path"].partition("?")[0])):
            raise error_response(
                400, "body", f"requests.{index}.path",
                f"{item['method']} {item['path']} checks or sets a password, which an atomic "
                "batch cannot carry: send it on its own or in a batch with \"atomic\": false")
