"""The change log (contract section 8): ``changes``, and when a user's admin role changed.

``changes`` starts empty: a client's first sync is a full one, and every later change is
logged. Its feed indexes are partial (``... IS NOT NULL``): a row is in the index of each
audience it has, and pays nothing for the others. ``users.role_changed_at`` is nullable
and added in place; no existing user's role has changed since a token was issued.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INDEXES = {
    "ix_changes_owner_seq": "owner_id",
    "ix_changes_user_seq": "user_id",
    "ix_changes_list_seq": "list_id",
    "ix_changes_task_seq": "task_id",
}


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("seq", ID, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("object_id", ID, nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("owner_id", ID, nullable=True),
        sa.Column("list_id", ID, nullable=True),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("task_id", ID, nullable=True),
        sa.Column("actor", sa.String(32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE",
                                name="fk_changes_task_id_tasks"),
        sa.PrimaryKeyConstraint("seq", name="pk_changes"),
        sqlite_autoincrement=True,
    )
    for name, column in INDEXES.items():
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, "changes", [column, "seq"], sqlite_where=where,
                        postgresql_where=where)
    op.add_column("users", sa.Column("role_changed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    # SQLite (since 3.35) drops a column in place, as 0007's downgrade relies on too.
    op.drop_column("users", "role_changed_at")
    op.drop_table("changes")
