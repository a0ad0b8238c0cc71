"""The ``json`` renderer every view uses, encoding with orjson.

Pyramid's own ``json`` renderer calls the standard library's encoder with an adapter
lookup for each value it cannot encode, and hands the body back as text for WebOb to
encode again. The views here return plain dicts, lists, strings, numbers and booleans
(timestamps are already RFC 3339 strings), which orjson encodes in compiled code straight
to the UTF-8 bytes the response sends: on a page of tasks the encoding was a visible part
of the request's cost. Anything else in a view's result is a bug, and orjson raises on it
as the standard encoder would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from pyramid.config import Configurator
from pyramid.interfaces import IRendererInfo

Renderer = Callable[[Any, dict[str, Any]], bytes]


def json_renderer_factory(info: IRendererInfo) -> Renderer:
    """Pyramid's renderer factory protocol: one render function for every view."""

    def render(value: Any, system: dict[str, Any]) -> bytes:
        request = system.get("request")
        if request is not None:
            response = request.response
            # As Pyramid's JSON renderer: a content type the view chose is kept.
            if response.content_type == response.default_content_type:
                response.content_type = "application/json"
        return orjson.dumps(value)

    return render


def includeme(config: Configurator) -> None:
    config.add_renderer("json", json_renderer_factory)
