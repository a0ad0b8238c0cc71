"""The query plans behind every hot request: each must use its index, or a page would cost
more as the tables grow (the contract's "a page costs the same at 1,000,000 tasks").

The SQL is whatever the real code path sends -- ``_authenticate``, ``TaskCollection`` and
``listing.fetch_task_page`` run against the test database while a cursor listener records
each statement -- so dropping an index, or a query change that stops using one, fails
here. SQLite is asked with ``EXPLAIN QUERY PLAN``; PostgreSQL with ``EXPLAIN`` and
``enable_seqscan`` and ``enable_sort`` off for the test's transaction only (a near-empty
table would otherwise rightly be read sequentially, or its one row sorted). The branch of
the tasks seen through an ancestor sorts by design, and its test turns sorts back on.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from taskservice.accounts import security
from taskservice.accounts.models import User
from taskservice.accounts.security import Identity
from taskservice.db.base import utcnow
from taskservice.lists.models import TaskList
from taskservice.positions import key_between
from taskservice.tasks import listing, resources, sorting, visibility
from taskservice.tasks.models import TASKS
from tests.support.api import Client, create_task
from tests.support.lists import create_list, share_list

SORTS = {"created_at": "created", "updated_at": "updated", "due_at": "due",
         "priority": "priority", "title": "title", "position": "position"}
# Every order a listing takes: each sort both ways, but the manual order only forwards
# (``-position`` is a 400, contract section 13).
ORDERS = [(sort, direction) for sort in sorted(SORTS) for direction in ("", "-")
          if not (sort == "position" and direction == "-")]
# Index names where the two databases differ (SQLite names unique constraints itself).
INDEX_NAMES = {
    "sqlite": {"token_hash": "sqlite_autoindex_tokens_1",
               "task_tag": "sqlite_autoindex_task_tags_1"},
    "postgresql": {"token_hash": "uq_tokens_token_hash", "task_tag": "ix_task_tags_tag_task"},
}


# A Sort node of PostgreSQL's EXPLAIN, at the top or under an arrow (not a "Sort Key").
SORT_NODE = re.compile(r"(->\s+)?(Incremental )?Sort\s+\(")


def captured_sql(connection: Connection, action: Callable[[], object]) -> list[tuple]:
    """The SELECT statements (with their parameters) that ``action`` sends."""
    statements: list[tuple] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(connection, "before_cursor_execute", record)
    return statements


def plan_of(connection: Connection, statement: str, parameters) -> list[str]:
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return [row[-1] for row in rows]
    rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
    return [row[0].strip() for row in rows]


class Plan:
    """One statement's plan, with the questions the tests ask of it in either dialect."""

    def __init__(self, dialect: str, lines: list[str]) -> None:
        self.dialect = dialect
        self.lines = lines

    def __repr__(self) -> str:
        return "\n".join(self.lines)

    def searches(self, table: str, index: str) -> bool:
        """A lookup (not a full scan) of ``table`` through ``index``."""
        if self.dialect == "sqlite":
            return any(line.startswith(f"SEARCH {table} USING") and index in line
                       for line in self.lines)
        # "Index Scan using ix on t", "Index Only Scan using ix on t", "Bitmap Index Scan on ix"
        return any("Index" in line and f" {index} " in f"{line} " for line in self.lines)

    def sorts(self, start: int = 0) -> list[str]:
        """Lines from ``start`` on that sort rows (SQLite: a temporary b-tree; PostgreSQL:
        a Sort node)."""
        if self.dialect == "sqlite":
            return [line for line in self.lines[start:] if "USE TEMP B-TREE" in line]
        return [line for line in self.lines[start:] if SORT_NODE.match(line)]

    def full_scans(self, table: str) -> list[str]:
        """Lines reading all of ``table`` (SQLite: also a whole index walked end to end)."""
        needle = f"SCAN {table}" if self.dialect == "sqlite" else f"Seq Scan on {table}"
        return [line for line in self.lines if line.startswith(needle) or needle + " " in line]

    def whole_reads(self, table: str) -> list[str]:
        """``full_scans``, and on PostgreSQL an index scan of ``table`` with no condition:
        a walk of a whole index in its order, which an admin's page may stop early in,
        but which reads every row when few of them match (SQLite reports it as a SCAN)."""
        if self.dialect == "sqlite":
            return self.full_scans(table)
        node = re.compile(rf" on {table}( |$)")
        walks = []
        for i, line in enumerate(self.lines):
            if node.search(line):
                details = itertools.takewhile(lambda d: not d.startswith("->"), self.lines[i + 1:])
                if not any(d.startswith(("Index Cond", "Recheck Cond")) for d in details):
                    walks.append(line)
        return walks


@pytest.fixture
def plans(connection: Connection,
          dbsession: Session) -> Callable[[Callable[[], object]], list[Plan]]:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        # Likewise a sort of a near-empty table costs nothing, and once autovacuum has
        # analysed an empty tasks table the planner may sort one row instead of reading
        # the sort's index; off, it takes the index whenever one gives the order.
        connection.exec_driver_sql("SET LOCAL enable_sort = off")

    def explain(action: Callable[[], object], containing: str = "") -> list[Plan]:
        """The plan of each SELECT ``action`` sends (of those ``containing`` a text)."""
        return [Plan(connection.dialect.name, plan_of(connection, sql, params))
                for sql, params in captured_sql(connection, action) if containing in sql]

    return explain


@pytest.fixture
def no_incremental_sort(connection: Connection) -> None:
    """For a test whose every branch must come out of its index in order: an incremental
    sort is a sort too, which enable_sort does not cover, and with the statistics
    autovacuum leaves after a long run PostgreSQL chose one for a branch of two rows.
    (Subtasks in their order rely on one above their sibling index: not there.)"""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_incremental_sort = off")


