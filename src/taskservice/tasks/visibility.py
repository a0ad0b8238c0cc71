"""Which tasks a caller may see, as the branches of a page's UNION.

The rule is access.py's: an admin sees every task; anyone else sees their own tasks, the
tasks shared with them, the tasks below those (made by others, or below a shared task),
and the tasks of each list they own or are a member of -- here one branch per term of
the rule (and per list), so each is an index range scan, led by
the owner, the caller's shares or the list's id; one OR of the terms would be a scan.
``owner=`` and ``list=`` narrow that first: an unknown owner or a list the caller may not
view matches nothing, without a page query.

A token limited to some lists (contract section 15) sees only the tasks of those lists
that its user may view: one branch per list of the token, the same range of the list's
sort index as a member's -- the whole list when its user is a member (or an admin), else
guarded by the terms that still show them a task there (their own, shared with them, below
those). Nothing else is read: its pages cost what a member's do, or less.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    exists,
    false,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from ..accounts.models import User, username_matches
from ..accounts.security import Identity
from ..lists.models import TaskList
from ..web.token_lists import in_token_lists, token_list_params
from .access import (
    VIEWER,
    in_member_list,
    inherited_halves,
    inherited_tasks,
    may_view,
    member_lists,
    owns,
    sees_task,
)
from .models import Task

# Past this many lists a caller is a member of, their tasks are one branch (an IN of
# the lists, sorted), not one index range per list: a UNION of hundreds of branches costs
# more to plan than it saves, and SQLite allows 500 at most.
MAX_LIST_BRANCHES = 50
MANY_LISTS = -1
MEMBER_LISTS = member_lists(VIEWER)
LIST: BindParameter[int] = bindparam("list")
ANY_LIST = select(TaskList.id).where(TaskList.id == LIST)
VIEWABLE_LIST = ANY_LIST.where(in_member_list(VIEWER, LIST))
PARENT: BindParameter[int] = bindparam("parent")
ANY_PARENT = select(Task.list_id).where(Task.id == PARENT)
VIEWABLE_PARENT = ANY_PARENT.where(may_view(VIEWER, owner=Task.owner_id, list_id=Task.list_id,
                                            task=Task.id, admin=false()))
INHERITED = inherited_tasks(VIEWER)
# Whether the viewer sees any task through an ancestor only: most see none, and their
# pages keep the plan they had before subtasks (one index range per branch).
SEES_INHERITED = select(or_(*(exists(half) for half in inherited_halves(VIEWER))))


@lru_cache(maxsize=128)
def _token_reach(count: int, admin: bool) -> Select[int, bool]:
    """A list-limited token's ``count`` lists that still exist, each with whether its user
    sees the whole list (its owner or a member; an admin sees every list whole)."""
    whole = literal(True) if admin else in_member_list(VIEWER, TaskList.id)
    return (select(TaskList.id, whole.label("whole"))
            .where(in_token_lists(TaskList.id, count)).order_by(TaskList.id))


@dataclass(frozen=True)
class Visibility:
    """Which tasks the viewer may see: a kind, the ids it needs, how many list branches."""

    kind: str
    params: dict[str, int]
    lists: int = 0
    inherited: bool = False  # a branch for the tasks seen through an ancestor only
    guarded: int = 0  # a token's lists its user sees a part of (bound as guarded_<i>)


def _owner_id(session: Session, owner: str | None) -> int | None:
    """The id of the ``owner=`` user; 0 for one that does not exist (it matches nothing)."""
    if owner is None:
        return None
    found = session.execute(
        select(User.id).where(username_matches(owner))
    ).scalar_one_or_none()
    return 0 if found is None else found


def _in_one_list(session: Session, viewer: Identity, list_id: int, owner_id: int | None
                 ) -> Visibility | None:
    """``list=``: the list's tasks when the viewer may view it, else nothing at all."""
    query = ANY_LIST if viewer.is_admin else VIEWABLE_LIST
    if session.execute(query, {"list": list_id, "viewer": viewer.user_id}).first() is None:
        return None
    if owner_id is None:
        return Visibility("list", {"list": list_id})
    return Visibility("list_owner", {"list": list_id, "owner": owner_id})


def _with_lists(session: Session, kind: str, params: dict[str, int]) -> Visibility:
    """``kind``, a branch per list the viewer owns or is a member of, and whether they see
    tasks through an ancestor."""
    viewer = {"viewer": params["viewer"]}
    ids = sorted(session.execute(MEMBER_LISTS, viewer).scalars())
    inherited = bool(session.execute(SEES_INHERITED, viewer).scalar_one())
    if len(ids) > MAX_LIST_BRANCHES:
        return Visibility(kind, params, MANY_LISTS, inherited)
    params.update({f"list_{i}": list_id for i, list_id in enumerate(ids)})
    return Visibility(kind, params, len(ids), inherited)


def _under_parent(session: Session, viewer: Identity, parent_id: int, owner_id: int | None,
                  list_id: int | None) -> Visibility | None:
    """``parent=<id>``: the task's subtasks when the viewer may view it (and so them all),
    else nothing at all; ``owner=`` narrows them, and ``list=`` keeps them all or none
    (a subtask is in its parent's list), so the page stays a range of the parent's. For
    a list-limited token, a parent outside its lists is one it may not view."""
    query = ANY_PARENT if viewer.is_admin else VIEWABLE_PARENT
    found = session.execute(query, {"parent": parent_id, "viewer": viewer.user_id}).first()
    if found is None or (list_id is not None and found.list_id != list_id):
        return None
    if viewer.lists is not None and found.list_id not in viewer.lists:
        return None
    params = {"parent": parent_id, "by_owner": owner_id}
    return Visibility("parent", {k: v for k, v in params.items() if v is not None})


