"""``POST /batch`` (contract section 10): several requests in one, each or all committed."""

from __future__ import annotations

from typing import Any, ClassVar

from pyramid.authorization import Allow, Authenticated
from pyramid.request import Request

from ..permissions import Permission
from ..traversal import ACL, Resource
from ..web.endpoints import BATCH_PATH
from ..web.errors import error_response
from ..web.schemas import request_schema
from ..web.services import api_service
from ..web.validation import BODY_VALIDATORS
from .runner import PARENT_KEY, run_atomic, run_each
from .schemas import batch_body

batch = api_service("batch", BATCH_PATH, "Several requests in one")
SERVICES = (batch,)


class BatchEndpoint(Resource):
    """``/batch``: anyone authenticated; each sub-request then meets its own ACL."""

    __acl__: ClassVar[ACL] = [(Allow, Authenticated, Permission.BATCH)]


@batch.post(permission=Permission.BATCH, schema=request_schema(body=batch_body()),
            validators=BODY_VALIDATORS)
def run_batch(request: Request) -> dict[str, Any]:
    """Run the requests in order, each in its own transaction or all in one (``atomic``)."""
    if PARENT_KEY in request.environ:  # the envelope schema refuses /batch; this, any alias
        raise error_response(400, "body", "requests", "A batch cannot contain another batch")
    body = request.validated["body"]
    if not body["atomic"]:
        return {"responses": run_each(request, body["requests"])}
    responses, committed = run_atomic(request, body["requests"])
    return {"responses": responses, "committed": committed}
