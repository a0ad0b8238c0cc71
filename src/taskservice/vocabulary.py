"""The words of the contract that several packages use, each defined here once.

Models, schemas, resources, the listing and the OpenAPI document all derive from these:
a priority added here is accepted, stored, sorted and documented everywhere. (The
migrations already applied keep the literal values they were written with.)
"""

from __future__ import annotations

# The HTTP methods that write: read-only mode refuses them, SQLite serialises them, and
# the transaction of any other method ends in a rollback.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE",
                           # WebDAV's and CalDAV's (contract section 16)
                           "MKCALENDAR", "MKCOL", "PROPPATCH", "MOVE"})

# -- users ---------------------------------------------------------------------------------

USERNAME_MAX_LENGTH = 32
# Used with fullmatch (or anchored with \Z): "$" would also match before a trailing newline.
USERNAME_PATTERN = rf"[A-Za-z0-9_.\-]{{3,{USERNAME_MAX_LENGTH}}}"
USERNAME_RULE = f"3 to {USERNAME_MAX_LENGTH} characters of A-Z a-z 0-9 _ . -"

# -- scoped tokens and app passwords (contract section 15) --------------------------------

# What a token may be limited to: reads, content writes, webhooks, the account itself.
SCOPES = ("read", "write", "webhooks", "account")
TOKEN_NAME_MAX_LENGTH = 100
TOKEN_MAX_LISTS = 50
# ``expires_in``: a minute at least, 366 days at most (or none, when the ini allows it).
TOKEN_MIN_LIFETIME = 60
TOKEN_MAX_LIFETIME = 31_622_400
# ``last_used_at`` is rewritten at most once per this many seconds per token.
TOKEN_USE_RESOLUTION = 60

# -- tasks ---------------------------------------------------------------------------------

# Ids are decimal, never zero-padded; 18 digits always fit the 64-bit id columns.
ID_PATTERN = r"[1-9][0-9]{0,17}"
TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10000
TAG_MAX_LENGTH = 50
MAX_TAGS = 20
# Stored as their rank (0 ... 3), so that sorting by priority is sorting by a number.
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_RANK = {name: rank for rank, name in enumerate(PRIORITIES)}
SHARE_PERMISSIONS = ("view", "edit")
# What a task list can be sorted by, each ascending or descending ("-" first), but a manual
# order, which is read one way only (contract section 13).
SORT_FIELDS = ("created_at", "updated_at", "due_at", "priority", "title", "position")
ASCENDING_ONLY_SORTS = frozenset({"position"})
SORTS = tuple(prefix + field for field in SORT_FIELDS for prefix in ("", "-")
              if not (prefix and field in ASCENDING_ONLY_SORTS))
DEFAULT_SORT = "-created_at"
# Fields the server sets; a body that sends one is told so by name.
READ_ONLY_FIELDS = frozenset(
    {"id", "owner", "created_at", "updated_at", "completed_at", "version", "position"}
)

# -- subtasks and manual order (contract section 13) ---------------------------------------

# How many tasks deep a tree may be: a task, its subtask, theirs, theirs.
TREE_MAX_DEPTH = 4
# What ``parent=`` takes besides an id: the top-level tasks.
NO_PARENT = "none"

# -- dates (contract section 12) ----------------------------------------------------------

# IANA zone names are at most 32 characters today; the column leaves room.
ZONE_MAX_LENGTH = 64
# What a recurrence's occurrences follow: the rule from its start, or each completion.
RECURRENCE_FROM = ("due", "completion")
DEFAULT_RECURRENCE_FROM = "due"

# -- reminders (contract section 14) -------------------------------------------------------

MAX_REMINDERS = 10
# How far from its due a relative reminder may be, in seconds: 366 days either way.
REMINDER_OFFSET_LIMIT = 31_622_400
# ``GET /reminders``: the window when ``before`` is not given, and the widest one, in days.
REMINDERS_DEFAULT_DAYS = 7
REMINDERS_MAX_DAYS = 31

# -- lists (contract section 7) ------------------------------------------------------------

LIST_NAME_MAX_LENGTH = 100
LIST_DESCRIPTION_MAX_LENGTH = 2000
# Weakest first: a list share grants what the one before it does, and more.
LIST_SHARE_PERMISSIONS = ("view", "edit", "manage")
# The caller's own access to a list, as its ``permission`` field says it.
LIST_ACCESS = ("owner", *reversed(LIST_SHARE_PERMISSIONS), "admin")
LIST_SORT_FIELDS = ("name", "created_at")
LIST_SORTS = tuple(prefix + field for field in LIST_SORT_FIELDS for prefix in ("", "-"))
DEFAULT_LIST_SORT = "name"

# -- changes (contract section 8) ----------------------------------------------------------

# What a change of the sync feed is about, and why a tombstone is one.
CHANGE_KINDS = ("task", "list")
TOMBSTONE_REASONS = ("deleted", "access_revoked")
# What a task's history entry records.
HISTORY_ACTIONS = ("created", "updated", "completed_occurrence", "shared", "unshared")

# -- batch requests and safe retries (contract section 10) --------------------------------

BATCH_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# The only headers a sub-request may carry: the conditional ones (its caller's
# Authorization is the batch's).
BATCH_SUB_HEADERS = ("If-Match", "If-None-Match")
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = 255
# -- webhooks (contract section 9) ---------------------------------------------------------

# What a webhook may subscribe to; "*" is every one of them, ping included. A ping is sent
# on request only (POST /webhooks/<id>/ping), to the webhook asked, whatever its events.
OBJECT_EVENTS = tuple(f"{kind}.{action}" for kind in ("task", "list")
                      for action in ("created", "updated", "deleted", "shared", "unshared"))
# A task's reminder came (contract section 14): not a change, no actor.
REMINDER_EVENT = "task.reminder"
PING_EVENT = "ping"
EVENT_TYPES = (*OBJECT_EVENTS, REMINDER_EVENT, PING_EVENT)
ALL_EVENTS = "*"
SUBSCRIPTIONS = (*EVENT_TYPES, ALL_EVENTS)
DELIVERY_OUTCOMES = ("succeeded", "failed")
WEBHOOK_URL_MAX_LENGTH = 2000
