"""Replay into plain PostgreSQL and into TimescaleDB, same run, and the
TimescaleDB layout it leaves: chunks per hypertable, size before and after
compressing every chunk.

Two throwaway clusters of the same server, one preloading TimescaleDB. Runs
come in pairs, the order swapped every pair; the ratio is TimescaleDB's median
over plain's. Needs TimescaleDB installed (``make test`` installs the build
beside the checkout where there is one).

    uv run python -m benchmarks.bench_timescale [--leagues all] [--seasons 2005-06:2024-25] [--repeats 3]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.common import event_arguments, median_table, new_database, selected_events
from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.storage import open_store
from stream.storage.migrations import TIME_SERIES

MB = 1024 * 1024
KINDS = ("plain", "timescaledb")


def _replay(payloads: list[str], url: str) -> float:
    started = time.perf_counter()
    run_payloads(payloads, url, FlowConfig(), key=b"bench-key" * 4)
    return time.perf_counter() - started


def _sizes(url: str) -> dict[str, float]:
    with open_store(url, create=False) as store:
        sizes = {
            name: store.fetch(f"SELECT hypertable_size('{name}') AS b")[0]["b"] / MB
            for name in TIME_SERIES
        }
    sizes["database"] = _database_mb(url)
    return sizes


def _database_mb(url: str) -> float:
    with open_store(url, create=False) as store:
        return store.fetch("SELECT pg_database_size(current_database()) AS b")[0]["b"] / MB


def _chunks(url: str) -> dict[str, int]:
    with open_store(url, create=False) as store:
        rows = store.fetch(
            "SELECT hypertable_name AS t, count(*) AS n FROM timescaledb_information.chunks "
            "GROUP BY 1"
        )
    return {r["t"]: r["n"] for r in rows}


def _compress_everything(url: str) -> float:
    started = time.perf_counter()
    with open_store(url, create=False) as store:
        for name in TIME_SERIES:
            store.fetch(f"SELECT count(compress_chunk(c, true)) AS n FROM show_chunks('{name}') c")
    return time.perf_counter() - started


def main() -> None:
    from stream.services.postgres_cluster import PostgresCluster, timescaledb_installed

    args = event_arguments(__doc__ or "", leagues="all", seasons="2005-06:2024-25", repeats=3)
    if not timescaledb_installed():
        print("error: TimescaleDB is not installed on this machine's PostgreSQL", file=sys.stderr)
        raise SystemExit(2)
    console = Console()
    _, events = selected_events(args.leagues, args.seasons)
    payloads = [e.to_json() for e in events]
    work = Path(tempfile.mkdtemp(prefix="bench-timescale-"))
    work.chmod(0o755)  # the postgres user must reach its cluster folders
    clusters = {
        kind: PostgresCluster(work / kind, timescale=kind == "timescaledb").start()
        for kind in KINDS
    }
    try:
        times: dict[str, list[float]] = {kind: [] for kind in KINDS}
        urls: dict[str, str] = {}
        for pair in range(args.repeats):
            for kind in KINDS if pair % 2 == 0 else KINDS[::-1]:
                urls[kind] = new_database(clusters[kind].url.rsplit("/", 1)[0])
                times[kind].append(_replay(payloads, urls[kind]))
                console.print(f"pair {pair + 1}: {kind} {times[kind][-1]:.1f} s")
        title = f"replay of {len(payloads):,} events, median of {args.repeats}"
        console.print(median_table(title, "store", times, len(payloads), "plain"))
        console.print(_layout(urls))
    finally:
        for cluster in clusters.values():
            cluster.stop()


def _layout(urls: dict[str, str]) -> Table:
    chunks, before = _chunks(urls["timescaledb"]), _sizes(urls["timescaledb"])
    seconds = _compress_everything(urls["timescaledb"])
    after = _sizes(urls["timescaledb"])
    plain = _database_mb(urls["plain"])
    table = Table(
        title=f"TimescaleDB layout: every chunk compressed in {seconds:.1f} s "
        f"(plain PostgreSQL database: {plain:.0f} MB)"
    )
    for column in ("hypertable", "chunks", "MB before", "MB compressed", "ratio"):
        table.add_column(column, justify="right")
    for name in [*TIME_SERIES, "database"]:
        ratio = f"{after[name] / before[name]:.2f}" if before[name] else "-"
        count = str(chunks.get(name, 0)) if name != "database" else ""
        table.add_row(name, count, f"{before[name]:.1f}", f"{after[name]:.1f}", ratio)
    return table


if __name__ == "__main__":
    main()