def visibility(session: Session, viewer: Identity, owner: str | None, list_id: int | None,
               parent_id: int | None = None) -> Visibility | None:
    """Which tasks ``viewer`` may see, narrowed by ``owner=``, ``list=`` and ``parent=``.

    ``None`` means nothing matches (an unknown owner, a list or a parent the viewer may
    not view).
    """
    owner_id = _owner_id(session, owner)
    if owner_id == 0:
        return None
    if parent_id is not None:
        return _under_parent(session, viewer, parent_id, owner_id, list_id)
    if list_id is not None:
        if viewer.lists is not None and list_id not in viewer.lists:
            return None
        return _in_one_list(session, viewer, list_id, owner_id)
    if viewer.lists is not None:
        return within_token(session, viewer, owner_id)
    if viewer.is_admin:
        if owner_id is None:
            return Visibility("every", {})
        return Visibility("owner", {"owner": owner_id})
    if owner_id == viewer.user_id:
        return Visibility("own", {"viewer": viewer.user_id})
    if owner_id is not None:
        return _with_lists(session, "owner_shared", {"viewer": viewer.user_id, "owner": owner_id})
    return seen_as_member(session, viewer.user_id)


def within_token(session: Session, viewer: Identity, owner_id: int | None = None,
                 as_member: bool = False) -> Visibility | None:
    """What a list-limited token sees: a branch per list of its that still exists, whole
    or guarded (see the module docstring; ``as_member``: see :func:`token_reach`),
    narrowed to ``owner_id``'s tasks if given; nothing at all when no list is left."""
    whole, guarded = token_reach(session, viewer, as_member)
    if not whole and not guarded:
        return None
    params = {"viewer": viewer.user_id}
    params.update({f"list_{i}": list_id for i, list_id in enumerate(whole)})
    params.update({f"guarded_{i}": list_id for i, list_id in enumerate(guarded)})
    if owner_id is not None:
        params["owner"] = owner_id
    kind = "limited" if owner_id is None else "limited_owner"
    return Visibility(kind, params, len(whole), guarded=len(guarded))


def token_reach(session: Session, viewer: Identity, as_member: bool = False
                ) -> tuple[list[int], list[int]]:
    """The lists of ``viewer``'s token that exist: those its user sees whole, and those
    they see only a part of (tasks of theirs, shared with them or below those), by id.
    ``as_member``: by the rule's terms alone, an admin too (their reminders)."""
    assert viewer.lists is not None, "asked of a list-limited token only"
    query = _token_reach(len(viewer.lists), viewer.is_admin and not as_member)
    rows = session.execute(query, {"viewer": viewer.user_id,
                                   **token_list_params(viewer.lists)}).all()
    return ([row.id for row in rows if row.whole], [row.id for row in rows if not row.whole])


def seen_as_member(session: Session, viewer_id: int) -> Visibility:
    """What a user sees by the rule's terms alone, an admin included: their own, their
    shares, their lists (one branch each) and what is below those."""
    return _with_lists(session, "own_or_shared", {"viewer": viewer_id})


@dataclass(frozen=True)
class Branch:
    """One half of a list: a condition on tasks, and whether it walks the caller's shares."""

    conditions: tuple[ColumnElement[bool], ...]
    shared: bool = False


def _list_branches(lists: int, *conditions: ColumnElement[bool]) -> list[Branch]:
    """One branch per list of the viewer's (a range of the list's sort index), or one IN."""
    if lists == MANY_LISTS:
        return [Branch((Task.list_id.in_(MEMBER_LISTS), *conditions))]
    return [Branch((Task.list_id == bindparam(f"list_{i}"), *conditions)) for i in range(lists)]


def _inherited_branch(inherited: bool, *conditions: ColumnElement[bool]) -> list[Branch]:
    """The tasks seen through an ancestor only, when there are any: a few rows, sorted."""
    return [Branch((Task.id.in_(INHERITED), *conditions))] if inherited else []


# What still shows a user a task of a list they are no member of.
SEEN_FOR_ITSELF = sees_task(VIEWER, owner=Task.owner_id, task=Task.id)


def _guarded_branches(guarded: int, *conditions: ColumnElement[bool]) -> list[Branch]:
    """One branch per list of a token that its user sees a part of: the list's range,
    each task in it asked whether the user sees it for itself."""
    return [Branch((Task.list_id == bindparam(f"guarded_{i}"), SEEN_FOR_ITSELF, *conditions))
            for i in range(guarded)]


def visibility_branches(visibility: str, lists: int, inherited: bool = False,
                        guarded: int = 0) -> list[Branch]:
    """The branches whose union is what the viewer may see."""
    # The shared half walks the caller's share rows in sort order (the share's copy of
    # the sort keys is indexed per sort), so it stops after a page like the own half.
    own = owns(VIEWER, Task.owner_id)
    owner = Task.owner_id == bindparam("owner")
    in_list = Task.list_id == LIST
    return {
        "every": lambda: [Branch(())],
        "owner": lambda: [Branch((owner,))],
        "own": lambda: [Branch((own,))],
        "owner_shared": lambda: [Branch((owner,), shared=True),
                                 *_inherited_branch(inherited, owner),
                                 *_list_branches(lists, owner)],
        "own_or_shared": lambda: [Branch((own,)), Branch((), shared=True),
                                  *_inherited_branch(inherited), *_list_branches(lists)],
        "list": lambda: [Branch((in_list,))],
        "list_owner": lambda: [Branch((in_list, owner))],
        "parent": lambda: [Branch((Task.parent_id == PARENT,))],
        "limited": lambda: [*_list_branches(lists), *_guarded_branches(guarded)],
        "limited_owner": lambda: [*_list_branches(lists, owner),
                                  *_guarded_branches(guarded, owner)],
    }[visibility]()
