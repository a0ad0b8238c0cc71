"""The permission names every ``__acl__`` grants and every view requires."""

from enum import StrEnum


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

    @staticmethod
    def user(username: str) -> str:
        return f"user:{username}"
