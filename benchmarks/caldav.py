"""``make bench``'s CalDAV part (issue 30): the service's ``/dav/`` beside Radicale and Xandikos.

Each server runs in its own process group pinned to the server core (``--server-cpus``,
as in :mod:`benchmarks.run`); this process sends the requests one at a time from another
core (``--client-cpus``), and the figure is the server's CPU per request: the group's
user + system time from ``/proc`` before and after a batch of requests, plus the
database server's on PostgreSQL (``--database-url``), divided by the batch's size. For
every scenario the batches run server by server, ``--rounds`` times (A B C A B C ...), so
all of them see the same machine noise; the report gives the medians.

The service's collections are lists of the bench user's holding 0, 100, 1,000, 10,000 and
100,000 tasks, inserted in bulk through the models' tables as seed.py does (its rows, so
dues, zones, tags and daily rules are mixed as in the other scenarios); the service makes
their VTODOs from the rows. The peers' collections are calendars of 0, 100 and 1,000
VTODOs sent by ``PUT`` before the runs, as a client's first upload sends them; the peers
store and serve the text as sent. Radicale runs with no authentication (it trusts the
Basic user name), Xandikos with none at all: neither pays for a password check, the
service checks an app password (contract section 15) on every request.

Scenarios, with issue 30's targets:

- ``PUT`` of a new VTODO (``If-None-Match: *``) into an empty collection, one of 1,000 and
  (the service's) one of 10,000. Target: at 10,000 at most 1.3x the empty list's, and at
  1,000 at most 0.5x Radicale's. Each batch's objects are deleted after it is measured,
  so every batch writes into a collection of the size named.
- ``sync-collection`` (RFC 6578) returning one change: the collection's ``DAV:sync-token``
  (``PROPFIND``), one object ``PUT``, then the same report from that token. Target: at
  100,000 tasks within 1.3x of at 100 (the peers are measured at 100 and 1,000).
- An initial ``sync-collection`` (empty token, ``getetag``) and a ``calendar-query`` of
  every VTODO with ``calendar-data``, of 1,000 tasks. Target: at most Xandikos's CPU.

Each answer's status is checked (201 for a ``PUT``, 207 for a report), and the first
answer of every batch is read: a sync must list exactly one change, an initial sync and a
query every object of the collection. Any other answer counts as an error; ``--smoke``
(small collections, one round, seconds) fails on any.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from defusedxml import ElementTree
from sqlalchemy import func, insert, select

from taskservice.db.session import make_engine
from taskservice.lists.models import TaskList
from taskservice.tasks.models import Task, TaskTag

from .run import (
    RESULTS,
    database_cpu_seconds,
    database_server_pid,
    free_port,
    group_cpu_seconds,
    machine,
    running_command,
    wait_until_idle,
)
from .seed import TOKEN, USERNAME, Appends, app_password, seed, settle, task_row

SERVICE, RADICALE, XANDIKOS = "taskservice", "Radicale", "Xandikos"
SERVERS = (SERVICE, RADICALE, XANDIKOS)
# The collection sizes each server is given (the peers' are PUT one object at a time).
SERVICE_SIZES, PEER_SIZES = (0, 100, 1_000, 10_000, 100_000), (0, 100, 1_000)
# --smoke's stand-ins for them: small enough for CI's seconds, each still distinct.
SMOKE_SIZES = {0: 0, 100: 5, 1_000: 20, 10_000: 40, 100_000: 80}
DAV_NS = "{DAV:}"
CALDAV_XML = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"'
XML_TYPE = "application/xml; charset=utf-8"
ICAL_TYPE = "text/calendar; charset=utf-8"


# --- requests ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    statuses: tuple[int, ...] = (207,)  # the answers expected


def vtodo(uid: str, number: int) -> bytes:
    """A VTODO as a task app writes it: summary, a date due, a category, a description."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//taskservice//benchmark//EN",
             "BEGIN:VTODO", f"UID:{uid}", "DTSTAMP:20260101T000000Z",
             f"SUMMARY:Task number {number}", "DESCRIPTION:Seeded for the benchmark.",
             f"DUE;VALUE=DATE:2027{number % 12 + 1:02}{number % 28 + 1:02}",
             f"CATEGORIES:t{number % 8}", "STATUS:NEEDS-ACTION", "END:VTODO", "END:VCALENDAR"]
    return ("\r\n".join(lines) + "\r\n").encode()


