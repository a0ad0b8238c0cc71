"""``make bench``: the service against the bare-WSGI baseline, A B A B, medians of rounds.

For each database size the script seeds a fresh database (bulk insert through the models'
tables), starts the service (``production.ini``, waitress as configured, or gunicorn
``--paste``) and the baseline (:mod:`benchmarks.baseline_app`, same server settings)
side by side, pins both servers to one core and ``wrk`` to the other, and for every
scenario runs service, baseline, service, baseline ... so both see the same noise from
whatever else the machine is doing. Each run reports requests/s, p50/p99 latency and
the server's CPU milliseconds per request, read from ``/proc`` for the server's whole
process group and, on PostgreSQL (``--database-url``), for the database server too: the
production database's figure would otherwise leave out the work moved into it. The
medians of the rounds, and each as a ratio to the baseline, go to a markdown table
(printed) and a JSON file in ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import reminders
from .seed import LIMITED_TOKEN, QUIET_TOKEN, TOKEN, USERNAME, Seeded, app_password, seed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
# PROMETHEUS_MULTIPROC_DIR of a gunicorn service run with --metrics.
MULTIPROCESS_DIR = RESULTS / "metrics-multiprocess"
LUA = HERE / "lua"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
WRK_MISSING = ("wrk is not installed. On Debian/Ubuntu: sudo apt-get install -y wrk "
               "(elsewhere: https://github.com/wg/wrk)")


@dataclass(frozen=True)
class Scenario:
    name: str
    script: str
    # For get_path.lua; may name {tag}, {cursor}, {list}, {list_cursor}, {sync_token},
    # {parent}, {after} and {before} (GET /reminders' window).
    path: str = ""
    writes: bool = False
    separate: bool = False  # reported apart from the targets (POST /tokens is slow on purpose)
    env: tuple[tuple[str, str], ...] = ()  # for the script
    # What one request does of ``per_of``'s work (a batch of 25 creations is 25 POST
    # /tasks; a recurring creation is one): the report sets its CPU per item against that
    # scenario's CPU per request.
    items: int = 1
    per_of: str = ""
    # Runs with one webhook of the bench user's subscribed to every event. No worker runs
    # (production.ini delivers by worker), so it measures what a write pays to queue its
    # event in the outbox, not the delivery.
    webhook: bool = False

    def url_path(self, seeded: Seeded) -> str:
        return self.path.format(tag=seeded.filter_tag, cursor=seeded.deep_cursor,
                                list=seeded.list_id, list_cursor=seeded.list_cursor,
                                sync_token=seeded.sync_token, parent=seeded.parent_id,
                                after=seeded.reminders_after, before=seeded.reminders_before)


LIST_FIRST_PAGE = "GET /tasks?limit=20&list=<id> (list member)"
DUE_PAGE = "GET /tasks?limit=20&sort=due_at (all-day and timed dues)"
PARENT_PAGE = "GET /tasks?parent=<id>&sort=position&limit=20"
MOVE = "POST /tasks/<id>/move"
REMINDERS_PAGE = "GET /reminders (a week of many armed reminders)"
REARM = "PATCH /tasks/<id> (re-arms a reminder)"
QUIET_REMINDERS_PAGE = "GET /reminders (a caller with 3 reminders among many)"
# Contract section 15: the same requests with bench's list-limited token (scopes read and
# write, other's list only: seed.py) as with their unrestricted one, on the list's tasks;
# and their token as an app password in Basic.
IN_LIST, LIMITED = (("BENCH_TASKS_IN", "list"),), (("BENCH_TOKEN", LIMITED_TOKEN),)
TASK_IN_LIST, PATCH_IN_LIST = "GET /tasks/<id> (in the list)", "PATCH /tasks/<id> (in the list)"
LIMITED_TASK = "GET /tasks/<id> (in the list: list-limited token)"
LIMITED_PAGE = "GET /tasks?limit=20 (list-limited token)"
LIMITED_LIST_PAGE = "GET /tasks?limit=20&list=<id> (list-limited token)"
LIMITED_PATCH = "PATCH /tasks/<id> (in the list: list-limited token)"
BASIC_TASK = "GET /tasks/<id> (app password in Basic)"
# What "POST /tasks (recurring)" adds to the plain creation's body: a due ahead of any run
# (a Monday) and a rule with two occurrences a week.
RECURRING_FIELDS = ('"due_at": "2035-01-01T09:00:00Z", '
                    '"recurrence": {"rule": "FREQ=WEEKLY;BYDAY=MO,WE"}')
SCENARIOS = {s.name: s for s in (
    Scenario("GET /tasks/<id>", "get_task.lua"),
    Scenario("GET /tasks?limit=20", "get_path.lua", "/tasks?limit=20"),
    Scenario("GET /tasks?limit=20 (deep cursor)", "get_path.lua",
             "/tasks?limit=20&cursor={cursor}"),
    Scenario(LIST_FIRST_PAGE, "get_path.lua", "/tasks?limit=20&list={list}"),
    Scenario("GET /tasks?limit=20&list=<id> (list member: deep cursor)", "get_path.lua",
             "/tasks?limit=20&list={list}&cursor={list_cursor}"),
    Scenario("GET /tasks?tag&done=false", "get_path.lua", "/tasks?tag={tag}&done=false&limit=20"),
    # Contract section 12: all-day and timed dues in several zones, one key (seed.py).
    Scenario(DUE_PAGE, "get_path.lua", "/tasks?limit=20&sort=due_at"),
    # Contract section 13: one task's steps in their order, and the top-level tasks only.
    Scenario(PARENT_PAGE, "get_path.lua", "/tasks?parent={parent}&sort=position&limit=20"),
    Scenario("GET /tasks?parent=none&limit=20", "get_path.lua", "/tasks?parent=none&limit=20"),
    # Contract section 14: a page of the caller's reminders in a week holding some 60 of
    # them at 1,000 tasks (some 60,000 at 1,000,000), every one armed.
    Scenario(REMINDERS_PAGE, "get_path.lua", "/reminders?after={after}&before={before}&limit=20"),
    # The same window for a user whose own three reminders lie among all of those: a page
    # must cost what it holds, not what everyone else has in the window.
    Scenario(QUIET_REMINDERS_PAGE, "get_path.lua",
             "/reminders?after={after}&before={before}&limit=20",
             env=(("BENCH_TOKEN", QUIET_TOKEN),)),
    # A sync page costs what a list page of the same size does (contract section 8).
    Scenario("GET /tasks?limit=100", "get_path.lua", "/tasks?limit=100"),
    Scenario("GET /changes?limit=100 (a page of 100 changes)", "get_path.lua",
             "/changes?limit=100&token={sync_token}"),
    Scenario("POST /tasks", "post_task.lua", writes=True),
    Scenario("POST /tasks (one webhook subscribed)", "post_task.lua", writes=True,
             webhook=True),
    Scenario("PATCH /tasks/<id>", "patch_task.lua", writes=True),
    # Contract section 12, against their plain counterparts: at most 1.5x each.
    Scenario("POST /tasks (recurring)", "post_task.lua", writes=True,
             env=(("BENCH_TASK_FIELDS", RECURRING_FIELDS),), per_of="POST /tasks"),
    Scenario("PATCH /tasks/<id> (completes an occurrence)", "complete_occurrence.lua",
             writes=True, per_of="PATCH /tasks/<id>"),
    # Contract section 13: a step put after a sibling, at most what a PATCH costs.
    Scenario(MOVE, "move_task.lua", writes=True, per_of="PATCH /tasks/<id>"),
    # Contract section 14: a write that re-arms one reminder, at most 1.2x a PATCH without.
    Scenario(REARM, "patch_reminder.lua", writes=True, per_of="PATCH /tasks/<id>"),
    Scenario("POST /tokens", "post_token.lua", writes=True, separate=True),
    # Contract section 15: a list-limited token's request at most 1.1x the same request's
    # with an unrestricted token; Basic as Bearer.
    Scenario(TASK_IN_LIST, "get_task.lua", env=IN_LIST),
    Scenario(LIMITED_TASK, "get_task.lua", env=IN_LIST + LIMITED, per_of=TASK_IN_LIST),
    Scenario(LIMITED_PAGE, "get_path.lua", "/tasks?limit=20", env=LIMITED,
             per_of="GET /tasks?limit=20"),
    Scenario(LIMITED_LIST_PAGE, "get_path.lua", "/tasks?limit=20&list={list}", env=LIMITED,
             per_of=LIST_FIRST_PAGE),
    Scenario(PATCH_IN_LIST, "patch_task.lua", writes=True, env=IN_LIST),
    Scenario(LIMITED_PATCH, "patch_task.lua", writes=True, env=IN_LIST + LIMITED,
             per_of=PATCH_IN_LIST),
    Scenario(BASIC_TASK, "get_task.lua", env=(("BENCH_AUTHORIZATION",
                                                app_password(USERNAME, TOKEN)),),
             per_of="GET /tasks/<id>"),
    # Contract section 10: at most 1/3 (atomic) and 1/2 (each its own) of 25 POST /tasks.
    *(Scenario(f"POST /batch of 25 creations ({kind})", "post_batch.lua", writes=True,
               env=(("BENCH_BATCH_SIZE", "25"), ("BENCH_BATCH_ATOMIC", atomic)),
               items=25, per_of="POST /tasks")
      for kind, atomic in (("atomic", "true"), ("non-atomic", "false"))),
)}
SMOKE_SCENARIOS = ("GET /tasks/<id>", "GET /tasks?limit=20 (deep cursor)",
                   "GET /tasks?limit=20&list=<id> (list member: deep cursor)", PARENT_PAGE,
                   "PATCH /tasks/<id>", MOVE, REMINDERS_PAGE, QUIET_REMINDERS_PAGE, REARM,
                   LIMITED_PAGE, LIMITED_PATCH, BASIC_TASK)
READS = [name for name, s in SCENARIOS.items() if not s.writes]
# The pages the scale check sets against the 1,000-task first page (and against themselves).
SCALED_PAGES = ("GET /tasks?limit=20", "GET /tasks?parent=", "GET /reminders")


@dataclass
class Measurement:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_request: float  # the server's, plus the database server's when it has one
    errors: int
    db_cpu_ms_per_request: float = 0.0  # the database server's part of it (PostgreSQL)


@dataclass
class Result:
    scenario: str
    tasks: int
    service: dict = field(default_factory=dict)
    baseline: dict = field(default_factory=dict)
    ratios: dict = field(default_factory=dict)
    rounds: dict = field(default_factory=dict)


# --- servers -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}; see {RESULTS}/*.log")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not start within {timeout}s")


def server_command(kind: str, args: argparse.Namespace, port: int) -> list[str]:
    python = sys.executable
    if args.server == "gunicorn":
        gunicorn = str(Path(python).with_name("gunicorn"))
        target = ["benchmarks.baseline_app:app"] if kind == "baseline" else ["--paste", args.ini]
        if kind == "service" and args.metrics:  # multiprocess mode: empty the directory first
            target = ["-c", "python:taskservice.metrics.gunicorn_hooks", *target]
        return [gunicorn, *target, "-b", f"127.0.0.1:{port}", "-w", str(args.workers),
                "-k", "gthread", "--threads", "8"]
    return [python, "-m", "benchmarks.serve", kind, args.ini, f"127.0.0.1:{port}"]


@contextmanager
def running_server(
    kind: str, args: argparse.Namespace, env: dict[str, str]
) -> Iterator[tuple[int, int]]:
    """Start one server in its own process group, pinned to the server cores."""
    port = free_port()
    with running_command(kind, server_command(kind, args, port), port, args.server_cpus,
                         env) as pgid:
        yield pgid, port


@contextmanager
def running_command(name: str, command: list[str], port: int, cpus: str,
                    env: dict[str, str]) -> Iterator[int]:
    """Run ``command`` (a server listening on ``port``) in its own process group, pinned
    to ``cpus``, its output in ``results/<name>.log``; the group's id while it serves."""
    with open(RESULTS / f"{name}.log", "w") as log:
        process = subprocess.Popen(["taskset", "-c", cpus, *command], cwd=ROOT, env=env,
                                   stdout=log, stderr=log, start_new_session=True)
        try:
            wait_for_port(port, process)
            yield process.pid
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every live process in the group (all threads included)."""
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields[2] is pgrp; utime, stime follow at 11, 12
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


def database_server_pid(url: str | None) -> int | None:
    """The PostgreSQL server's main process (postmaster) for ``url``; None for SQLite.

    Found as the parent of a backend of our own connection. Its CPU, and its live
    children's, is what the database spent: backends, WAL writer, checkpointer.
    """
    if not url or not url.startswith("postgresql"):
        return None
    import psycopg  # only a PostgreSQL run needs the driver
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        row = connection.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    return int(_stat_fields(row[0])[1])  # the backend's parent process


def _stat_fields(pid: int) -> list[str]:
    """``/proc/<pid>/stat`` after the command name: state, ppid, pgrp ..."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def database_cpu_seconds(postmaster: int) -> float:
    """CPU of the database server: the postmaster with its reaped children, and the live ones.

    A backend that exits is folded into the postmaster's cutime/cstime when reaped, so a
    connection closed during a run is still counted. Anything else the server serves
    meanwhile is counted too: benchmark on a server nothing else uses.
    """
    fields = _stat_fields(postmaster)
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            child = _stat_fields(int(entry.name))
        except OSError:
            continue
        if int(child[1]) == postmaster:
            ticks += int(child[11]) + int(child[12])
    return ticks / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE / 2**20


