"""The baseline: the same requests as the service, as a bare WSGI callable over ``sqlite3``.

It does the minimum a correct answer needs — the token-hash lookup, the task select with
its owner, a share check when the caller is not the owner, the same keyset list query,
one UPDATE or INSERT for writes — and encodes the same JSON bodies with the standard
library. No framework, no ORM, no validation beyond what keeps it from crashing. It is
the floor the service is measured against, not a second implementation to maintain:
only the requests the benchmark sends are supported (``GET /__lbheartbeat__``, the
default sort, ``due_at`` and ``position``, ``tag=``, ``done=`` and ``parent=`` filters, a
recurrence given at creation, completing a daily one, moving a subtask after a sibling, a
page of ``GET /reminders``, a PATCH of a task's reminders, which rewrites its rows of
``task_reminders``). A token may come as an app password in Basic, and be limited in
scopes and to lists (contract section 15): ``GET`` needs ``read``, anything else
``write``, and a list-limited token reaches the tasks of its lists alone, in
``GET``/``PATCH /tasks/<id>`` and the task list.

Served by waitress (or gunicorn) exactly like the service; the database path comes from
``$BENCH_SQLITE``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import sqlite3
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

# The keys themselves are work both sides do: the service's own (standard library only).
from taskservice.positions import key_between

PRIORITIES = ("low", "normal", "high", "urgent")
STORED = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores datetimes on SQLite
TASK_PATH = re.compile(r"^/tasks/([1-9][0-9]{0,17})(/move)?$")
TASK_COLUMNS = ("t.id, t.title, t.description, t.done, t.priority, t.due_at, t.tags, "
                "u.username, t.created_at, t.updated_at, t.version, t.owner_id, t.list_id, "
                "t.due_date, t.time_zone, t.recurrence_rule, t.recurrence_from, "
                "t.recurrence_start, t.parent_id, t.position, t.reminders")
DUE_AT, DUE_DATE, ZONE, RULE, FROM, START = 5, 13, 14, 15, 16, 17  # in a row of those
PARENT, POSITION, REMINDERS = 18, 19, 20
AUTH_SQL = ("SELECT u.id, u.username, u.is_admin, k.scopes, k.lists FROM tokens k "
            "JOIN users u ON u.id = k.user_id "
            "WHERE k.token_hash = ? AND (k.expires_at IS NULL OR k.expires_at > ?)")
SCOPE, LISTS = 3, 4  # in an authenticated user's tuple: the token's scopes, its lists or None
TASK_SQL = f"SELECT {TASK_COLUMNS} FROM tasks t JOIN users u ON u.id = t.owner_id WHERE t.id = ?"
SHARE_SQL = "SELECT permission FROM task_shares WHERE task_id = ? AND user_id = ?"
LIST_SHARE_SQL = "SELECT permission FROM list_shares WHERE list_id = ? AND user_id = ?"
# The sorts the benchmark asks for, each one's ORDER BY ({t} qualifies the columns).
ORDERS = {
    "-created_at": "{t}created_at DESC, {t}id DESC",
    "due_at": "CASE WHEN {t}due_at IS NULL THEN 1 ELSE 0 END, {t}due_at, {t}id",
    "position": "{t}position, {t}id",
}
JSON_HEADERS = [("Content-Type", "application/json")]
HASHER = PasswordHasher()

_local = threading.local()


class HTTPError(Exception):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


def connection() -> sqlite3.Connection:
    """One connection per server thread, with the pragmas the service uses."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(os.environ["BENCH_SQLITE"], isolation_level=None,
                               check_same_thread=False)
        for pragma in ("foreign_keys = ON", "busy_timeout = 5000", "journal_mode = WAL",
                       "synchronous = NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        _local.conn = conn
    return conn


def now() -> str:
    return datetime.now(UTC).strftime(STORED)


def stamp(stored: str | None) -> str | None:
    return None if stored is None else stored.replace(" ", "T").removesuffix(".000000") + "Z"


def parsed(stored: str) -> datetime:
    return datetime.strptime(stored, STORED).replace(tzinfo=UTC)


def local_day(stored: str, zone: str) -> date:
    """The date an instant falls on in ``zone``: an all-day due's, from its 00:00 there."""
    return parsed(stored).astimezone(ZoneInfo(zone)).date()


def recurrence_json(row: tuple) -> dict | None:
    if row[RULE] is None:
        return None
    start = local_day(row[START], row[ZONE]).isoformat() if row[DUE_DATE] else stamp(row[START])
    return {"rule": row[RULE], "from": row[FROM], "start": start}


def task_json(row: tuple) -> dict:
    return {
        "id": str(row[0]), "title": row[1], "description": row[2], "done": bool(row[3]),
        "priority": PRIORITIES[row[4]], "due_at": None if row[DUE_DATE] else stamp(row[DUE_AT]),
        "due_date": row[DUE_DATE], "time_zone": row[ZONE], "recurrence": recurrence_json(row),
        "tags": json.loads(row[6]), "list": None if row[12] is None else str(row[12]),
        "parent": None if row[PARENT] is None else str(row[PARENT]), "position": row[POSITION],
        "reminders": json.loads(row[REMINDERS]),
        "owner": row[7], "created_at": stamp(row[8]), "updated_at": stamp(row[9]),
        "version": row[10],
    }


def presented(environ: dict) -> tuple[str | None, str]:
    """(the username an app password names, or None for a bearer token; the token)."""
    scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "basic":
        username, _, token = base64.b64decode(value).decode().partition(":")
        return username, token
    if scheme.lower() not in ("bearer", "token") or not value:
        raise HTTPError("401 Unauthorized")
    return None, value.strip()


def authenticate(conn: sqlite3.Connection, environ: dict) -> tuple:
    """(id, username, is_admin, the token's scopes, its lists or None)."""
    username, token = presented(environ)
    digest = hashlib.sha256(token.encode()).hexdigest()
    user = conn.execute(AUTH_SQL, (digest, now())).fetchone()
    if user is None or (username is not None and username.lower() != user[1].lower()):
        raise HTTPError("401 Unauthorized")
    lists = None if user[LISTS] is None else set(json.loads(user[LISTS]))
    return (*user[:SCOPE], set(json.loads(user[SCOPE])), lists)


def visible_task(conn: sqlite3.Connection, user: tuple, task_id: int, edit: bool) -> tuple:
    row = conn.execute(TASK_SQL, (task_id,)).fetchone()
    if row is None or (user[LISTS] is not None and row[12] not in user[LISTS]):
        raise HTTPError("404 Not Found")
    if row[11] != user[0] and not user[2]:
        share = conn.execute(SHARE_SQL, (task_id, user[0])).fetchone()
        if share is None and row[12] is not None:
            share = conn.execute(LIST_SHARE_SQL, (row[12], user[0])).fetchone()
        if share is None:
            raise HTTPError("404 Not Found")
        if edit and share[0] == "view":
            raise HTTPError("403 Forbidden")
    return row


def read_body(environ: dict) -> dict:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return json.loads(environ["wsgi.input"].read(length) or b"{}")


def cursor_checksum(payload: bytes, key: bytes) -> str:
    """Keyed with the database's key, as the service signs list cursors and sync tokens."""
    return hashlib.blake2b(payload, digest_size=16, key=key, person=b"tscursor").hexdigest()


def decode_cursor(cursor: str, key: bytes) -> tuple[str, int]:
    encoded, _, checksum = cursor.partition(".")
    payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    if cursor_checksum(payload, key) != checksum:
        raise HTTPError("400 Bad Request")
    _, (created, task_id) = json.loads(payload)
    return datetime.fromisoformat(created).astimezone(UTC).strftime(STORED), task_id


def cursor_values(sort: str, row: tuple) -> list:
    if sort == "due_at":
        due = row[DUE_AT]
        return [int(due is None), due and parsed(due).isoformat(), row[0]]
    if sort == "position":
        return [row[POSITION], row[0]]
    return [parsed(row[8]).isoformat(), row[0]]


def encode_cursor(sort: str, row: tuple, key: bytes) -> str:
    payload = json.dumps([sort, cursor_values(sort, row)], separators=(",", ":")).encode()
    return (base64.urlsafe_b64encode(payload).rstrip(b"=").decode() + "."
            + cursor_checksum(payload, key))


MEMBER_LISTS_SQL = ("SELECT id FROM lists WHERE owner_id = ? "
                    "UNION SELECT list_id FROM list_shares WHERE user_id = ?")
VIEWABLE_LIST_SQL = ("SELECT 1 FROM lists l WHERE l.id = ? AND (l.owner_id = ? OR EXISTS "
                     "(SELECT 1 FROM list_shares s WHERE s.list_id = l.id AND s.user_id = ?))")


def list_tasks(conn: sqlite3.Connection, user: tuple, query: dict) -> dict:
    """The service's query: own, shared and one branch per list of the caller's, each
    ordered and limited, then merged (``list=``: that list's branch alone)."""
    limit, sort = int(query.get("limit", 20)), query.get("sort", "-created_at")
    where, params = [], []
    if "done" in query:
        where.append("done = ?")
        params.append(query["done"] == "true")
    if "tag" in query:
        where.append("EXISTS (SELECT 1 FROM task_tags g WHERE g.task_id = tasks.id AND g.tag = ?)")
        params.append(query["tag"])
    if "cursor" in query:
        created, task_id = decode_cursor(query["cursor"], sync_key(conn))
        where.append("(created_at < ? OR (created_at = ? AND id < ?))")
        params += [created, created, task_id]
    if query.get("parent") == "none":
        where.append("parent_id IS NULL")
    common = "".join(f" AND {w}" for w in where)
    shared = "EXISTS (SELECT 1 FROM task_shares s WHERE s.task_id = tasks.id AND s.user_id = ?)"
    order = ORDERS[sort]
    branch = ("SELECT id FROM (SELECT id FROM tasks WHERE {} " + common
              + f" ORDER BY {order.format(t='')} LIMIT ?)")
    if query.get("parent", "none") != "none":
        try:  # the subtasks of a task one may view, else nothing
            visible_task(conn, user, int(query["parent"]), edit=False)
            branches = [(branch.format("parent_id = ?"), [query["parent"]])]
        except HTTPError:
            branches = []
    elif "list" in query:
        visible = conn.execute(VIEWABLE_LIST_SQL, (query["list"], user[0], user[0])).fetchone()
        reached = user[LISTS] is None or int(query["list"]) in user[LISTS]
        branches = [(branch.format("list_id = ?"), [query["list"]])] if visible and reached else []
    else:
        lists = [row[0] for row in conn.execute(MEMBER_LISTS_SQL, (user[0], user[0]))]
        branches = [(branch.format("owner_id = ?"), [user[0]]),
                    (branch.format(shared), [user[0]])]
        if user[LISTS] is not None:  # a list-limited token: its lists' branches alone
            branches, lists = [], [list_id for list_id in lists if list_id in user[LISTS]]
        branches += [(branch.format("list_id = ?"), [list_id]) for list_id in lists]
    if not branches:
        return {"items": [], "next_cursor": None}
    sql = (f"SELECT {TASK_COLUMNS} FROM tasks t JOIN users u ON u.id = t.owner_id WHERE t.id IN ("
           f"{' UNION ALL '.join(sql for sql, _ in branches)}) "
           f"ORDER BY {order.format(t='t.')} LIMIT ?")
    args = [arg for _, first in branches for arg in (*first, *params, limit + 1)]
    rows = conn.execute(sql, [*args, limit + 1]).fetchall()
    cursor = encode_cursor(sort, rows[limit - 1], sync_key(conn)) if len(rows) > limit else None
    return {"items": [task_json(r) for r in rows[:limit]], "next_cursor": cursor}


CHANGED_SQL = ("SELECT kind, object_id, max(seq) AS position FROM changes "
               "WHERE owner_id = ? AND seq > ? AND seq <= ? GROUP BY kind, object_id "
               "ORDER BY position, kind, object_id LIMIT ?")


_keys: dict[str, bytes] = {}


def sync_key(conn: sqlite3.Connection) -> bytes:
    """The key sync tokens are signed with, read from the database once (as the service)."""
    if "sync_tokens" not in _keys:
        _keys["sync_tokens"] = conn.execute(
            "SELECT secret FROM service_keys WHERE name = 'sync_tokens'").fetchone()[0]
    return _keys["sync_tokens"]


def sync_changes(conn: sqlite3.Connection, user: tuple, query: dict) -> dict:
    """GET /changes from a kept token: the caller's own changed tasks, a page of them.

    The minimum of the service's feed: the token's position (signature checked), the
    highest position, one grouped range of the log, the tasks of the page.
    """
    limit = int(query.get("limit", 20))
    encoded, _, checksum = query["token"].partition(".")
    payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    if cursor_checksum(payload, sync_key(conn)) != checksum:
        raise HTTPError("400 Bad Request")
    since = json.loads(payload)[1][3]
    until = conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0]
    changed = conn.execute(CHANGED_SQL, (user[0], since, until, limit + 1)).fetchall()
    ids = [row[1] for row in changed[:limit]]
    marks = ", ".join("?" * len(ids))
    rows = {row[0]: row for row in conn.execute(
        f"SELECT {TASK_COLUMNS} FROM tasks t JOIN users u ON u.id = t.owner_id "
        f"WHERE t.id IN ({marks})", ids)}
    changes = [{"kind": "task", "id": str(i), "deleted": False, "task": task_json(rows[i])}
               if i in rows else {"kind": "task", "id": str(i), "deleted": True,
                                  "reason": "deleted"} for i in ids]
    return {"changes": changes, "next_token": query["token"], "more": len(changed) > limit}


