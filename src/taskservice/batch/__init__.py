"""Batch requests (contract section 10): ``POST /batch`` runs sub-requests through the
whole application (``runner``) after checking the envelope (``schemas``)."""

from __future__ import annotations

from pyramid.config import Configurator

from .views import SERVICES, BatchEndpoint


def includeme(config: Configurator) -> None:
    config.add_root_child("batch", BatchEndpoint)
    config.add_api_services(*SERVICES)
