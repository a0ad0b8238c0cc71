"""A peer: the benchmark's requests served by FastAPI over the SQLAlchemy 2 ORM.

Written the way FastAPI's documentation and its users write such an app: Pydantic models
for bodies and responses, a SQLAlchemy ``Session`` per request from a ``Depends``
dependency, the caller from a security dependency, plain ``def`` endpoints (FastAPI runs
them in its thread pool, as it does for any blocking database driver). Nothing is tuned
beyond that. It reads the database ``benchmarks/seed.py`` seeds (path in
``$BENCH_SQLITE``) through models declared over the existing tables; it does not import
taskservice.

SQLite allows one writer at a time, and a create reads the caller's last position before
inserting after it: writes take the database's write lock at ``BEGIN`` (SQLAlchemy's
documented recipe for SQLite transactions, on an engine of their own), reads use the
driver's default.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fractional_indexing import generate_key_between
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import JSON, ForeignKey, String, create_engine, event, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
)

from .contract import (
    DEFAULT_PRIORITY,
    PRIORITIES,
    TAG_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    needed_scope,
    token_digest,
)

# --- database ------------------------------------------------------------------------------


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str]
    is_admin: Mapped[bool]


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime | None]
    scopes: Mapped[list[Any]]
    lists: Mapped[list[Any] | None]
    user: Mapped[User] = relationship(lazy="joined")


class TaskList(Base):
    __tablename__ = "lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class ListShare(Base):
    __tablename__ = "list_shares"

    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    permission: Mapped[str]


class TaskShare(Base):
    __tablename__ = "task_shares"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    permission: Mapped[str]


class TaskTag(Base):
    __tablename__ = "task_tags"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(TAG_MAX_LENGTH), primary_key=True)


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    description: Mapped[str]
    done: Mapped[bool]
    priority: Mapped[int]
    due_at: Mapped[datetime | None]
    due_date: Mapped[date | None]
    time_zone: Mapped[str] = mapped_column(default="UTC")
    recurrence_rule: Mapped[str | None]
    recurrence_from: Mapped[str | None]
    recurrence_start: Mapped[datetime | None]
    tags: Mapped[list[Any]]
    list_id: Mapped[int | None] = mapped_column(ForeignKey("lists.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    position: Mapped[str]
    reminders: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column()

    owner: Mapped[User] = relationship(lazy="joined")
    tag_rows: Mapped[list[TaskTag]] = relationship(cascade="all, delete-orphan")

    # The ORM's optimistic locking: an UPDATE bumps the version and checks the one read.
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


def configured(engine: Engine, begin: str | None) -> Engine:
    """The service's pragmas on every connection; ``begin``: the statement that starts a
    transaction (SQLAlchemy's recipe for SQLite), else the driver's default."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        if begin is not None:
            dbapi_connection.isolation_level = None  # the driver emits no BEGIN of its own
        cursor = dbapi_connection.cursor()
        for pragma in ("foreign_keys = ON", "busy_timeout = 5000", "journal_mode = WAL",
                       "synchronous = NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    if begin is not None:
        @event.listens_for(engine, "begin")
        def on_begin(connection: Any) -> None:
            connection.exec_driver_sql(begin)

    return engine


def sqlite_engine(begin: str | None = None) -> Engine:
    url = f"sqlite:///{os.environ['BENCH_SQLITE']}"
    return configured(create_engine(url, connect_args={"check_same_thread": False}), begin)


ReadSession = sessionmaker(sqlite_engine(), expire_on_commit=False)
WriteSession = sessionmaker(sqlite_engine("BEGIN IMMEDIATE"), expire_on_commit=False)


def reading() -> Iterator[Session]:
    with ReadSession() as session:
        yield session


def writing() -> Iterator[Session]:
    with WriteSession() as session:
        yield session


# --- schemas ---------------------------------------------------------------------------------

Priority = Literal["low", "normal", "high", "urgent"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                         max_length=TITLE_MAX_LENGTH)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=TAG_MAX_LENGTH)]


class RecurrenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    description: str = ""
    done: bool = False
    priority: Priority = DEFAULT_PRIORITY
    tags: list[Tag] = []
    due_at: datetime | None = None
    recurrence: RecurrenceIn | None = None


class TaskPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    description: str | None = None
    done: bool | None = None
    priority: Priority | None = None