@pytest.fixture
def names(connection: Connection) -> dict[str, str]:
    return INDEX_NAMES[connection.dialect.name]


@pytest.fixture
def viewer() -> Identity:
    """Only ``user_id`` and ``is_admin`` matter to the list query; no row is needed."""
    return Identity(token_id=1, user_id=1, username="viewer", is_admin=False)


def fetch_page(
    dbsession: Session, viewer: Identity, sort: str = "-created_at", **filters
) -> object:
    page = listing.TaskPageRequest(viewer=viewer, filters=listing.TaskFilters(**filters),
                                   sort=sorting.Sort(sort), limit=20)
    return listing.fetch_task_page(dbsession, page)


def index_of(prefix: str, sort: str, direction: str) -> str:
    """The index a sort reads: -due_at has its own (undated last, the rest descending)."""
    suffix = "_desc" if sort == "due_at" and direction == "-" else ""
    return f"{prefix}_{SORTS[sort]}{suffix}"


def assert_sorts_only_the_merged_page(plan: Plan) -> None:
    """Each branch of a list comes out of its index in order; the only sort may be the
    outer ORDER BY that merges the branches (a page each): SQLite reports it as its one
    temporary b-tree, PostgreSQL may sort above the union (its Append), never inside."""
    if plan.dialect == "sqlite":
        assert len(plan.sorts()) == 1, plan
    else:
        union = next((i for i, line in enumerate(plan.lines) if "Append" in line), 0)
        assert not plan.sorts(union), plan


def list_plan(plans, dbsession, viewer, **kwargs) -> Plan:
    """The plan of the page query itself (the lookups of the caller's lists come first)."""
    *_, plan = plans(lambda: fetch_page(dbsession, viewer, **kwargs))
    return plan


def test_token_lookup_is_one_search_of_the_hash_index(plans, dbsession, names):
    request = SimpleNamespace(headers={"Authorization": "Bearer some-token"}, dbsession=dbsession,
                              method="GET", path_info="/tasks")
    [plan] = plans(lambda: security._authenticate(request))
    assert plan.searches("tokens", names["token_hash"]), plan
    assert not plan.full_scans("tokens"), plan


def test_task_by_id_is_a_primary_key_lookup(plans, dbsession):
    collection = resources.TaskCollection(SimpleNamespace(dbsession=dbsession, method="GET"))

    def traverse() -> None:
        with pytest.raises(KeyError):
            collection["424242"]

    [plan] = plans(traverse)
    assert plan.searches("tasks", "PRIMARY KEY" if plan.dialect == "sqlite" else "pk_tasks"), plan
    assert not plan.full_scans("tasks"), plan


@pytest.mark.parametrize(("sort", "direction"), ORDERS)
def test_own_tasks_are_a_range_of_the_owner_sort_index(plans, dbsession, viewer, sort, direction):
    plan = list_plan(plans, dbsession, viewer, sort=direction + sort)
    assert plan.searches("tasks", index_of("ix_tasks_owner", sort, direction)), plan
    assert_sorts_only_the_merged_page(plan)


def test_a_deep_page_starts_inside_the_owner_index(plans, dbsession, viewer):
    def deep_page() -> None:
        page = listing.TaskPageRequest(
            viewer=viewer, filters=listing.TaskFilters(), sort=sorting.Sort("-created_at"),
            limit=20, after=[datetime(2026, 1, 1, tzinfo=UTC), 500])
        listing.fetch_task_page(dbsession, page)

    *_, plan = plans(deep_page)
    assert plan.searches("tasks", "ix_tasks_owner_created"), plan


def test_tag_filter_probes_the_tag_index(plans, dbsession, viewer, names):
    plan = list_plan(plans, dbsession, viewer, tags=("home",), done=False)
    assert plan.searches("task_tags", names["task_tag"]), plan
    assert not plan.full_scans("task_tags"), plan


@pytest.mark.parametrize(("sort", "direction"), ORDERS)
def test_shared_tasks_are_a_range_of_the_share_sort_index(plans, dbsession, viewer, sort,
                                                          direction):
    """The shared half walks the caller's shares in sort order and stops after a page:
    it neither reads every shared task nor sorts them (the outer ORDER BY merges two
    branches of at most a page each, and is the one sort SQLite may report)."""
    plan = list_plan(plans, dbsession, viewer, sort=direction + sort, done=False)
    assert plan.searches("task_shares", index_of("ix_task_shares_user", sort, direction)), plan
    assert not plan.full_scans("tasks"), plan
    assert_sorts_only_the_merged_page(plan)


# A cursor in the middle of each string sort: its key, and a value to start after.
DEEP_CURSORS = {"title": "m", "position": "a5"}


@pytest.mark.parametrize("sort", sorted(DEEP_CURSORS))
def test_a_deep_shared_page_starts_inside_the_share_index(plans, dbsession, viewer, sort):
    def deep_page() -> None:
        page = listing.TaskPageRequest(
            viewer=viewer, filters=listing.TaskFilters(), sort=sorting.Sort(sort),
            limit=20, after=[DEEP_CURSORS[sort], 500])
        listing.fetch_task_page(dbsession, page)

    *_, plan = plans(deep_page)
    assert plan.searches("task_shares", f"ix_task_shares_user_{sort}"), plan
    bound = (f"task_{sort}>?" if plan.dialect == "sqlite"
             else f"task_{sort} >= '{DEEP_CURSORS[sort]}'")
    assert any(bound in line for line in plan.lines), "\n".join(plan.lines)


