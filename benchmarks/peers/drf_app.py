"""A peer: the benchmark's requests served by Django REST Framework (WSGI: ``application``).

Written the way DRF's documentation and its users write such an API: Django models over
the existing tables (``managed = False``: the Alembic migrations own the schema), a
``ModelSerializer``, an authentication class for bearer tokens, permission classes, generic
views with a cursor pagination. Nothing is tuned beyond that. It reads the database
``benchmarks/seed.py`` seeds (path in ``$BENCH_SQLITE``, settings in
:mod:`benchmarks.peers.drf_settings`); it does not import taskservice.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.peers.drf_settings")
django.setup()

# Django's apps must be ready before models are declared.
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import models, transaction  # noqa: E402
from django.db.models import Exists, Max, OuterRef, Q, QuerySet  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402
from fractional_indexing import generate_key_between  # noqa: E402
from rest_framework import exceptions, generics, permissions, serializers  # noqa: E402
from rest_framework.authentication import (  # noqa: E402
    BaseAuthentication,
    get_authorization_header,
)
from rest_framework.decorators import api_view  # noqa: E402
from rest_framework.pagination import CursorPagination  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402

from .contract import (  # noqa: E402
    DEFAULT_PRIORITY,
    PRIORITIES,
    TAG_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    needed_scope,
    token_digest,
)

APP_LABEL = "peers"  # benchmarks.peers, as INSTALLED_APPS names it

# --- models ------------------------------------------------------------------------------


class User(models.Model):
    username = models.CharField(max_length=32)
    is_admin = models.BooleanField()

    class Meta:
        app_label, db_table, managed = APP_LABEL, "users", False

    @property
    def is_authenticated(self) -> bool:  # what DRF's IsAuthenticated asks
        return True


class Token(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, models.DO_NOTHING)
    expires_at = models.DateTimeField(null=True)
    scopes = models.JSONField()
    lists = models.JSONField(null=True)

    class Meta:
        app_label, db_table, managed = APP_LABEL, "tokens", False


class TaskList(models.Model):
    owner = models.ForeignKey(User, models.DO_NOTHING)

    class Meta:
        app_label, db_table, managed = APP_LABEL, "lists", False


class ListShare(models.Model):
    # Django wants one primary-key column; (list_id, user_id) is the table's, and unique.
    list = models.ForeignKey(TaskList, models.DO_NOTHING, primary_key=True)
    user = models.ForeignKey(User, models.DO_NOTHING)
    permission = models.CharField(max_length=8)

    class Meta:
        app_label, db_table, managed = APP_LABEL, "list_shares", False


class Task(models.Model):
    owner = models.ForeignKey(User, models.DO_NOTHING)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True, default="")
    done = models.BooleanField(default=False)
    priority = models.SmallIntegerField(default=PRIORITIES.index(DEFAULT_PRIORITY))
    due_at = models.DateTimeField(null=True)
    due_date = models.DateField(null=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    recurrence_rule = models.CharField(max_length=500, null=True)
    recurrence_from = models.CharField(max_length=10, null=True)
    recurrence_start = models.DateTimeField(null=True)
    tags = models.JSONField(default=list)
    # Not named ``list``: the class body would lose the builtin (``default=list``).
    in_list = models.ForeignKey(TaskList, models.DO_NOTHING, null=True, db_column="list_id")
    parent = models.ForeignKey("self", models.DO_NOTHING, null=True)
    position = models.CharField(max_length=64)
    reminders = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.IntegerField(default=1)

    class Meta:
        app_label, db_table, managed = APP_LABEL, "tasks", False


class TaskShare(models.Model):
    # As ListShare: the table's key is (task_id, user_id).
    task = models.ForeignKey(Task, models.DO_NOTHING, primary_key=True)
    user = models.ForeignKey(User, models.DO_NOTHING)
    permission = models.CharField(max_length=8)

    class Meta:
        app_label, db_table, managed = APP_LABEL, "task_shares", False


class TaskTag(models.Model):
    # As ListShare: the table's key is (task_id, tag).
    task = models.ForeignKey(Task, models.DO_NOTHING, primary_key=True)
    tag = models.CharField(max_length=TAG_MAX_LENGTH)

    class Meta:
        app_label, db_table, managed = APP_LABEL, "task_tags", False


# --- authentication and permissions --------------------------------------------------------


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``, looked up by its digest, unexpired."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword:
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            token = Token.objects.select_related("user").get(
                Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
                token_hash=token_digest(words[1].decode()))
        except (Token.DoesNotExist, UnicodeDecodeError):
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"  # a 401 rather than a 403 for a missing or bad token


class TokenScopes(permissions.BasePermission):
    """The token's scopes must hold what the method needs."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return needed_scope(request.method or "GET") in request.auth.scopes


class CanEditShared(permissions.BasePermission):
    """A task shared to the caller for viewing (directly or through its list) is read-only
    to them; its owner and admins may edit."""

    def has_object_permission(self, request: Request, view: Any, task: Task) -> bool:
        user = request.user
        if request.method in permissions.SAFE_METHODS or task.owner_id == user.id or (
                user.is_admin):
            return True
        share = TaskShare.objects.filter(task=task, user=user).first()
        if share is None and task.in_list_id is not None:
            share = ListShare.objects.filter(list_id=task.in_list_id, user=user).first()
        return share is not None and share.permission != "view"


# --- serializers -----------------------------------------------------------------------------


