"""Section 5's operator endpoints: the heartbeats and the version (the OpenAPI document
and its page are the ``openapi`` package's)."""

from __future__ import annotations

from pyramid.config import Configurator

from .views import SERVICES


def includeme(config: Configurator) -> None:
    config.add_api_services(*SERVICES)
