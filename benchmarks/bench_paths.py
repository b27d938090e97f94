"""Where the Kafka path's time goes: each source with each store, same events, same run.

Four runs a round: replay -> SQLite (the embedded default), replay ->
PostgreSQL, Kafka -> SQLite and Kafka -> PostgreSQL (the production path), in
an order reversed every round, each from a collected heap. Each run is divided
by its round's replay -> SQLite run (a round shares the machine's mood); the
table gives the median of those ratios and their spread. A source that costs
the stream nothing shows Kafka -> X at par with replay -> X; a store that does,
X -> PostgreSQL at par with X -> SQLite. Uses ``MATCHFLOW_KAFKA`` and
``MATCHFLOW_PG`` when set, else starts its own.

    uv run python -m benchmarks.bench_paths [--leagues E0] [--repeats 5]
"""

from __future__ import annotations

import gc
import statistics
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.bench_kafka_pg import embedded_run, kafka_run, published_topic
from benchmarks.common import (
    event_arguments,
    kafka_server,
    new_database,
    postgres_server,
    selected_events,
)

BASELINE = "replay -> SQLite"
console = Console()


def _runs(payloads, bootstrap: str, topic: str, server: str, work: Path, round_: int):
    def sqlite() -> str:
        return f"sqlite:///{work / f'{round_}-{len(list(work.iterdir()))}.db'}"

    return {
        BASELINE: partial(embedded_run, payloads, sqlite()),
        "replay -> PostgreSQL": partial(embedded_run, payloads, new_database(server)),
        "Kafka -> SQLite": partial(kafka_run, bootstrap, topic, sqlite()),
        "Kafka -> PostgreSQL": partial(kafka_run, bootstrap, topic, new_database(server)),
    }


def _timed_round(runs: dict[str, Callable[[], float]], reverse: bool) -> dict[str, float]:
    seconds = {}
    for name in reversed(runs) if reverse else runs:
        gc.collect()  # no run pays for the garbage of the one before
        seconds[name] = runs[name]()
    return seconds


def main() -> None:
    args = event_arguments(__doc__.splitlines()[0], repeats=5)
    _codes, events = selected_events(args.leagues, args.seasons)
    payloads = [e.to_json() for e in events]
    work = Path(tempfile.mkdtemp(prefix="matchflow-bench-"))
    work.chmod(0o755)
    rounds: list[dict[str, float]] = []
    with postgres_server(work) as server, kafka_server(work) as bootstrap:
        topic, _ = published_topic(bootstrap, events, payloads)
        for i in range(args.repeats):
            runs = _runs(payloads, bootstrap, topic, server, work, i)
            rounds.append(_timed_round(runs, reverse=i % 2 == 1))
            console.log(
                f"round {i + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in rounds[-1].items())
            )
    table = Table(
        title=f"{len(payloads):,} events ({args.leagues} {args.seasons}), {args.repeats} rounds"
    )
    for column in ("path", "median s", "events/s", f"/ {BASELINE}, rounds' median", "spread"):
        table.add_column(column, justify="right")
    for name in rounds[0]:
        ratios = sorted(r[BASELINE] / r[name] for r in rounds)  # events/s ratio
        median_s = statistics.median(r[name] for r in rounds)
        table.add_row(
            name,
            f"{median_s:.2f}",
            f"{len(payloads) / median_s:,.0f}",
            f"{statistics.median(ratios):.3f}",
            f"{ratios[0]:.3f}-{ratios[-1]:.3f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
