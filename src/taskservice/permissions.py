"""The permission names every ``__acl__`` grants and every view requires, and the scopes
a token may be limited to (contract section 15), with the rule each service declares."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pyramid.security import Denied


class Permission(StrEnum):
    VIEW = "view"
    LIST = "list"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    SHARE = "share"  # share a task, or move it to another list (which is sharing it)
    UNSHARE = "unshare"
    REGISTER = "register"
    LOGIN = "login"
    LOGOUT = "logout"
    # A list's own actions, apart from the task permissions its ACL grants on every task
    # in it (an ``edit`` share edits the tasks, not the list).
    EDIT_LIST = "edit_list"
    DELETE_LIST = "delete_list"
    ADD_TASK = "add_task"  # create a task in the list, or move one into it
    # Take a task out of its list: the task's own owner (and admins) only, never the list.
    DETACH = "detach"
    BATCH = "batch"  # send a batch of requests, each then checked on its own


class Principal:
    """The principal names the security policy hands to ``ACLHelper``."""

    ADMIN = "role:admin"
    # A token limited to some lists (contract section 15): it administers no user.
    LIST_LIMITED = "token:list-limited"

    @staticmethod
    def user(username: str) -> str:
        return f"user:{username}"


class Scope(StrEnum):
    """What a token may do (contract section 15); an unrestricted token holds them all."""

    READ = "read"  # every read of the content (tasks, lists, changes, reminders, CalDAV...)
    WRITE = "write"  # every other method on the content, and /batch
    WEBHOOKS = "webhooks"  # every method under /webhooks
    ACCOUNT = "account"  # the account itself: its tokens, a password change, deleting it


ALL_SCOPES = frozenset(Scope)
# The methods that change nothing: HTTP's, and WebDAV's (contract section 16).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PROPFIND", "REPORT"})


@dataclass(frozen=True)
class ScopeRule:
    """The scopes each method of one service needs: those of reads, those of the rest.

    Declared once per service (``web.services.api_service``), so a method added to a
    service, or a method it does not allow (a 405 comes after the scope's 403), is covered
    by the same declaration. Empty: no scope, any token or none (logging in or out).
    """

    reads: frozenset[Scope]
    writes: frozenset[Scope]

    @classmethod
    def of(cls, reads: Scope | None, writes: Scope | None) -> ScopeRule:
        return cls(frozenset({reads} - {None}), frozenset({writes} - {None}))  # type: ignore[arg-type]

    def needed(self, method: str) -> frozenset[Scope]:
        return self.reads if method in READ_METHODS else self.writes


# The rules services declare.
CONTENT = ScopeRule.of(Scope.READ, Scope.WRITE)
WEBHOOKS = ScopeRule.of(Scope.WEBHOOKS, Scope.WEBHOOKS)
ACCOUNT = ScopeRule.of(Scope.ACCOUNT, Scope.ACCOUNT)
# One's own user object: read like the content, changed or deleted with ``account``.
OWN_ACCOUNT = ScopeRule.of(Scope.READ, Scope.ACCOUNT)
# Everyone's accounts (an admin's user list), and registration, which needs no token.
USER_ADMINISTRATION = ScopeRule.of(Scope.ACCOUNT, None)
NO_SCOPE = ScopeRule.of(None, None)
# What a route no service declared a rule for (a plugin's own ``add_route``) needs, as the
# OpenAPI document shows it: every scope; the security policy refuses it to any restricted
# token, one limited to lists too, rather than opening it to all.
UNDECLARED = ScopeRule(ALL_SCOPES, ALL_SCOPES)


class InsufficientScope(Denied):  # type: ignore[misc]  # Pyramid ships no types
    """The token's scopes do not cover the request: a 403 naming what it needs, unless
    the caller may not view the resource at all (``visible``), which stays a 404."""

    needed: frozenset[Scope]
    visible: bool

    @classmethod
    def of(cls, needed: frozenset[Scope], visible: bool) -> InsufficientScope:
        denial = cls("This token lacks the %s scope", " ".join(sorted(needed)))
        denial.needed, denial.visible = needed, visible
        return denial

    @property
    def scope(self) -> str:
        """The needed scopes as OAuth writes them (RFC 6750 3: space-separated)."""
        return " ".join(sorted(self.needed))
