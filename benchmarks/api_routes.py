"""Every GET route on a full store, on SQLite, PostgreSQL and TimescaleDB,
quiet and while ``matchflow run`` appends live events: ``bench_api --every-route``.

Each store holds the full default replay but SP1's last season (on
TimescaleDB with the chunks compressed that the compression policy would have
compressed by then: all but the last 30 days). That season
is the live feed: during the writing phase it is published to a new Kafka
topic at ``--feed-rate`` events/s while ``matchflow run`` consumes it into
the served store (the run path: upserts of new rows and the summaries with
them). One ``matchflow serve`` per store (defaults: the response cache on);
each route gets ``--rate`` requests/s for ``--seconds`` from the load
generator, ``--repeats`` times. The table gives per route and store the
median p50 and p99 over the repeats and the errors of all of them; the
baseline is ``/health`` of the same server in the same phase.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.bench_api import MATCHFLOW, load_run
from benchmarks.common import kafka_server, new_database, served
from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.kafka.admin import ensure_topics
from stream.kafka.producer import EventPublisher
from stream.loader import BUNDLED_DATA, available, load
from stream.replay import replay_events
from stream.storage import open_store
from stream.storage.migrations import TIME_SERIES

LIVE_LEAGUE = "SP1"
ROUTES = (
    "/health",
    "/ready",
    "/leagues",
    "/leagues/E0/metrics",
    "/predictions?league=SP1&status=all&limit=50",
    "/predictions?status=all&limit=50",
    "/predictions?status=upcoming",
    "/matches/E0-20170811-arsenal-leicester",
    "/bets?league=E0&limit=50",
    "/bets",
    "/bets?strategy=best-flat&status=won",
    "/bankroll",
    "/bankroll?league=E0",
    "/predictions?league=SP1&market=ou25&status=all&limit=50",
    "/bets?league=E0&market=ah&limit=50",
    "/bankroll?league=E0&market=ah",
    "/models",
)


def split_events() -> tuple[list[str], list[tuple[str, str]]]:
    """(payloads of the stored history, (key, payload) of the live season)."""
    rows = load(BUNDLED_DATA, sorted(available(BUNDLED_DATA)), None).rows
    last = max(r.season for r in rows if r.league == LIVE_LEAGUE)
    live = [r for r in rows if (r.league, r.season) == (LIVE_LEAGUE, last)]
    history = [r for r in rows if (r.league, r.season) != (LIVE_LEAGUE, last)]
    return (
        [e.to_json() for e in replay_events(history)],
        [(e.league, e.to_json()) for e in replay_events(live)],
    )


def feed(bootstrap: str, topic: str, payloads: list[tuple[str, str]], rate: float, stop) -> None:
    """Publish at ``rate`` events/s until done or ``stop`` is set."""
    publisher = EventPublisher(bootstrap, topic)
    started = time.perf_counter()
    for i, (key, value) in enumerate(payloads):
        if stop.is_set():
            break
        time.sleep(max(started + i / rate - time.perf_counter(), 0))
        publisher.publish(key, value)
        if i % 50 == 0:
            publisher.flush()
    publisher.flush()


class LiveWriter:
    """A topic fed at a live rate and ``matchflow run`` consuming it into ``db``."""

    def __init__(self, bootstrap: str, db: str, payloads: list[tuple[str, str]], rate: float):
        self.topic = f"live-{uuid.uuid4().hex[:8]}"
        ensure_topics(bootstrap, [self.topic])
        self.stop = threading.Event()
        self.feeder = threading.Thread(
            target=feed, args=(bootstrap, self.topic, payloads, rate, self.stop), daemon=True
        )
        self.process = subprocess.Popen(
            [MATCHFLOW, "run", "--kafka", bootstrap, "--topic", self.topic, "--db", db],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def __enter__(self) -> LiveWriter:
        self.feeder.start()
        time.sleep(10)  # past the consumer's start-up: River loaded, rows flowing
        self.check()
        return self

    def check(self) -> None:
        if self.process.poll() is not None:
            said = self.process.stderr.read().decode() if self.process.stderr else ""
            raise SystemExit(f"the writer ended: {said[-800:]}")

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.process.terminate()
        self.process.wait(timeout=60)
        self.feeder.join(timeout=10)


def measure(db: str, seconds: float, rate: float, writer=None) -> dict[str, dict]:
    """Each route of a fresh server on ``db`` at ``rate`` for ``seconds``."""
    with served(db) as base:
        for route in ROUTES:  # warm: connections, plans, first pages
            load_run(base + route, "--mode", "rate", "--rate", "20", "--seconds", "0.5")
        results = {}
        for route in ROUTES:
            results[route] = load_run(
                base + route, "--mode", "rate", "--rate", str(rate), "--seconds", str(seconds)
            )
            if writer is not None:
                writer.check()
        return results


def uncached(db: str, requests: int = 30) -> dict[str, float]:
    """Median ms of each route one request at a time, the response cache off:
    what a page costs when it is made."""
    import httpx

    medians = {}
    with served(db, cache=False) as base, httpx.Client(base_url=base, timeout=30) as client:
        for route in ROUTES:
            times = []
            for i in range(requests + 3):  # three to warm the connection and the plans
                started = time.perf_counter()
                client.get(route).raise_for_status()
                if i >= 3:
                    times.append((time.perf_counter() - started) * 1000)
            medians[route] = statistics.median(times)
    return medians


def build_stores(
    work: Path, history: list[str], live_from: str, console: Console
) -> tuple[dict[str, str], list]:
    """The history in SQLite and in a plain and a TimescaleDB cluster."""
    from stream.services.postgres_cluster import PostgresCluster

    clusters = [
        PostgresCluster(work / "plain", timescale=False).start(),
        PostgresCluster(work / "timescaledb", timescale=True).start(),
    ]
    urls = {
        "sqlite": f"sqlite:///{work / 'full.db'}",
        "postgresql": new_database(clusters[0].url.rsplit("/", 1)[0]),
        "timescaledb": new_database(clusters[1].url.rsplit("/", 1)[0]),
    }
    for name, url in urls.items():
        started = time.perf_counter()
        run_payloads(history, url, FlowConfig())
        console.log(
            f"{name}: {len(history):,} events stored in {time.perf_counter() - started:.0f} s"
        )
    compressed = compress_as_the_policy_would(urls["timescaledb"], live_from)
    console.log(
        f"timescaledb: {compressed} chunks compressed (the policy's 30 days before the feed)"
    )
    return urls, clusters


def compress_as_the_policy_would(url: str, live_from: str) -> int:
    """Compress the chunks the compression policy would have compressed by
    the time the live season began: those ending 30 days or more before it
    (a server that has held the history for a while)."""
    n = 0
    with open_store(url, create=False) as store:
        for name in TIME_SERIES:
            n += store.fetch(
                f"SELECT count(compress_chunk(c, true)) AS n FROM show_chunks('{name}', "
                "older_than => CAST(:live AS timestamptz) - INTERVAL '30 days') c",
                {"live": live_from},
            )[0]["n"]
    return n


def every_route(seconds: float, rate: float, repeats: int, feed_rate: float) -> None:
    console = Console(width=140)  # the routes whole, in a pipe too
    work = Path(tempfile.mkdtemp(prefix="matchflow-api-routes-"))
    work.chmod(0o755)  # the postgres user must reach its cluster folders
    history, live = split_events()
    live_from = min(json.loads(payload)["ts"] for _, payload in live)
    urls, clusters = build_stores(work, history, live_from, console)
    runs: dict[tuple[str, str, str], list[dict]] = {}
    try:
        with kafka_server(work) as bootstrap:
            made = {name: uncached(url) for name, url in urls.items()}
            for repeat in range(repeats):
                for name, url in urls.items():
                    for phase, result in _phases(url, bootstrap, live, seconds, rate, feed_rate):
                        for route, measured in result.items():
                            runs.setdefault((route, name, phase), []).append(measured)
                        console.log(f"run {repeat + 1}/{repeats} {name} {phase}: done")
    finally:
        for cluster in clusters:
            cluster.stop()
    console.print(_table(runs, rate, seconds, repeats, feed_rate))
    console.print(_uncached_table(made))


def _uncached_table(made: dict[str, dict[str, float]]) -> Table:
    table = Table(title="each route made, one request at a time, response cache off: median ms")
    table.add_column("route", justify="right")
    for store in made:
        table.add_column(store, justify="right")
    for route in ROUTES:
        table.add_row(route, *(f"{made[store][route]:.1f}" for store in made))
    return table


def _phases(url, bootstrap, live, seconds, rate, feed_rate):
    yield "quiet", measure(url, seconds, rate)
    with LiveWriter(bootstrap, url, live, feed_rate) as writer:
        yield "writing", measure(url, seconds, rate, writer)


def _table(runs, rate: float, seconds: float, repeats: int, feed_rate: float) -> Table:
    table = Table(
        title=f"every GET route at {rate:.0f} req/s for {seconds:.0f} s, medians of {repeats}; "
        f"writing: matchflow run appending {feed_rate:.0f} live events/s"
    )
    for column in ("route", "store", "phase", "p50 ms", "p99 ms", "errors", "p99 / /health"):
        table.add_column(column, justify="right")
    stores = list(dict.fromkeys(store for _, store, _ in runs))
    for route, store, phase in (
        (r, s, p) for r in ROUTES for s in stores for p in ("quiet", "writing")
    ):
        results = runs[(route, store, phase)]
        p99 = statistics.median(r["p99_ms"] for r in results)
        health = statistics.median(r["p99_ms"] for r in runs[("/health", store, phase)])
        table.add_row(
            route,
            store,
            phase,
            f"{statistics.median(r['p50_ms'] for r in results):.1f}",
            f"[red]{p99:.1f}" if p99 > 25 else f"{p99:.1f}",
            str(sum(r["errors"] for r in results)),
            f"{p99 / health:.2f}",
        )
    return table


if __name__ == "__main__":
    sys.exit("run it as: uv run python -m benchmarks.bench_api --every-route")
