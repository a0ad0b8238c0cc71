"""How resources look on the wire (the JSON bodies of the contract)."""

from __future__ import annotations

from datetime import datetime

from .models import Task, TaskShare, User


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a ``Z``."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def task_json(task: Task) -> dict:
    return {
        "id": str(task.id),
        "title": task.title,
        "description": task.description,
        "done": task.done,
        "priority": task.priority_name,
        "due_at": timestamp(task.due_at),
        "tags": list(task.tags),
        "owner": task.owner.username,
        "created_at": timestamp(task.created_at),
        "updated_at": timestamp(task.updated_at),
        "completed_at": timestamp(task.completed_at),
        "version": task.version,
    }


def user_json(user: User) -> dict:
    return {
        "username": user.username,
        "is_admin": user.is_admin,
        "created_at": timestamp(user.created_at),
    }


def share_json(share: TaskShare) -> dict:
    return {"username": share.user.username, "permission": share.permission}
