"""The body of ``PUT /tasks/<id>/shares/<username>``."""

from __future__ import annotations

import colander

from ..models import SHARE_PERMISSIONS
from .types import StrictMapping, StrictString


def share_body() -> colander.SchemaNode:
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(
            StrictString(), name="permission", validator=colander.OneOf(SHARE_PERMISSIONS)
        ),
    )
