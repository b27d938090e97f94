"""What a league costs: synthetic leagues (``benchmarks/synthetic.py``) through
the embedded dataflow, for 1, 10 and 100 leagues, each size in a fresh process.

Measured per size: events/s of one process (the dataflow writing SQLite),
state bytes per league (its sealed ``league_state`` blob), the recovery
snapshot time (pickling every league once, as an epoch in which all of them
had events does), memory per league (what Python allocates to load every
league's state, by ``tracemalloc``), store rows per event and rows/s on SQLite and
PostgreSQL (the run's own rows upserted again). One more run, of one league
over ``--history`` seasons, measures how state grows with years of data. From
these it prints the cost of following 22 and 1,000 leagues (README, "Capacity").

    uv run python -m benchmarks.bench_scale [--sizes 1,10,100] [--seasons 1] [--history 10]

PostgreSQL: ``MATCHFLOW_PG`` (a server URL without the database) or a
throwaway cluster started here.
"""

from __future__ import annotations

import argparse
import gc
import math
import multiprocessing
import pickle
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.common import new_database, positive_int, postgres_server
from benchmarks.synthetic import leagues_events

KEY = b"bench-scale-key-" * 2
EPOCH_S = 10.0  # run's default --recovery-interval
BUSY = 0.5  # a process at most half busy at peak has room to catch up after a restart
# The peak a live system carries (README, "Capacity"): every league's
# matchweek kicks off in the same hour, and in that hour each of three
# bookmakers moves each of its 10 matches' prices once a minute.
PEAK_EVENTS_PER_LEAGUE_S = 10 * 3 / 60
console = Console(width=150)


def _table_rows(url: str) -> dict[str, list[dict]]:
    from stream.storage import open_store
    from stream.storage.schema import ALL_TABLES

    with open_store(url) as store:
        return {t: store.fetch(f"SELECT * FROM {t}") for t in ALL_TABLES}


def _upsert_rate(tables: dict[str, list[dict]], url: str) -> float:
    """Rows/s of writing ``tables`` again in batches of 2,000 rows."""
    from stream.records import Record
    from stream.storage import open_store

    records = [Record(t, row) for t, rows in tables.items() for row in rows]
    batches = [records[i : i + 2000] for i in range(0, len(records), 2000)]
    with open_store(url) as store:
        started = time.perf_counter()
        for batch in batches:
            store.write(batch)
        return len(records) / (time.perf_counter() - started)


def measure(leagues: int, seasons: int, updates: int, work: str, pg_server: str | None) -> dict:
    """One size, in this (fresh) process."""
    from models.sealing import unseal
    from stream.config import FlowConfig
    from stream.embedded import run_payloads

    payloads = [e.to_json() for e in leagues_events(leagues, seasons, updates)]
    url = f"sqlite:///{work}/scale-{leagues}.db"
    stats = run_payloads(payloads, url, FlowConfig(), key=KEY)
    tables = _table_rows(url)
    blobs = [unseal(bytes(r["state"]), KEY) for r in tables["league_state"]]
    del payloads
    gc.collect()
    tracemalloc.start()
    states = [pickle.loads(b) for b in blobs]
    resident = tracemalloc.get_traced_memory()[0] / leagues
    tracemalloc.stop()
    started = time.perf_counter()
    for state in states:
        state.forget_pickle()
        state.pickled()
    snapshot_s = time.perf_counter() - started
    rows = sum(len(r) for r in tables.values())
    result = {
        "leagues": leagues,
        "seasons": seasons,
        "events": stats.events,
        "events_per_s": stats.events / stats.stream_seconds,
        "state_bytes": statistics.mean(len(b) for b in blobs),
        "snapshot_s": snapshot_s,
        "resident_bytes": resident,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "rows_per_event": rows / stats.events,
        "sqlite_rows_per_s": _upsert_rate(tables, f"sqlite:///{work}/again-{leagues}.db"),
        "pg_rows_per_s": None,
    }
    if pg_server:
        result["pg_rows_per_s"] = _upsert_rate(tables, new_database(pg_server, "scale"))
    return result


def _in_child(*args) -> dict:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(measure, args)


def _mb(n: float) -> str:
    return f"{n / 1e6:,.2f} MB"


