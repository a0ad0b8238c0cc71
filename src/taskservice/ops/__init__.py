"""Section 5's operator endpoints: the heartbeats and the version (the OpenAPI document
and its page are the ``openapi`` package's), and ``config.add_heartbeat``, with which the
database's check and a plugin's are added to ``/__heartbeat__``."""

from __future__ import annotations

from pyramid.config import Configurator

from .views import SERVICES


def includeme(config: Configurator) -> None:
    config.include(".heartbeats")
    config.add_api_services(*SERVICES)