def stored(sent: str | None) -> str | None:
    """An RFC 3339 time as SQLAlchemy stores it on SQLite (UTC, naive)."""
    if sent is None:
        return None
    return datetime.fromisoformat(sent).astimezone(UTC).strftime(STORED)


LAST_OWN_POSITION_SQL = ("SELECT max(position) FROM tasks WHERE owner_id = ? "
                        "AND list_id IS NULL AND parent_id IS NULL")


def insert_task(conn: sqlite3.Connection, user: tuple, body: dict) -> tuple:
    """The new task's row, in the caller's transaction (a timed due, a recurrence from it),
    after the caller's last top-level task in no list (the only place the bench creates)."""
    stamp_now, tags = now(), list(dict.fromkeys(body.get("tags", [])))
    due, rule = stored(body.get("due_at")), (body.get("recurrence") or {}).get("rule")
    last = conn.execute(LAST_OWN_POSITION_SQL, (user[0],)).fetchone()[0]
    task_id = conn.execute(
        "INSERT INTO tasks (owner_id, title, description, done, priority, due_at, tags, "
        "created_at, updated_at, version, recurrence_rule, recurrence_from, recurrence_start, "
        "position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
        (user[0], body["title"].strip(), body.get("description", ""), body.get("done", False),
         PRIORITIES.index(body.get("priority", "normal")), due, json.dumps(tags), stamp_now,
         stamp_now, rule, rule and "due", rule and due, key_between(last, None)),
    ).lastrowid
    conn.executemany("INSERT INTO task_tags (task_id, tag) VALUES (?, ?)",
                     [(task_id, tag) for tag in tags])
    return conn.execute(TASK_SQL, (task_id,)).fetchone()