# --- load ----------------------------------------------------------------------------------

def wrk(args: argparse.Namespace, port: int, script: str, env: dict[str, str],
        duration: float) -> dict:
    command = ["taskset", "-c", args.wrk_cpus, "wrk", "-t1", f"-c{args.connections}",
               f"-d{max(1, round(duration))}s", "--timeout", "10s", "-s", str(LUA / script),
               f"http://127.0.0.1:{port}"]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise SystemExit(f"wrk printed no figures:\n{output}")


def wait_until_idle(pgid: int, timeout: float = 60) -> None:
    """Let the server finish requests wrk left queued (slow logins) before the next run."""
    deadline = time.monotonic() + timeout
    previous = group_cpu_seconds(pgid)
    while time.monotonic() < deadline:
        time.sleep(0.2)
        current = group_cpu_seconds(pgid)
        if current - previous < 0.02:
            return
        previous = current


def measure(args, server: tuple[int, int], scenario: Scenario, env: dict[str, str],
            duration: float, database: int | None = None) -> Measurement:
    """One wrk run; ``database`` is the PostgreSQL server's pid when the server uses one."""
    pgid, port = server
    before = group_cpu_seconds(pgid)
    db_before = database_cpu_seconds(database) if database else 0.0
    figures = wrk(args, port, scenario.script, env, duration)
    db_cpu = database_cpu_seconds(database) - db_before if database else 0.0
    cpu = group_cpu_seconds(pgid) - before + db_cpu
    wait_until_idle(pgid)
    requests = max(1, figures["requests"])
    return Measurement(
        requests=figures["requests"], rps=requests / (figures["duration_us"] / 1e6),
        p50_ms=figures["p50_us"] / 1000, p99_ms=figures["p99_us"] / 1000,
        cpu_ms_per_request=cpu * 1000 / requests,
        errors=figures["socket_errors"] + figures["status_errors"] + figures["timeouts"],
        db_cpu_ms_per_request=db_cpu * 1000 / requests,
    )


