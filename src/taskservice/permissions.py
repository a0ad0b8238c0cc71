"""The permission names every ``__acl__`` grants and every view requires."""

from enum import StrEnum


class Permission(StrEnum):
    VIEW = "view"
    LIST = "list"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    SHARE = "share"
    UNSHARE = "unshare"
    REGISTER = "register"
    LOGIN = "login"
    LOGOUT = "logout"


class Principal:
    """The principal names the security policy hands to ``ACLHelper``."""

    ADMIN = "role:admin"

    @staticmethod
    def user(username: str) -> str:
        return f"user:{username}"