def create_task(conn: sqlite3.Connection, user: tuple, body: dict) -> tuple:
    conn.execute("BEGIN IMMEDIATE")
    row = insert_task(conn, user, body)
    conn.execute("COMMIT")
    return row


def created(row: tuple) -> tuple[str, object, list]:
    return "201 Created", task_json(row), [("Location", f"/tasks/{row[0]}"),
                                           ("ETag", f'"{row[10]}"')]


def run_batch(conn: sqlite3.Connection, user: tuple, body: dict) -> dict:
    """``POST /batch`` of task creations (all the bench sends): each or all committed."""
    bodies = [item["body"] for item in body["requests"]]
    if body.get("atomic"):
        conn.execute("BEGIN IMMEDIATE")
        rows = [insert_task(conn, user, item) for item in bodies]
        conn.execute("COMMIT")
    else:
        rows = [create_task(conn, user, item) for item in bodies]
    responses = []
    for row in rows:
        status, task, headers = created(row)
        responses.append({"status": int(status[:3]), "headers": dict(headers), "body": task})
    return {"responses": responses, **({"committed": True} if body.get("atomic") else {})}


def next_daily(row: tuple, completed: datetime) -> dict:
    """The due after completing a daily series' occurrence (the one rule the benchmark
    completes): the first day after both the due and the completion, at the due's
    wall-clock time in the task's zone (00:00 for an all-day due)."""
    due, zone = parsed(row[DUE_AT]), ZoneInfo(row[ZONE])
    local = due.astimezone(zone)
    day = max(local.date(), completed.astimezone(zone).date())
    while (following := datetime.combine(day, local.time(), zone)) <= max(due, completed):
        day += timedelta(days=1)
    return {"due_at": following.astimezone(UTC).strftime(STORED),
            "due_date": day.isoformat() if row[DUE_DATE] else None}