@pytest.mark.parametrize("filters", [{}, {"parent": "none"}], ids=["all", "top-level"])
@pytest.mark.parametrize(("sort", "direction"), ORDERS)
@pytest.mark.usefixtures("no_incremental_sort")
def test_an_admin_list_walks_the_sort_index(plans, dbsession, sort, direction, filters):
    """Every owner's tasks (or every top-level one), in any order, without sorting them all."""
    admin = Identity(token_id=1, user_id=1, username="admin", is_admin=True)
    plan = list_plan(plans, dbsession, admin, sort=direction + sort, **filters)
    index = index_of("ix_tasks", sort, direction)
    assert f"{index} " in " ".join(line + " " for line in plan.lines), plan
    assert not [line for line in plan.full_scans("tasks") if index not in line], plan
    if plan.dialect == "sqlite":
        assert not any("USE TEMP B-TREE" in line for line in plan.lines), plan


# -- lists: one range of the list's own sort index per list the caller is a member of ------


@pytest.fixture
def member(dbsession: Session) -> Identity:
    """A user who owns one list and is a member of another's: two list branches."""
    owner = User(username="listowner", password_hash="x")
    member = User(username="member", password_hash="x")
    dbsession.add_all([owner, member])
    dbsession.flush()
    now = datetime(2030, 1, 1, tzinfo=UTC)
    theirs = TaskList(owner=owner, name="theirs", created_at=now, updated_at=now)
    mine = TaskList(owner=member, name="mine", created_at=now, updated_at=now)
    dbsession.add_all([theirs, mine])
    dbsession.flush()
    theirs.share_with(member, "edit")
    dbsession.flush()
    return Identity(token_id=0, user_id=member.id, username=member.username, is_admin=False)


def list_ids(dbsession: Session, viewer: Identity) -> list[int]:
    return sorted(dbsession.scalars(visibility.MEMBER_LISTS, {"viewer": viewer.user_id}))


def test_the_callers_lists_are_found_through_indexes(plans, dbsession, member):
    # The lists, whether anything is seen through an ancestor (see below), the page.
    lookup, _, _ = plans(lambda: fetch_page(dbsession, member))
    assert lookup.searches("list_shares", "ix_list_shares_user_list"), lookup
    assert any(lookup.searches("lists", f"ix_lists_owner_{sort}") for sort in ("name", "created")
               ), lookup
    assert not lookup.full_scans("lists") and not lookup.full_scans("list_shares"), lookup


@pytest.mark.parametrize(("sort", "direction"), ORDERS)
def test_each_list_is_a_range_of_the_list_sort_index(plans, dbsession, member, sort, direction):
    """Every list the caller is in is its own branch, read in order from the list's sort
    index and stopped after a page: a list of a million tasks costs what one of ten does."""
    plan = list_plan(plans, dbsession, member, sort=direction + sort, done=False)
    assert_reads_each_list_from(plan, index_of("ix_tasks_list", sort, direction), lists=2)
    assert len(list_ids(dbsession, member)) == 2


def assert_reads_each_list_from(plan: Plan, index: str | tuple[str, ...], lists: int) -> None:
    """One search of ``index`` (or of one of several) per list branch, no task read in
    full, one merge sort."""
    indexes = (index,) if isinstance(index, str) else index
    searches = [line for line in plan.lines if "Index" in line or "SEARCH" in line]
    assert len([line for line in searches
                if any(f"{name} " in line + " " for name in indexes)]) == lists, plan
    assert not plan.full_scans("tasks"), plan
    assert_sorts_only_the_merged_page(plan)


@pytest.mark.parametrize(("sort", "direction"), ORDERS)
def test_the_list_filter_is_one_range_of_the_list_sort_index(plans, dbsession, member, sort,
                                                             direction):
    """``list=`` (and GET /lists/<id>/tasks): one branch, read in order, nothing sorted."""
    [list_id, _] = list_ids(dbsession, member)
    plan = list_plan(plans, dbsession, member, sort=direction + sort, list_id=list_id)
    assert plan.searches("tasks", index_of("ix_tasks_list", sort, direction)), plan
    assert not plan.full_scans("tasks"), plan
    if plan.dialect == "sqlite":
        assert not any("USE TEMP B-TREE" in line for line in plan.lines), plan


@pytest.mark.parametrize("sort", sorted(DEEP_CURSORS))
def test_a_deep_page_of_a_list_starts_inside_the_list_index(plans, dbsession, member, sort):
    [list_id, _] = list_ids(dbsession, member)

    def deep_page() -> None:
        page = listing.TaskPageRequest(
            viewer=member, filters=listing.TaskFilters(list_id=list_id),
            sort=sorting.Sort(sort), limit=20, after=[DEEP_CURSORS[sort], 500])
        listing.fetch_task_page(dbsession, page)

    *_, plan = plans(deep_page)
    assert plan.searches("tasks", f"ix_tasks_list_{sort}"), plan
    # PostgreSQL quotes "position", a keyword.
    bound = (re.escape(f"{sort}>?") if plan.dialect == "sqlite"
             else rf"\(\"?{sort}\"?\)::text >= '{DEEP_CURSORS[sort]}'")
    assert any(re.search(bound, line) for line in plan.lines if "Filter" not in line), plan


def test_a_list_branch_without_its_index_fails_the_check(plans, dbsession, member, connection):
    """The check above can fail: with the list's index gone (in this test's transaction
    only), the same assertion on the same query is an error."""
    connection.exec_driver_sql("DROP INDEX ix_tasks_list_created")
    # Filters no other test combines: SQLite would otherwise explain the statement it
    # prepared (and cached) for an earlier test, before the index was dropped.
    plan = list_plan(plans, dbsession, member, sort="created_at", done=True, priority="high")
    with pytest.raises(AssertionError):
        assert_reads_each_list_from(plan, "ix_tasks_list_created", lists=2)


