"""The primary (``anchored``) against the ARF: predict + learn per event, in µs.

Feature vectors come from a replay (each match's locked vectors, exactly what
the dataflow learns from); each run trains a fresh model on all of them,
predicting before learning as the stream does. Runs alternate (arf, anchored,
arf, ...) so machine noise hits both; the table quotes medians and the ratio
to the ARF measured in the same run.

    uv run python -m benchmarks.bench_anchored [--leagues E0] [--repeats 3]
"""

from __future__ import annotations

import statistics
import time

from rich.console import Console
from rich.table import Table

from benchmarks.common import event_arguments, selected_events
from models.arf_config import ArfConfig
from models.factory import AnchoredModel, RiverModel, build_arf
from stream.config import FlowConfig
from stream.league import LeagueProcessor


def locked_vectors(events: list) -> tuple[list, list]:
    """(challenger samples, primary samples): (features, outcome) pairs as
    learned at each result."""
    processors: dict[str, LeagueProcessor] = {}
    challenger, primary = [], []
    for event in events:
        processor = processors.setdefault(event.league, LeagueProcessor(event.league, FlowConfig()))
        state = processor.matches.open.get(event.match_id)
        if event.type == "result" and state is not None and state.locked_features:
            challenger.append((state.locked_features, event.outcome))
            primary += [(x, event.outcome) for x in state.locked_primary.values()]
        processor.process(event)
    return challenger, primary


def per_event_us(model, samples: list) -> float:
    started = time.perf_counter()
    for x, y in samples:
        model.predict(x)
        model.learn(x, y)
    return (time.perf_counter() - started) / len(samples) * 1e6


def main() -> None:
    args = event_arguments(__doc__.splitlines()[0])
    _codes, events = selected_events(args.leagues, args.seasons)
    console = Console()
    challenger, primary = locked_vectors(events)
    console.log(f"{len(challenger)} ARF samples, {len(primary)} anchored samples")
    times: dict[str, list[float]] = {"arf": [], "anchored": []}
    for i in range(args.repeats):
        times["arf"].append(per_event_us(RiverModel("arf", build_arf(ArfConfig(), 42)), challenger))
        times["anchored"].append(per_event_us(AnchoredModel(), primary))
        console.log(
            f"run {i + 1}: arf {times['arf'][-1]:.0f} µs, anchored {times['anchored'][-1]:.1f} µs"
        )
    base = statistics.median(times["arf"])
    table = Table(
        title=f"predict + learn per event ({args.leagues} {args.seasons}), median of {args.repeats}"
    )
    for column in ("model", "median µs", "ratio to arf"):
        table.add_column(column, justify="right")
    for name, values in times.items():
        median = statistics.median(values)
        table.add_row(name, f"{median:.1f}", f"{median / base:.3f}")
    console.print(table)


if __name__ == "__main__":
    main()
