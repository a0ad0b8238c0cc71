"""``make bench``, issue 31: the service under each server of production.ini, against its peers.

One database of 1,000 tasks (:func:`benchmarks.seed.seed`), shared by every contender as
run.py shares it with the baseline: the service under each ``[server:<name>]`` section of
the ini, started as deployed (``pserve --server-name=<name> production.ini
http_port=<port>``, its worker counts for the server cores), and the peers of
:mod:`benchmarks.peers` (the bare WSGI baseline, FastAPI, Django REST Framework), each
served as its users serve it. Every server is pinned
to the server core and wrk to the other; each scenario runs round by round, contender by
contender (A B C ... A B C ...), so all see the same noise, reads before writes (a write
round changes what a read measures). Reported per scenario and contender, medians of the
rounds: the server's CPU ms per request (its whole process group, workers included),
req/s per core (1000 / that), req/s and p99 latency, and each of the service's servers'
CPU as a ratio to the best framework peer's (FastAPI's or DRF's, the lower). Markdown
(printed) and JSON in ``benchmarks/results/servers-latest.*``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

from .peers import PEERS
from .run import (
    RESULTS,
    SCENARIOS,
    Measurement,
    Scenario,
    free_port,
    load_env,
    machine,
    measure,
    median_of,
    progress,
    ready_to_load,
    running_command,
)
from .seed import seed

SERVERS = ("waitress", "gunicorn", "granian")  # production.ini's [server:<name>] sections
TASKS = 1000
HEALTH = Scenario("GET /__lbheartbeat__", "get_path.lua", "/__lbheartbeat__")
# Reads first: the writes add and change tasks in the database every contender shares.
MEASURED = (HEALTH, *(SCENARIOS[name] for name in (
    "GET /tasks/<id>", "GET /tasks?limit=20", "POST /tasks", "PATCH /tasks/<id>")))
SMOKE = ("GET /__lbheartbeat__", "GET /tasks/<id>", "POST /tasks")
# The peers the service's ratios are set against, the lower CPU of the two (the bare WSGI
# baseline is the floor, shown beside them, not a rival).
RIVALS = ("fastapi", "drf")


def service_name(server: str) -> str:
    return f"taskservice ({server})"


def pserve_command(args: argparse.Namespace, server: str, port: int) -> list[str]:
    """The ini's server section as deployed, on ``port`` (production.ini's ``http_port``),
    with the worker processes production.ini advises for the server cores."""
    pserve = str(Path(sys.executable).with_name("pserve"))
    cores = len(parse_cpus(args.server_cpus))
    return [pserve, f"--server-name={server}", args.ini, f"http_port={port}",
            f"granian_workers={cores}", f"gunicorn_workers={2 * cores + 1}"]


def parse_cpus(cpus: str) -> list[int]:
    """A taskset CPU list ("0", "0,1", "0-3") as CPU numbers."""
    numbers = []
    for part in cpus.split(","):
        first, _, last = part.partition("-")
        numbers += range(int(first), int(last or first) + 1)
    return numbers


def contenders(args: argparse.Namespace, sqlite_path: Path) -> dict:
    """name -> (command for a port, environment): the service's servers, then the peers."""
    found = {service_name(server): (lambda port, s=server: pserve_command(args, s, port),
                                    dict(os.environ, DATABASE_URL=f"sqlite:///{sqlite_path}"))
             for server in args.servers}
    for peer in PEERS.values():
        found[peer.name] = (peer.command, dict(os.environ, **peer.env(str(sqlite_path))))
    return found


def best_rival(medians: dict[str, dict]) -> tuple[str, float] | None:
    """The framework peer with the lowest CPU per request: (its name, that CPU)."""
    rivals = [(name, figures["cpu_ms_per_request"]) for name, figures in medians.items()
              if name.lower().replace(" ", "").startswith(RIVALS)]
    return min(rivals, key=lambda rival: rival[1]) if rivals else None


