"""Tasks, their tags and their shares.

Tags are kept twice on purpose: as a JSON list on the task, so loading a task is one
query, and as ``task_tags`` rows, so ``tag=`` filters are an indexed lookup on every
database. :meth:`Task.insert_into` and :meth:`Task.update_in` write both.

A share keeps a copy of its task's sort keys for the same reason: "tasks shared with me,
sorted" is then a range of one index however many tasks are shared with the caller.
:meth:`Task.share_with` fills the copy; a trigger on ``tasks`` (migration 0003) keeps it
in step with every later UPDATE, whoever sends it -- the ORM, a bulk UPDATE, or an
operator at a SQL prompt.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

import zope.sqlalchemy
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    SQLColumnExpression,
    String,
    Table,
    Text,
    bindparam,
    case,
    delete,
    false,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, column_property, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import User
from ..dates.rules import RULE_MAX_LENGTH
from ..db.base import ID, Base, UTCDateTime, utcnow
from ..db.session import execute_core
from ..lists.models import TaskList
from ..positions import POSITION_MAX_LENGTH
from ..vocabulary import (
    PRIORITIES,
    RECURRENCE_FROM,
    SHARE_PERMISSIONS,
    SORT_FIELDS,
    TAG_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ZONE_MAX_LENGTH,
)

# What a share copies of its task: the sort keys, and whether it has subtasks.
SHARE_COPIES = (*SORT_FIELDS, "has_subtasks")
PRIORITY_CHECK = f"priority BETWEEN 0 AND {len(PRIORITIES) - 1}"
PERMISSION_CHECK = f"permission IN ({', '.join(repr(name) for name in SHARE_PERMISSIONS)})"
# Sorts whose key is a plain column, by the short name their indexes carry ("due_at" puts
# undated tasks last, so its indexes are on an expression: see below the classes).
PLAIN_SORT_COLUMNS = {
    "created": "created_at", "updated": "updated_at", "priority": "priority", "title": "title",
    "position": "position",
}
# A manual order's key compares byte by byte (positions.py), whatever the database's
# collation: PostgreSQL's default one would sort "a" and "B" as a dictionary does.
POSITION = String(POSITION_MAX_LENGTH).with_variant(
    String(POSITION_MAX_LENGTH, collation="C"), "postgresql")


def sort_indexes(prefix: str, scope: tuple[str, ...], column_prefix: str = "",
                 id_column: str = "id", **options: Any) -> tuple[Index, ...]:
    """One index per plain sort: ``scope`` (the owner, the sharee, or none), key, id.

    ``options`` go to each ``Index`` (a partial index's ``sqlite_where``...).
    """
    return tuple(
        Index(f"{prefix}{short}", *scope, column_prefix + column, id_column, **options)
        for short, column in PLAIN_SORT_COLUMNS.items()
    )


def partial(condition: str) -> dict[str, Any]:
    """Index options for the rows ``condition`` (SQL) holds for; the others pay nothing."""
    where: ColumnElement[bool] = literal_column(condition)
    return {"sqlite_where": where, "postgresql_where": where}


def in_a_list(column: str = "list_id") -> dict[str, Any]:
    """Index options for tasks in a list only: most tasks are in none, and pay nothing."""
    return partial(f"{column} IS NOT NULL")


# Siblings share a parent; top-level tasks in a list share the list; top-level tasks in
# no list share their owner (contract section 13). Each kind of sibling group is one
# unique index: no two siblings ever share a position, whoever writes, and the last
# position of a group (where a new task goes) is the end of one index range.
SIBLING_GROUPS = {
    "parent": (("parent_id",), "parent_id IS NOT NULL"),
    "list": (("list_id",), "parent_id IS NULL AND list_id IS NOT NULL"),
    "owner": (("owner_id",), "parent_id IS NULL AND list_id IS NULL"),
}


def sibling_indexes() -> tuple[Index, ...]:
    return tuple(Index(f"uq_tasks_{group}_position", *columns, "position", unique=True,
                       **partial(condition))
                 for group, (columns, condition) in SIBLING_GROUPS.items())


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(PRIORITY_CHECK, name="priority_rank"),
        # One index per sort order, owner first: a user's page is an index range scan.
        *sort_indexes("ix_tasks_owner_", ("owner_id",)),
        # An admin's list spans every owner: the same sorts without the owner.
        *sort_indexes("ix_tasks_", ()),
        # The tasks of one list, for its members: the same sorts with the list first.
        *sort_indexes("ix_tasks_list_", ("list_id",), **in_a_list()),
        *sibling_indexes(),
        {"sqlite_autoincrement": True},  # ids are never reused, even after a delete
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    priority: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=1)
    # The due's instant, whatever its kind: for an all-day due, 00:00 of ``due_date`` in
    # ``time_zone``. So a row alone gives its place in a due sort, and one index range
    # reads timed and all-day dues in order (contract section 12).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    time_zone: Mapped[str] = mapped_column(String(ZONE_MAX_LENGTH), nullable=False,
                                           server_default="UTC")
    # A recurrence: its rule as sent, what it follows, the instant its series started
    # at, and the current due's place in the series (0: the start).
    recurrence_rule: Mapped[str | None] = mapped_column(String(RULE_MAX_LENGTH), nullable=True)
    recurrence_from: Mapped[str | None] = mapped_column(
        String(max(map(len, RECURRENCE_FROM))), nullable=True)
    recurrence_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recurrence_index: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                  server_default="0")
    # Its reminders as the API shows them (tasks/reminders.py), in the order sent; when
    # each comes is kept by the reminders package (reminders/models.py).
    reminders: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, nullable=False, default=list, server_default=text("'[]'"))
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # When ``done`` last became true; None while it is false.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The list the task is in (contract section 7); its members' rights reach the task
    # through the resource tree. Deleting the list deletes its tasks.
    list_id: Mapped[int | None] = mapped_column(
        ID, ForeignKey("lists.id", ondelete="CASCADE"), nullable=True
    )

    # The task this one is a step of (contract section 13): its parent in the resource
    # tree, whose ACL it inherits. Deleting a task deletes its subtasks.
    parent_id: Mapped[int | None] = mapped_column(
        ID, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=True
    )
    # Its place among its siblings (SIBLING_GROUPS), a key of positions.py.
    position: Mapped[str] = mapped_column(POSITION, nullable=False)
    # Whether a subtask was ever put under it (never reset): its shares copy it, so
    # "tasks seen through a shared task" reads only the shares of tasks that have some.
    has_subtasks: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                               server_default=false())

    # The owner's name, for the body and the ACL: read with the task in one query (a
    # subquery on the users' primary key) as a plain value, not as a joined User object,
    # which cost as much to build as the task itself. A new task is given it.
    owner_username: Mapped[str] = column_property(
        select(User.username).where(User.id == owner_id).scalar_subquery()
    )
    # Loaded (one SELECT by id) only for a task in a list, whose parent in the resource
    # tree it is (resources.py); a task in no list never queries it.
    task_list: Mapped[TaskList | None] = relationship(lazy="select")
    shares: Mapped[list[TaskShare]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="select",
        order_by="TaskShare.user_id",
    )

    # The ORM adds "AND version = :old" to its DELETE, as :meth:`update_in` does to its
    # UPDATE: two writers that loaded the same version cannot both succeed, the loser
    # gets StaleDataError (and is retried), never a lost update. (No ClassVar:
    # DeclarativeBase already declares __mapper_args__, and mypy refuses a ClassVar that
    # overrides it.)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def priority_name(self) -> str:
        return PRIORITIES[self.priority]


    @classmethod
    def unsaved(cls, **values: Any) -> Task:
        """A new task of ``values``, built without the ORM's attribute instrumentation.

        The mapped constructor sets each attribute through its instrumentation (change
        history, events), most of the Python calls of building a task; a new task never
        goes through the unit of work (:meth:`insert_into` writes it), so nothing needs
        that history: its values are set as loaded ones.
        """
        task = cast(Task, cls.__mapper__.class_manager.new_instance())
        task.__dict__.update(values)
        return task

    def insert_into(self, session: Session) -> None:
        """Insert this new task and its tag rows with two statements.

        An INSERT ... RETURNING the id, then the tags in one executemany, instead of the
        unit of work: flushing a new task with its tags sorted the dependencies and sent
        one INSERT per row, most of a POST's cost. The task stays out of the session (the
        response is built from it, nothing else reads it in the request). The INSERT
        goes through ``session.execute``, whose ORM execution events see every create
        (where the transient-error tests raise the drivers' errors); the tags, as the
        rest of the write path, go to the connection (``execute_core``).
        """
        self.version = 1
        # Core statements are no ORM change: tell the transaction this session wrote.
        zope.sqlalchemy.mark_changed(session)
        values = {column.key: getattr(self, column.key) for column in NEW_TASK_COLUMNS}
        self.id = session.execute(INSERT_TASK, values).scalar_one()
        _insert_tags(session, self.id, self.tags)

    def update_in(self, session: Session, columns: dict[str, object]) -> None:
        """Write the changed ``columns`` with one versioned UPDATE, then the tag rows.

        Core statements rather than a flush of the loaded task: the unit of work sorted
        the dependencies, loaded the old tag rows to diff them and sent a statement per
        row, most of a PATCH's cost. The old tags are already on the task (its JSON copy),
        so only the tags that went or came are touched. The version check is the UPDATE's
        WHERE: no row updated means a concurrent writer got there first, the same
        StaleDataError the ORM raises (the request is retried), and also why the SET names
        only the changed columns (and the version): the rest are as this version left
        them. Naming every column made the database rewrite every index of the table and
        fire the shares' sort-key trigger on each write, whatever it changed. The task is
        then told the new values as committed ones, so the flush at commit finds nothing
        to write.
        """
        values = {**columns, "version": self.version + 1}
        zope.sqlalchemy.mark_changed(session)
        result = execute_core(
            session, UPDATE_TASK, {**values, "task_id": self.id, "expected_version": self.version}
        )
        if result.rowcount != 1:
            raise StaleDataError(f"Task {self.id} changed since version {self.version}")
        if "tags" in columns:
            old, new = set(self.tags), cast(list[str], columns["tags"])
            gone = [tag for tag in self.tags if tag not in new]
            if gone:
                execute_core(session, DELETE_TAGS, {"task_id": self.id, "tags": gone})
            _insert_tags(session, self.id, [tag for tag in new if tag not in old])
        for key, value in values.items():
            set_committed_value(self, key, value)

    def share_with(self, user: User, permission: str) -> TaskShare:
        """A new share of this task, carrying the copy of its sort keys."""
        share = TaskShare(user=user, permission=permission, **self.sort_key_copy())
        self.shares.append(share)
        return share

    def sort_key_copy(self) -> dict[str, object]:
        """The values a share keeps of this task, by the share's column names."""
        return {f"task_{name}": getattr(self, name) for name in SHARE_COPIES}


def undated(due_at: SQLColumnExpression[datetime | None]) -> ColumnElement[int]:
    """1 for "no due date", else 0: the leading key of the due_at sort.

    "No due date" sorts last in both directions. An integer, not "due_at IS NULL": SQL
    cannot compare booleans with < and >, which the keyset condition needs. Literal 1 and
    0 (not bound parameters) so the query's expression is the index's expression and the
    planner can use the index for it.
    """
    return case((due_at.is_(None), literal_column("1")), else_=literal_column("0"))


UNDATED = undated(Task.due_at)
Index("ix_tasks_owner_due", Task.owner_id, UNDATED, Task.due_at, Task.id)
# "-due_at" is undated last (ascending) and the rest descending: no one direction of the
# index above reads that order, so it has its own.
Index("ix_tasks_owner_due_desc", Task.owner_id, UNDATED, Task.due_at.desc(), Task.id.desc())
Index("ix_tasks_due", UNDATED, Task.due_at, Task.id)
Index("ix_tasks_due_desc", UNDATED, Task.due_at.desc(), Task.id.desc())
Index("ix_tasks_list_due", Task.list_id, UNDATED, Task.due_at, Task.id, **in_a_list())
Index("ix_tasks_list_due_desc", Task.list_id, UNDATED, Task.due_at.desc(), Task.id.desc(),
      **in_a_list())


class TaskTag(Base):
    __tablename__ = "task_tags"
    __table_args__ = (Index("ix_task_tags_tag_task", "tag", "task_id"),)

    task_id: Mapped[int] = mapped_column(
        ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(TAG_MAX_LENGTH), primary_key=True)


class TaskShare(Base):
    __tablename__ = "task_shares"
    __table_args__ = (
        CheckConstraint(PERMISSION_CHECK, name="permission_kind"),
        # "Tasks shared with me", the second half of every non-admin list: one index per
        # sort order, as for the owner's half.
        *sort_indexes("ix_task_shares_user_", ("user_id",), "task_", "task_id"),
        # The shares whose task has subtasks: the few a viewer may see more through.
        Index("ix_task_shares_user_above_subtasks", "user_id", "task_id",
              sqlite_where=literal_column("task_has_subtasks = 1"),
              postgresql_where=literal_column("task_has_subtasks")),
    )

    task_id: Mapped[int] = mapped_column(
        ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    permission: Mapped[str] = mapped_column(String(8), nullable=False)
    # Copies of the task's sort keys, kept in step by a trigger (see the module docstring).
    task_created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    task_updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    task_priority: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    task_title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH), nullable=False)
    task_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    task_position: Mapped[str] = mapped_column(POSITION, nullable=False)
    task_has_subtasks: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                    server_default=false())

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