# -- the sync feed (contract section 8) -------------------------------------------------------


def test_the_feed_reads_only_the_callers_ranges_of_the_log(plans, dbsession, viewer):
    """Each branch of a member's feed is a range of its own index of the log, led by
    whom the rows concern: never a scan of everyone's changes."""
    from taskservice.changes import feed

    [plan] = plans(lambda: feed.change_page(dbsession, viewer, 0, 10, feed.FIRST, 100))
    for index in ("ix_changes_owner_seq", "ix_changes_user_seq", "ix_changes_list_seq",
                  "ix_changes_task_seq"):
        assert plan.searches("changes", index) or plan.searches("later", index), (index, plan)
    assert not plan.full_scans("changes"), plan
    assert not plan.full_scans("tasks"), plan


def test_the_feed_keeps_to_its_indexes_once_the_log_has_statistics(plans, dbsession, viewer,
                                                                    connection):
    """With the statistics of a log full of one user's own rows (as ANALYZE leaves it),
    SQLite once preferred walking every position of the range to probing the list and
    task indexes; each branch must still be a range of its own index."""
    from taskservice.changes import feed
    from taskservice.changes.models import CHANGES

    dbsession.execute(CHANGES.insert(), [
        {"at": utcnow(), "kind": "task", "object_id": n, "action": "updated", "owner_id": 1}
        for n in range(1, 301)])
    # The log's statistics only: PostgreSQL writes a table's row count (pg_class) in
    # place, outside the transaction, so an ANALYZE of every table would leave the tasks
    # tables "analysed near-empty" for the tests after this one, whose plans then differ.
    connection.exec_driver_sql("ANALYZE changes")
    [plan] = plans(lambda: feed.change_page(dbsession, viewer, 0, 10**6, feed.FIRST, 100))
    by_position = [line for line in plan.lines
                   if "changes USING INTEGER PRIMARY KEY" in line or "Index Scan using pk_changes"
                   in line]
    assert not by_position, plan
    for index in ("ix_changes_list_seq", "ix_changes_task_seq"):
        assert plan.searches("changes", index), (index, plan)


@pytest.mark.parametrize("page", ["first", "later"])
def test_a_task_history_page_is_a_range_of_the_task_index(plans, dbsession, page):
    from taskservice.changes import views

    statement = getattr(views.HISTORY, page)
    params = {"task_id": 7, "limit": 21, "after_0": 1000}
    [plan] = plans(lambda: dbsession.execute(statement, params).all())
    assert plan.searches("changes", "ix_changes_task_seq"), plan
    assert not plan.full_scans("changes"), plan


# -- dates (contract section 12): all-day and timed dues are one key -----------------------

# The caller's day is Tokyo's (a date bound is 00:00 there); the tasks' zones are others.
CALLER_ZONE = "Asia/Tokyo"
TASK_ZONES = ("Pacific/Auckland", "America/Los_Angeles", "UTC")
DUE_BOUNDS = {"none": {}, "before a date": {"due_before": "2030-01-05"},
              "before a time": {"due_before": "2030-01-05T06:00:00Z"},
              "after a date": {"due_after": "2030-01-05"},
              "after a time": {"due_after": "2030-01-05T06:00:00Z"}}


def dated_tasks(client: Client, **fields: str) -> None:
    """Nine days of dues of ``client``'s, each day an all-day due and a timed one, their
    zones in turn, and a task with no due."""
    for day in range(1, 10):
        zone = TASK_ZONES[day % len(TASK_ZONES)]
        create_task(client, due_date=f"2030-01-{day:02}", time_zone=zone, **fields)
        create_task(client, due_at=f"2030-01-{day:02}T{day:02}:30:00Z", time_zone=zone, **fields)
    create_task(client, **fields)


@pytest.fixture
def sees_mixed_dues(register: Callable[..., Client]) -> Client:
    """A caller whose every branch holds both kinds of due: their own tasks, a task shared
    with them and the tasks of another's list they are a member of. No statistics are
    taken, as in the tests above: with those of a table this small the planner rightly
    walks it whole rather than look up a page's ids, which says nothing of a big one."""
    caller, other = register(), register()
    caller.testapp.patch_json("/users/me", {"time_zone": CALLER_ZONE}, headers=caller.headers,
                              status=200)
    theirs = create_list(other, name="theirs")
    share_list(other, theirs["id"], caller.username, "view")
    dated_tasks(caller)
    dated_tasks(other, list=theirs["id"])
    for due in ({"due_date": "2030-01-03"}, {"due_at": "2030-01-06T00:00:00Z"}):
        shared = create_task(other, time_zone=TASK_ZONES[0], **due)
        other.testapp.put_json(f"/tasks/{shared['id']}/shares/{caller.username}",
                               {"permission": "view"}, headers=other.headers, status=201)
    return caller


@pytest.mark.parametrize("bound", sorted(DUE_BOUNDS))
@pytest.mark.parametrize("direction", ["", "-"])
def test_mixed_dues_are_a_range_of_each_branchs_due_index(plans, sees_mixed_dues, direction,
                                                          bound):
    """All-day dues carry the instant they stand for in ``due_at``: a due sort, filtered by
    a date or a time or not, reads each branch in order from its due index and stops
    after a page, whatever the mix of dues; nothing sorts more than the merged page."""
    caller = sees_mixed_dues
    query = {"sort": f"{direction}due_at", "limit": "5", **DUE_BOUNDS[bound]}
    pages = []
    [plan] = plans(lambda: pages.append(caller.testapp.get(
        "/tasks", query, headers=caller.headers, status=200).json), containing="UNION ALL")
    kinds = {"due_date" if task["due_date"] else "due_at" for task in pages[0]["items"]}
    assert kinds == {"due_date", "due_at"}, pages  # the page itself mixes both
    for table, prefix in (("tasks", "ix_tasks_owner"), ("task_shares", "ix_task_shares_user"),
                          ("tasks", "ix_tasks_list")):
        index = index_of(prefix, "due_at", direction)
        assert plan.searches(table, index), (index, plan)
    assert not plan.full_scans("tasks") and not plan.full_scans("task_shares"), plan
    assert_sorts_only_the_merged_page(plan)


