"""Lists: tasks grouped, and access to them inherited through the resource tree.

``/lists/<id>`` is a resource whose ACL (owner, shares, admins) every task in the list
inherits after its own (contract section 7); ``GET /tasks`` lists a list's tasks for its
members with one index range per list.
"""

from __future__ import annotations

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    # Imported here, not above, while the domains call the change log themselves: these
    # views import ``sharing`` and ``changes.log``, which import the tasks package, which
    # imports ``lists.resources``, which imports ``sharing`` -- half-initialised if it is
    # what "import taskservice.lists.models" (Alembic's env.py) started. The cycle goes
    # when the domains stop importing ``changes`` (issue 25): then move these up.
    from . import share_views, views
    from .resources import ListCollection

    config.add_root_child("lists", ListCollection)
    config.add_api_services(*views.SERVICES, *share_views.SERVICES)
