"""Tasks and their shares in the resource tree; each task's ACL is its owner, its
shares and the admins, and a task in a list inherits the list's ACL after its own.

A subtask's ``__parent__`` is its parent task (contract section 13), so the ACL walk
goes subtask -> parent -> ... -> top task -> its list: whoever may view, edit or delete a
task may do so on its subtasks, with no row per subtask. Only those three flow down: a
parent met on the walk is an :class:`AncestorTask`, whose ACL grants no more, so the
parent's owner may not share or re-parent someone else's subtask (its list's managers
still may, through the list).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow, Authenticated
from pyramid.request import Request
from sqlalchemy import bindparam, select
from zope.interface import implementer

from ..db.loading import loaded_collection
from ..events import ShareChange
from ..lists.resources import ListCollection
from ..permissions import Permission, Principal
from ..sharing import ShareCollection
from ..traversal import ACE, ACL, IN_NO_LIST, IPrivateResource, Resource
from ..vocabulary import ID_PATTERN, WRITE_METHODS
from .events import task_changed
from .models import Task, TaskShare

TASK_ID = re.compile(ID_PATTERN)  # used with fullmatch: no trailing newline

OWNER_PERMISSIONS = (
    Permission.VIEW, Permission.EDIT, Permission.DELETE, Permission.SHARE, Permission.UNSHARE,
    Permission.DETACH,
)
# What a task's ACL grants on its subtasks.
INHERITED_PERMISSIONS = (Permission.VIEW, Permission.EDIT, Permission.DELETE)
# What each share permission of the vocabulary grants.
SHARE_GRANTS = {
    "view": (Permission.VIEW,),
    "edit": (Permission.VIEW, Permission.EDIT),
}

# Built once with a named parameter, so a request reuses the memoized cache key of the
# statement (Session.get builds and keys a new one per call). The lock is on the task's
# row only, not on its joined owner's (which would queue every write of one user behind
# another).
TASK = select(Task).where(Task.id == bindparam("id"))
TASK_FOR_UPDATE = TASK.with_for_update(of=Task)
TASK_SHARES = (select(TaskShare).where(TaskShare.task_id == bindparam("id"))
               .order_by(TaskShare.user_id))


class TaskCollection(Resource):
    __acl__: ClassVar[ACL] = [
        (Allow, Authenticated, (Permission.VIEW, Permission.LIST, Permission.CREATE))
    ]

    def __getitem__(self, key: str) -> TaskResource:
        if not TASK_ID.fullmatch(key):
            raise KeyError(key)
        # A request that may write locks the row (PostgreSQL: SELECT ... FOR UPDATE), so
        # concurrent writers of one task queue up instead of failing each other's
        # versioned UPDATE; SQLite already serialises writers with BEGIN IMMEDIATE.
        return self.resource(int(key), lock=self.request.method in WRITE_METHODS)

    def resource(self, task_id: int, lock: bool = False) -> TaskResource:
        """The task ``task_id`` (``KeyError`` when there is none), locked for a write."""
        query = TASK_FOR_UPDATE if lock else TASK
        task = self.request.dbsession.execute(query, {"id": task_id}).scalar_one_or_none()
        if task is None:
            raise KeyError(task_id)
        return TaskResource(self.request, task, self._parent_of(task))

    def _parent_of(self, task: Task) -> Resource:
        """Where the ACL walk goes after ``task``: its parent task, else its list when it
        is in one, else this (whose ACL the task's ``DENY_ALL`` never lets it reach)."""
        if task.parent_id is not None:
            parent = self.request.dbsession.execute(TASK, {"id": task.parent_id}).scalar_one()
            return AncestorTask(self.request, parent, self._parent_of(parent))
        if task.list_id is None:
            return self
        lists = ListCollection(self.request, "lists", self.__parent__)
        try:  # by the list package's own statement, not the relationship's lazy load
            return lists.resource(task.list_id)
        except KeyError:
            return self


@implementer(IPrivateResource)
class TaskResource(Resource):
    """One task; its ACL is its owner, its shares, and the admins, then its parent's or
    its list's."""

    owner_grants: ClassVar[tuple[Permission, ...]] = OWNER_PERMISSIONS

    def __init__(self, request: Request, task: Task, parent: Resource) -> None:
        super().__init__(request, str(task.id), parent)
        self.task = task
        self.content_list = task.list_id or IN_NO_LIST

    @property
    def shared(self) -> Task:
        return self.task

    def share_changed(self, share: ShareChange) -> None:
        task_changed(self.request, self.task, share.action, share=share)

    def __acl__(self) -> Iterator[ACE]:
        # A generator: ACLHelper stops at the first matching entry, so the owner and
        # admins are answered without loading the task's shares.
        yield (Allow, Principal.ADMIN, ALL_PERMISSIONS)
        yield (Allow, Principal.user(self.task.owner_username), self.owner_grants)
        shares = loaded_collection(self.task, "shares", TASK_SHARES, id=self.task.id)
        for share in shares:
            yield (Allow, Principal.user(share.user.username), SHARE_GRANTS[share.permission])
        if self.task.list_id is None and self.task.parent_id is None:
            yield DENY_ALL  # else the walk goes on to the parent's or the list's ACL

    def __getitem__(self, name: str) -> Resource:
        if name == "shares":
            return ShareCollection(self.request, name, self)
        if name in TASK_PARTS:
            return TaskPart(self.request, name, self)
        raise KeyError(name)


class AncestorTask(TaskResource):
    """A task met on the ACL walk up from one of its subtasks: what it grants flows down,
    but only view, edit and delete (its shares grant no more than those already)."""

    owner_grants = INHERITED_PERMISSIONS


# What is at a path of a task's own: its history, its next occurrences, its move.
TASK_PARTS = ("history", "occurrences", "move")


class TaskPart(Resource):
    """``/tasks/<id>/history``, ``/occurrences``, ``/move``: the task's ACL decides (the
    part has none of its own)."""

    __parent__: TaskResource  # always: only TaskResource.__getitem__ makes one

    @property
    def task(self) -> Task:
        return self.__parent__.task


def task_resource(request: Request, task_id: int) -> TaskResource | None:
    """The task ``task_id`` in the tree, as a body names it (a parent, a sibling)."""
    try:
        return TaskCollection(request, "tasks", request.root).resource(task_id)
    except KeyError:
        return None
