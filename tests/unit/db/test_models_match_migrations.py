"""The models and the migrations describe the same schema.

The app's queries are written against the models; the database is built by the
migrations. A column, type, constraint or index that one has and the other lacks works
in whichever the tests happen to use and breaks in the other, so Alembic's autogenerate
comparison of a freshly migrated database with ``Base.metadata`` must find nothing, and
neither may the comparison of what it leaves out (a partial index's condition, a column's
collation).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, ForeignKeyConstraint, Index, inspect
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.sql.elements import UnaryExpression

import taskservice.accounts.models
import taskservice.changes.models
import taskservice.db.service_keys
import taskservice.idempotency.models
import taskservice.lists.models
import taskservice.tasks.models
import taskservice.webhooks.models  # noqa: F401  (with the lines above: every table Base knows)
from taskservice.db.base import Base
from tests.support.database import alembic_config

EXPRESSION = "<expression>"


def shape(index: Index) -> tuple[bool, list[tuple[tuple[str, ...], str]]]:
    """What Alembic can compare of ``index``: uniqueness, and per element its modifiers
    (DESC, NULLS LAST) and column name, with an expression standing for any expression.
    """
    elements = []
    for element in index.expressions:
        modifiers = []
        while isinstance(element, UnaryExpression):
            modifiers.append(getattr(element.modifier, "__name__", str(element.modifier)))
            element = element.element
        name = element.name if isinstance(element, Column) else EXPRESSION
        elements.append((tuple(modifiers), name))
    return bool(index.unique), elements


def unreflectable_index_pairs(diffs: list[Any]) -> list[Any]:
    """The remove_index/add_index pairs Alembic reports for expression-based indexes.

    Alembic reflects an expression index (PostgreSQL: ``CASE WHEN due_at IS NULL ...``)
    as text it cannot compare with the model's expression, so each such index comes back
    as "remove the reflected one, add the model's". Only such a pair is left out: the
    same name on both sides, an expression on the reflected side, and otherwise the same
    shape -- so an expression added or dropped, a column moved or a DESC lost is still
    a difference, and so is an index that exists on one side only.
    """
    removed = {d[1].name: d for d in diffs if isinstance(d, tuple) and d[0] == "remove_index"}
    added = {d[1].name: d for d in diffs if isinstance(d, tuple) and d[0] == "add_index"}
    pairs = []
    for name in removed.keys() & added.keys():
        reflected, modelled = shape(removed[name][1]), shape(added[name][1])
        if any(n == EXPRESSION for _, n in reflected[1]) and reflected == modelled:
            pairs += [removed[name], added[name]]
    return pairs


def fk_signature(constraint: ForeignKeyConstraint) -> tuple:
    """What SQLite's reflection can tell of a foreign key: its columns and what they name."""
    return (constraint.table.name, tuple(constraint.column_keys),
            constraint.referred_table.name, tuple(e.column.name for e in constraint.elements))


def unreflectable_fk_pairs(connection: Connection, diffs: list[Any]) -> list[Any]:
    """The remove_fk/add_fk pairs of a foreign key added by SQLite's ALTER TABLE ADD COLUMN.

    SQLAlchemy reads a SQLite foreign key's name and ON DELETE from the table's SQL, and
    only from a table-level FOREIGN KEY clause; a column added in place (migration 0007:
    a rebuild would drop the trigger and the expression indexes) carries its constraint
    inline, so it comes back nameless and without ON DELETE. Such a pair is left out only
    when it names the same columns, and SQLite's own ``PRAGMA foreign_key_list`` says it
    cascades exactly as the model does -- so a wrong ON DELETE is still a difference.
    """
    if connection.dialect.name != "sqlite":
        return []
    removed = [d for d in diffs if isinstance(d, tuple) and d[0] == "remove_fk"
               and d[1].name is None]
    added = {fk_signature(d[1]): d for d in diffs if isinstance(d, tuple) and d[0] == "add_fk"}
    pairs = []
    for diff in removed:
        model = added.get(fk_signature(diff[1]))
        if model is None:
            continue
        table, columns, referred, _ = fk_signature(diff[1])
        rows = connection.exec_driver_sql(f"PRAGMA foreign_key_list({table})").mappings()
        on_delete = {(r["from"], r["table"]): r["on_delete"] for r in rows}
        if on_delete.get((columns[0], referred)) == (model[1].ondelete or "NO ACTION").upper():
            pairs += [diff, model]
    return pairs


