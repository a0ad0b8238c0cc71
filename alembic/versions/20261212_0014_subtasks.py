"""Subtasks and manual order (contract section 13).

- ``tasks.parent_id``: the task a task is a step of (deleting it deletes its subtasks).
- ``tasks.position``: a task's place among its siblings, a fractional-index key compared
  byte by byte (collation "C" on PostgreSQL). Every existing task is top-level, so its
  siblings are its list's top-level tasks, or its owner's in no list; each group is
  numbered in creation order (the order the default sort shows newest last), with the
  keys appends would have given (a0, a1, ... az, b00 ...).
- ``task_shares.task_position``: the shares' copy of the new sort key, kept by the trigger
  of migration 0003, re-created here to watch ``position`` too.
- ``task_ancestors``: the closure of the trees, empty until a subtask exists.
- The sort indexes of ``position`` (owner, all, list, shares), and one unique index per
  kind of sibling group: no two siblings share a position.

Columns are added in place, and dropped in place by the downgrade (a rebuild of ``tasks``
on SQLite would drop its trigger and its expression indexes). The downgrade keeps every
task, a subtask becoming a task of its own in its list.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-12
"""
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
POSITION = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PARENT_FK = "fk_tasks_parent_id_tasks"
IN_A_LIST = sa.text("list_id IS NOT NULL")
SORT_INDEXES = {
    "ix_tasks_owner_position": (["owner_id", "position", "id"], None),
    "ix_tasks_position": (["position", "id"], None),
    "ix_tasks_list_position": (["list_id", "position", "id"], IN_A_LIST),
}
SIBLING_INDEXES = {
    "uq_tasks_parent_position": ("parent_id", "parent_id IS NOT NULL"),
    "uq_tasks_list_position": ("list_id", "parent_id IS NULL AND list_id IS NOT NULL"),
    "uq_tasks_owner_position": ("owner_id", "parent_id IS NULL AND list_id IS NULL"),
}
# The trigger of migration 0003, as it is before and after this one.
TRIGGER = "tasks_sort_keys_to_shares"
COPIES = {"task_created_at": "created_at", "task_updated_at": "updated_at",
          "task_priority": "priority", "task_title": "title", "task_due_at": "due_at"}
TASKS = sa.table("tasks", sa.column("id", ID), sa.column("position", POSITION))


