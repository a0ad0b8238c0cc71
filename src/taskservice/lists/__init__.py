"""Lists: tasks grouped, and access to them inherited through the resource tree.

``/lists/<id>`` is a resource whose ACL (owner, shares, admins) every task in the list
inherits after its own (contract section 7); ``GET /tasks`` lists a list's tasks for its
members with one index range per list.
"""

from __future__ import annotations

from pyramid.config import Configurator

from . import events, share_views, views
from .resources import ListCollection


def includeme(config: Configurator) -> None:
    config.add_root_child("lists", ListCollection)
    config.add_api_services(*views.SERVICES, *share_views.SERVICES)
    config.include(events)
