"""How long each Grafana panel's SQL takes on a full replay in PostgreSQL.

Starts a throwaway PostgreSQL on 127.0.0.1 (or uses ``MATCHFLOW_PG``, a server
URL without the database), replays the chosen seasons into it, then runs every
panel's and alert's SQL, expanded as Grafana expands it (whole data range, every
league and strategy selected), ``--repeats`` times each. Prints the median per
query, the ratio to one full scan of ``predictions`` measured in the same run
(the baseline), and what one refresh of each dashboard costs.

    uv run python -m benchmarks.bench_dashboards [--leagues all] [--repeats 5]
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

from benchmarks.common import event_arguments, selected_events
from dashboards import build
from dashboards.macros import Range, expand
from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.services.postgres_cluster import PostgresCluster

BASELINE = "SELECT count(*) FROM predictions"
console = Console()


def queries() -> list[tuple[str, str, str]]:
    """(dashboard, title, SQL with variables) of every PostgreSQL query."""
    found = []
    for name, board in build.committed_dashboards().items():
        for panel in board["panels"]:
            for target in panel["targets"]:
                if "rawSql" in target:
                    found.append((name, panel["title"], target["rawSql"]))
    alerts = build.committed_provisioning("alerting")
    for rule in alerts["groups"][0]["rules"]:
        for query in rule["data"]:
            if "rawSql" in query["model"]:
                found.append(("alerts", rule["title"], query["model"]["rawSql"]))
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
    work = Path(tempfile.mkdtemp(prefix="bench-dash-"))
    work.chmod(0o755)
    server, cluster = os.environ.get("MATCHFLOW_PG"), None
    try:
        if not server:
            cluster = PostgresCluster(work / "pg").start()
            server = cluster.url.rsplit("/", 1)[0]
        url = f"{server}/bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
        with console.status(f"replaying {len(events):,} events into PostgreSQL"):
            stats = run_payloads([e.to_json() for e in events], url, FlowConfig())
        console.log(f"replayed {stats.events:,} events in {stats.seconds:.1f} s")
        report(url, codes, args.repeats)
    finally:
        if cluster:
            cluster.stop()


def report(url: str, codes: list[str], repeats: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        first_last = conn.execute("SELECT min(kickoff), max(kickoff) FROM matches").fetchone()
        assert first_last is not None  # an aggregate always returns a row
        start, end = first_last
        conn.execute("ANALYZE")
        window = Range(start, end, "1d")
        variables = {"league": codes, "strategy": ["flat", "kelly"], "phase": ["pre"]}
        base = timed(conn, BASELINE, repeats)
        rows: list = []
        per_board: dict[str, Any] = {}
        for board, title, sql in queries():
            seconds = timed(conn, expand(sql, window, variables, timescaledb=False), repeats)
            rows.append((board, title, seconds))
            per_board[board] = per_board.get(board, 0.0) + seconds
    table = Table(
        title=f"panel SQL, medians of {repeats} (baseline: {BASELINE}, {base * 1000:.1f} ms)"
    )
    for column in ("dashboard", "panel", "median ms", "ratio to baseline"):
        table.add_column(column, justify="right" if column != "panel" else "left")
    for board, title, seconds in sorted(rows, key=lambda r: -r[2]):
        table.add_row(board, title[:60], f"{seconds * 1000:.1f}", f"{seconds / base:.2f}")
    console.print(table)
    totals = Table(title="one refresh of each dashboard (all its queries, one after another)")
    for column in ("dashboard", "ms", "ratio to baseline"):
        totals.add_column(column, justify="right")
    for board, seconds in sorted(per_board.items()):
        totals.add_row(board, f"{seconds * 1000:.1f}", f"{seconds / base:.2f}")
    console.print(totals)


if __name__ == "__main__":
    main()
