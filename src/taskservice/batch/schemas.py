"""The envelope of ``POST /batch``: what may be asked, checked before anything runs.

A sub-request's own body is not validated here: it is handed to the endpoint it names,
which validates it exactly as it would a direct request's.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import unquote

import colander

from ..vocabulary import BATCH_METHODS, BATCH_SUB_HEADERS
from ..web.endpoints import BATCH_PATH
from ..web.schema_types import AnyJson, StrictBoolean, StrictMapping, StrictSequence, StrictString

PATH_MAX_LENGTH = 2000
HEADER_MAX_LENGTH = 1000
# What an ETag list is made of: visible ASCII and spaces (a header is latin-1 on the wire,
# and a sub-request's is built as one).
HEADER_VALUE = colander.All(
    colander.Length(1, HEADER_MAX_LENGTH),
    colander.Regex(r"\A[ -~]*\Z", "Must be visible ASCII characters and spaces"),
)


class _ApiPath:
    """A path of this API with its query string: visible ASCII from ``/``, never the batch
    itself (however it is percent-encoded)."""

    json_schema: ClassVar[dict[str, Any]] = {"pattern": "^/[!-~]*$", "maxLength": PATH_MAX_LENGTH}

    def __call__(self, node: colander.SchemaNode, value: str) -> None:
        if not value.startswith("/") or not value.isascii() or not value.isprintable() \
                or " " in value or len(value) > PATH_MAX_LENGTH:
            raise colander.Invalid(node, f"Must be a path of this API starting with /: at most "
                                         f"{PATH_MAX_LENGTH} visible ASCII characters "
                                         "(percent-encode the others)")
        if unquote(value.partition("?")[0]).rstrip("/") == BATCH_PATH:
            raise colander.Invalid(node, "A batch cannot contain another batch")


def _max_requests(node: colander.SchemaNode, kw: dict[str, Any]) -> colander.Length:
    maximum = kw["settings"].batch_max_requests
    return colander.Length(1, maximum, min_err="Send at least one request",
                           max_err=f"At most {maximum} requests in one batch")


# Deferred to ``schema.bind(settings=...)``: the bound is taskservice.batch.max_requests.
MAX_REQUESTS = colander.deferred(_max_requests)


def _sub_headers() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictMapping(),
        *(colander.SchemaNode(StrictString(), name=name, missing=colander.drop,
                              validator=HEADER_VALUE)
          for name in BATCH_SUB_HEADERS),
        name="headers", missing={},
        description="Only If-Match and If-None-Match; the caller is the batch's",
    )


def sub_request() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(StrictString(), name="method",
                            validator=colander.OneOf(BATCH_METHODS)),
        colander.SchemaNode(StrictString(), name="path", validator=_ApiPath()),
        colander.SchemaNode(AnyJson(), name="body", missing=None,
                            description="The JSON body; absent or null for none"),
        _sub_headers(),
        name="request", schema_name="BatchSubRequest",
        example={"method": "POST", "path": "/tasks", "body": {"title": "Buy milk"}},
    )


def batch_body() -> colander.SchemaNode:
    """``POST /batch``."""
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(StrictSequence(), sub_request(), name="requests",
                            validator=MAX_REQUESTS),
        colander.SchemaNode(StrictBoolean(), name="atomic", missing=False),
        schema_name="BatchRequest",
        example={"requests": [{"method": "POST", "path": "/tasks", "body": {"title": "a"}},
                              {"method": "GET", "path": "/tasks?limit=5"}],
                 "atomic": False},
    )