# -- subtasks and manual order (contract section 13) -----------------------------------------


def test_whether_anything_is_seen_through_an_ancestor_is_two_index_probes(plans, dbsession,
                                                                           member):
    """Before a page, one statement asks whether the caller sees any task through an
    ancestor only (most see none, and their page keeps one branch fewer): the subtasks
    others made under the caller's tasks, then those under a task shared with them. Each
    half is a range of an index led by the caller, never a read of every closure row."""
    _, sees_inherited, _ = plans(lambda: fetch_page(dbsession, member))
    assert sees_inherited.searches("task_ancestors", "ix_task_ancestors_foreign"), sees_inherited
    # Only the shares of tasks with subtasks: a caller with thousands of shares of plain
    # tasks probes nothing (the benchmark's 1,000,000-task page found that out).
    assert sees_inherited.searches("task_shares", "ix_task_shares_user_above_subtasks"
                                   ), sees_inherited
    assert sees_inherited.searches("task_ancestors", "ix_task_ancestors_ancestor"), sees_inherited
    for table in ("task_ancestors", "task_shares", "tasks"):
        assert not sees_inherited.whole_reads(table), (table, sees_inherited)


def list_indexes(sort: str, direction: str, top_level: bool) -> tuple[str, ...]:
    """The indexes a list's branch may read its tasks from in order: its sort index, and
    for the manual order of top-level tasks also the list's sibling index (the same
    order, one row per top-level task of the list)."""
    index = index_of("ix_tasks_list", sort, direction)
    return (index, "uq_tasks_list_position") if top_level and sort == "position" else (index,)


@pytest.mark.parametrize(("sort", "direction"), ORDERS)
@pytest.mark.usefixtures("no_incremental_sort")
def test_top_level_tasks_keep_each_branch_a_range_of_its_sort_index(plans, dbsession, member,
                                                                    sort, direction):
    """``parent=none`` is one more condition on each branch of the union: the caller's own
    tasks, the shared ones and each list still come out of their sort indexes in order,
    and only the merged page is sorted."""
    plan = list_plan(plans, dbsession, member, sort=direction + sort, parent="none")
    assert plan.searches("tasks", index_of("ix_tasks_owner", sort, direction)), plan
    assert plan.searches("task_shares", index_of("ix_task_shares_user", sort, direction)), plan
    assert_reads_each_list_from(plan, list_indexes(sort, direction, True), lists=2)


@pytest.mark.parametrize(("sort", "direction"), ORDERS)
def test_the_top_level_tasks_of_a_list_are_one_range_of_an_index(plans, dbsession, member,
                                                                 sort, direction):
    """``GET /lists/<id>/tasks?parent=none`` (and ``list=``): one branch, read in order."""
    [list_id, _] = list_ids(dbsession, member)
    plan = list_plan(plans, dbsession, member, sort=direction + sort, list_id=list_id,
                     parent="none")
    assert any(plan.searches("tasks", index) for index in list_indexes(sort, direction, True)
               ), plan
    assert not plan.whole_reads("tasks"), plan
    if plan.dialect == "sqlite":
        assert not plan.sorts(), plan


@dataclass
class Family:
    """A caller's two parents, each with three subtasks: one in no list, one in a list."""

    caller: Client
    list_id: str
    loose: str  # the parent in no list
    listed: str  # the parent in the list

    def url(self, where: str) -> str:
        return f"/lists/{self.list_id}/tasks" if where == "the list" else "/tasks"


@pytest.fixture
def family(register: Callable[..., Client]) -> Family:
    caller = register()
    listed_in = create_list(caller)["id"]
    loose, listed = create_task(caller), create_task(caller, list=listed_in)
    for parent in (loose, listed):
        for _ in range(3):
            create_task(caller, parent=parent["id"], list=parent["list"])
    return Family(caller, listed_in, loose["id"], listed["id"])


def assert_reads_in_order(plan: Plan) -> None:
    """The page's rows come out of the index in their order: nothing is sorted on SQLite;
    on PostgreSQL at most an Incremental Sort presorted on ``position``, which orders by
    (position, id) one position at a time -- one row, since siblings never share one -- and
    stops at the end of the page. A plain Sort would read every subtask first."""
    if plan.dialect == "sqlite":
        assert not plan.sorts(), plan
        return
    assert all(line.lstrip("-> ").startswith("Incremental Sort") for line in plan.sorts()), plan
    if plan.sorts():
        assert 'Presorted Key: tasks."position"' in plan.lines, plan


# Where a parent's subtasks are listed: GET /tasks for either parent, the list's own URL for
# the parent in it (whose list condition the listing drops: a subtask is in its parent's).
SUBTASK_PAGES = [
    pytest.param("/tasks", "loose", id="tasks-loose"),
    pytest.param("/tasks", "listed", id="tasks-listed"),
    pytest.param("the list", "listed", id="list-listed"),
]


