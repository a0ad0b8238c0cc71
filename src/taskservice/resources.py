"""The resource tree that traversal walks, and the ACL each resource carries.

``/`` → ``tasks`` → ``<id>`` → ``shares`` → ``<username>``; ``users`` → ``<username>`` or
``me``; ``tokens`` → ``current``. A missing or malformed key is a ``KeyError`` (a 404
before any permission check). Tasks and users build their ACL from their own rows, so a
share is one more ACE, and no view ever decides access with an if-statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pyramid.authorization import (
    ALL_PERMISSIONS,
    DENY_ALL,
    Allow,
    Authenticated,
    Everyone,
)
from pyramid.request import Request
from sqlalchemy import bindparam, select

from .models import WRITE_METHODS, Task, TaskShare, User, username_matches
from .permissions import Permission, Principal

TASK_ID = re.compile(r"[1-9][0-9]{0,17}")  # used with fullmatch: no trailing newline
USERNAME = re.compile(r"[A-Za-z0-9_.\-]{3,32}")

OWNER_PERMISSIONS = (
    Permission.VIEW, Permission.EDIT, Permission.DELETE, Permission.SHARE, Permission.UNSHARE
)
SHARE_GRANTS = {
    "view": (Permission.VIEW,),
    "edit": (Permission.VIEW, Permission.EDIT),
}

ACE = tuple[str, str, object]

# Built once with a named parameter, so a request reuses the memoized cache key of the
# statement (Session.get builds and keys a new one per call: 0.04 ms of a GET). The lock
# is on the task's row only, not on its joined owner's (which would queue every write of
# one user behind another).
TASK = select(Task).where(Task.id == bindparam("id"))
TASK_FOR_UPDATE = TASK.with_for_update(of=Task)


class Resource:
    """A node of the tree: a name, a parent, and the request it was built for."""

    __acl__: object = ()

    def __init__(self, request: Request, name: str = "", parent: Resource | None = None) -> None:
        self.request = request
        self.__name__ = name
        self.__parent__ = parent


class Root(Resource):
    def __getitem__(self, name: str) -> Resource:
        children = {"tasks": TaskCollection, "users": UserCollection, "tokens": TokenCollection}
        child = children.get(name)
        if child is None:
            raise KeyError(name)
        return child(self.request, name, self)


def root_factory(request: Request) -> Root:
    return Root(request)


class TaskCollection(Resource):
    __acl__ = [(Allow, Authenticated, (Permission.VIEW, Permission.LIST, Permission.CREATE))]

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


class TaskResource(Resource):
    """One task; its ACL is its owner, its shares, and the admins."""

    def __init__(self, request: Request, task: Task, parent: TaskCollection) -> None:
        super().__init__(request, str(task.id), parent)
        self.task = task

    def __acl__(self) -> Iterator[ACE]:
        # A generator: ACLHelper stops at the first matching entry, so the owner and
        # admins are answered without loading the task's shares.
        yield (Allow, Principal.ADMIN, ALL_PERMISSIONS)
        yield (Allow, Principal.user(self.task.owner.username), OWNER_PERMISSIONS)
        for share in self.task.shares:
            yield (Allow, Principal.user(share.user.username), SHARE_GRANTS[share.permission])
        yield DENY_ALL

    def __getitem__(self, name: str) -> ShareCollection:
        if name != "shares":
            raise KeyError(name)
        return ShareCollection(self.request, name, self)


class ShareCollection(Resource):
    """The shares of the parent task; its permissions are the task's."""

    @property
    def task(self) -> Task:
        return self.__parent__.task

    def __getitem__(self, username: str) -> ShareResource:
        # Any name resolves: one that cannot exist is an unknown user (a 400 on PUT, a 404
        # on DELETE), judged by the view after the task's ACL, never a 404 for the URL.
        return ShareResource(self.request, username, self)


class ShareResource(Resource):
    """The share of the parent task with ``username``, which may not exist yet (PUT makes it)."""

    @property
    def task(self) -> Task:
        return self.__parent__.task

    @property
    def user(self) -> User | None:
        if not USERNAME.fullmatch(self.__name__):
            return None
        return self.request.dbsession.execute(
            select(User).where(username_matches(self.__name__))
        ).scalar_one_or_none()

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


class UserCollection(Resource):
    __acl__ = [
        (Allow, Everyone, Permission.REGISTER),
        (Allow, Principal.ADMIN, Permission.LIST),
        (Allow, Authenticated, Permission.VIEW),
    ]

    def __getitem__(self, name: str) -> Resource:
        if name == "me":
            identity = self.request.authenticated
            if identity is None and self.request.method == "OPTIONS":
                # A CORS preflight never carries credentials; it needs a route, not a user.
                return Resource(self.request, name, self)
            if identity is None:
                raise KeyError(name)
            return UserResource(self.request, identity.user, self, name)
        if not USERNAME.fullmatch(name):
            raise KeyError(name)
        user = self.request.dbsession.execute(
            select(User).where(username_matches(name))
        ).scalar_one_or_none()
        if user is None:
            raise KeyError(name)
        return UserResource(self.request, user, self, name)


class UserResource(Resource):
    """One user account: visible and deletable by that user and by admins."""

    def __init__(self, request: Request, user: User, parent: UserCollection, name: str) -> None:
        super().__init__(request, name, parent)
        self.user = user

    @property
    def __acl__(self) -> list[ACE]:
        return [
            (Allow, Principal.ADMIN, ALL_PERMISSIONS),
            (Allow, Principal.user(self.user.username),
             (Permission.VIEW, Permission.EDIT, Permission.DELETE)),
            DENY_ALL,
        ]


class TokenCollection(Resource):
    __acl__ = [(Allow, Everyone, Permission.LOGIN)]

    def __getitem__(self, name: str) -> CurrentToken:
        if name != "current":
            raise KeyError(name)
        return CurrentToken(self.request, name, self)


class CurrentToken(Resource):
    """The token the request was made with."""

    __acl__ = [(Allow, Authenticated, Permission.LOGOUT)]