class PriorityField(serializers.ChoiceField):
    """The API's names for the ranks the column stores."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(PRIORITIES, **kwargs)

    def to_representation(self, value: int) -> str:
        return PRIORITIES[value]

    def to_internal_value(self, data: Any) -> int:
        return PRIORITIES.index(super().to_internal_value(data))


class RecurrenceSerializer(serializers.Serializer):
    rule = serializers.CharField(max_length=500)


class TaskSerializer(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)  # trims whitespace
    priority = PriorityField(required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=TAG_MAX_LENGTH),
                                 required=False)
    recurrence = RecurrenceSerializer(write_only=True, required=False, allow_null=True)
    list = serializers.CharField(source="in_list_id", read_only=True)
    parent = serializers.CharField(source="parent_id", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True)

    class Meta:
        model = Task
        fields = ("id", "title", "description", "done", "priority", "due_at", "due_date",
                  "time_zone", "recurrence", "tags", "list", "parent", "position",
                  "reminders", "owner", "created_at", "updated_at", "version")
        read_only_fields = ("due_date", "time_zone", "position", "reminders", "created_at",
                            "updated_at", "version")

    def to_representation(self, task: Task) -> dict[str, Any]:
        data = super().to_representation(task)
        data["recurrence"] = self.recurrence_of(task)
        if task.due_date is not None:  # an all-day due is a date alone
            data["due_at"] = None
        return data

    def recurrence_of(self, task: Task) -> dict[str, Any] | None:
        if task.recurrence_rule is None:
            return None
        start = task.recurrence_start
        return {"rule": task.recurrence_rule, "from": task.recurrence_from,
                "start": start.astimezone(ZoneInfo(task.time_zone)).date().isoformat()
                if task.due_date else self.fields["due_at"].to_representation(start)}

    def create(self, validated: dict[str, Any]) -> Task:
        recurrence = validated.pop("recurrence", None)
        if recurrence is not None:
            validated.update(recurrence_rule=recurrence["rule"], recurrence_from="due",
                             recurrence_start=validated.get("due_at"))
        validated["tags"] = list(dict.fromkeys(validated.get("tags", [])))
        task = super().create(validated)
        TaskTag.objects.bulk_create([TaskTag(task=task, tag=tag) for tag in task.tags])
        return task


# --- views -------------------------------------------------------------------------------------


class TaskCursorPagination(CursorPagination):
    """Newest first, ``?limit=``, the page as the service shapes it."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "limit"
    max_page_size = 100

    def get_paginated_response(self, data: Any) -> Response:
        link = self.get_next_link()
        cursor = None if link is None else parse_qs(urlparse(link).query)["cursor"][0]
        return Response({"items": data, "next_cursor": cursor})


class TaskViews:
    """What the task views share: bearer tokens, their scopes, and the tasks the caller may
    see: their own, those shared to them, those of the lists they own or are a member of
    (all for an admin), within a list-limited token's lists."""

    request: Request
    authentication_classes = (BearerTokenAuthentication,)
    permission_classes: tuple[type[permissions.BasePermission], ...] = (
        permissions.IsAuthenticated, TokenScopes)

    def get_queryset(self) -> QuerySet[Task]:
        user, token = self.request.user, self.request.auth
        tasks = Task.objects.select_related("owner")
        if not user.is_admin:
            member_lists = TaskList.objects.filter(owner=user).values("id").union(
                ListShare.objects.filter(user=user).values("list_id"))
            shared = TaskShare.objects.filter(task=OuterRef("pk"), user=user)
            tasks = tasks.filter(Q(owner=user) | Exists(shared) | Q(in_list__in=member_lists))
        if token.lists is not None:
            tasks = tasks.filter(in_list__in=token.lists)
        return tasks


class TaskListView(TaskViews, generics.ListCreateAPIView):
    serializer_class = TaskSerializer
    pagination_class = TaskCursorPagination

    def perform_create(self, serializer: TaskSerializer) -> None:
        """A top-level task in no list, after the caller's last one."""
        with transaction.atomic():
            last = Task.objects.filter(owner=self.request.user, in_list__isnull=True,
                                       parent__isnull=True).aggregate(Max("position"))
            now = timezone.now()
            serializer.save(owner=self.request.user, created_at=now, updated_at=now,
                            position=generate_key_between(last["position__max"], None))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().create(request, *args, **kwargs)
        response["Location"] = f"/tasks/{response.data['id']}"
        response["ETag"] = f'"{response.data["version"]}"'
        return response


class TaskDetailView(TaskViews, generics.RetrieveUpdateAPIView):
    serializer_class = TaskSerializer
    permission_classes = (*TaskViews.permission_classes, CanEditShared)
    http_method_names = ("get", "patch", "head", "options")

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():  # the read, the check and the write under the write lock
            return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: TaskSerializer) -> None:
        serializer.save(updated_at=timezone.now(), version=serializer.instance.version + 1)

    def finalize_response(self, request: Request, response: Response, *args: Any,
                          **kwargs: Any) -> Response:
        if response.status_code == 200:
            response["ETag"] = f'"{response.data["version"]}"'
        return super().finalize_response(request, response, *args, **kwargs)


@api_view(["GET"])
def heartbeat(request: Request) -> Response:
    return Response({})


urlpatterns = [
    path("__lbheartbeat__", heartbeat),
    path("tasks", TaskListView.as_view()),
    path("tasks/<int:pk>", TaskDetailView.as_view()),
]

application: WSGIHandler = get_wsgi_application()
