"""node_schema: Colander nodes to JSON Schema, refusing what it cannot translate.

The document as a whole is checked through the app in tests/functional/openapi/.
"""

from __future__ import annotations

import colander
import pytest

from taskservice.openapi.nodes import node_schema
from taskservice.web.schema_types import StrictMapping


def test_untranslatable_colander_type_fails_loudly():
    node = colander.SchemaNode(StrictMapping(), colander.SchemaNode(colander.Money(), name="x"))
    with pytest.raises(TypeError, match="Money"):
        node_schema(node)
