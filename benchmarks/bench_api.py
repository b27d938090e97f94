"""``GET /predictions?league=E0&status=upcoming`` under load, next to ``/health``
of the same app in the same run.

Replays E0 2021-22..2022-23 into SQLite with the last 20 results held back (so
there are upcoming matches), serves it with ``matchflow serve`` (one uvicorn
process), and drives it from a separate load-generator process: 200 requests/s
for 20 s on each route (p50, p99), then a closed loop of 16 clients for 10 s on
each (requests/s). Bars: p99 <= 25 ms at 200 req/s, throughput >= 50% of the
trivial route's. Run once with the response cache (the default) and once
without it (``MATCHFLOW_RESPONSE_CACHE=false``), so both costs are on record.

The live case ([api-hardening]): ``GET /predictions?league=SP1&status=all`` at
the same rate while ``matchflow replay`` writes SP1 into the same store, on
SQLite and on PostgreSQL (a cluster started for the run), next to the same
route with no writer. Bar: p99 <= 25 ms there too.

    uv run python -m benchmarks.bench_api [--seconds 20] [--rate 200] [--live-only]

With ``--every-route`` ([reads]): every GET route on a store holding the full
default replay, on SQLite, PostgreSQL and TimescaleDB, quiet and while
``matchflow run`` appends live events (``benchmarks/api_routes.py``):

    uv run python -m benchmarks.bench_api --every-route [--seconds 4] [--rate 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.common import positive_int, served
from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.loader import BUNDLED_DATA, load
from stream.replay import replay_events

MATCHFLOW = str(Path(sys.executable).parent / "matchflow")
ROUTES = {"predictions": "/predictions?league=E0&status=upcoming", "health": "/health"}


def prepared_store(folder: Path, url: str | None = None, sp1: bool = False) -> str:
    """E0 2021-22..2022-23, the last 20 results held back, in SQLite (or
    ``url``); with ``sp1``, SP1 2005-06 too (the live case's page)."""
    rows = load(BUNDLED_DATA, ["E0"], ["2021-22", "2022-23"]).rows
    if sp1:
        rows = load(BUNDLED_DATA, ["SP1"], ["2005-06"]).rows + rows
    events = replay_events(rows)
    held = {e.match_id for e in [e for e in events if e.type == "result"][-20:]}
    payloads = [e.to_json() for e in events if not (e.type == "result" and e.match_id in held)]
    url = url or f"sqlite:///{folder / 'api.db'}"
    run_payloads(payloads, url, FlowConfig())
    return url


def load_run(url: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadgen", url, *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def measure(
    db: str, cache: bool, seconds: float, rate: float, console: Console
) -> dict[str, tuple[dict, dict]]:
    """Both routes of one server: fixed rate, then flat out."""
    with served(db, cache) as base:
        for route in ROUTES.values():  # warm caches and connections
            load_run(base + route, "--mode", "rate", "--rate", "50", "--seconds", "2")
        results = {}
        for name, route in ROUTES.items():
            fixed = load_run(
                base + route, "--mode", "rate", "--rate", str(rate), "--seconds", str(seconds)
            )
            flat_out = load_run(base + route, "--mode", "max", "--seconds", str(seconds / 2))
            results[name] = (fixed, flat_out)
            console.log(f"cache {'on' if cache else 'off'} {name}: {fixed} | {flat_out}")
        return results


LIVE_ROUTE = "/predictions?league=SP1&status=all"


def _writer(db: str) -> subprocess.Popen:
    """A replay of SP1 into the store being served (about a minute of commits)."""
    return subprocess.Popen(
        [
            MATCHFLOW,
            "replay",
            "--leagues",
            "SP1",
            "--seasons",
            "2006-07:2022-23",
            "--db",
            db,
            "--json",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def measure_live(db: str, seconds: float, rate: float, console: Console) -> list[tuple]:
    """The SP1 page with no writer, then while a replay writes it."""
    rows = []
    with served(db) as base:
        url = base + LIVE_ROUTE
        load_run(url, "--mode", "rate", "--rate", "50", "--seconds", "2")
        rows.append(
            (
                "no writer",
                load_run(url, "--mode", "rate", "--rate", str(rate), "--seconds", str(seconds)),
            )
        )
        writer = _writer(db)
        try:
            time.sleep(8)  # past the replay's start-up: River loaded, rows flowing
            if writer.poll() is not None:
                raise SystemExit(
                    f"writer ended: {(writer.stderr.read() if writer.stderr else b'').decode()[-500:]}"
                )
            rows.append(
                (
                    "replay writing",
                    load_run(url, "--mode", "rate", "--rate", str(rate), "--seconds", str(seconds)),
                )
            )
            if writer.poll() is not None:
                console.log("[yellow]the writer ended inside the window")
        finally:
            writer.terminate()
            writer.wait()
    for name, result in rows:
        console.log(f"{db.split(':')[0]} {name}: {result}")
    return rows


def live_table(seconds: float, rate: float, console: Console) -> Table:
    from stream.services.postgres_cluster import PostgresCluster

    folder = Path(tempfile.mkdtemp(prefix="matchflow-api-live-"))
    folder.chmod(0o755)  # the postgres user must reach its cluster folder
    table = Table(
        title=f"{LIVE_ROUTE} at {rate:.0f} req/s for {seconds:.0f} s, "
        "while a replay writes SP1 into the same store"
    )
    for column in ("store", "writer", "p50 ms", "p99 ms", "errors", "p99 vs no writer"):
        table.add_column(column, justify="right")
    cluster = PostgresCluster(folder / "postgres").start()
    try:
        for db in (prepared_store(folder, sp1=True), prepared_store(folder, cluster.url, sp1=True)):
            rows = measure_live(db, seconds, rate, console)
            base = rows[0][1]["p99_ms"]
            for name, result in rows:
                table.add_row(
                    db.split(":")[0],
                    name,
                    f"{result['p50_ms']:.2f}",
                    f"{result['p99_ms']:.2f}",
                    str(result["errors"]),
                    f"{result['p99_ms'] / base:.2f}",
                )
    finally:
        cluster.stop()
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, help="per route (default 20; every route: 4)")
    parser.add_argument("--rate", type=float, help="requests/s (default 200; every route: 100)")
    parser.add_argument("--live-only", action="store_true", help="only the live case")
    parser.add_argument("--every-route", action="store_true", help="every GET route, 3 stores")
    parser.add_argument("--repeats", type=positive_int, default=3, help="every route: runs")
    parser.add_argument("--feed-rate", type=float, default=100, help="every route: events/s")
    args = parser.parse_args()
    if args.every_route:
        from benchmarks.api_routes import every_route

        every_route(args.seconds or 4, args.rate or 100, args.repeats, args.feed_rate)
        return
    args.seconds, args.rate = args.seconds or 20, args.rate or 200
    console = Console()
    if args.live_only:
        console.print(live_table(args.seconds, args.rate, console))
        return
    db = prepared_store(Path(tempfile.mkdtemp(prefix="matchflow-api-")))
    table = Table(
        title=f"one uvicorn process, {args.rate:.0f} req/s for {args.seconds:.0f} s, "
        "then 16 clients flat out"
    )
    for column in (
        "route",
        "response cache",
        "p50 ms",
        "p99 ms",
        "errors",
        "max req/s",
        "vs /health",
    ):
        table.add_column(column, justify="right")
    for cache in (True, False):
        results = measure(db, cache, args.seconds, args.rate, console)
        trivial = results["health"][1]["rps"]
        for name, (fixed, flat_out) in results.items():
            table.add_row(
                ROUTES[name],
                "on" if cache else "off",
                f"{fixed['p50_ms']:.2f}",
                f"{fixed['p99_ms']:.2f}",
                str(fixed["errors"] + flat_out["errors"]),
                f"{flat_out['rps']:,.0f}",
                f"{flat_out['rps'] / trivial:.2f}",
            )
    console.print(table)
    console.print(live_table(args.seconds, args.rate, console))


if __name__ == "__main__":
    main()