@pytest.mark.parametrize("page", ["first", "later"])
@pytest.mark.parametrize(("where", "parent"), SUBTASK_PAGES)
def test_subtasks_in_their_order_are_a_range_of_the_sibling_index(plans, family, where, parent,
                                                                   page):
    """``parent=<id>&sort=position``: one range of the parent's siblings index, from its
    start or (a later page) from the cursor's position, read in order."""
    caller = family.caller
    query = {"parent": getattr(family, parent), "sort": "position", "limit": "2"}

    def get() -> object:
        return caller.testapp.get(family.url(where), query, headers=caller.headers, status=200)

    if page == "later":
        query["cursor"] = get().json["next_cursor"]
    [plan] = plans(get, containing="owner_username")
    assert plan.searches("tasks", "uq_tasks_parent_position"), plan
    assert not plan.whole_reads("tasks"), plan
    assert_reads_in_order(plan)
    if page == "later":
        bound = "position>?" if plan.dialect == "sqlite" else "position"
        assert any(bound in line for line in plan.lines if line.startswith(("SEARCH", "Index Cond"))
                   ), plan


# Enough tasks of a user nobody else sees that PostgreSQL, planning without statistics,
# knows the table is big: a walk of all of it then costs more than probing the few ids
# a branch needs, as it does in production.
CROWD = 5000


def crowd_of_tasks(dbsession: Session, owner: Client) -> None:
    """``CROWD`` top-level tasks of ``owner``'s, inserted as rows, each group's positions
    the keys appends give."""
    owner_id = dbsession.scalars(select(User.id).where(User.username == owner.username)).one()
    now, position, rows = utcnow(), None, []
    for n in range(CROWD):
        position = key_between(position, None)
        rows.append({"owner_id": owner_id, "title": f"crowd {n}", "description": "",
                     "done": False, "priority": 1, "tags": [], "created_at": now,
                     "updated_at": now, "version": 1, "position": position})
    dbsession.execute(insert(TASKS), rows)


@dataclass
class Heir:
    """A caller who sees subtasks through an ancestor only, and those subtasks' ids."""

    caller: Client
    inherited: set[str]


@pytest.fixture
def heir(register: Callable[..., Client], dbsession: Session) -> Heir:
    """Subtasks the caller sees through an ancestor only, of both kinds: three steps (one
    two levels down) of another user's task shared with them, and a step another user
    added under the caller's own task (shared with them to edit)."""
    caller, other = register(), register()
    crowd_of_tasks(dbsession, register())
    create_task(caller)
    shared = create_task(other)
    step = create_task(other, parent=shared["id"])
    steps = [step, create_task(other, parent=shared["id"]), create_task(other, parent=step["id"])]
    mine = create_task(caller)
    for task, owner, user, permission in ((shared, other, caller, "view"),
                                          (mine, caller, other, "edit")):
        owner.testapp.put_json(f"/tasks/{task['id']}/shares/{user.username}",
                               {"permission": permission}, headers=owner.headers, status=201)
    steps.append(create_task(other, parent=mine["id"]))
    return Heir(caller, {task["id"] for task in steps})


@pytest.mark.parametrize("query", [{}, {"sort": "position"}, {"sort": "title", "parent": "none"}],
                         ids=["default", "position", "top-level"])
def test_tasks_seen_through_an_ancestor_are_probes_of_the_closure(plans, heir, connection,
                                                                   query):
    """The branch of the tasks seen through an ancestor only reads the closure's rows
    from the caller's index ranges (the foreign subtasks under their tasks, the subtasks
    of the tasks shared with them) and looks each task up by id: it costs the number of
    those subtasks, never a read of the tasks table. It sorts them (they lie in no index
    range), so PostgreSQL may sort here: with sorts off it would rather walk a whole sort
    index of tasks against them, which says nothing of production."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_sort = on")
    caller, pages = heir.caller, []
    [plan] = plans(lambda: pages.append(caller.testapp.get(
        "/tasks", query, headers=caller.headers, status=200).json), containing="owner_username")
    ids = {task["id"] for task in pages[0]["items"]}
    assert ids & heir.inherited == (set() if "parent" in query else heir.inherited), pages
    for index in ("ix_task_ancestors_foreign", "ix_task_ancestors_ancestor"):
        assert plan.searches("task_ancestors", index), (index, plan)
    primary_key = "PRIMARY KEY" if plan.dialect == "sqlite" else "pk_tasks"
    assert plan.searches("tasks", primary_key), plan
    for table in ("tasks", "task_ancestors", "task_shares"):
        assert not plan.whole_reads(table), (table, plan)


# -- reminders (contract section 14) ---------------------------------------------------------

# Moments of the reminders below: all in a future no run reaches, so setting them arms them.
REMINDED_AT = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)
# A window around them for GET /reminders (at most 31 days wide).
REMINDERS_WINDOW = {"after": "2031-02-20T00:00:00Z", "before": "2031-03-10T00:00:00Z"}


@pytest.fixture
def reminded(register: Callable[..., Client]) -> Client:
    """A caller with reminders of every kind a page meets: on their own tasks (absolute
    and relative, timed and all-day dues), on a task shared with them and on a task of a
    list they are a member of; and another user's reminders they may not see."""
    caller, other, stranger = register(), register(), register()
    at = {"at": REMINDED_AT.isoformat().replace("+00:00", "Z")}
    create_task(caller, reminders=[at, {"offset": -900}], due_at="2031-03-01T10:00:00Z")
    create_task(caller, reminders=[{"offset": 32400}], due_date="2031-03-02",
                time_zone="Europe/Paris")
    shared = create_task(other, reminders=[at])
    other.testapp.put_json(f"/tasks/{shared['id']}/shares/{caller.username}",
                           {"permission": "view"}, headers=other.headers, status=201)
    theirs = create_list(other, name="reminded")
    share_list(other, theirs["id"], caller.username, "view")
    create_task(other, list=theirs["id"], reminders=[at])
    create_task(stranger, reminders=[at])
    return caller


