"""What the benchmarks share: the event-selection flags and loading them."""

from __future__ import annotations

import argparse
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stream.loader import BUNDLED_DATA, available, load
from stream.replay import replay_events


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (else exit 2 naming it)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def event_arguments(
    description: str, leagues: str = "E0", seasons: str = "2005-06:2022-23", repeats: int = 3
) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--leagues", default=leagues, help="comma-separated codes, or all")
    parser.add_argument("--seasons", default=seasons, help="FIRST:LAST")
    parser.add_argument("--repeats", type=positive_int, default=repeats)
    return parser.parse_args()


def selected_events(leagues: str, seasons: str) -> tuple[list[str], list]:
    """(league codes, events in replay order) for the flags' selection."""
    codes = sorted(available(BUNDLED_DATA)) if leagues == "all" else leagues.split(",")
    low, high = seasons.split(":")
    rows = [r for r in load(BUNDLED_DATA, codes, None).rows if low <= r.season <= high]
    return codes, replay_events(rows)


def median_table(title: str, label: str, times: dict[str, list[float]], events: int, baseline: str):
    """Median seconds, events/s and ratio to ``baseline`` for each kind of run."""
    import statistics

    from rich.table import Table

    base = statistics.median(times[baseline])
    table = Table(title=title)
    for column in (label, "median s", "events/s", f"ratio to {baseline}"):
        table.add_column(column, justify="right")
    for name, values in times.items():
        median = statistics.median(values)
        table.add_row(name, f"{median:.2f}", f"{events / median:,.0f}", f"{median / base:.3f}")
    return table


@contextmanager
def postgres_server(work: Path) -> Iterator[str]:
    """A PostgreSQL server URL without a database: ``MATCHFLOW_PG`` when set,
    else a throwaway cluster in ``work``, stopped on the way out."""
    if server := os.environ.get("MATCHFLOW_PG"):
        yield server
        return
    from stream.services.postgres_cluster import PostgresCluster

    cluster = PostgresCluster(work / "pg").start()
    try:
        yield cluster.url.rsplit("/", 1)[0]
    finally:
        cluster.stop()


@contextmanager
def kafka_server(work: Path) -> Iterator[str]:
    """A Kafka bootstrap address: ``MATCHFLOW_KAFKA`` when set, else a
    throwaway broker in ``work``, stopped on the way out."""
    if bootstrap := os.environ.get("MATCHFLOW_KAFKA"):
        yield bootstrap
        return
    from stream.services.kafka_broker import KafkaBroker

    broker = KafkaBroker(work / "kafka").start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


def new_database(server: str, prefix: str = "bench") -> str:
    """The URL of a fresh, empty database on ``server``."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


@contextmanager
def served(db: str, cache: bool = True, wait: float = 60) -> Iterator[str]:
    """``matchflow serve`` on ``db`` at a free port (the response cache on or
    off): its base URL, the server stopped on the way out."""
    import subprocess
    import sys

    from stream.services.ports import free_port, wait_for_port

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "matchflow"), "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "MATCHFLOW_RESPONSE_CACHE": "true" if cache else "false"},
    )
    try:
        if not wait_for_port(port, wait):
            ended = server.poll() is not None and server.stderr is not None
            said = server.stderr.read().decode() if ended and server.stderr else ""
            raise SystemExit(f"matchflow serve did not start: {said[-500:]}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