def measured_table(results: list[dict]) -> Table:
    table = Table(title="Synthetic leagues, one process each size")
    columns = {
        "leagues": lambda r: str(r["leagues"]),
        "seasons": lambda r: str(r["seasons"]),
        "events": lambda r: f"{r['events']:,}",
        "events/s": lambda r: f"{r['events_per_s']:,.0f}",
        "state / league": lambda r: _mb(r["state_bytes"]),
        "snapshot, all leagues": lambda r: f"{r['snapshot_s'] * 1000:,.0f} ms",
        "memory / league": lambda r: _mb(r["resident_bytes"]),
        "peak RSS": lambda r: _mb(r["peak_rss"]),
        "rows / event": lambda r: f"{r['rows_per_event']:.2f}",
        "SQLite rows/s": lambda r: f"{r['sqlite_rows_per_s']:,.0f}",
        "PostgreSQL rows/s": lambda r: f"{r['pg_rows_per_s']:,.0f}" if r["pg_rows_per_s"] else "-",
    }
    for name in columns:
        table.add_column(name, justify="right")
    for r in results:
        table.add_row(*(render(r) for render in columns.values()))
    return table


def capacity_table(results: list[dict], history: dict) -> Table:
    """22 and 1,000 leagues: speed from the largest size measured, state from
    the longest history."""
    big = results[-1]
    snapshot_per_league = history["snapshot_s"] / history["leagues"]
    table = Table(
        title=f"Cost of following N leagues ({big['leagues']} leagues' speed, "
        f"{history['seasons']} seasons' state)"
    )
    for name in ("", "22 leagues", "1,000 leagues"):
        table.add_column(name, justify="right")

    def row(name: str, figure) -> None:
        table.add_row(name, *(figure(n) for n in (22, 1000)))

    row("state in memory", lambda n: _mb(n * history["resident_bytes"]))
    row("state pickled (recovery, per epoch)", lambda n: _mb(n * history["state_bytes"]))
    row(
        "recovery snapshot, all leagues active",
        lambda n: f"{n * snapshot_per_league:,.2f} s of {EPOCH_S:.0f} s epoch",
    )
    events_cores = PEAK_EVENTS_PER_LEAGUE_S / big["events_per_s"]
    cores = lambda n: n * (events_cores + snapshot_per_league / EPOCH_S)  # noqa: E731
    processes = lambda n: max(1, math.ceil(cores(n) / BUSY))  # noqa: E731
    row("peak live events/s", lambda n: f"{n * PEAK_EVENTS_PER_LEAGUE_S:,.0f}")
    row("cores at peak: events", lambda n: f"{n * events_cores:.2f}")
    row("cores at peak: events + recovery snapshots", lambda n: f"{cores(n):.2f}")
    row(f"Bytewax processes (each <= {BUSY:.0%} busy at peak)", lambda n: str(processes(n)))
    row("Kafka partitions (4 per process: room to add processes)", lambda n: str(4 * processes(n)))
    row(
        "PostgreSQL rows/s at peak",
        lambda n: (
            f"{n * PEAK_EVENTS_PER_LEAGUE_S * big['rows_per_event']:,.0f} "
            f"of {big['pg_rows_per_s']:,.0f}"
        ),
    )
    row(
        "one season of every league, replayed",
        lambda n: f"{n * big['events'] / big['leagues'] / big['events_per_s'] / 60:,.1f} core-min",
    )
    row(
        "replay processes before PostgreSQL saturates",
        lambda n: f"{big['pg_rows_per_s'] / (big['rows_per_event'] * big['events_per_s']):.1f}",
    )
    return table


def _sizes(text: str) -> list[int]:
    return [positive_int(part.strip()) for part in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=_sizes, default="1,10,100", help="league counts, comma-separated"
    )
    parser.add_argument("--seasons", type=positive_int, default=1)
    parser.add_argument(
        "--updates", type=positive_int, default=3, help="pre-match odds updates a match"
    )
    parser.add_argument(
        "--history", type=positive_int, default=10, help="seasons of the one-league run"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="matchflow-scale-"))
    work.chmod(0o755)
    with postgres_server(work) as server:
        results = []
        for size in args.sizes:
            results.append(_in_child(size, args.seasons, args.updates, str(work), server))
            console.log(f"{size} leagues: {results[-1]['events_per_s']:,.0f} events/s")
    history = _in_child(1, args.history, args.updates, str(work), None)
    console.print(measured_table([*results, history]))
    console.print(capacity_table(results, history))


if __name__ == "__main__":
    main()
