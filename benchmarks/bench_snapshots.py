"""A full replay with MLflow snapshots on against off, same events, same run.

Snapshots go to a local ``sqlite:///mlflow.db`` store in a temporary folder.
Runs alternate (off, on, off, on, ...); the ratio is of medians. "on" is the
whole run including the wait for the final snapshot of every league; "stream
only" stops the clock when the last event has been processed.

    uv run python -m benchmarks.bench_snapshots [--leagues all] [--repeats 3]
"""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

from rich.console import Console

from benchmarks.common import event_arguments, median_table, selected_events
from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.snapshots import SnapshotOptions


def main() -> None:
    args = event_arguments(__doc__.splitlines()[0], leagues="all", seasons="0000-01:9999-00")
    leagues, events = selected_events(args.leagues, args.seasons)
    payloads = [e.to_json() for e in events]
    console = Console()
    work = Path(tempfile.mkdtemp(prefix="matchflow-snapshots-"))
    os.chdir(work)  # the local MLflow store keeps its artifacts beside it
    times: dict[str, list[float]] = {"off": [], "on": [], "on, stream only": []}
    logged: list[dict] = []
    for i in range(args.repeats):
        off = run_payloads(payloads, f"sqlite:///{work / f'off-{i}.db'}", FlowConfig())
        times["off"].append(off.seconds)
        options = SnapshotOptions(tracking_uri=f"sqlite:///{work / f'mlflow-{i}.db'}")
        on = run_payloads(
            payloads, f"sqlite:///{work / f'on-{i}.db'}", FlowConfig(), snapshot=options
        )
        times["on"].append(on.seconds)
        times["on, stream only"].append(on.stream_seconds)
        logged += on.snapshots
        console.log(
            f"run {i + 1}: off {off.seconds:.1f} s, on {on.seconds:.1f} s, "
            f"{len(on.snapshots)} snapshots"
        )
    console.print(
        median_table(
            f"{len(payloads)} events ({', '.join(leagues)}), median of {args.repeats}",
            "snapshots",
            times,
            len(payloads),
            "off",
        )
    )
    per_run = len(logged) / args.repeats
    console.print(
        f"{per_run:.0f} snapshots per run ({sum(s['trigger'] == 'drift' for s in logged)} "
        f"on drift in all runs), mean size {statistics.fmean(s['size'] for s in logged) / 1e6:.2f} MB, "
        f"mean time to log and register {statistics.fmean(s['seconds'] for s in logged):.2f} s"
    )


if __name__ == "__main__":
    main()