def load_env(seeded: Seeded, scenario: Scenario | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ, BENCH_LUA_DIR=str(LUA), BENCH_TOKEN=seeded.token,
               BENCH_TASKS=str(seeded.tasks), BENCH_USERNAME=seeded.username,
               BENCH_PASSWORD=seeded.password, **extra)
    if scenario is not None:
        env["BENCH_PATH"] = scenario.url_path(seeded)
        env.update(scenario.env)
    return env


def median_of(runs: list[Measurement]) -> dict:
    keys = ("rps", "p50_ms", "p99_ms", "cpu_ms_per_request", "db_cpu_ms_per_request")
    summary = {key: statistics.median(getattr(run, key) for run in runs) for key in keys}
    summary["errors"] = sum(run.errors for run in runs)
    return summary


def ratios(service: dict, baseline: dict) -> dict:
    return {key: service[key] / baseline[key] if baseline[key] else float("nan")
            for key in ("rps", "p50_ms", "p99_ms", "cpu_ms_per_request")}


def run_scenarios(args, servers: dict, seeded: Seeded, names: list[str]) -> list[Result]:
    """A B A B: every round of a scenario runs it on the service, then on the baseline.

    A scenario's rounds run back to back, reads before writes: both servers share the
    database, and a round of POST /tasks adds some 20,000 tasks, so reads run in rounds
    after it measured a different database (the tag filter slowed 15x, the baseline's
    list 14x) and the medians mixed the two.
    """
    runs: dict[str, dict[str, list[Measurement]]] = {n: {k: [] for k in servers} for n in names}
    database = database_server_pid(args.database_url)
    for name in sorted(names, key=lambda n: SCENARIOS[n].writes):
        scenario = SCENARIOS[name]
        env = load_env(seeded, scenario)
        subscribed = subscribed_webhook(servers["service"][1], seeded) if scenario.webhook \
            else nullcontext()
        with subscribed:
            for round_number in range(args.rounds):
                for kind, server in servers.items():
                    db = database if kind == "service" else None  # the baseline is SQLite
                    if round_number == 0 and args.warmup:
                        measure(args, server, scenario, env, args.warmup, db)
                    runs[name][kind].append(
                        measure(args, server, scenario, env, args.duration, db))
                progress(name, seeded.tasks, round_number, runs[name])
    results = []
    for name in names:
        service, baseline = median_of(runs[name]["service"]), median_of(runs[name]["baseline"])
        results.append(Result(name, seeded.tasks, service, baseline, ratios(service, baseline),
                              {k: [asdict(m) for m in v] for k, v in runs[name].items()}))
    return results