def create_trigger(copies: dict[str, str]) -> None:
    assignments = ", ".join(f"{name} = NEW.{column}" for name, column in copies.items())
    watched = ", ".join(copies.values())
    update = f"UPDATE task_shares SET {assignments} WHERE task_id = NEW.id;"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {update} RETURN NULL; END $$")
        op.execute(f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF {watched} ON tasks "
                   f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()")
    else:
        op.execute(f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF {watched} ON tasks "
                   f"BEGIN {update} END")


def drop_trigger() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {TRIGGER} ON tasks")
        op.execute(f"DROP FUNCTION {TRIGGER}()")
    else:
        op.execute(f"DROP TRIGGER {TRIGGER}")


def appended_key(rank: int) -> str:
    """The key the ``rank``-th append to an empty group gets (0: "a0"): an integer part
    alone, its head letter saying how many digits follow (positions.py)."""
    width, first = 1, 0
    while rank >= first + len(DIGITS) ** width:
        first += len(DIGITS) ** width
        width += 1
    number, digits = rank - first, []
    for _ in range(width):
        number, digit = divmod(number, len(DIGITS))
        digits.append(DIGITS[digit])
    return chr(ord("a") + width - 1) + "".join(reversed(digits))


def numbered_tasks() -> Iterator[dict[str, object]]:
    """Each task with its key: its group (list, else owner) numbered by creation."""
    rows = op.get_bind().execute(sa.text(
        "SELECT id, list_id, owner_id FROM tasks ORDER BY list_id IS NULL, list_id, "
        "CASE WHEN list_id IS NULL THEN owner_id END, created_at, id"))
    group, rank = None, 0
    for task_id, list_id, owner_id in rows:
        this = (list_id, None if list_id is not None else owner_id)
        rank = rank + 1 if this == group else 0
        group = this
        yield {"task_id": task_id, "position": appended_key(rank)}


def add_parent_column() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("tasks", sa.Column("parent_id", ID, nullable=True))
        op.create_foreign_key(PARENT_FK, "tasks", "tasks", ["parent_id"], ["id"],
                              ondelete="CASCADE")
    else:
        # SQLite adds a column with its REFERENCES clause in place (as migration 0007).
        op.execute(f"ALTER TABLE tasks ADD COLUMN parent_id INTEGER CONSTRAINT {PARENT_FK} "
                   "REFERENCES tasks (id) ON DELETE CASCADE")


def add_positions() -> None:
    op.add_column("tasks", sa.Column("position", POSITION, nullable=False, server_default=""))
    batch: list[dict[str, object]] = []
    update = TASKS.update().where(TASKS.c.id == sa.bindparam("task_id")).values(
        position=sa.bindparam("position"))
    for numbered in numbered_tasks():
        batch.append(numbered)
        if len(batch) == 10_000:
            op.get_bind().execute(update, batch)
            batch = []
    if batch:
        op.get_bind().execute(update, batch)
    op.add_column("task_shares", sa.Column("task_position", POSITION, nullable=False,
                                           server_default=""))
    op.execute("UPDATE task_shares SET task_position = "
               "(SELECT tasks.position FROM tasks WHERE tasks.id = task_shares.task_id)")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("tasks", "position", server_default=None)
        op.alter_column("task_shares", "task_position", server_default=None)


def create_ancestors() -> None:
    op.create_table(
        "task_ancestors",
        sa.Column("task_id", ID, nullable=False),
        sa.Column("ancestor_id", ID, nullable=False),
        sa.Column("depth", sa.SmallInteger(), nullable=False),
        sa.Column("task_owner_id", ID, nullable=False),
        sa.Column("ancestor_owner_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE",
                                name="fk_task_ancestors_task_id_tasks"),
        sa.ForeignKeyConstraint(["ancestor_id"], ["tasks.id"], ondelete="CASCADE",
                                name="fk_task_ancestors_ancestor_id_tasks"),
        sa.PrimaryKeyConstraint("task_id", "ancestor_id", name="pk_task_ancestors"),
    )
    op.create_index("ix_task_ancestors_ancestor", "task_ancestors", ["ancestor_id", "task_id"])
    foreign = sa.text("task_owner_id <> ancestor_owner_id")
    op.create_index("ix_task_ancestors_foreign", "task_ancestors",
                    ["ancestor_owner_id", "task_id"], sqlite_where=foreign,
                    postgresql_where=foreign)


def upgrade() -> None:
    add_parent_column()
    add_positions()
    for name, (columns, where) in SORT_INDEXES.items():
        op.create_index(name, "tasks", columns, sqlite_where=where, postgresql_where=where)
    for name, (group, where) in SIBLING_INDEXES.items():
        op.create_index(name, "tasks", [group, "position"], unique=True,
                        sqlite_where=sa.text(where), postgresql_where=sa.text(where))
    op.create_index("ix_task_shares_user_position", "task_shares",
                    ["user_id", "task_position", "task_id"])
    drop_trigger()
    create_trigger({**COPIES, "task_position": "position"})
    create_ancestors()


def downgrade() -> None:
    op.drop_table("task_ancestors")
    drop_trigger()
    create_trigger(COPIES)
    op.drop_index("ix_task_shares_user_position", table_name="task_shares")
    for name in (*SIBLING_INDEXES, *SORT_INDEXES):
        op.drop_index(name, table_name="tasks")
    op.drop_column("task_shares", "task_position")
    op.drop_column("tasks", "position")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(PARENT_FK, "tasks", type_="foreignkey")
    op.drop_column("tasks", "parent_id")
