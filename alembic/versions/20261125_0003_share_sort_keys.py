"""Give each share a copy of its task's sort keys, indexed per sort; index "-due_at".

"Tasks shared with me" was an IN over the caller's share rows: every one of those tasks
was loaded and sorted to find one page, so a user with 10,000 shared tasks paid for
10,000 rows on every page. With the sort keys on the share, the shared half of a list is
a range of one index, like the owner's half.

A trigger on tasks keeps the copy in step: an UPDATE of any sort key, from the ORM or
from anywhere else, updates the task's shares in the same statement.

"-due_at" (undated last, the rest descending) mixes directions, so neither direction of
the due_at index reads it in order and SQLite sorted every dated task of the owner; it
gets an index of its own on both tables.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# name on the share -> (task column, type)
COPIES = {
    "task_created_at": ("created_at", sa.DateTime()),
    "task_updated_at": ("updated_at", sa.DateTime()),
    "task_priority": ("priority", sa.SmallInteger()),
    "task_title": ("title", sa.String(200)),
    "task_due_at": ("due_at", sa.DateTime()),
}
SHARED_UNDATED = sa.text("(CASE WHEN (task_due_at IS NULL) THEN 1 ELSE 0 END)")
SORT_INDEXES = {
    "ix_task_shares_user_created": ["user_id", "task_created_at", "task_id"],
    "ix_task_shares_user_updated": ["user_id", "task_updated_at", "task_id"],
    "ix_task_shares_user_priority": ["user_id", "task_priority", "task_id"],
    "ix_task_shares_user_title": ["user_id", "task_title", "task_id"],
    "ix_task_shares_user_due": ["user_id", SHARED_UNDATED, "task_due_at", "task_id"],
    "ix_task_shares_user_due_desc": [
        "user_id", SHARED_UNDATED, sa.text("task_due_at DESC"), sa.text("task_id DESC"),
    ],
}
DUE_DESC_COLUMNS = [
    "owner_id", sa.text("(CASE WHEN (due_at IS NULL) THEN 1 ELSE 0 END)"),
    sa.text("due_at DESC"), sa.text("id DESC"),
]
SET_COPIES = ", ".join(f"{name} = NEW.{column}" for name, (column, _) in COPIES.items())
WATCHED = ", ".join(column for column, _ in COPIES.values())
TRIGGER = "tasks_sort_keys_to_shares"
SQLITE_TRIGGER = f"""
CREATE TRIGGER {TRIGGER} AFTER UPDATE OF {WATCHED} ON tasks
BEGIN
    UPDATE task_shares SET {SET_COPIES} WHERE task_id = NEW.id;
END
"""
POSTGRESQL_TRIGGER = (f"""
CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE task_shares SET {SET_COPIES} WHERE task_id = NEW.id;
    RETURN NULL;
END
$$
""", f"""
CREATE TRIGGER {TRIGGER} AFTER UPDATE OF {WATCHED} ON tasks
FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()
""")


def create_trigger() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_TRIGGER:
            op.execute(statement)
    else:
        op.execute(SQLITE_TRIGGER)


def drop_trigger() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {TRIGGER} ON tasks")
        op.execute(f"DROP FUNCTION {TRIGGER}()")
    else:
        op.execute(f"DROP TRIGGER {TRIGGER}")


def shares_table(*copies: sa.Column) -> sa.Table:
    """task_shares as 0001 made it (plus ``copies``): SQLite's batch mode rebuilds the
    table from this, since reflection there would lose the CHECK constraint."""
    return sa.Table(
        "task_shares", sa.MetaData(),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("permission", sa.String(8), nullable=False),
        *copies,
        sa.CheckConstraint("permission IN ('view', 'edit')",
                           name="ck_task_shares_permission_kind"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE",
                                name="fk_task_shares_task_id_tasks"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_task_shares_user_id_users"),
        sa.PrimaryKeyConstraint("task_id", "user_id", name="pk_task_shares"),
        sa.Index("ix_task_shares_user_task", "user_id", "task_id"),
    )


def upgrade() -> None:
    with op.batch_alter_table("task_shares", copy_from=shares_table()) as batch:
        for name, (_, type_) in COPIES.items():
            batch.add_column(sa.Column(name, type_, nullable=True))
    assignments = ", ".join(
        f"{name} = (SELECT tasks.{column} FROM tasks WHERE tasks.id = task_shares.task_id)"
        for name, (column, _) in COPIES.items()
    )
    op.execute(f"UPDATE task_shares SET {assignments}")
    nullable_copies = [sa.Column(name, type_, nullable=True)
                       for name, (_, type_) in COPIES.items()]
    with op.batch_alter_table("task_shares", copy_from=shares_table(*nullable_copies)) as batch:
        for name, (_, type_) in COPIES.items():
            if name != "task_due_at":
                batch.alter_column(name, existing_type=type_, nullable=False)
        batch.drop_index("ix_task_shares_user_task")
    for index, columns in SORT_INDEXES.items():
        op.create_index(index, "task_shares", columns)
    op.create_index("ix_tasks_owner_due_desc", "tasks", DUE_DESC_COLUMNS)
    create_trigger()


def downgrade() -> None:
    drop_trigger()
    op.drop_index("ix_tasks_owner_due_desc", table_name="tasks")
    for index in SORT_INDEXES:
        op.drop_index(index, table_name="task_shares")
    copies = [sa.Column(name, type_, nullable=name == "task_due_at")
              for name, (_, type_) in COPIES.items()]
    table = shares_table(*copies)
    table.indexes.clear()
    with op.batch_alter_table("task_shares", copy_from=table) as batch:
        for name in COPIES:
            batch.drop_column(name)
    op.create_index("ix_task_shares_user_task", "task_shares", ["user_id", "task_id"])