@contextmanager
def subscribed_webhook(port: int, seeded: Seeded) -> Iterator[None]:
    """A webhook of the bench user's on every event while the block runs (the service only:
    the baseline has none). Its host need not answer: no worker delivers during the run."""
    headers = {"Authorization": f"Bearer {seeded.token}", "Content-Type": "application/json"}
    body = json.dumps({"url": "https://hooks.example.com/bench", "events": ["*"]}).encode()
    base = f"http://127.0.0.1:{port}"
    request = urllib.request.Request(f"{base}/webhooks", body, headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        webhook_id = json.load(response)["id"]
    try:
        yield
    finally:
        request = urllib.request.Request(f"{base}/webhooks/{webhook_id}", None, headers,
                                         method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def progress(name: str, tasks: int, round_number: int, runs: dict) -> None:
    figures = "  ".join(f"{kind} {r[-1].rps:7.0f} req/s {r[-1].cpu_ms_per_request:6.2f} ms cpu"
                        for kind, r in runs.items())
    print(f"  [{tasks} tasks, round {round_number + 1}] {name:36} {figures}", flush=True)


# --- databases -----------------------------------------------------------------------------

def seeded_databases(args, tasks: int) -> tuple[Seeded, dict[str, str], str]:
    """Seed the service's database (and the baseline's SQLite copy); env for each server."""
    sqlite_path = RESULTS / f"bench-{tasks}.sqlite"
    for stale in RESULTS.glob(f"bench-{tasks}.sqlite*"):
        stale.unlink()
    print(f"seeding {tasks} tasks ...", flush=True)
    started = time.monotonic()
    seeded = seed(f"sqlite:///{sqlite_path}", tasks)
    service_url = f"sqlite:///{sqlite_path}"
    if args.database_url:
        seed(args.database_url, tasks)
        service_url = args.database_url
    print(f"  seeded in {time.monotonic() - started:.1f}s", flush=True)
    return seeded, {"service": service_url, "baseline": str(sqlite_path)}, service_url


def server_env(args, urls: dict[str, str], kind: str) -> dict[str, str]:
    if kind == "baseline":
        return dict(os.environ, BENCH_SQLITE=urls["baseline"])
    env = dict(os.environ, DATABASE_URL=urls["service"])
    if args.metrics:
        env["TASKSERVICE_METRICS"] = "prometheus"
        if args.server == "gunicorn":  # the workers' counts add up through these files
            MULTIPROCESS_DIR.mkdir(exist_ok=True)
            env["PROMETHEUS_MULTIPROC_DIR"] = str(MULTIPROCESS_DIR)
    return env


@contextmanager
def both_servers(args, urls: dict[str, str]) -> Iterator[dict]:
    with running_server("service", args, server_env(args, urls, "service")) as service, \
            running_server("baseline", args, server_env(args, urls, "baseline")) as baseline:
        yield {"service": service, "baseline": baseline}


def bench_size(args, tasks: int, names: list[str]) -> list[Result]:
    seeded, urls, _ = seeded_databases(args, tasks)
    with both_servers(args, urls) as servers:
        return run_scenarios(args, servers, seeded, names)


def load_until(args, port: int, env: dict[str, str], count: int) -> int:
    """Run mixed load in short wrk runs until at least ``count`` requests were served."""
    served = 0
    while served < count:
        served += wrk(args, port, "mixed.lua", env, duration=2)["requests"]
    return served


def memory_check(args) -> dict:
    """RSS of a fresh service after the first N/10 requests and after N (mixed load)."""
    seeded, urls, _ = seeded_databases(args, 1000)
    env = load_env(seeded)
    with running_server("service", args, server_env(args, urls, "service")) as (pid, port):
        first = load_until(args, port, env, args.memory_requests // 10)
        rss_first = rss_mib(pid)
        total = first + load_until(args, port, env, args.memory_requests - first)
        rss_total = rss_mib(pid)
    print(f"  RSS after {first} requests: {rss_first:.1f} MiB; after {total}: {rss_total:.1f} MiB",
          flush=True)
    return {"requests_first": first, "rss_first_mib": rss_first, "requests_total": total,
            "rss_total_mib": rss_total, "growth": rss_total / rss_first - 1}


# --- report --------------------------------------------------------------------------------

def table(results: list[Result]) -> str:
    lines = [
        "| scenario | tasks | req/s (svc / base) | p50 ms (svc / base) | p99 ms (svc / base) "
        "| CPU ms/req (svc / base) | of which DB | CPU × | req/s per core | p99 × | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        s, b, x = r.service, r.baseline, r.ratios
        lines.append(
            f"| {r.scenario} | {r.tasks:,} | {s['rps']:.0f} / {b['rps']:.0f} "
            f"| {s['p50_ms']:.1f} / {b['p50_ms']:.1f} | {s['p99_ms']:.1f} / {b['p99_ms']:.1f} "
            f"| {s['cpu_ms_per_request']:.2f} / {b['cpu_ms_per_request']:.2f} "
            f"| {s['db_cpu_ms_per_request']:.2f} | {x['cpu_ms_per_request']:.1f} "
            f"| {1000 / s['cpu_ms_per_request']:.0f} | {x['p99_ms']:.1f} "
            f"| {s['errors']} / {b['errors']} |")
    return "\n".join(lines)


def scale_lines(results: list[Result]) -> list[str]:
    """Deep pages and big databases against the 1,000-task first page (target ≤ 1.3×).

    A page measured at 1,000 tasks is also set against itself there (a bigger database
    must not cost more), and a list member's pages against the list's own first page.
    """
    by_key = {(r.scenario, r.tasks): r for r in results}
    reference = by_key.get(("GET /tasks?limit=20", 1000))
    if reference is None:
        return []
    list_reference = by_key.get((LIST_FIRST_PAGE, 1000))
    lines = []
    for r in results:
        if not r.scenario.startswith(SCALED_PAGES) or r is reference:
            continue
        others = [("the list's own", list_reference)] if "list member" in r.scenario else []
        others.append(("its own at 1,000 tasks", by_key.get((r.scenario, 1000))))
        cpu = r.service["cpu_ms_per_request"]
        compared = {}  # each result once, under the first name it has here
        for name, other in [("the 1,000-task first page", reference), *others]:
            if other is not None and other is not r:
                compared.setdefault(id(other), (name, other))
        ratios = [f"{cpu / other.service['cpu_ms_per_request']:.2f}× the CPU of {name}"
                  for name, other in compared.values()]
        lines.append(f"- {r.scenario} at {r.tasks:,} tasks: {', '.join(ratios)} "
                     f"(p50 {r.service['p50_ms']:.1f} ms)")
    return lines


def per_item_lines(results: list[Result]) -> list[str]:
    """A scenario's CPU per item against the CPU of one request of the plain work it
    does: a batch's per creation, a recurring creation's against a plain one."""
    by_key = {(r.scenario, r.tasks): r for r in results}
    lines = []
    for r in results:
        scenario = SCENARIOS[r.scenario]
        single = by_key.get((scenario.per_of, r.tasks))
        if single is None:
            continue
        per_item = r.service["cpu_ms_per_request"] / scenario.items
        unit = "item" if scenario.items > 1 else "request"
        lines.append(f"- {r.scenario}: {per_item:.2f} ms CPU per {unit}, "
                     f"{per_item / single.service['cpu_ms_per_request']:.2f}× one "
                     f"{scenario.per_of} ({single.service['cpu_ms_per_request']:.2f} ms)")
    return lines


def machine() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                    if line.startswith("model name")), platform.processor())
    python = f"Python {platform.python_version()}"
    return f"{cpu}, {os.cpu_count()} cores, {python}, {platform.system()}"


def firing_check(args) -> reminders.Firing | None:
    """benchmarks/reminders.py on the service's database (a file of its own on SQLite)."""
    if not args.firing_armed:
        return None
    print(f"firing {args.firing_due} of {args.firing_armed} armed reminders ...", flush=True)
    url = args.database_url or f"sqlite:///{RESULTS / 'reminders.sqlite'}"
    for stale in RESULTS.glob("reminders.sqlite*"):
        stale.unlink()
    firing = reminders.measure(url, args.firing_armed, args.firing_due, args.ini)
    print(f"  {reminders.summary(firing)}", flush=True)
    return firing


def report(args, results: list[Result], memory: dict | None,
           firing: reminders.Firing | None = None) -> str:
    server = args.server + (f" -w {args.workers}" if args.server == "gunicorn" else "")
    server += " with taskservice.metrics = prometheus" if args.metrics else ""
    database = "PostgreSQL" if database_server_pid(args.database_url) else "SQLite"
    parts = [f"Machine: {machine()}. Server: {server} on {database} "
             f"(cores {args.server_cpus}), wrk on core {args.wrk_cpus}, {args.connections} "
             f"connections, {args.rounds} rounds × {args.duration}s, medians; × = service / "
             "baseline; CPU includes the database server's (\"of which DB\"); req/s per "
             "core = 1000 / the service's CPU ms per request.", "", table(results), ""]
    parts += scale_lines(results)
    parts += per_item_lines(results)
    if memory:
        parts.append(f"- RSS after {memory['requests_first']:,} requests "
                     f"{memory['rss_first_mib']:.1f} MiB, after {memory['requests_total']:,} "
                     f"{memory['rss_total_mib']:.1f} MiB ({memory['growth']:+.1%}; target ≤ +10%)")
    if firing:
        parts.append(f"- {reminders.summary(firing)}")
    return "\n".join(parts) + "\n"


def write_results(args, results: list[Result], memory: dict | None,
                  firing: reminders.Firing | None = None) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    markdown = report(args, results, memory, firing)
    document = {"machine": machine(), "arguments": vars(args), "memory": memory,
                "firing": firing and asdict(firing), "results": [asdict(r) for r in results]}
    for name in (f"bench-{stamp}", "latest"):
        (RESULTS / f"{name}.md").write_text(markdown)
        (RESULTS / f"{name}.json").write_text(json.dumps(document, indent=2))
    print("\n" + markdown)
    return RESULTS / f"bench-{stamp}.json"


# --- entry point ---------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,1000000",
                        help="task counts to seed, comma-separated (the first runs every "
                             "scenario, the others the read scenarios)")
    parser.add_argument("--duration", type=float, default=5, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=1, help="seconds of warm-up (round 1)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--server", choices=("waitress", "gunicorn"), default="waitress")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--server-cpus", default="0", help="taskset CPU list for the servers")
    parser.add_argument("--wrk-cpus", default="1", help="taskset CPU list for wrk")
    parser.add_argument("--ini", default="production.ini")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL for the service (default: $DATABASE_URL, else SQLite)")
    parser.add_argument("--memory-requests", type=int, default=100_000,
                        help="requests of the RSS check (0 skips it)")
    parser.add_argument("--metrics", action="store_true",
                        help="run the service with taskservice.metrics = prometheus")
    parser.add_argument("--scenarios", default="", help="comma-separated subset of scenarios")
    parser.add_argument("--firing-armed", type=int, default=100_000,
                        help="armed reminders of the firing check (benchmarks/reminders.py; "
                             "0 skips it)")
    parser.add_argument("--firing-due", type=int, default=1000,
                        help="of which come due in one second")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds for CI: 1,000 tasks, one 1 s round of "
                             f"{', '.join(SMOKE_SCENARIOS)}, no RSS check, a firing check "
                             "of 100 due among 2,000 armed reminders; fails on any error "
                             "response or reminder not queued once")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.duration, args.warmup, args.rounds = "1000", 1, 0, 1
        args.memory_requests, args.scenarios = 0, ",".join(SMOKE_SCENARIOS)
        args.firing_armed, args.firing_due = 2000, 100
    return args


def ready_to_load() -> bool:
    """wrk is installed (else say how to install it) and the results folder exists."""
    if shutil.which("wrk") is None:
        print(WRK_MISSING, file=sys.stderr)
        return False
    RESULTS.mkdir(exist_ok=True)
    return True


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not ready_to_load():
        return 2
    wanted = [n for n in args.scenarios.split(",") if n] or list(SCENARIOS)
    sizes = [int(size) for size in args.sizes.split(",")]
    results = bench_size(args, sizes[0], wanted)
    for size in sizes[1:]:
        results += bench_size(args, size, [n for n in wanted if n in READS])
    memory = memory_check(args) if args.memory_requests else None
    firing = firing_check(args)
    write_results(args, results, memory, firing)
    failures = [r.scenario for r in results if r.service["errors"] or r.baseline["errors"]]
    if failures:
        print(f"error responses in: {', '.join(failures)}", file=sys.stderr)
    if firing is not None and not firing.ok:
        print(f"firing: {reminders.summary(firing)}", file=sys.stderr)
    return 1 if failures or (firing is not None and not firing.ok) else 0


if __name__ == "__main__":
    sys.exit(main())
