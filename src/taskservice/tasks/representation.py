"""Tasks as the contract's JSON bodies show them (shares: ``taskservice.sharing``)."""

from __future__ import annotations

from typing import Any

from ..web.representation import timestamp
from .models import Task


def task_json(task: Task) -> dict[str, Any]:
    return {
        "id": str(task.id),
        "title": task.title,
        "description": task.description,
        "done": task.done,
        "priority": task.priority_name,
        "due_at": timestamp(task.due_at),
        "tags": list(task.tags),
        "list": None if task.list_id is None else str(task.list_id),
        "owner": task.owner.username,
        "created_at": timestamp(task.created_at),
        "updated_at": timestamp(task.updated_at),
        "completed_at": timestamp(task.completed_at),
        "version": task.version,
    }