def put(collection: str, number: int) -> Request:
    """Create a new object (``If-None-Match: *``) under a name of the client's choosing."""
    uid = str(uuid.uuid4())
    return Request("PUT", f"{collection}{uid}.ics", vtodo(uid, number),
                   (("Content-Type", ICAL_TYPE), ("If-None-Match", "*")), (201,))


def delete(request: Request) -> Request:
    return Request("DELETE", request.path, statuses=(200, 204))  # Radicale's is 200


def sync_collection(collection: str, token: str = "") -> Request:
    """RFC 6578's report, defined with ``Depth: 0`` only (section 3.2)."""
    body = (f'<?xml version="1.0" encoding="utf-8"?><d:sync-collection {CALDAV_XML}>'
            f"<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>"
            "<d:prop><d:getetag/><d:getcontenttype/></d:prop></d:sync-collection>")
    return Request("REPORT", collection, body.encode(),
                   (("Content-Type", XML_TYPE), ("Depth", "0")))


def calendar_query(collection: str) -> Request:
    body = (f'<?xml version="1.0" encoding="utf-8"?><c:calendar-query {CALDAV_XML}>'
            "<d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter>"
            '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"/></c:comp-filter>'
            "</c:filter></c:calendar-query>")
    return Request("REPORT", collection, body.encode(),
                   (("Content-Type", XML_TYPE), ("Depth", "1")))


def sync_token_request(collection: str) -> Request:
    body = (f'<?xml version="1.0" encoding="utf-8"?><d:propfind {CALDAV_XML}>'
            "<d:prop><d:sync-token/></d:prop></d:propfind>")
    return Request("PROPFIND", collection, body.encode(),
                   (("Content-Type", XML_TYPE), ("Depth", "0")))


def mkcalendar(collection: str) -> Request:
    body = (f'<?xml version="1.0" encoding="utf-8"?><c:mkcalendar {CALDAV_XML}><d:set>'
            "<d:prop><c:supported-calendar-component-set><c:comp name=\"VTODO\"/>"
            "</c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>")
    return Request("MKCALENDAR", collection, body.encode(), (("Content-Type", XML_TYPE),), (201,))


def objects_listed(body: bytes) -> int:
    """The ``DAV:response`` elements of a multistatus that are not a deletion's 404."""
    return sum(1 for response in ElementTree.fromstring(body).findall(f"{DAV_NS}response")
               if "404" not in (response.findtext(f"{DAV_NS}status") or ""))