def assert_reads_no_table_whole(plan: Plan) -> None:
    """No table read from end to end: the reminders, nor the tables the access rule asks."""
    for table in ("task_reminders", "tasks", "users", "task_shares", "list_shares", "lists"):
        assert not plan.whole_reads(table), (table, plan)


def test_the_firing_claim_is_a_range_of_the_armed_index(plans, app, reminded):
    """A round asks whether anything is due, then claims the due rows soonest first: both
    read only the armed rows up to now from the partial index of armed rows (which holds
    no fired row, however many have fired), each task and its owner by primary key."""
    from taskservice.reminders.firing import fire_due

    fired: list[int] = []
    statements = plans(lambda: fired.append(fire_due(app.registry,
                                                     now=REMINDED_AT + timedelta(seconds=1))),
                       containing="task_reminders")
    assert fired == [4], fired  # the caller's, the shared one, the list's, the stranger's
    assert len(statements) >= 2, statements  # whether any is due; the claim
    for plan in statements:
        assert plan.searches("task_reminders", "ix_task_reminders_armed"), plan
        assert_reads_no_table_whole(plan)
    *_, claim = statements
    primary_key = "PRIMARY KEY" if claim.dialect == "sqlite" else "pk_tasks"
    assert claim.searches("tasks", primary_key), claim


def test_a_claim_without_the_armed_index_fails_the_check(plans, app, reminded, connection):
    """The check above can fail: with the armed index gone (in this test's transaction
    only), the same assertion on the same round is an error."""
    from taskservice.reminders.firing import fire_due

    connection.exec_driver_sql("DROP INDEX ix_task_reminders_armed")
    statements = plans(lambda: fire_due(app.registry, now=REMINDED_AT + timedelta(seconds=2)),
                       containing="task_reminders")
    assert statements
    with pytest.raises(AssertionError):
        for plan in statements:
            assert plan.searches("task_reminders", "ix_task_reminders_armed"), plan


def test_an_idle_round_reads_only_the_armed_index(plans, app, reminded):
    """The round every worker runs twice a second while nothing is due: one probe of the
    armed index, no claim."""
    from taskservice.reminders.firing import fire_due

    statements = plans(lambda: fire_due(app.registry, now=REMINDED_AT - timedelta(days=1)),
                       containing="task_reminders")
    [plan] = statements
    assert plan.searches("task_reminders", "ix_task_reminders_armed"), plan
    assert not plan.whole_reads("task_reminders"), plan


# The indexes a page of reminders reads: the caller's own by moment, their lists' by
# moment, and by task (the primary key) those shared with them or below a task they see.
REMINDER_INDEXES = {"sqlite": ("ix_task_reminders_owner", "ix_task_reminders_list",
                               "sqlite_autoindex_task_reminders_1"),
                    "postgresql": ("ix_task_reminders_owner", "ix_task_reminders_list",
                                   "pk_task_reminders")}
# What bounds a range of task_reminders to what the caller may see.
CALLERS_KEYS = ("owner_id", "list_id", "task_id")


def reminder_ranges(plan: Plan) -> list[str]:
    """Each read of an index of ``task_reminders`` with the condition of its range:
    SQLite's SEARCH line; PostgreSQL's index node with its ``Index Cond``."""
    if plan.dialect == "sqlite":
        return [line for line in plan.lines if line.startswith("SEARCH task_reminders")]
    ranges = []
    for i, line in enumerate(plan.lines):
        if re.search(r"Index (Only )?Scan (using \w+ )?on (\w+_)?task_reminders|"
                     r"Bitmap Index Scan on (ix|pk)_task_reminders", line):
            details = itertools.takewhile(lambda d: not d.startswith("->"), plan.lines[i + 1:])
            ranges.append(" ".join([line, *(d for d in details if d.startswith("Index Cond"))]))
    return ranges


def reminders_plan(plans, caller: Client, page: str) -> Plan:
    """The plan of ``GET /reminders`` (a page of 2 of the caller's 5) for ``caller``."""
    query = {**REMINDERS_WINDOW, "limit": "2"}

    def get() -> object:
        return caller.testapp.get("/reminders", query, headers=caller.headers, status=200)

    if page == "later":
        query["cursor"] = get().json["next_cursor"]
    pages: list = []
    [plan] = plans(lambda: pages.append(get().json), containing="task_reminders")
    assert len(pages[0]["items"]) == 2 and pages[0]["next_cursor"], pages
    return plan


@pytest.mark.parametrize("page", ["first", "later"])
def test_a_reminders_page_reads_each_branch_from_its_index(plans, reminded, page):
    """``GET /reminders``: the caller's own reminders and their lists' are ranges of the
    owner and list indexes of the rows' copies, those shared with them (or below a task
    they see) probes of the primary key by task; no table is read whole."""
    plan = reminders_plan(plans, reminded, page)
    for index in REMINDER_INDEXES[plan.dialect]:
        assert plan.searches("task_reminders", index), (index, plan)
    assert_reads_no_table_whole(plan)