def run(args: argparse.Namespace) -> dict[str, dict[str, dict]]:
    """scenario -> contender -> median figures (and its rounds)."""
    sqlite_path = RESULTS / f"servers-{TASKS}.sqlite"
    for stale in RESULTS.glob(f"servers-{TASKS}.sqlite*"):
        stale.unlink()
    print(f"seeding {TASKS} tasks ...", flush=True)
    seeded = seed(f"sqlite:///{sqlite_path}", TASKS)
    scenarios = [s for s in MEASURED if s.name in args.scenarios]
    with ExitStack() as stack:
        servers = {}
        for name, (command, env) in contenders(args, sqlite_path).items():
            port = free_port()
            log = "servers-" + "".join(c if c.isalnum() else "-" for c in name)
            pgid = stack.enter_context(running_command(log, command(port), port,
                                                       args.server_cpus, env))
            servers[name] = (pgid, port)
        figures: dict[str, dict[str, dict]] = {}
        for scenario in scenarios:
            env = load_env(seeded, scenario)
            runs: dict[str, list[Measurement]] = {name: [] for name in servers}
            for round_number in range(args.rounds):
                for name, server in servers.items():
                    if round_number == 0 and args.warmup:
                        measure(args, server, scenario, env, args.warmup)
                    runs[name].append(measure(args, server, scenario, env, args.duration))
                progress(scenario.name, TASKS, round_number, runs)
            figures[scenario.name] = {name: {**median_of(r), "rounds": [asdict(m) for m in r]}
                                      for name, r in runs.items()}
    return figures


def table(figures: dict[str, dict[str, dict]]) -> str:
    lines = ["| request | server | CPU ms/req | req/s per core | req/s | p99 ms "
             "| CPU × best peer | errors |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for scenario, by_name in figures.items():
        rival = best_rival(by_name)
        for name, f in by_name.items():
            cpu = f["cpu_ms_per_request"]
            ratio = (f"{cpu / rival[1]:.2f}" if rival and name.startswith("taskservice")
                     else "")
            lines.append(f"| {scenario} | {name} | {cpu:.3f} | {1000 / cpu:.0f} "
                         f"| {f['rps']:.0f} | {f['p99_ms']:.1f} | {ratio} | {f['errors']} |")
    return "\n".join(lines)


def report(args: argparse.Namespace, figures: dict[str, dict[str, dict]]) -> str:
    return (f"Machine: {machine()}. {TASKS:,} tasks on SQLite; every server on core(s) "
            f"{args.server_cpus}, wrk on {args.wrk_cpus}, {args.connections} connections, "
            f"{args.rounds} rounds × {args.duration}s alternated server by server, medians. "
            f"taskservice under `pserve --server-name=<name> {args.ini}`; CPU is the server's "
            "process group's (workers included); req/s per core = 1000 / CPU ms per request; "
            "× best peer = CPU / the lower of FastAPI's and DRF's.\n\n"
            + table(figures) + "\n")


def write_results(args: argparse.Namespace, figures: dict[str, dict[str, dict]]) -> None:
    markdown = report(args, figures)
    (RESULTS / "servers-latest.md").write_text(markdown)
    document = {"machine": machine(), "arguments": vars(args), "results": figures}
    (RESULTS / "servers-latest.json").write_text(json.dumps(document, indent=2))
    print("\n" + markdown)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=1, help="seconds of warm-up (round 1)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--server-cpus", default="0", help="taskset CPU list for the servers")
    parser.add_argument("--wrk-cpus", default="1", help="taskset CPU list for wrk")
    parser.add_argument("--ini", default="production.ini")
    parser.add_argument("--servers", default=",".join(SERVERS),
                        help="the ini's server sections to measure, comma-separated")
    parser.add_argument("--scenarios", default=",".join(s.name for s in MEASURED),
                        help="comma-separated subset of scenarios")
    parser.add_argument("--smoke", action="store_true",
                        help=f"a few seconds for CI: one 1 s round of {', '.join(SMOKE)}; "
                             "fails on any error response")
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.warmup, args.rounds, args.scenarios = 1, 0, 1, ",".join(SMOKE)
    args.servers = [name for name in args.servers.split(",") if name]
    args.scenarios = [name for name in args.scenarios.split(",") if name]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not ready_to_load():
        return 2
    figures = run(args)
    write_results(args, figures)
    failures = [f"{scenario} ({name})" for scenario, by_name in figures.items()
                for name, f in by_name.items() if f["errors"]]
    if failures:
        print(f"error responses in: {', '.join(failures)}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