class RecurrenceOut(BaseModel):
    rule: str
    from_: str | None = Field(serialization_alias="from")
    start: datetime | date


class TaskOut(BaseModel):
    id: str
    title: str
    description: str
    done: bool
    priority: Priority
    due_at: datetime | None
    due_date: date | None
    time_zone: str
    recurrence: RecurrenceOut | None
    tags: list[str]
    list: str | None
    parent: str | None
    position: str
    reminders: list[dict[str, Any]]
    owner: str
    created_at: datetime
    updated_at: datetime
    version: int


class TaskPage(BaseModel):
    items: list[TaskOut]
    next_cursor: str | None


def utc(stored: datetime | None) -> datetime | None:
    """A stored (naive, UTC) time as an aware one."""
    return None if stored is None else stored.replace(tzinfo=UTC)


def maybe_str(value: int | None) -> str | None:
    return None if value is None else str(value)


def recurrence_out(task: Task) -> RecurrenceOut | None:
    if task.recurrence_rule is None or task.recurrence_start is None:
        return None
    start = utc(task.recurrence_start)
    assert start is not None
    return RecurrenceOut(rule=task.recurrence_rule, from_=task.recurrence_from,
                         start=start.astimezone(ZoneInfo(task.time_zone)).date()
                         if task.due_date else start)


def task_out(task: Task) -> TaskOut:
    created_at, updated_at = utc(task.created_at), utc(task.updated_at)
    assert created_at is not None and updated_at is not None
    return TaskOut(
        id=str(task.id), title=task.title, description=task.description, done=task.done,
        priority=PRIORITIES[task.priority],
        due_at=None if task.due_date else utc(task.due_at), due_date=task.due_date,
        time_zone=task.time_zone, recurrence=recurrence_out(task), tags=task.tags,
        list=maybe_str(task.list_id), parent=maybe_str(task.parent_id),
        position=task.position, reminders=task.reminders, owner=task.owner.username,
        created_at=created_at, updated_at=updated_at, version=task.version,
    )


# --- authentication and visibility ------------------------------------------------------------

bearer = HTTPBearer(auto_error=False)
NOT_FOUND = HTTPException(status_code=404, detail="Not found")


def authenticate(request: Request, session: Session,
                 credentials: HTTPAuthorizationCredentials | None) -> Token:
    """The caller's token, unexpired, with the scope the request's method needs."""
    unauthorized = HTTPException(status_code=401, detail="Not authenticated",
                                 headers={"WWW-Authenticate": "Bearer"})
    if credentials is None:
        raise unauthorized
    now = datetime.now(UTC).replace(tzinfo=None)
    token = session.scalars(
        select(Token).where(Token.token_hash == token_digest(credentials.credentials),
                            or_(Token.expires_at.is_(None), Token.expires_at > now))
    ).one_or_none()
    if token is None:
        raise unauthorized
    if needed_scope(request.method) not in token.scopes:
        raise HTTPException(status_code=403, detail="Insufficient scope")
    return token


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def reader(request: Request, credentials: Credentials,
           session: Annotated[Session, Depends(reading)]) -> Token:
    return authenticate(request, session, credentials)


def writer(request: Request, credentials: Credentials,
           session: Annotated[Session, Depends(writing)]) -> Token:
    return authenticate(request, session, credentials)


def visible_task(session: Session, caller: Token, task_id: int, edit: bool) -> Task:
    """The task if the caller may see it (owner, admin, shared to them or in a list of
    theirs, within a list-limited token's lists), else 404; 403 to edit a view share."""
    task = session.get(Task, task_id)
    if task is None or (caller.lists is not None and task.list_id not in caller.lists):
        raise NOT_FOUND
    user = caller.user
    if task.owner_id == user.id or user.is_admin:
        return task
    share: TaskShare | ListShare | None = session.get(TaskShare, (task_id, user.id))
    if share is None and task.list_id is not None:
        share = session.get(ListShare, (task.list_id, user.id))
    if share is None:
        raise NOT_FOUND
    if edit and share.permission == "view":
        raise HTTPException(status_code=403, detail="View only")
    return task


