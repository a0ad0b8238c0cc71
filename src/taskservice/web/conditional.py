"""Strong ETags for tasks and lists, and the If-Match / If-None-Match checks.

An ETag is the resource's version in quotes. Comparison is strong: ``W/"3"`` never matches,
``*`` matches any current version.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotModified
from pyramid.request import Request
from pyramid.response import Response

from .errors import error_response


def etag(version: int) -> str:
    return f'"{version}"'


def _matches(header: str, version: int) -> bool:
    current = etag(version)
    return any(tag.strip() in ("*", current) for tag in header.split(","))


def require_if_match(request: Request, version: int, what: str = "task") -> None:
    """412 when the client's ``If-Match`` names another version than the current one."""
    header = request.headers.get("If-Match")
    if header is not None and not _matches(header, version):
        raise error_response(
            412, "header", "If-Match",
            f"The {what} has changed: its current ETag is {etag(version)}",
            headers={"ETag": etag(version)},
        )


def not_modified(request: Request, version: int) -> bool:
    """True when ``If-None-Match`` already names the current version (answer 304)."""
    header = request.headers.get("If-None-Match")
    return header is not None and _matches(header, version)


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def not_modified_response(request: Request, version: int) -> Response | None:
    """The 304 (with its ETag) when ``If-None-Match`` names ``version``; else None."""
    if not not_modified(request, version):
        return None
    response = HTTPNotModified()
    set_etag(response, version)
    return response
