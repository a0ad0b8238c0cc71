"""Tasks and their shares in the resource tree; each task's ACL is its owner, its
shares and the admins."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow, Authenticated
from pyramid.request import Request
from sqlalchemy import bindparam, select
from zope.interface import implementer

from ..accounts.models import User, find_user
from ..permissions import Permission, Principal
from ..traversal import ACE, ACL, IPrivateResource, Resource
from ..vocabulary import ID_PATTERN, WRITE_METHODS
from .models import Task, TaskShare

TASK_ID = re.compile(ID_PATTERN)  # used with fullmatch: no trailing newline

OWNER_PERMISSIONS = (
    Permission.VIEW, Permission.EDIT, Permission.DELETE, Permission.SHARE, Permission.UNSHARE
)
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
        query = TASK_FOR_UPDATE if self.request.method in WRITE_METHODS else TASK
        task = self.request.dbsession.execute(query, {"id": int(key)}).scalar_one_or_none()
        if task is None:
            raise KeyError(key)
        return TaskResource(self.request, task, self)


@implementer(IPrivateResource)
class TaskResource(Resource):
    """One task; its ACL is its owner, its shares, and the admins."""

    def __init__(self, request: Request, task: Task, parent: TaskCollection) -> None:
        super().__init__(request, str(task.id), parent)
        self.task = task

    def __acl__(self) -> Iterator[ACE]:
        # A generator: ACLHelper stops at the first matching entry, so the owner and
        # admins are answered without loading the task's shares.
        yield (Allow, Principal.ADMIN, ALL_PERMISSIONS)
        yield (Allow, Principal.user(self.task.owner_username), OWNER_PERMISSIONS)
        for share in self.task.shares:
            yield (Allow, Principal.user(share.user.username), SHARE_GRANTS[share.permission])
        yield DENY_ALL

    def __getitem__(self, name: str) -> ShareCollection:
        if name != "shares":
            raise KeyError(name)
        return ShareCollection(self.request, name, self)


class ShareCollection(Resource):
    """The shares of the parent task; its permissions are the task's."""

    __parent__: TaskResource  # always: only TaskResource.__getitem__ makes one

    @property
    def task(self) -> Task:
        return self.__parent__.task

    def __getitem__(self, username: str) -> ShareResource:
        # Any name resolves: one that cannot exist is an unknown user (a 400 on PUT, a 404
        # on DELETE), judged by the view after the task's ACL, never a 404 for the URL.
        return ShareResource(self.request, username, self)


class ShareResource(Resource):
    """The share of the parent task with ``username``, which may not exist yet (PUT makes it)."""

    __parent__: ShareCollection  # always: only ShareCollection.__getitem__ makes one

    @property
    def task(self) -> Task:
        return self.__parent__.task

    @property
    def user(self) -> User | None:
        return find_user(self.request.dbsession, self.__name__)

    @property
    def share(self) -> TaskShare | None:
        return next(
            (s for s in self.task.shares if s.user.username.lower() == self.__name__.lower()),
            None,
        )

    def __acl__(self) -> Iterator[ACE]:
        # Whoever a task is shared with may leave the share; the rest is the task's ACL.
        share = self.share
        if share is not None:
            yield (Allow, Principal.user(share.user.username), (Permission.UNSHARE,))
