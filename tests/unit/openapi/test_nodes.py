"""node_schema: Colander nodes to JSON Schema, refusing what it cannot translate or name.

The document as a whole is checked through the app in tests/functional/openapi/.
"""

from __future__ import annotations

import colander
import pytest

from taskservice.openapi.components import Schemas
from taskservice.openapi.enums import BY_VALUES
from taskservice.openapi.nodes import node_schema
from taskservice.vocabulary import PRIORITIES
from taskservice.web.schema_types import StrictMapping, StrictString


def body(**kwargs):
    return colander.SchemaNode(
        StrictMapping(),
        colander.SchemaNode(StrictString(), name="title", validator=colander.Length(1, 9)),
        **kwargs,
    )


def choice(choices, **kwargs):
    return colander.SchemaNode(
        StrictString(), name="level", validator=colander.OneOf(choices), **kwargs
    )


def test_untranslatable_colander_type_fails_loudly():
    node = colander.SchemaNode(StrictMapping(), colander.SchemaNode(colander.Money(), name="x"))
    with pytest.raises(TypeError, match="Money"):
        node_schema(node, Schemas(BY_VALUES))


def test_a_named_node_is_a_reference_to_its_component():
    schemas = Schemas(BY_VALUES)
    assert node_schema(body(schema_name="Note", example={"title": "x"}), schemas) == {
        "$ref": "#/components/schemas/Note"}
    note = schemas.named["Note"]
    assert note["required"] == ["title"] and note["example"] == {"title": "x"}
    assert node_schema(body(schema_name="Note", example={"title": "x"}), schemas)  # once more


def test_one_name_for_two_shapes_is_refused():
    schemas = Schemas(BY_VALUES)
    node_schema(body(schema_name="Note"), schemas)
    other = colander.SchemaNode(StrictMapping(), schema_name="Note")
    with pytest.raises(ValueError, match="two different schemas are named 'Note'"):
        node_schema(other, schemas)


def test_an_example_the_node_refuses_is_refused():
    with pytest.raises(ValueError, match="example of 'Note' fails its own schema"):
        node_schema(body(schema_name="Note", example={"title": "far too long"}), Schemas(BY_VALUES))


def test_choices_of_the_vocabulary_are_their_enum_component():
    assert node_schema(choice(PRIORITIES), Schemas(BY_VALUES)) == {
        "$ref": "#/components/schemas/Priority"}
    assert node_schema(choice(PRIORITIES, missing="normal"), Schemas(BY_VALUES)) == {
        "allOf": [{"$ref": "#/components/schemas/Priority"}], "default": "normal"}


def test_choices_without_a_name_are_refused():
    with pytest.raises(LookupError, match=r"\('hot', 'cold'\) of node 'level' have no name"):
        node_schema(choice(("hot", "cold")), Schemas(BY_VALUES))
