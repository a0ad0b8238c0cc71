"""``POST /batch`` (contract section 10): several requests in one, each or all committed."""

from __future__ import annotations

from typing import ClassVar

from pyramid.authorization import Allow, Authenticated
from pyramid.request import Request
from pyramid.response import Response

from ..permissions import Permission
from ..traversal import ACL, Resource
from ..web.endpoints import BATCH_PATH
from ..web.errors import error_response
from ..web.schemas import request_schema
from ..web.services import api_service
from ..web.validation import BODY_VALIDATORS
from .runner import PARENT_KEY, SubResponse, run_atomic, run_each
from .schemas import batch_body

batch = api_service("batch", BATCH_PATH, "Several requests in one")
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
    if PARENT_KEY in request.environ:  # the envelope schema refuses /batch; this, any alias
        raise error_response(400, "body", "requests", "A batch cannot contain another batch")
    body = request.validated["body"]
    if not body["atomic"]:
        return _answer(run_each(request, body["requests"]))
    return _answer(*run_atomic(request, body["requests"]))