SHARED_UNDATED = undated(TaskShare.task_due_at)
Index("ix_task_shares_user_due", TaskShare.user_id, SHARED_UNDATED, TaskShare.task_due_at,
      TaskShare.task_id)
Index("ix_task_shares_user_due_desc", TaskShare.user_id, SHARED_UNDATED,
      TaskShare.task_due_at.desc(), TaskShare.task_id.desc())


class TaskAncestor(Base):
    """One ancestor of a subtask: the tree's closure, for the queries over many rows.

    The ACL needs no row here: a subtask's resource walks its ``__parent__`` chain. But
    "which tasks may this user view" (a listing, the change feed, a webhook's owner) is
    asked of many rows at once, in SQL, and a subtask is visible to whoever owns one of its
    ancestors or has it shared with them: this table answers that with one index probe
    instead of a recursive query. A task at depth d has d - 1 rows (none at the top, so a
    flat task list pays nothing); ``tree.py`` keeps them in step with every re-parent.
    The owners are copied (they never change) so that the subtasks someone else made
    under a user's task are one small index range (``ix_task_ancestors_foreign``).
    """

    __tablename__ = "task_ancestors"
    __table_args__ = (
        Index("ix_task_ancestors_ancestor", "ancestor_id", "task_id"),
        Index("ix_task_ancestors_foreign", "ancestor_owner_id", "task_id",
              sqlite_where=literal_column("crosses_owner = 1"),
              postgresql_where=literal_column("crosses_owner")),
    )

    task_id: Mapped[int] = mapped_column(
        ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    ancestor_id: Mapped[int] = mapped_column(
        ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    depth: Mapped[int] = mapped_column(SmallInteger, nullable=False)  # 1: the parent
    task_owner_id: Mapped[int] = mapped_column(ID, nullable=False)
    ancestor_owner_id: Mapped[int] = mapped_column(ID, nullable=False)
    # task_owner_id <> ancestor_owner_id, as a column: PostgreSQL keeps statistics of a
    # column, not of a comparison of two, and read the whole table for the latter.
    crosses_owner: Mapped[bool] = mapped_column(Boolean, nullable=False)


TASKS = cast(Table, Task.__table__)
# Every column of a new task but its id, which the database assigns, and has_subtasks,
# which only the tree sets (tree.py): a PATCH never writes back a value it read.
NEW_TASK_COLUMNS = tuple(column for column in TASKS.columns
                         if column.key not in {"id", "has_subtasks"})
# Core statements on the tables: the ORM's bulk-insert machinery is not needed for rows
# that no object in the session stands for.
INSERT_TASK = insert(TASKS).returning(TASKS.c.id)
# The SET clause comes from the parameters' keys; the WHERE is the version check.
UPDATE_TASK = update(TASKS).where(
    TASKS.c.id == bindparam("task_id"), TASKS.c.version == bindparam("expected_version")
)
TASK_TAGS = cast(Table, TaskTag.__table__)
INSERT_TAGS = insert(TASK_TAGS)
DELETE_TAGS = delete(TASK_TAGS).where(
    TASK_TAGS.c.task_id == bindparam("task_id"),
    TASK_TAGS.c.tag.in_(bindparam("tags", expanding=True)),
)


def _insert_tags(session: Session, task_id: int, tags: list[str]) -> None:
    """The index rows of a task's new tags, in one executemany."""
    if tags:
        execute_core(session, INSERT_TAGS, [{"task_id": task_id, "tag": tag} for tag in tags])
