"""Unit tests of the strict Colander types: JSON types are checked, never coerced."""

from datetime import UTC, datetime, timedelta

import colander
import pytest

from taskservice.web.schema_types import (
    QueryBoolean,
    QueryDateTime,
    QueryInteger,
    QueryList,
    StrictBoolean,
    StrictDateTime,
    StrictMapping,
    StrictSequence,
    StrictString,
)


def node(typ, *children, **kw):
    return colander.SchemaNode(typ, *children, name=kw.pop("name", "field"), **kw)


def errors(schema, cstruct):
    with pytest.raises(colander.Invalid) as caught:
        schema.deserialize(cstruct)
    return caught.value.asdict()


@pytest.mark.parametrize("typ,good", [
    (StrictString(), ["", "x", " padded ", "日本"]),
    (StrictBoolean(), [True, False]),
    (QueryBoolean(), ["true", "false"]),
    (QueryInteger(), ["0", "1", "-1", "123456789"]),
])
def test_good_values_pass_through(typ, good):
    expected = {"true": True, "false": False}
    for value in good:
        result = node(typ).deserialize(value)
        wanted = int(value) if isinstance(typ, QueryInteger) else expected.get(value, value)
        assert result == wanted and type(result) is type(wanted)


@pytest.mark.parametrize("typ,bad", [
    (StrictString(), [None, 1, 1.5, True, [], {}, "a\x00b"]),
    (StrictBoolean(), [None, "true", "yes", "nope", 1, 0, 1.0, [], {}]),
    (QueryBoolean(), ["True", "1", "yes", "", "false ", None, True]),
    (QueryInteger(), ["", "1.5", "1e3", "+1", " 1", "1 ", "0x1", "1234567890", "٣", None, 1]),
    (StrictDateTime(), [None, "", "2030-01-01", "2030-01-01T00:00:00", 0, True,
                        "2030-01-01T00:00:00Z\x00"]),
    (QueryDateTime(), ["2030-01-01T00:00:00", "now", "2030-01-01 00:00:00 02:00"]),
])
def test_bad_values_are_invalid(typ, bad):
    for value in bad:
        assert list(errors(node(typ), value)) == ["field"], value


@pytest.mark.parametrize("typ", [StrictString(), StrictBoolean(), StrictDateTime(),
                                 QueryBoolean(), QueryInteger(), QueryDateTime()])
def test_null_is_missing_not_a_value(typ):
    assert node(typ, missing=colander.drop).deserialize(colander.null) is colander.drop
    assert list(errors(node(typ), colander.null)) == ["field"]


@pytest.mark.parametrize("text,expected", [
    ("2030-01-31T09:00:00Z", datetime(2030, 1, 31, 9, tzinfo=UTC)),
    ("2030-01-31t09:00:00z", datetime(2030, 1, 31, 9, tzinfo=UTC)),
    ("2030-01-31 09:00:00+00:00", datetime(2030, 1, 31, 9, tzinfo=UTC)),
    ("2030-01-31T11:00:00+02:00", datetime(2030, 1, 31, 9, tzinfo=UTC)),
    ("2030-01-31T00:30:00-08:30", datetime(2030, 1, 31, 9, tzinfo=UTC)),
    ("2030-01-31T09:00:00.123456Z", datetime(2030, 1, 31, 9, 0, 0, 123456, tzinfo=UTC)),
])
@pytest.mark.parametrize("typ", [StrictDateTime(), StrictDateTime(nullable=True),
                                 QueryDateTime()])
def test_datetimes_are_converted_to_utc(typ, text, expected):
    result = node(typ).deserialize(text)
    assert result == expected and result.utcoffset() == timedelta(0)
    assert result.tzinfo == UTC


def test_null_datetime_only_when_nullable():
    assert node(StrictDateTime(nullable=True)).deserialize(None) is None
    assert list(errors(node(StrictDateTime()), None)) == ["field"]


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"])
def test_datetimes_outside_the_range_are_invalid(text):
    assert list(errors(node(StrictDateTime()), text)) == ["field"]


def test_strict_sequence_refuses_non_lists():
    schema = node(StrictSequence(), node(StrictString(), name="item"))
    assert schema.deserialize(["a", "b"]) == ["a", "b"]
    for value in ("ab", None, {"a": 1}, ("a",), 1):
        assert list(errors(schema, value)) == ["field"], value


def test_strict_sequence_names_the_failing_item():
    schema = node(StrictSequence(), node(StrictString(), name="item"))
    assert list(errors(schema, ["ok", 1, "fine", None])) == ["field.1", "field.3"]


def test_query_list_takes_one_or_many_and_names_the_parameter():
    schema = node(QueryList(), node(StrictString(), name="item", validator=colander.Length(1)),
                  name="tag")
    assert schema.deserialize("a") == ["a"]
    assert schema.deserialize(["a", "b"]) == ["a", "b"]
    assert list(errors(schema, ["a", ""])) == ["tag"]


def mapping():
    return node(StrictMapping(), node(StrictString(), name="title"),
                node(StrictBoolean(), name="done", missing=colander.drop), name="body")


def test_strict_mapping_keeps_known_fields():
    assert mapping().deserialize({"title": "t"}) == {"title": "t"}
    assert mapping().deserialize({"title": "t", "done": True}) == {"title": "t", "done": True}


@pytest.mark.parametrize("value", [[], "x", 1, None, True, [("title", "t")]])
def test_strict_mapping_refuses_non_objects(value):
    assert list(errors(mapping(), value)) == ["body"]


def test_strict_mapping_reports_every_field_at_once():
    found = errors(mapping(), {"done": "no", "colour": 1, "id": 2, "version": 3})
    assert found == {
        "body.title": "Required",
        "body.done": "Must be true or false",
        "body.colour": "Unknown field",
        "body.id": "Read-only field",
        "body.version": "Read-only field",
    }


def test_strict_mapping_reports_unknown_fields_alone():
    assert errors(mapping(), {"title": "t", "extra": None}) == {"body.extra": "Unknown field"}
