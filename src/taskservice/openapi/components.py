"""The named schemas of one document, collected while its operations are described.

Client generators make one type per component and name it after the component; an
inline schema gets a name made up from where it was found (``PostTasksBody``). So every
shape a client handles is a component with a name chosen here, and referenced with a
``$ref`` wherever it is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # enums.py imports ref from here
    from .enums import EnumType

SCHEMAS_PREFIX = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    """A reference to ``components/schemas/<name>``."""
    return {"$ref": SCHEMAS_PREFIX + name}


def with_siblings(reference: dict[str, str], siblings: dict[str, Any]) -> dict[str, Any]:
    """``reference`` with a default or description of its own use.

    OpenAPI 3.0 ignores every key beside ``$ref``, so they go beside an ``allOf`` of it,
    which both generators read as the referenced type itself.
    """
    return {"allOf": [reference], **siblings} if siblings else reference


class Schemas:
    """``components/schemas`` of one document, filled as names are met.

    The same name twice is one component; the same name for two shapes is an error at
    start-up, never a silently overwritten type.
    """

    def __init__(self, enums: dict[tuple[str, ...], EnumType]) -> None:
        self.named: dict[str, dict[str, Any]] = {}
        self.enums = enums  # the document's enums by their values (openapi.enums.by_values)
        self.add_all({enum.name: enum.schema() for enum in enums.values()})

    def add(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        """Keep ``schema`` as the component ``name``; a ``$ref`` to it."""
        known = self.named.setdefault(name, schema)
        if known != schema:
            raise ValueError(f"two different schemas are named {name!r} in the OpenAPI "
                             "document; give one of them another schema_name")
        return ref(name)

    def add_all(self, schemas: dict[str, dict[str, Any]]) -> None:
        for name, schema in schemas.items():
            self.add(name, schema)

    def sorted(self) -> dict[str, dict[str, Any]]:
        """The components by name, so that the document does not depend on route order."""
        return dict(sorted(self.named.items()))