@pytest.mark.parametrize("page", ["first", "later"])
def test_a_reminders_page_reads_only_what_the_caller_may_see(plans, reminded, page, connection):
    """A page costs the reminders the caller may see, not everyone's in the window: each
    range of ``task_reminders`` is bounded by the caller, one of their lists or a task,
    never the window of every user's (or every list's) moments alone. On PostgreSQL the
    list branch reads ``ix_task_reminders_list`` with only ``scheduled_for`` in its
    ``Index Cond`` (every list's reminders of the window), then joins the caller's lists;
    the same plan with statistics at 100,000 tasks (benchmarks/README.md, issue 28)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_sort = on")
    plan = reminders_plan(plans, reminded, page)
    ranges = reminder_ranges(plan)
    assert ranges, plan
    for line in ranges:
        assert any(key in line for key in CALLERS_KEYS), (line, plan)


# -- list-limited tokens (contract section 15): their lists' ranges, nothing else ------------


@pytest.fixture
def limited(dbsession: Session, member: Identity) -> Identity:
    """The member's token limited to their two lists and to a third list, of another
    user's, that they are no member of (a list they left): two whole branches, one
    guarded."""
    stranger = User(username="stranger", password_hash="x")
    dbsession.add(stranger)
    dbsession.flush()
    now = datetime(2030, 1, 1, tzinfo=UTC)
    left = TaskList(owner=stranger, name="left", created_at=now, updated_at=now)
    dbsession.add(left)
    dbsession.flush()
    return replace(member, lists=frozenset([*list_ids(dbsession, member), left.id]))


def walks_the_shares(plan: Plan) -> list[str]:
    """The lines of the shared half of a listing: the user's shares read in sort order,
    each joined to its task (SQLite: a search of a share sort index; PostgreSQL: the task
    looked up by the share's task_id). A probe of one task's share is not one."""
    if plan.dialect == "sqlite":
        return [line for line in plan.lines if "ix_task_shares_user_" in line]
    return [line for line in plan.lines if "= task_shares.task_id)" in line]


@pytest.mark.parametrize(("sort", "direction"), ORDERS)
def test_a_limited_tokens_page_is_a_range_of_each_of_its_lists(plans, dbsession, limited, sort,
                                                               direction):
    """A list-limited token reads one range of the list's sort index per list of its
    (the one its user left too, each task there asked whether they see it), and neither
    the user's own tasks nor their shares in sort order: its page costs no more than a
    member's."""
    plan = list_plan(plans, dbsession, limited, sort=direction + sort, done=False)
    assert_reads_each_list_from(plan, index_of("ix_tasks_list", sort, direction), lists=3)
    assert not plan.searches("tasks", index_of("ix_tasks_owner", sort, direction)), plan
    assert not walks_the_shares(plan), plan
    for table in ("task_shares", "task_ancestors"):
        assert not plan.whole_reads(table), (table, plan)


def test_a_limited_tokens_lists_are_found_by_id(plans, dbsession, limited):
    """Before the page, one statement finds which of the token's lists exist and whether
    its user sees each whole: probes of the lists' primary key and the user's shares."""
    reach, _ = plans(lambda: fetch_page(dbsession, limited))
    assert reach.searches("lists", "PRIMARY KEY" if reach.dialect == "sqlite" else "pk_lists"
                          ), reach
    for table in ("lists", "list_shares"):
        assert not reach.whole_reads(table), (table, reach)


def test_a_limited_tokens_feed_reads_only_its_lists_ranges_of_the_log(plans, dbsession, limited):
    """The feed of a list-limited token: its lists' ranges of the log and the rows
    addressed to its user, never the user's own rows or their shares' (what happens
    outside the lists is not read at all), nor a scan of the log."""
    from taskservice.changes import feed

    [plan] = plans(lambda: feed.change_page(dbsession, limited, 0, 10, feed.FIRST, 100))
    for index in ("ix_changes_list_seq", "ix_changes_user_seq"):
        assert plan.searches("changes", index) or plan.searches("later", index), (index, plan)
    assert not plan.searches("changes", "ix_changes_task_seq"), plan
    for table in ("changes", "tasks"):
        assert not plan.full_scans(table), (table, plan)


def test_a_limited_tokens_feed_keeps_to_the_list_index_once_the_log_has_statistics(
        plans, dbsession, limited, connection):
    """With the statistics of a log full of rows of the token's lists (as ANALYZE leaves
    it), the rows of the lists its user left are still a range of the list index per
    list, never a walk of every position of the range."""
    from taskservice.changes import feed
    from taskservice.changes.models import CHANGES

    lists = sorted(limited.lists)
    dbsession.execute(CHANGES.insert(), [
        {"at": utcnow(), "kind": "task", "object_id": n, "action": "updated", "owner_id": 1,
         "list_id": lists[n % len(lists)] if n % 2 else None} for n in range(1, 601)])
    connection.exec_driver_sql("ANALYZE changes")  # the log's statistics only (see above)
    [plan] = plans(lambda: feed.change_page(dbsession, limited, 0, 10**6, feed.FIRST, 100))
    by_position = [line for line in plan.lines
                   if "changes USING INTEGER PRIMARY KEY" in line or "Index Scan using pk_changes"
                   in line]
    assert not by_position, plan
    assert plan.searches("changes", "ix_changes_list_seq"), plan
    assert not plan.full_scans("changes"), plan


def test_a_limited_tokens_reminders_are_ranges_of_its_lists(plans, reminded, connection):
    """``GET /reminders`` with a token limited to the list the caller is a member of: that
    list's range of the list index, and none of the caller's own or shared reminders."""
    from tests.support.tokens import limited_client

    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_sort = on")
    [theirs] = reminded.testapp.get("/lists", headers=reminded.headers).json["items"]
    limited = limited_client(reminded, [theirs["id"]])
    pages: list = []
    [plan] = plans(lambda: pages.append(limited.testapp.get(
        "/reminders", REMINDERS_WINDOW, headers=limited.headers, status=200).json),
        containing="task_reminders")
    assert len(pages[0]["items"]) == 1, pages
    ranges = reminder_ranges(plan)
    assert ranges and all(any(key in line for key in CALLERS_KEYS) for line in ranges), plan
    assert plan.searches("task_reminders", "ix_task_reminders_list"), plan
    assert not plan.searches("task_reminders", "ix_task_reminders_owner"), plan
    assert_reads_no_table_whole(plan)
