"""Tasks: the model, its shares, the list query, ``/tasks`` and ``/lists/<id>/tasks``.

Every task is a resource with its own ACL (owner, shares, admins); ``GET /tasks`` lists
exactly what that ACL lets the caller view, filtered and paged in SQL.
"""

from __future__ import annotations

from pyramid.config import Configurator

from . import events, list_views, move_views, occurrence_views, share_views, views
from .resources import TaskCollection
from .schedule import ScheduleError


def includeme(config: Configurator) -> None:
    config.add_root_child("tasks", TaskCollection)
    config.add_api_services(*views.SERVICES, *share_views.SERVICES, *list_views.SERVICES,
                            *occurrence_views.SERVICES, *move_views.SERVICES)
    config.add_exception_view(views.schedule_error_view, context=ScheduleError)
    config.include(events)