def describe(diff: Any) -> str:
    """One difference, readable: an index by its name and shape, anything else as Alembic has it."""
    if isinstance(diff, tuple) and diff[0] in ("add_index", "remove_index"):
        return f"{diff[0]} {diff[1].name} on {diff[1].table.name}: {shape(diff[1])}"
    return repr(diff)


# Alembic warns about each expression index it cannot compare: on SQLite it skips them
# altogether (so only the PostgreSQL run checks their shape), and SQLAlchemy versions that
# cannot reflect them on PostgreSQL warn too. Nothing else is silenced.
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index:UserWarning",
    "ignore:.*expression-based index:sqlalchemy.exc.SAWarning",
)
def test_a_database_migrated_to_head_matches_the_models(empty_database: Engine) -> None:
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
        ignored = unreflectable_index_pairs(diffs) + unreflectable_fk_pairs(connection, diffs)
    differences = [d for d in diffs if not any(d is i for i in ignored)]
    assert not differences, "\n".join(describe(d) for d in differences)


def condition(text: object) -> str | None:
    """A partial index's condition as text both sides can be compared by: PostgreSQL writes
    it back fully parenthesized, SQLite as it was given."""
    if text is None:
        return None
    return " ".join(re.sub(r"[()]", " ", str(text)).split()).lower()


def modelled_conditions(dialect: Dialect) -> dict[str, str | None]:
    """Each model index's condition (None: not partial) on ``dialect``."""
    return {index.name: condition(None if where is None else where.compile(dialect=dialect))
            for table in Base.metadata.tables.values() for index in table.indexes
            if isinstance(index.name, str)
            for where in [index.dialect_options[dialect.name]["where"]]}


def column_collations(connection: Connection) -> list[tuple[str, str, str | None, str | None]]:
    """Each model column, with the collation the model gives it on this database and the
    one the database has (PostgreSQL reflects it; SQLite keeps none, its order is bytes')."""
    inspector = inspect(connection)
    found = []
    for table in Base.metadata.tables.values():
        reflected = {c["name"]: getattr(c["type"], "collation", None)
                     for c in inspector.get_columns(table.name)}
        for column in table.columns:
            modelled = getattr(column.type.dialect_impl(connection.dialect), "collation", None)
            found.append((table.name, column.name, modelled, reflected.get(column.name)))
    return found


# Expression indexes are not reflected on PostgreSQL (SQLAlchemy warns and skips them);
# their conditions are left to the migration tests' comparison of definitions.
@pytest.mark.filterwarnings("ignore:.*expression-based index:sqlalchemy.exc.SAWarning")
def test_partial_indexes_and_collations_match_the_models(empty_database: Engine) -> None:
    """What Alembic's comparison leaves out: an index's WHERE (the unique sibling indexes
    of section 13 hold only their group's rows, the list indexes only tasks in a list)
    and a column's collation (a manual order compares bytes: "C" on PostgreSQL). A
    migration that gets either wrong builds a database that works, and orders or
    refuses other rows than the models say."""
    with empty_database.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        modelled = modelled_conditions(connection.dialect)
        inspector = inspect(connection)
        migrated = {index["name"]: condition(index["dialect_options"].get(
                        f"{connection.dialect.name}_where"))
                    for table in inspector.get_table_names()
                    for index in inspector.get_indexes(table) if index["name"] in modelled}
        collations = column_collations(connection)
    assert {name: modelled[name] for name in migrated} == migrated
    assert [c for c in collations if c[2] != c[3]] == []
    # The comparison saw the partial indexes it is about, and the collated column.
    assert migrated["uq_tasks_parent_position"] == "parent_id is not null"
    if connection.dialect.name == "postgresql":
        assert ("tasks", "position", "C", "C") in collations
