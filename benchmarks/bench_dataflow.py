"""Bytewax dataflow against a plain Python loop doing the same work.

Both parse the same JSON payloads, build features, predict with every model,
score, bet and learn (``LeagueProcessor``); neither writes a store, so the
ratio isolates the dataflow's overhead (operators, keying, state snapshots).
Runs alternate (loop, flow, loop, flow, ...) so machine noise hits both; the
ratio is of medians. Both run with the collector tuning matchflow's workers use
(``stream.runtime.tune_gc``).

    uv run python -m benchmarks.bench_dataflow [--leagues E0] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bytewax.testing import run_main
from rich.console import Console
from rich.table import Table

from stream.config import FlowConfig
from stream.dataflow import build_dataflow, parse_payload
from stream.league import LeagueProcessor
from stream.loader import BUNDLED_DATA, load
from stream.records import Record
from stream.replay import replay_events
from stream.runtime import tune_gc
from stream.sinks import CountingSink
from stream.sources import ReplaySource


def plain_loop(payloads: list[str], config: FlowConfig) -> int:
    processors: dict[str, LeagueProcessor] = {}
    produced = 0
    for payload in payloads:
        event = parse_payload(payload)
        if isinstance(event, Record):
            produced += 1
            continue
        processor = processors.get(event.league)
        if processor is None:
            processor = processors[event.league] = LeagueProcessor(event.league, config)
        produced += len(processor.process(event))
    return produced


def dataflow(payloads: list[str], config: FlowConfig) -> int:
    sink = CountingSink()
    run_main(build_dataflow(ReplaySource(payloads, batch_size=500), sink, config))
    return sink.counter[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leagues", default="E0")
    parser.add_argument("--seasons", default="2005-06:2022-23")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    low, high = args.seasons.split(":")
    leagues = args.leagues.split(",")
    rows = [r for r in load(BUNDLED_DATA, leagues, None).rows if low <= r.season <= high]
    payloads = [e.to_json() for e in replay_events(rows)]
    config = FlowConfig()
    tune_gc()
    times: dict[str, list[float]] = {"plain loop": [], "bytewax dataflow": []}
    console = Console()
    for i in range(args.repeats):
        for name, run in (("plain loop", plain_loop), ("bytewax dataflow", dataflow)):
            started = time.perf_counter()
            produced = run(payloads, config)
            times[name].append(time.perf_counter() - started)
            console.log(f"run {i + 1} {name}: {times[name][-1]:.2f} s, {produced} records")
    base = statistics.median(times["plain loop"])
    table = Table(title=f"{len(payloads)} events ({args.leagues} {args.seasons}), "
                        f"median of {args.repeats}")
    for column in ("run", "median s", "events/s", "ratio to loop"):
        table.add_column(column, justify="right")
    for name, values in times.items():
        median = statistics.median(values)
        table.add_row(name, f"{median:.2f}", f"{len(payloads) / median:,.0f}",
                      f"{median / base:.3f}")
    console.print(table)


if __name__ == "__main__":
    main()