def encode_cursor(task: Task) -> str:
    payload = json.dumps([task.created_at.isoformat(), task.id]).encode()
    return base64.urlsafe_b64encode(payload).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        created, task_id = json.loads(base64.urlsafe_b64decode(cursor))
        return datetime.fromisoformat(created), int(task_id)
    except ValueError:
        raise HTTPException(status_code=400, detail="Bad cursor") from None


# --- endpoints -----------------------------------------------------------------------------------

app = FastAPI(title="taskservice peer (FastAPI)", docs_url=None, redoc_url=None,
              openapi_url=None)
ReadSessionDep = Annotated[Session, Depends(reading)]
WriteSessionDep = Annotated[Session, Depends(writing)]


@app.get("/__lbheartbeat__")
def heartbeat() -> dict[str, Any]:
    return {}


@app.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: int, response: Response, session: ReadSessionDep,
             caller: Annotated[Token, Depends(reader)]) -> TaskOut:
    task = visible_task(session, caller, task_id, edit=False)
    response.headers["ETag"] = f'"{task.version}"'
    return task_out(task)


@app.get("/tasks", response_model=TaskPage)
def list_tasks(session: ReadSessionDep, caller: Annotated[Token, Depends(reader)],
               limit: Annotated[int, Query(ge=1, le=100)] = 20,
               cursor: str | None = None) -> TaskPage:
    """The caller's tasks, newest first: their own, those shared to them, those of the
    lists they own or are a member of."""
    user_id = caller.user_id
    member_lists = select(TaskList.id).where(TaskList.owner_id == user_id).union(
        select(ListShare.list_id).where(ListShare.user_id == user_id))
    shared = select(TaskShare.task_id).where(TaskShare.user_id == user_id)
    query = select(Task).where(or_(Task.owner_id == user_id, Task.id.in_(shared),
                                   Task.list_id.in_(member_lists)))
    if caller.lists is not None:
        query = query.where(Task.list_id.in_(caller.lists))
    if cursor is not None:
        created, task_id = decode_cursor(cursor)
        query = query.where(or_(Task.created_at < created,
                                (Task.created_at == created) & (Task.id < task_id)))
    tasks = session.scalars(query.order_by(Task.created_at.desc(), Task.id.desc())
                            .limit(limit + 1)).all()
    more = len(tasks) > limit
    return TaskPage(items=[task_out(task) for task in tasks[:limit]],
                    next_cursor=encode_cursor(tasks[limit - 1]) if more else None)


@app.post("/tasks", response_model=TaskOut, status_code=201)
def create_task(body: TaskIn, response: Response, session: WriteSessionDep,
                caller: Annotated[Token, Depends(writer)]) -> TaskOut:
    """A top-level task in no list, after the caller's last one."""
    last = session.scalar(select(func.max(Task.position)).where(
        Task.owner_id == caller.user_id, Task.list_id.is_(None), Task.parent_id.is_(None)))
    now = datetime.now(UTC).replace(tzinfo=None)
    due = None if body.due_at is None else body.due_at.astimezone(UTC).replace(tzinfo=None)
    rule = None if body.recurrence is None else body.recurrence.rule
    tags = list(dict.fromkeys(body.tags))
    task = Task(owner_id=caller.user_id, owner=caller.user, title=body.title,
                description=body.description, done=body.done,
                priority=PRIORITIES.index(body.priority), due_at=due, tags=tags,
                recurrence_rule=rule, recurrence_from=rule and "due",
                recurrence_start=rule and due, position=generate_key_between(last, None),
                created_at=now, updated_at=now, tag_rows=[TaskTag(tag=tag) for tag in tags])
    session.add(task)
    session.commit()
    response.headers["Location"] = f"/tasks/{task.id}"
    response.headers["ETag"] = f'"{task.version}"'
    return task_out(task)


@app.patch("/tasks/{task_id}", response_model=TaskOut)
def patch_task(task_id: int, body: TaskPatch, response: Response, session: WriteSessionDep,
               caller: Annotated[Token, Depends(writer)]) -> TaskOut:
    task = visible_task(session, caller, task_id, edit=True)
    changes = body.model_dump(exclude_unset=True)
    if "priority" in changes:
        changes["priority"] = PRIORITIES.index(changes["priority"])
    for name, value in changes.items():
        setattr(task, name, value)
    task.updated_at = datetime.now(UTC).replace(tzinfo=None)
    session.commit()
    response.headers["ETag"] = f'"{task.version}"'
    return task_out(task)
