"""``matchflow run --processes 2`` against one process: Kafka -> PostgreSQL,
the five bundled leagues, same topic, same run ([first-day]).

Publishes the leagues' seasons once to a new topic (a throwaway broker and
PostgreSQL cluster on 127.0.0.1, or ``MATCHFLOW_KAFKA``/``MATCHFLOW_PG``),
then runs ``matchflow run --until-idle 3`` into a new database, one process
and two alternately, each pair's order swapped. Each run's time is the whole
command (start-up included) less the idle wait. The ratio is the median of
the pairs' own ratios of events/s, with their spread; then the stores are
compared table by table (they must be identical). Bar: >= 1.7x.

    uv run python -m benchmarks.bench_cluster [--seasons 2019-20:2024-25] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.bench_kafka_pg import published_topic
from benchmarks.common import (
    kafka_server,
    new_database,
    positive_int,
    postgres_server,
    selected_events,
)
from stream.storage import open_store
from stream.storage.schema import TABLES

MATCHFLOW = str(Path(sys.executable).parent / "matchflow")
IDLE = 3.0
LEAGUES = "D1,E0,E1,I1,SP1"


def timed_run(bootstrap: str, topic: str, url: str, processes: int) -> float:
    """Seconds of ``matchflow run`` to the end of the topic, less the idle wait."""
    command = [MATCHFLOW, "run", "--kafka", bootstrap, "--topic", topic, "--db", url]
    command += ["--until-idle", str(IDLE), "--processes", str(processes)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"matchflow run failed: {done.stderr[-1500:]}")
    return time.perf_counter() - started - IDLE


def fingerprint(url: str) -> dict[str, str]:
    """Each data table's rows, hashed in key order (PostgreSQL's md5)."""
    prints = {}
    with open_store(url, create=False) as store:
        for name, table in TABLES.items():
            key = ", ".join(table.key)
            prints[name] = store.fetch(
                f"SELECT COUNT(*) AS n, md5(string_agg(t::text, '|' ORDER BY {key})) AS h "
                f"FROM {name} t"
            )[0]
    return {name: f"{row['n']}:{row['h']}" for name, row in prints.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seasons", default="2019-20:2024-25", help="FIRST:LAST (E1: 2024-25)")
    parser.add_argument("--repeats", type=positive_int, default=3, help="pairs of runs")
    args = parser.parse_args()
    console = Console()
    work = Path(tempfile.mkdtemp(prefix="matchflow-cluster-"))
    work.chmod(0o755)  # the postgres user must reach its cluster folder
    _, events = selected_events(LEAGUES, args.seasons)
    payloads = [e.to_json() for e in events]
    times: dict[int, list[float]] = {1: [], 2: []}
    ratios: list[float] = []
    prints: dict[int, dict[str, str]] = {}
    with kafka_server(work) as bootstrap, postgres_server(work) as server:
        topic, _ = published_topic(bootstrap, events, payloads)
        console.log(f"{len(payloads):,} events of {LEAGUES} {args.seasons} on {topic}")
        for pair in range(args.repeats):
            order = (1, 2) if pair % 2 == 0 else (2, 1)
            seconds = {}
            for processes in order:
                url = new_database(server)
                seconds[processes] = timed_run(bootstrap, topic, url, processes)
                times[processes].append(seconds[processes])
                prints.setdefault(processes, fingerprint(url))
                console.log(f"pair {pair + 1}: {processes} process(es) {seconds[processes]:.1f} s")
            ratios.append(seconds[1] / seconds[2])
    table = Table(title=f"Kafka -> PostgreSQL, {len(payloads):,} events, {args.repeats} pairs")
    for column in ("processes", "median s", "events/s", "vs one process"):
        table.add_column(column, justify="right")
    for processes, values in times.items():
        median = statistics.median(values)
        table.add_row(
            str(processes),
            f"{median:.1f}",
            f"{len(payloads) / median:,.0f}",
            f"{statistics.median(times[1]) / median:.2f}",
        )
    console.print(table)
    console.print(
        f"events/s ratio, median of the pairs' own: [bold]{statistics.median(ratios):.2f}x[/] "
        f"(spread {min(ratios):.2f}-{max(ratios):.2f}); stores identical: "
        f"{prints[1] == prints[2]}"
    )


if __name__ == "__main__":
    main()
