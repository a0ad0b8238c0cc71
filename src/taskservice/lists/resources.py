"""Lists in the resource tree, and the ACL every task in a list inherits.

``/lists/<id>`` is a :class:`ListResource`; a task in a list has that resource as its
``__parent__`` (tasks/resources.py), so Pyramid's ACL walk asks the task's own ACL first
(admins, its owner, its own shares) and then the list's: what a list share grants
reaches every task in the list with no row per task, and a task's own shares only add
to it. The list's ACL therefore speaks two vocabularies: the list's own permissions
(``edit_list``, ``delete_list``, ``add_task``, ``share``...) and the task permissions it
grants on every task in it (``view``, ``edit``, ``delete``, ``share``). The role table
of contract section 7 is these two tuples per role, nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow, Authenticated, Deny
from pyramid.request import Request
from sqlalchemy import bindparam, select
from zope.interface import implementer

from ..db.loading import loaded_collection
from ..events import ShareChange
from ..permissions import Permission, Principal
from ..sharing import ShareCollection
from ..traversal import ACE, ACL, IPrivateResource, Resource
from ..vocabulary import ID_PATTERN, WRITE_METHODS
from .events import list_changed
from .models import ListShare, TaskList

LIST_ID = re.compile(ID_PATTERN)  # used with fullmatch: no trailing newline

# What each role may do on the list itself...
ON_THE_LIST = {
    "owner": (Permission.VIEW, Permission.EDIT_LIST, Permission.DELETE_LIST,
              Permission.ADD_TASK, Permission.SHARE, Permission.UNSHARE),
    "manage": (Permission.VIEW, Permission.EDIT_LIST, Permission.ADD_TASK,
               Permission.SHARE, Permission.UNSHARE),
    "edit": (Permission.VIEW, Permission.ADD_TASK),
    "view": (Permission.VIEW,),
}
# ... and on every task in it (a task's owner has the owner's rights from the task's ACL);
# ``share`` there is also what moving the task to another list needs (tasks.placement).
ON_ITS_TASKS = {
    "owner": (Permission.EDIT, Permission.DELETE, Permission.SHARE, Permission.UNSHARE),
    "manage": (Permission.EDIT, Permission.DELETE, Permission.SHARE, Permission.UNSHARE),
    "edit": (Permission.EDIT, Permission.DELETE),
    "view": (),
}
GRANTS = {role: tuple(dict.fromkeys(ON_THE_LIST[role] + ON_ITS_TASKS[role]))
          for role in ON_THE_LIST}

LIST = select(TaskList).where(TaskList.id == bindparam("id"))
LIST_FOR_UPDATE = LIST.with_for_update(of=TaskList)
LIST_SHARES = (select(ListShare).where(ListShare.list_id == bindparam("id"))
               .order_by(ListShare.user_id))


class ListCollection(Resource):
    __acl__: ClassVar[ACL] = [
        # A token limited to some lists makes no new one: it could not reach it.
        (Deny, Principal.LIST_LIMITED, Permission.CREATE),
        (Allow, Authenticated, (Permission.VIEW, Permission.LIST, Permission.CREATE)),
    ]

    def __getitem__(self, key: str) -> ListResource:
        if not LIST_ID.fullmatch(key):
            raise KeyError(key)
        return self.resource(int(key), lock=self.request.method in WRITE_METHODS)

    def resource(self, list_id: int, lock: bool = False) -> ListResource:
        """The list ``list_id`` (``KeyError`` when there is none), locked for a write."""
        query = LIST_FOR_UPDATE if lock else LIST
        row = self.request.dbsession.execute(query, {"id": list_id}).scalar_one_or_none()
        if row is None:
            raise KeyError(list_id)
        return ListResource(self.request, row, self)


@implementer(IPrivateResource)
class ListResource(Resource):
    """One list; its ACL is its owner, its shares and the admins (see the module docstring)."""

    def __init__(self, request: Request, row: TaskList, parent: Resource) -> None:
        super().__init__(request, str(row.id), parent)
        self.list = row
        self.content_list = row.id

    @property
    def shared(self) -> TaskList:
        return self.list

    def share_changed(self, share: ShareChange) -> None:
        list_changed(self.request, self.list, share.action, share=share)

    def __acl__(self) -> Iterator[ACE]:
        yield (Allow, Principal.ADMIN, ALL_PERMISSIONS)
        yield (Allow, Principal.user(self.list.owner.username), GRANTS["owner"])
        shares = loaded_collection(self.list, "shares", LIST_SHARES, id=self.list.id)
        for share in shares:
            yield (Allow, Principal.user(share.user.username), GRANTS[share.permission])
        yield DENY_ALL

    def __getitem__(self, name: str) -> Resource:
        if name == "shares":
            return ShareCollection(self.request, name, self)
        if name == "tasks":
            return ListTasks(self.request, name, self)
        raise KeyError(name)


class ListTasks(Resource):
    """``/lists/<id>/tasks``: the list's own permissions decide (view, add_task)."""

    __parent__: ListResource  # always: only ListResource.__getitem__ makes one

    @property
    def list(self) -> TaskList:
        return self.__parent__.list


def list_resource(request: Request, list_id: int) -> ListResource | None:
    """The list ``list_id`` in the tree, as a body's ``"list"`` names it; None if none."""
    root = request.root
    collection = ListCollection(request, "lists", root)
    try:
        return collection.resource(list_id)
    except KeyError:
        return None
