"""A full default replay (every bundled league and season) with
``--processes 2`` against ``--processes 1``, through the real command.

Runs alternate (1, 2, 1, 2, ...) so machine noise hits both; each is a fresh
``matchflow replay --json`` into a new SQLite file. Reported: the medians of
the dataflow's events/s (what the summary's ``events_per_second`` measures:
the stream, not loading or the summary) and of wall time, with the ratios,
and whether both stores' summaries agree.

    uv run python -m benchmarks.bench_parallel [--repeats 3] [--processes 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.common import positive_int

MATCHFLOW = str(Path(sys.executable).parent / "matchflow")


def replay(db: Path, processes: int) -> tuple[float, float, dict]:
    """(events/s of the dataflow, wall seconds, summary without timings)."""
    started = time.perf_counter()
    done = subprocess.run(
        [MATCHFLOW, "replay", "--db", f"sqlite:///{db}", "--json", "--processes", str(processes)],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    summary = json.loads(done.stdout)
    rate = summary.pop("events_per_second")
    summary.pop("seconds")
    for league in summary["leagues"].values():
        league.pop("model_bytes", None)  # pickle sizes vary by bytes from run to run
    return rate, wall, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=positive_int, default=3)
    parser.add_argument("--processes", type=positive_int, default=2)
    args = parser.parse_args()
    console = Console()
    rates: dict[int, list[float]] = {1: [], args.processes: []}
    walls: dict[int, list[float]] = {1: [], args.processes: []}
    summaries: dict[int, dict] = {}
    with tempfile.TemporaryDirectory() as work:
        for repeat in range(args.repeats):
            for processes in rates:
                rate, wall, summary = replay(Path(work) / f"{processes}-{repeat}.db", processes)
                rates[processes].append(rate)
                walls[processes].append(wall)
                summaries[processes] = summary
                console.print(
                    f"run {repeat + 1}, {processes} process(es): {rate:,.0f} events/s, {wall:.1f} s"
                )
    table = Table(title=f"full default replay, median of {args.repeats}")
    for column in ("processes", "events/s", "ratio", "wall s", "wall ratio", "spread (events/s)"):
        table.add_column(column, justify="right")
    base_rate, base_wall = statistics.median(rates[1]), statistics.median(walls[1])
    for processes in rates:
        rate, wall = statistics.median(rates[processes]), statistics.median(walls[processes])
        spread = f"{min(rates[processes]):,.0f}-{max(rates[processes]):,.0f}"
        table.add_row(
            str(processes),
            f"{rate:,.0f}",
            f"{rate / base_rate:.2f}x",
            f"{wall:.1f}",
            f"{base_wall / wall:.2f}x",
            spread,
        )
    console.print(table)
    same = summaries[1] == summaries[args.processes]
    console.print(f"summaries identical apart from timings: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
