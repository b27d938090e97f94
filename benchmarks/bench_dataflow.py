"""Bytewax dataflow against a plain Python loop doing the same work.

Both parse the same JSON payloads, build features, predict with every model,
score, bet and learn (``LeagueProcessor``); neither writes a store, so the
ratio isolates the dataflow's overhead (operators, keying, state snapshots).
Runs come in pairs, back to back, the order swapped every pair (loop then flow,
flow then loop, ...) so neither always runs second, and each starts from a
collected heap (``gc.collect()``): the ratio is the median of the pairs' own
ratios, with their spread. Both run with the collector tuning matchflow's workers use
(``stream.runtime.tune_gc``).

    uv run python -m benchmarks.bench_dataflow [--leagues E0] [--repeats 5]
"""

from __future__ import annotations

import gc
import statistics
import time

from bytewax.testing import run_main
from rich.console import Console

from benchmarks.common import event_arguments, median_table, selected_events
from stream.config import FlowConfig
from stream.dataflow import build_dataflow, parse_payload
from stream.league import LeagueProcessor
from stream.records import Record
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
    # Many short pairs: a slow phase of this shared machine spoils a pair, not the median.
    args = event_arguments(__doc__.splitlines()[0], seasons="2020-21:2022-23", repeats=21)
    _codes, events = selected_events(args.leagues, args.seasons)
    payloads = [e.to_json() for e in events]
    config = FlowConfig()
    tune_gc()
    times: dict[str, list[float]] = {"plain loop": [], "bytewax dataflow": []}
    cpu: dict[str, list[float]] = {"plain loop": [], "bytewax dataflow": []}
    console = Console()
    runs = [("plain loop", plain_loop), ("bytewax dataflow", dataflow)]
    for i in range(args.repeats):
        for name, run in runs if i % 2 == 0 else runs[::-1]:
            gc.collect()  # no run pays for the garbage of the one before
            started, cpu_started = time.perf_counter(), time.process_time()
            produced = run(payloads, config)
            times[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - cpu_started)
            console.log(
                f"run {i + 1} {name}: {times[name][-1]:.2f} s "
                f"({cpu[name][-1]:.2f} s CPU), {produced} records"
            )
    console.print(
        median_table(
            f"{len(payloads)} events ({args.leagues} {args.seasons}), median of {args.repeats}",
            "run",
            times,
            len(payloads),
            "plain loop",
        )
    )
    # Each pair ran back to back: its own ratio cancels slow phases of the machine.
    # CPU time (both runs are one thread) is blind to waiting for a core others hold.
    for label, measured in (("wall", times), ("CPU", cpu)):
        ratios = sorted(
            flow / loop for flow, loop in zip(measured["bytewax dataflow"], measured["plain loop"])
        )
        console.print(
            f"dataflow / plain loop, {label} time, pair by pair: median "
            f"{statistics.median(ratios):.3f}, spread {ratios[0]:.3f}-{ratios[-1]:.3f} "
            f"over {len(ratios)} pairs"
        )


if __name__ == "__main__":
    main()