class Client:
    """One keep-alive connection to a server, its credentials on every request."""

    def __init__(self, port: int, authorization: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.authorization = authorization

    def send(self, request: Request) -> tuple[int, bytes]:
        headers = {"Authorization": self.authorization, **dict(request.headers)}
        try:
            self.connection.request(request.method, request.path, request.body, headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.connection.close()  # the server closed an idle connection: once more
            self.connection.request(request.method, request.path, request.body, headers)
            response = self.connection.getresponse()
        return response.status, response.read()

    def expect(self, request: Request) -> bytes:
        """Send a request of the set-up (not measured); any other answer stops the run."""
        status, body = self.send(request)
        if status not in request.statuses:
            raise SystemExit(f"{request.method} {request.path}: {status}: {body[:500]!r}")
        return body

    def sync_token(self, collection: str) -> str:
        body = self.expect(sync_token_request(collection))
        token = ElementTree.fromstring(body).find(f".//{DAV_NS}sync-token")
        if token is None or not token.text:
            raise SystemExit(f"no DAV:sync-token for {collection}: {body[:500]!r}")
        return token.text


# --- servers -------------------------------------------------------------------------------

@dataclass
class Server:
    """A running server: its process group, a client, its collections by size."""

    name: str
    pgid: int
    client: Client
    collections: dict[int, str]
    database: int | None = None  # the PostgreSQL server's main process, when it has one

    def cpu_seconds(self) -> float:
        database = database_cpu_seconds(self.database) if self.database else 0.0
        return group_cpu_seconds(self.pgid) + database


def service_collections(url: str, sizes: list[int]) -> dict[int, int]:
    """seed.py's database, plus one list of bench's per size holding that many tasks:
    seed.py's rows (ids after every seeded one), owned by bench, in the list. The list's
    id for each size."""
    seed(url, 100)
    engine = make_engine(url)
    lists = {}
    with engine.begin() as connection:
        next_list = connection.scalar(select(func.max(TaskList.id))) + 1
        next_task = connection.scalar(select(func.max(Task.id))) + 1
        positions = Appends()
        for size in sizes:
            lists[size] = list_id = next_list + len(lists)
            connection.execute(insert(TaskList.__table__), [{
                "id": list_id, "owner_id": 1, "name": f"CalDAV {size}", "description": "",
                "created_at": task_row(1)["created_at"], "updated_at": task_row(1)["updated_at"],
                "version": 1}])
            for start in range(0, size, 20_000):
                rows = [{**task_row(next_task + n), "owner_id": 1, "list_id": list_id,
                         "position": positions.next(list_id), "has_subtasks": False}
                        for n in range(start, min(start + 20_000, size))]
                connection.execute(insert(Task.__table__), rows)
                connection.execute(insert(TaskTag.__table__),
                                   [{"task_id": r["id"], "tag": r["tags"][0]} for r in rows])
            next_task += size
    settle(engine)
    engine.dispose()
    return lists


@contextmanager
def service(args: argparse.Namespace, sizes: list[int], workdir: Path) -> Iterator[Server]:
    """The service as deployed (benchmarks.serve, ``production.ini``), SQLite or PostgreSQL."""
    url = args.database_url or f"sqlite:///{workdir / 'caldav.sqlite'}"
    print(f"seeding {SERVICE}: lists of {', '.join(f'{s:,}' for s in sizes)} tasks ...",
          flush=True)
    lists = service_collections(url, sizes)
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.serve", "service", args.ini, f"127.0.0.1:{port}"]
    env = dict(os.environ, DATABASE_URL=url)
    with running_command("caldav-service", command, port, args.server_cpus, env) as pgid:
        client = Client(port, app_password(USERNAME, TOKEN))
        home = f"/dav/calendars/{USERNAME}/"
        yield Server(SERVICE, pgid, client, {s: f"{home}{lists[s]}/" for s in sizes},
                     database_server_pid(args.database_url))


def filled_peer(name: str, pgid: int, client: Client, home: str, sizes: list[int]) -> Server:
    """A peer with one calendar per size (MKCALENDAR), filled by PUT."""
    print(f"filling {name}: calendars of {', '.join(f'{s:,}' for s in sizes)} VTODOs ...",
          flush=True)
    collections = {}
    for size in sizes:
        collections[size] = collection = f"{home}tasks-{size}/"
        client.expect(mkcalendar(collection))
        for number in range(size):
            client.expect(put(collection, number))
    return Server(name, pgid, client, collections)


@contextmanager
def radicale(args: argparse.Namespace, sizes: list[int], workdir: Path) -> Iterator[Server]:
    """Radicale on a storage folder of its own, no authentication (it takes the Basic user
    name as given), logging warnings only."""
    port = free_port()
    command = [sys.executable, "-m", "radicale", "--config", "",
               "--server-hosts", f"127.0.0.1:{port}", "--auth-type", "none",
               "--storage-filesystem-folder", str(workdir / "radicale"),
               "--logging-level", "warning"]
    with running_command("caldav-radicale", command, port, args.server_cpus,
                         dict(os.environ)) as pgid:
        client = Client(port, app_password(USERNAME, "unchecked"))
        client.expect(Request("PROPFIND", f"/{USERNAME}/", headers=(("Depth", "0"),)))
        yield filled_peer(RADICALE, pgid, client, f"/{USERNAME}/", sizes)


@contextmanager
def xandikos(args: argparse.Namespace, sizes: list[int], workdir: Path) -> Iterator[Server]:
    """Xandikos on a directory of its own (``--defaults``: the principal ``/user/`` and its
    calendar home), without authentication (it has none on plain HTTP)."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("xandikos")), "serve",
               "-d", str(workdir / "xandikos"), "--defaults", "-l", "127.0.0.1",
               "-p", str(port)]
    with running_command("caldav-xandikos", command, port, args.server_cpus,
                         dict(os.environ)) as pgid:
        client = Client(port, app_password(USERNAME, "unchecked"))
        yield filled_peer(XANDIKOS, pgid, client, "/user/calendars/", sizes)


STARTERS: dict[str, Callable] = {SERVICE: service, RADICALE: radicale, XANDIKOS: xandikos}


# --- scenarios -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    """Requests of one kind against a collection of ``size`` on each of ``servers``."""

    name: str
    size: int
    servers: tuple[str, ...]
    requests: int  # in a batch (--smoke: at most 3)
    kind: str  # "put", "sync", "initial sync" or "query"


PUT, SYNC, INITIAL, QUERY = ("PUT of a new VTODO", "sync-collection returning one change",
                             "initial sync-collection", "calendar-query with calendar-data")
# Reads first: a peer's initial sync lists the objects deleted since (Radicale's does,
# as 404s), so the writes that are undone come after them.
SCENARIOS = (
    Scenario(INITIAL, 1_000, SERVERS, 20, "initial sync"),
    Scenario(QUERY, 1_000, SERVERS, 20, "query"),
    Scenario(SYNC, 100, SERVERS, 200, "sync"),
    Scenario(SYNC, 1_000, (RADICALE, XANDIKOS), 200, "sync"),
    Scenario(SYNC, 100_000, (SERVICE,), 200, "sync"),
    Scenario(PUT, 0, SERVERS, 100, "put"),
    Scenario(PUT, 1_000, SERVERS, 100, "put"),
    Scenario(PUT, 10_000, (SERVICE,), 100, "put"),
)


@dataclass
class Batch:
    cpu_ms_per_request: float
    p50_ms: float
    errors: int
    first_error: str = ""


@dataclass
class Result:
    scenario: str
    size: int  # as named (the full run's)
    actual_size: int  # as run (--smoke's stand-in)
    medians: dict[str, dict] = field(default_factory=dict)  # server -> figures
    batches: dict[str, list[dict]] = field(default_factory=dict)


def expected_responses(scenario: Scenario, size: int) -> int | None:
    """How many objects the first answer of a batch must list (None: no body to read)."""
    return {"sync": 1, "initial sync": size, "query": size}.get(scenario.kind)


def requests_for(scenario: Scenario, server: Server, size: int,
                 count: int) -> tuple[list[Request], list[Request]]:
    """The batch, and what undoes its writes after it (so the collection keeps its size).
    For a sync, first the token and the one change it is to return."""
    collection = server.collections[size]
    if scenario.kind == "put":
        puts = [put(collection, number) for number in range(count)]
        return puts, [delete(request) for request in puts]
    if scenario.kind == "sync":
        token = server.client.sync_token(collection)
        change = put(collection, size)
        server.client.expect(change)
        wait_until_idle(server.pgid)
        return [sync_collection(collection, token)] * count, [delete(change)]
    if scenario.kind == "initial sync":
        return [sync_collection(collection)] * count, []
    return [calendar_query(collection)] * count, []


def check(request: Request, status: int, body: bytes, expected: int | None) -> str:
    """Why an answer is wrong, or ``""``."""
    if status not in request.statuses:
        return f"{request.method} {request.path}: {status}: {body[:300]!r}"
    if expected is not None:
        found = objects_listed(body)
        if found != expected:
            return f"{request.method} {request.path}: {found} objects listed, not {expected}"
    return ""


def batch(scenario: Scenario, server: Server, size: int, count: int) -> Batch:
    """One measured batch, then its writes undone, unmeasured."""
    requests, undo = requests_for(scenario, server, size, count)
    expected = expected_responses(scenario, size)
    answers, latencies = [], []
    before = server.cpu_seconds()
    for request in requests:
        started = time.perf_counter()
        answers.append(server.client.send(request))
        latencies.append(time.perf_counter() - started)
    cpu = server.cpu_seconds() - before
    problems = [check(request, status, body, expected if n == 0 else None)
                for n, (request, (status, body)) in enumerate(zip(requests, answers, strict=True))]
    problems = [problem for problem in problems if problem]
    for request in undo:
        server.client.expect(request)
    wait_until_idle(server.pgid)
    return Batch(cpu * 1000 / len(requests), statistics.median(latencies) * 1000,
                 len(problems), problems[0] if problems else "")


def run_scenario(args: argparse.Namespace, servers: dict[str, Server],
                 scenario: Scenario) -> Result | None:
    """The scenario's rounds on each of its servers that runs (None if none does)."""
    size = SMOKE_SIZES[scenario.size] if args.smoke else scenario.size
    count = min(scenario.requests, 3) if args.smoke else scenario.requests
    present = [servers[name] for name in scenario.servers if name in servers]
    result = Result(scenario.name, scenario.size, size)
    if not present:
        return None
    for round_number in range(args.rounds):
        for server in present:
            if round_number == 0 and not args.smoke:  # warm-up: caches, first queries
                batch(scenario, server, size, max(1, count // 10))
            measured = batch(scenario, server, size, count)
            result.batches.setdefault(server.name, []).append(asdict(measured))
            print(f"  [{scenario.name}, {size:,}, round {round_number + 1}] {server.name:11} "
                  f"{measured.cpu_ms_per_request:8.2f} ms cpu  p50 {measured.p50_ms:7.2f} ms"
                  + (f"  ERRORS {measured.errors}: {measured.first_error}"
                     if measured.errors else ""), flush=True)
    for name, batches in result.batches.items():
        result.medians[name] = {
            "cpu_ms_per_request": statistics.median(b["cpu_ms_per_request"] for b in batches),
            "p50_ms": statistics.median(b["p50_ms"] for b in batches),
            "errors": sum(b["errors"] for b in batches)}
    return result


# --- report --------------------------------------------------------------------------------

def cpu_of(results: list[Result], name: str, size: int, server: str) -> float | None:
    for result in results:
        if (result.scenario, result.size) == (name, size) and server in result.medians:
            return result.medians[server]["cpu_ms_per_request"]
    return None


# Issue 30's targets: (what, numerator, denominator, the most the ratio may be).
TARGETS = (
    ("PUT into 10,000 tasks against into an empty list", (PUT, 10_000, SERVICE),
     (PUT, 0, SERVICE), 1.3),
    ("PUT at 1,000 tasks against Radicale's", (PUT, 1_000, SERVICE), (PUT, 1_000, RADICALE),
     0.5),
    ("sync-collection of one change at 100,000 tasks against at 100", (SYNC, 100_000, SERVICE),
     (SYNC, 100, SERVICE), 1.3),
    ("initial sync of 1,000 tasks against Xandikos's", (INITIAL, 1_000, SERVICE),
     (INITIAL, 1_000, XANDIKOS), 1.0),
    ("calendar-query of 1,000 tasks with data against Xandikos's", (QUERY, 1_000, SERVICE),
     (QUERY, 1_000, XANDIKOS), 1.0),
)


def target_lines(results: list[Result]) -> list[str]:
    lines = []
    for what, numerator, denominator, most in TARGETS:
        top, bottom = cpu_of(results, *numerator), cpu_of(results, *denominator)
        if top is None or bottom is None or not bottom:
            lines.append(f"- {what}: not measured in this run")
            continue
        verdict = "met" if top / bottom <= most else "NOT met"
        lines.append(f"- {what}: {top:.2f} / {bottom:.2f} ms = {top / bottom:.2f}× "
                     f"(target ≤ {most}×: {verdict})")
    return lines


def table(results: list[Result], names: list[str]) -> str:
    lines = ["| scenario | objects in the collection | "
             + " | ".join(f"{name} CPU ms/req (p50 ms)" for name in names) + " | errors |",
             "|---|---:|" + "---:|" * len(names) + "---:|"]
    for result in results:
        cells = [f"{m['cpu_ms_per_request']:.2f} ({m['p50_ms']:.1f})"
                 if (m := result.medians.get(name)) else "—" for name in names]
        errors = sum(m["errors"] for m in result.medians.values())
        lines.append(f"| {result.scenario} | {result.actual_size:,} | {' | '.join(cells)} "
                     f"| {errors} |")
    return "\n".join(lines)


def report(args: argparse.Namespace, results: list[Result], names: list[str]) -> str:
    database = "PostgreSQL" if args.database_url else "SQLite"
    parts = [f"Machine: {machine()}. The service on {database} (waitress, {args.ini}); "
             f"servers on cores {args.server_cpus}, the client on {args.client_cpus}; "
             f"{args.rounds} rounds, medians; CPU = the server's process group "
             + ("and the database server's " if args.database_url else "")
             + "per request.", "", table(results, names), ""]
    if not args.smoke:
        parts += target_lines(results)
    return "\n".join(parts) + "\n"


def write_results(args: argparse.Namespace, results: list[Result], names: list[str]) -> None:
    markdown = report(args, results, names)
    document = {"machine": machine(), "arguments": vars(args),
                "results": [asdict(r) for r in results]}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in (f"caldav-{stamp}", "caldav-latest"):
        (RESULTS / f"{name}.md").write_text(markdown)
        (RESULTS / f"{name}.json").write_text(json.dumps(document, indent=2))
    print("\n" + markdown)


# --- entry point ---------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", default=",".join(SERVERS),
                        help=f"comma-separated, of {', '.join(SERVERS)}")
    parser.add_argument("--scenarios", default="",
                        help="comma-separated subset of: " + ", ".join(sorted(
                            {s.name for s in SCENARIOS})))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server-cpus", default="0", help="taskset CPU list for the servers")
    parser.add_argument("--client-cpus", default="1", help="CPU list of this process")
    parser.add_argument("--ini", default="production.ini")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL for the service (default: $DATABASE_URL, else SQLite)")
    parser.add_argument("--smoke", action="store_true",
                        help="seconds, for CI: collections of at most "
                             f"{max(SMOKE_SIZES.values())} objects, one round of 3 requests "
                             "a scenario; fails on any wrong answer")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds = 1
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.sched_setaffinity(0, {int(cpu) for cpu in args.client_cpus.split(",")})
    RESULTS.mkdir(exist_ok=True)
    names = [name for name in SERVERS if name in args.servers.split(",")]
    wanted = [s for s in SCENARIOS if not args.scenarios or s.name in args.scenarios.split(",")]
    results = []
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="caldav-bench-")))
        servers = {}
        for name in names:
            full = SERVICE_SIZES if name == SERVICE else PEER_SIZES
            sizes = sorted({SMOKE_SIZES[s] if args.smoke else s for s in full})
            servers[name] = stack.enter_context(STARTERS[name](args, sizes, workdir))
        for scenario in wanted:
            if (result := run_scenario(args, servers, scenario)) is not None:
                results.append(result)
    write_results(args, results, names)
    failures = [f"{r.scenario} ({r.actual_size})" for r in results
                if any(m["errors"] for m in r.medians.values())]
    if failures:
        print(f"wrong answers in: {', '.join(failures)}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