def patch_task(conn: sqlite3.Connection, user: tuple, task_id: int, body: dict) -> tuple:
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = visible_task(conn, user, task_id, edit=True)
        fields = {k: v for k, v in body.items() if k in ("title", "description", "done")}
        if "priority" in body:
            fields["priority"] = PRIORITIES.index(body["priority"])
        if fields.get("done") and row[RULE] is not None:  # rolled forward, not done
            del fields["done"]
            fields.update(next_daily(row, datetime.now(UTC)))
        if "reminders" in body:
            fields["reminders"] = json.dumps(body["reminders"])
        assignments = "".join(f"{name} = ?, " for name in fields)
        conn.execute(f"UPDATE tasks SET {assignments}updated_at = ?, version = version + 1 "
                     "WHERE id = ? AND version = ?", (*fields.values(), now(), task_id, row[10]))
        row = conn.execute(TASK_SQL, (task_id,)).fetchone()
        if "reminders" in body:
            rearm(conn, row)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return row


def reminder_moments(row: tuple) -> list[tuple[int, dict, datetime]]:
    """(slot, reminder, moment) of each of a task's reminders: an absolute one's time, an
    offset from a timed due's instant or from 00:00 of an all-day due's date in its zone."""
    found = []
    for slot, reminder in enumerate(json.loads(row[REMINDERS])):
        if "at" in reminder:
            moment = datetime.fromisoformat(reminder["at"])
        elif row[DUE_DATE]:
            local = datetime.combine(date.fromisoformat(row[DUE_DATE]), time())
            moment = (local + timedelta(seconds=reminder["offset"])).replace(
                tzinfo=ZoneInfo(row[ZONE])).astimezone(UTC)
        else:
            moment = parsed(row[DUE_AT]) + timedelta(seconds=reminder["offset"])
        found.append((slot, reminder, moment))
    return found


