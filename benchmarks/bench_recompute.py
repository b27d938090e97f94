"""A league recomputed under a reader's load ([first-day]).

``GET /predictions?league=SP1&status=all`` at 200 requests/s from a separate
load-generator process, from the moment ``matchflow replay --leagues SP1``
starts recomputing SP1 into the store being served until it has ended, on
SQLite and on PostgreSQL (a cluster started for the run; ``MATCHFLOW_PG`` to
use yours). Each round replays SP1's last five seasons over a store that
already holds SP1 2005-06 and E0. Bar: no 404 ("unknown league") and no 5xx,
p99 <= 25 ms, worst of three rounds. Before the recompute was built beside
the store, the league vanished while its rows were deleted and grew back.

    uv run python -m benchmarks.bench_recompute [--rate 200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.bench_api import MATCHFLOW, load_run, prepared_store
from benchmarks.common import new_database, positive_int, postgres_server, served

ROUTE = "/predictions?league=SP1&status=all"
SEASONS = "2018-19:2022-23"


def one_round(db: str, base: str, rate: float, folder: Path) -> tuple[dict, float]:
    """The route under load for as long as one recompute of SP1 runs: the
    load's summary and the replay's seconds."""
    done = folder / f"done-{time.monotonic_ns()}"
    started = time.perf_counter()
    writer = subprocess.Popen(
        [MATCHFLOW, "replay", "--leagues", "SP1", "--seasons", SEASONS, "--db", db, "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    load = subprocess.Popen(
        [
            *(sys.executable, "-m", "benchmarks.loadgen", base + ROUTE, "--mode", "rate"),
            *("--rate", str(rate), "--seconds", "900", "--until", str(done)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    code = writer.wait()
    seconds = time.perf_counter() - started
    done.touch()
    out, _ = load.communicate(timeout=120)
    if code != 0:
        raise SystemExit(f"replay failed: {writer.stderr.read().decode()[-800:]}")  # type: ignore[union-attr]

    return json.loads(out), seconds


def measure(db: str, rate: float, repeats: int, folder: Path, console: Console) -> list[tuple]:
    rows = []
    with served(db) as base:
        load_run(base + ROUTE, "--mode", "rate", "--rate", "50", "--seconds", "2")  # warm
        for index in range(repeats):
            result, seconds = one_round(db, base, rate, folder)
            console.log(f"{db.split(':')[0]} round {index + 1}: {seconds:.1f} s, {result}")
            rows.append((index + 1, seconds, result))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200, help="requests/s")
    parser.add_argument("--repeats", type=positive_int, default=3, help="rounds per store")
    args = parser.parse_args()
    console = Console()
    folder = Path(tempfile.mkdtemp(prefix="matchflow-recompute-"))
    folder.chmod(0o755)  # the postgres user must reach a cluster folder here
    table = Table(title=f"{ROUTE} at {args.rate:.0f} req/s while SP1 {SEASONS} is recomputed")
    for column in ("store", "round", "replay s", "requests", "404", "5xx", "p50 ms", "p99 ms"):
        table.add_column(column, justify="right")
    with postgres_server(folder) as server:
        for db in (
            prepared_store(folder, sp1=True),
            prepared_store(folder, new_database(server), sp1=True),
        ):
            for index, seconds, result in measure(db, args.rate, args.repeats, folder, console):
                statuses = result["statuses"]
                table.add_row(
                    db.split(":")[0],
                    str(index),
                    f"{seconds:.1f}",
                    str(result["count"]),
                    str(statuses.get("404", 0)),
                    str(sum(n for s, n in statuses.items() if s.startswith("5"))),
                    f"{result['p50_ms']:.2f}",
                    f"{result['p99_ms']:.2f}",
                )
    console.print(table)


if __name__ == "__main__":
    main()
