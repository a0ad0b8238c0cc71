"""The root of the resource tree that traversal walks, and what every resource shares.

``/`` → ``tasks`` → ``<id>`` → ``shares`` → ``<username>``; ``users`` → ``<username>`` or
``me``; ``tokens`` → ``current``. Each domain adds its top-level collection with
``config.add_root_child(name, factory)``, so the root knows no domain. A missing or
malformed key is a ``KeyError`` (a 404 before any permission check). Resources build
their ACL from their own rows, so no view ever decides access with an if-statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound
from pyramid.location import lineage
from pyramid.request import Request
from zope.interface import Interface

ACE = tuple[str, str, object]
# What Pyramid's ACLHelper accepts as a context's ``__acl__``: the entries, or a method
# that yields them (called on each permission check).
ACL = Iterable[ACE] | Callable[[], Iterable[ACE]]


class IPrivateResource(Interface):
    """A resource the caller may not even learn exists unless they may view it (a 404)."""


class IRootChild(Interface):
    """A factory ``(request, name, root) -> Resource`` for one top-level collection."""


# What a node in no list says of itself: list ids start at 1.
IN_NO_LIST = 0


class Resource:
    """A node of the tree: a name, a parent, and the request it was built for.

    ``content_list`` is where a token limited to some lists (contract section 15) finds
    it: the id of the list its content is in, ``IN_NO_LIST`` for content in none (a task
    in no list, another user's account), or None for a node with no content of its own (a
    collection), which is where the nearest node above it is (:func:`within_lists`).
    """

    __acl__: ClassVar[ACL] = ()
    content_list: int | None = None

    def __init__(self, request: Request, name: str = "", parent: Resource | None = None) -> None:
        self.request = request
        self.__name__ = name
        self.__parent__ = parent


def within_lists(context: object, lists: frozenset[int]) -> bool:
    """``context`` is reachable by a token limited to ``lists``: the nearest node of its
    lineage that is in a list, or in none, is in one of them (a collection is in all)."""
    for node in lineage(context):
        home: int | None = getattr(node, "content_list", None)
        if home is not None:
            return home in lists
    return True


class Root(Resource):
    def __getitem__(self, name: str) -> Resource:
        child: Callable[..., Resource] | None = self.request.registry.queryUtility(
            IRootChild, name=name
        )
        if child is None:
            raise KeyError(name)
        return child(self.request, name, self)


# Path segments traversal would resolve as a file system does instead of looking them up.
DOT_SEGMENTS = frozenset({".", ".."})


def root_factory(request: Request) -> Root:
    """The tree's root, for a route whose placeholders each name a resource.

    A route matches ``/tasks/5/shares/..`` with ``username = ".."``, and traversal would
    collapse that segment and land on the task under the share's route and view: a dot
    segment names nothing, so it is a 404 (the 401 of any unknown path when anonymous).
    """
    matchdict = request.matchdict or {}
    if any(value in DOT_SEGMENTS for value in matchdict.values() if isinstance(value, str)):
        raise HTTPNotFound()
    return Root(request)


class RouteOnly(Resource):
    """A tree with every path in it, naming no object: what a CORS preflight walks.

    A preflight carries no credentials (the Fetch standard forbids them), so it is answered
    from the route alone -- the methods and headers the route allows -- and must never look
    an object up: whether ``/users/root`` exists is nobody's business before they log in.
    """

    def __getitem__(self, name: str) -> RouteOnly:
        return RouteOnly(self.request, name, self)


def preflight_root_factory(request: Request) -> Resource:
    """The root for an app with CORS on: ``RouteOnly`` for OPTIONS, else the real tree.

    With CORS on, OPTIONS is the preflight (Cornice's view answers it); with CORS off it is
    an unsupported method like any other, judged on the real tree (404 before 405).
    """
    if request.method == "OPTIONS":
        return RouteOnly(request)
    return root_factory(request)


def add_root_child(config: Configurator, name: str, factory: Callable[..., Resource]) -> None:
    """The ``config.add_root_child`` directive: ``/<name>`` is a ``factory`` resource."""
    config.registry.registerUtility(factory, IRootChild, name=name)


def includeme(config: Configurator) -> None:
    config.add_directive("add_root_child", add_root_child)