def rearm(conn: sqlite3.Connection, row: tuple) -> None:
    """A not-done task's rows of ``task_reminders`` written again (those the bench
    patches are not done), each armed when its moment is ahead."""
    current = datetime.now(UTC)
    conn.execute("DELETE FROM task_reminders WHERE task_id = ?", (row[0],))
    conn.executemany(
        "INSERT INTO task_reminders (task_id, slot, reminder, scheduled_for, owner_id, "
        "list_id, armed) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(row[0], slot, json.dumps(reminder), moment.strftime(STORED), row[11], row[12],
          moment > current) for slot, reminder, moment in reminder_moments(row)])


# A branch of the reminders a user sees (their own, their lists', those of tasks shared
# with them), ordered and limited: each a range of the rows' copies of owner and list, or
# a probe per shared task. Done tasks have no rows.
REMINDER_BRANCH = ("SELECT task_id, slot FROM (SELECT task_id, slot FROM task_reminders "
                   "WHERE {} AND scheduled_for >= ? AND scheduled_for <= ? "
                   "ORDER BY scheduled_for, task_id, slot LIMIT ?)")
REMINDERS_SQL = (
    "SELECT task_id, slot, reminder, scheduled_for FROM task_reminders "
    "WHERE (task_id, slot) IN (" + " UNION ".join(REMINDER_BRANCH.format(term) for term in (
        "owner_id = ?", f"list_id IN ({MEMBER_LISTS_SQL})",
        "task_id IN (SELECT task_id FROM task_shares WHERE user_id = ?)")) + ") "
    "ORDER BY scheduled_for, task_id, slot LIMIT ?")


def list_reminders(conn: sqlite3.Connection, user: tuple, query: dict) -> dict:
    """``GET /reminders?after=&before=&limit=``: the reminders of the tasks the caller may
    view and that are not done, in a window of moments, in time order (no cursor is read:
    the bench asks for first pages)."""
    limit = int(query.get("limit", 20))
    window = [stored(query[bound]) for bound in ("after", "before")]
    branch = (*window, limit + 1)
    rows = conn.execute(REMINDERS_SQL, (user[0], *branch, user[0], user[0], *branch,
                                        user[0], *branch, limit + 1)).fetchall()
    cursor = None
    if len(rows) > limit:
        payload = json.dumps([rows[limit - 1][3], rows[limit - 1][0], rows[limit - 1][1]]).encode()
        cursor = (base64.urlsafe_b64encode(payload).rstrip(b"=").decode() + "."
                  + cursor_checksum(payload, sync_key(conn)))
    items = [{"task": str(task_id), "reminder": json.loads(reminder), "scheduled_for": stamp(at)}
             for task_id, _, reminder, at in rows[:limit]]
    return {"items": items, "next_cursor": cursor}


SIBLING_EDGE_SQL = ("SELECT {edge}(position) FROM tasks WHERE parent_id = ? AND id != ? "
                    "AND position {bound} ?")


