"""Lists (contract section 7): ``lists``, ``list_shares`` and the list a task is in.

``tasks.list_id`` is nullable and every existing task is in no list, so the column is
added in place (no table rebuild: on SQLite that would drop the trigger of 0003 and the
expression indexes) and nothing is backfilled. Deleting a list deletes its tasks, and
deleting a user their lists: both are ``ON DELETE CASCADE``, one statement, one
transaction.

Each sort of "the tasks of one list" gets an index led by ``list_id``, partial on
``list_id IS NOT NULL``: a task in no list is in none of them, so the tasks that are in
no list (all of them, on upgrade) pay nothing for them on a write, and the upgrade
writes nothing into them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
IN_A_LIST = sa.text("list_id IS NOT NULL")
UNDATED = sa.text("(CASE WHEN (due_at IS NULL) THEN 1 ELSE 0 END)")
TASK_LIST_INDEXES = {
    "ix_tasks_list_created": ["list_id", "created_at", "id"],
    "ix_tasks_list_updated": ["list_id", "updated_at", "id"],
    "ix_tasks_list_priority": ["list_id", "priority", "id"],
    "ix_tasks_list_title": ["list_id", "title", "id"],
    "ix_tasks_list_due": ["list_id", UNDATED, "due_at", "id"],
    "ix_tasks_list_due_desc": ["list_id", UNDATED, sa.text("due_at DESC"), sa.text("id DESC")],
}
LIST_INDEXES = {
    "ix_lists_owner_name": ["owner_id", "name", "id"],
    "ix_lists_owner_created": ["owner_id", "created_at", "id"],
    "ix_lists_name": ["name", "id"],
    "ix_lists_created": ["created_at", "id"],
}
FK_NAME = "fk_tasks_list_id_lists"


def create_lists() -> None:
    op.create_table(
        "lists",
        sa.Column("id", ID, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_lists_owner_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_lists"),
        sqlite_autoincrement=True,
    )
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, "lists", columns)
    op.create_table(
        "list_shares",
        sa.Column("list_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("permission", sa.String(8), nullable=False),
        sa.CheckConstraint("permission IN ('view', 'edit', 'manage')",
                           name="ck_list_shares_permission_kind"),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], ondelete="CASCADE",
                                name="fk_list_shares_list_id_lists"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_list_shares_user_id_users"),
        sa.PrimaryKeyConstraint("list_id", "user_id", name="pk_list_shares"),
    )
    op.create_index("ix_list_shares_user_list", "list_shares", ["user_id", "list_id"])


def add_task_list_column() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("tasks", sa.Column("list_id", ID, nullable=True))
        op.create_foreign_key(FK_NAME, "tasks", "lists", ["list_id"], ["id"],
                              ondelete="CASCADE")
    else:
        # SQLite adds a column with its REFERENCES clause in place; Alembic would ask
        # for batch mode (a rebuild) to add the constraint separately.
        op.execute(f"ALTER TABLE tasks ADD COLUMN list_id INTEGER CONSTRAINT {FK_NAME} "
                   "REFERENCES lists (id) ON DELETE CASCADE")
    for name, columns in TASK_LIST_INDEXES.items():
        op.create_index(name, "tasks", columns, sqlite_where=IN_A_LIST,
                        postgresql_where=IN_A_LIST)


def upgrade() -> None:
    create_lists()
    add_task_list_column()


def downgrade() -> None:
    for name in TASK_LIST_INDEXES:
        op.drop_index(name, table_name="tasks")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(FK_NAME, "tasks", type_="foreignkey")
    # SQLite (since 3.35) drops a column in place, its REFERENCES clause with it; not in
    # batch mode, which would rebuild the table without the trigger and expression indexes.
    op.drop_column("tasks", "list_id")
    op.drop_table("list_shares")
    op.drop_table("lists")
