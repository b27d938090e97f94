"""``GET /predictions?league=E0&status=upcoming`` under load, next to ``/health``
of the same app in the same run.

Replays E0 2021-22..2022-23 into SQLite with the last 20 results held back (so
there are upcoming matches), serves it with ``matchflow serve`` (one uvicorn
process), and drives it from a separate load-generator process: 200 requests/s
for 20 s on each route (p50, p99), then a closed loop of 16 clients for 10 s on
each (requests/s). Bars: p99 <= 25 ms at 200 req/s, throughput >= 50% of the
trivial route's. Run once with the response cache (the default) and once
without it (``MATCHFLOW_RESPONSE_CACHE=false``), so both costs are on record.

    uv run python -m benchmarks.bench_api [--seconds 20] [--rate 200]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.loader import BUNDLED_DATA, load
from stream.replay import replay_events
from stream.services.ports import free_port, wait_for_port

MATCHFLOW = str(Path(sys.executable).parent / "matchflow")
ROUTES = {"predictions": "/predictions?league=E0&status=upcoming", "health": "/health"}


def prepared_store(folder: Path) -> str:
    rows = load(BUNDLED_DATA, ["E0"], ["2021-22", "2022-23"]).rows
    events = replay_events(rows)
    held = {e.match_id for e in [e for e in events if e.type == "result"][-20:]}
    payloads = [e.to_json() for e in events if not (e.type == "result" and e.match_id in held)]
    url = f"sqlite:///{folder / 'api.db'}"
    run_payloads(payloads, url, FlowConfig())
    return url


def load_run(url: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.loadgen", url, *args],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def measure(db: str, cache: bool, seconds: float, rate: float,
            console: Console) -> dict[str, tuple[dict, dict]]:
    """Both routes of one server: fixed rate, then flat out."""
    port = free_port()
    env = {**os.environ, "MATCHFLOW_RESPONSE_CACHE": "true" if cache else "false"}
    server = subprocess.Popen([MATCHFLOW, "serve", "--db", db, "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        if not wait_for_port(port, 30):
            raise SystemExit(f"server did not start: {server.stderr.read().decode()[-500:]}")
        base = f"http://127.0.0.1:{port}"
        for route in ROUTES.values():  # warm caches and connections
            load_run(base + route, "--mode", "rate", "--rate", "50", "--seconds", "2")
        results = {}
        for name, route in ROUTES.items():
            fixed = load_run(base + route, "--mode", "rate", "--rate", str(rate),
                             "--seconds", str(seconds))
            flat_out = load_run(base + route, "--mode", "max", "--seconds", str(seconds / 2))
            results[name] = (fixed, flat_out)
            console.log(f"cache {'on' if cache else 'off'} {name}: {fixed} | {flat_out}")
        return results
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=200)
    args = parser.parse_args()
    console = Console()
    db = prepared_store(Path(tempfile.mkdtemp(prefix="matchflow-api-")))
    table = Table(title=f"one uvicorn process, {args.rate:.0f} req/s for {args.seconds:.0f} s, "
                        "then 16 clients flat out")
    for column in ("route", "response cache", "p50 ms", "p99 ms", "errors", "max req/s",
                   "vs /health"):
        table.add_column(column, justify="right")
    for cache in (True, False):
        results = measure(db, cache, args.seconds, args.rate, console)
        trivial = results["health"][1]["rps"]
        for name, (fixed, flat_out) in results.items():
            table.add_row(ROUTES[name], "on" if cache else "off", f"{fixed['p50_ms']:.2f}",
                          f"{fixed['p99_ms']:.2f}", str(fixed["errors"] + flat_out["errors"]),
                          f"{flat_out['rps']:,.0f}", f"{flat_out['rps'] / trivial:.2f}")
    console.print(table)


if __name__ == "__main__":
    main()