def move_task(conn: sqlite3.Connection, user: tuple, task_id: int, body: dict) -> tuple:
    """``POST /tasks/<id>/move`` ``{"after": <a sibling>}`` for a subtask (all the bench
    moves): a key between the sibling and the next one, unless it is there already."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = visible_task(conn, user, task_id, edit=True)
        sibling = visible_task(conn, user, int(body["after"]), edit=False)
        if row[PARENT] is None or sibling[PARENT] != row[PARENT] or sibling[0] == task_id:
            raise HTTPError("400 Bad Request")
        edge = SIBLING_EDGE_SQL.format
        before = conn.execute(edge(edge="max", bound="<"),
                              (row[PARENT], task_id, row[POSITION])).fetchone()[0]
        if before != sibling[POSITION]:
            following = conn.execute(edge(edge="min", bound=">"),
                                     (row[PARENT], task_id, sibling[POSITION])).fetchone()[0]
            conn.execute("UPDATE tasks SET position = ?, updated_at = ?, version = version + 1 "
                         "WHERE id = ? AND version = ?",
                         (key_between(sibling[POSITION], following), now(), task_id, row[10]))
            row = conn.execute(TASK_SQL, (task_id,)).fetchone()
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return row


def log_in(conn: sqlite3.Connection, body: dict) -> dict:
    user = conn.execute("SELECT id, password_hash FROM users WHERE lower(username) = ?",
                        (body["username"].lower(),)).fetchone()
    try:
        HASHER.verify(user[1], body["password"])
    except (VerificationError, TypeError):
        raise HTTPError("401 Unauthorized") from None
    token = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    expires = datetime.now(UTC) + timedelta(days=1)
    conn.execute("INSERT INTO tokens (token_hash, user_id, created_at, expires_at) "
                 "VALUES (?, ?, ?, ?)", (hashlib.sha256(token.encode()).hexdigest(), user[0],
                                         now(), expires.strftime(STORED)))
    return {"token": token, "token_type": "Bearer",
            "expires_at": expires.isoformat().replace("+00:00", "Z")}


def dispatch(environ: dict) -> tuple[str, object, list]:
    """(status, JSON body, extra headers) for one request."""
    conn, method, path = connection(), environ["REQUEST_METHOD"], environ["PATH_INFO"]
    if path == "/__lbheartbeat__":  # the health floor: no database, no authentication
        return "200 OK", {}, []
    if path == "/tokens" and method == "POST":
        return "201 Created", log_in(conn, read_body(environ)), []
    user = authenticate(conn, environ)
    if ("read" if method == "GET" else "write") not in user[SCOPE]:
        raise HTTPError("403 Forbidden")
    if path == "/tasks" and method == "GET":
        parts = environ["QUERY_STRING"].split("&")
        query = dict(part.partition("=")[::2] for part in parts if part)
        return "200 OK", list_tasks(conn, user, query), []
    if path == "/reminders" and method == "GET":
        parts = environ["QUERY_STRING"].split("&")
        return "200 OK", list_reminders(conn, user, dict(p.partition("=")[::2] for p in parts)), []
    if path == "/changes" and method == "GET":
        parts = environ["QUERY_STRING"].split("&")
        return "200 OK", sync_changes(conn, user, dict(p.partition("=")[::2] for p in parts)), []
    if path == "/tasks" and method == "POST":
        return created(create_task(conn, user, read_body(environ)))
    if path == "/batch" and method == "POST":
        return "200 OK", run_batch(conn, user, read_body(environ)), []
    match = TASK_PATH.match(path)
    if match is None:
        raise HTTPError("404 Not Found")
    task_id = int(match.group(1))
    if match.group(2):
        if method != "POST":
            raise HTTPError("405 Method Not Allowed")
        row = move_task(conn, user, task_id, read_body(environ))
    elif method == "GET":
        row = visible_task(conn, user, task_id, edit=False)
    elif method == "PATCH":
        row = patch_task(conn, user, task_id, read_body(environ))
    else:
        raise HTTPError("405 Method Not Allowed")
    return "200 OK", task_json(row), [("ETag", f'"{row[10]}"')]


def app(environ: dict, start_response) -> list[bytes]:
    try:
        status, body, headers = dispatch(environ)
    except HTTPError as error:
        status, body, headers = error.status, {"status": "error", "errors": []}, []
    payload = json.dumps(body).encode()
    start_response(status, [*JSON_HEADERS, ("Content-Length", str(len(payload))), *headers])
    return [payload]
