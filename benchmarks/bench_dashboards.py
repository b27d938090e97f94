"""How long each Grafana panel's SQL takes on a full replay, on plain
PostgreSQL and on TimescaleDB, at the dashboard's default time range and over
all seasons ([reads]).

Starts two throwaway clusters on 127.0.0.1 (one preloading TimescaleDB; plain
only where it is not installed), replays the chosen seasons into each, then
runs every panel's and alert's SQL expanded as Grafana expands it (every
league and strategy selected), ``--repeats`` times each: once over the
dashboard's default range (``now-10y`` .. now, the pipeline's ``now-1h``, an
alert's own relative range) and once over every season stored. Prints the
median per query against one full scan of ``predictions`` in the same run
(the baseline), with the bars: 100 ms at the default range, 1 s over all.

    uv run python -m benchmarks.bench_dashboards [--leagues all] [--repeats 5]
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

from benchmarks.common import event_arguments, new_database, selected_events
from dashboards import build
from dashboards.macros import Range, expand, seconds
from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.services.postgres_cluster import PostgresCluster, timescaledb_installed

BASELINE = "SELECT count(*) FROM predictions"
console = Console(width=160)  # every column whole, in a pipe too


def _seconds_back(time_from: str) -> float:
    """``now-10y`` -> seconds (Grafana's relative range)."""
    return seconds(time_from.removeprefix("now-"))


def queries() -> list[tuple[str, str, str, float, str]]:
    """(dashboard, title, SQL with variables, seconds of its default range,
    the floor of its ``$__interval``) of every PostgreSQL query."""
    found = []
    for name, board in build.committed_dashboards().items():
        back = _seconds_back(board["time"]["from"])
        for panel in board["panels"]:
            for target in panel["targets"]:
                if "rawSql" in target:
                    interval = panel.get("interval", "1d")
                    found.append((name, panel["title"], target["rawSql"], back, interval))
    alerts = build.committed_provisioning("alerting")
    for rule in alerts["groups"][0]["rules"]:
        for query in rule["data"]:
            if "rawSql" in query["model"]:
                back = float(query["relativeTimeRange"]["from"])
                found.append(("alerts", rule["title"], query["model"]["rawSql"], back, "1d"))
    return found


def timed(conn: psycopg.Connection, sql: str, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        conn.execute(sql).fetchall()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    args = event_arguments(__doc__.splitlines()[0], leagues="all")
    codes, events = selected_events(args.leagues, args.seasons)
    payloads = [e.to_json() for e in events]
    work = Path(tempfile.mkdtemp(prefix="bench-dash-"))
    work.chmod(0o755)  # the postgres user must reach its cluster folders
    kinds = ("plain", "timescaledb") if timescaledb_installed() else ("plain",)
    clusters = {
        kind: PostgresCluster(work / kind, timescale=kind == "timescaledb").start()
        for kind in kinds
    }
    try:
        results = {}
        for kind, cluster in clusters.items():
            url = new_database(cluster.url.rsplit("/", 1)[0])
            with console.status(f"replaying {len(events):,} events into {kind}"):
                stats = run_payloads(payloads, url, FlowConfig())
            console.log(f"{kind}: replayed {stats.events:,} events in {stats.seconds:.1f} s")
            results[kind] = measure(url, codes, args.repeats, kind == "timescaledb")
        report(results, args.repeats)
    finally:
        for cluster in clusters.values():
            cluster.stop()


def measure(url: str, codes: list[str], repeats: int, timescaledb: bool) -> dict[str, Any]:
    """Median seconds of each query at its default range and over all seasons."""
    now = datetime.now(UTC)
    with psycopg.connect(url, autocommit=True) as conn:
        first_last = conn.execute("SELECT min(kickoff), max(kickoff) FROM matches").fetchone()
        assert first_last is not None  # an aggregate always returns a row
        conn.execute("ANALYZE")
        first, last = first_last
        strategies = [r[0] for r in conn.execute("SELECT DISTINCT strategy FROM bets")]
        variables = {"league": codes, "strategy": strategies, "phase": ["pre"]}
        times = {}
        for board, title, sql, back, interval in queries():
            # Grafana's $__interval over a few years is a day: the panel's floor, if higher
            default = Range(now - timedelta(seconds=back), now, interval)
            everything = Range(first, last, interval)
            times[(board, title)] = tuple(
                timed(conn, expand(sql, window, variables, timescaledb), repeats)
                for window in (default, everything)
            )
        return {"baseline": timed(conn, BASELINE, repeats), "queries": times}


def _ms(value: float, bar: float) -> str:
    text = f"{value * 1000:.1f}"
    return f"[red]{text}" if value > bar else text


def report(results: dict[str, dict[str, Any]], repeats: int) -> None:
    kinds = list(results)
    baselines = ", ".join(f"{k} {results[k]['baseline'] * 1000:.1f} ms" for k in kinds)
    table = Table(title=f"panel SQL, medians of {repeats} (baseline {BASELINE}: {baselines})")
    table.add_column("dashboard")
    table.add_column("panel")
    for kind in kinds:
        table.add_column(f"{kind} default ms (bar 100)", justify="right")
        table.add_column(f"{kind} all seasons ms (bar 1000)", justify="right")
    first = results[kinds[0]]["queries"]
    for key in sorted(first, key=lambda k: -max(results[x]["queries"][k][1] for x in kinds)):
        cells = []
        for kind in kinds:
            default, everything = results[kind]["queries"][key]
            cells += [_ms(default, 0.1), _ms(everything, 1.0)]
        table.add_row(key[0], key[1][:48], *cells)
    console.print(table)


if __name__ == "__main__":
    main()
