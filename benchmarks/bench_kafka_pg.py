"""Kafka -> Bytewax -> PostgreSQL against the embedded run, same events, same run.

Starts a throwaway Kafka broker and PostgreSQL cluster on 127.0.0.1 (or uses
``MATCHFLOW_KAFKA``/``MATCHFLOW_PG`` when set), publishes the replay once, then
runs embedded (replay source -> SQLite) and Kafka (topic -> PostgreSQL) in
pairs, back to back, the order swapped every pair, each from a collected heap.
The ratio is the median of the pairs' own ratios (a pair shares the machine's
mood), with their spread; the table gives the medians of each kind of run. Also: the raw consume rate of the topic with no
processing, and PostgreSQL's upsert rate for the rows one replay writes.

    uv run python -m benchmarks.bench_kafka_pg [--leagues E0] [--repeats 3]
"""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition
from rich.console import Console
from rich.table import Table

from benchmarks.bench_dataflow import plain_loop
from benchmarks.common import (
    event_arguments,
    kafka_server,
    new_database,
    postgres_server,
    selected_events,
)
from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.kafka.admin import ensure_topics, partitions_of
from stream.kafka.producer import EventPublisher
from stream.kafka_run import KafkaRun, run_kafka
from stream.league import LeagueProcessor
from stream.records import Record
from stream.storage import open_store

IDLE = 1.0
KEY = b"bench-kafka-pg-key" * 2
console = Console()


def raw_consume(bootstrap: str, topic: str, expected: int) -> float:
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": uuid.uuid4().hex, "enable.auto.commit": False}
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in partitions_of(bootstrap, topic)])
    seen, started = 0, time.perf_counter()
    while seen < expected:
        seen += sum(1 for m in consumer.consume(1000, timeout=1) if m.error() is None)
    elapsed = time.perf_counter() - started
    consumer.close()
    return elapsed


def embedded_run(payloads: list[str], url: str) -> float:
    return run_payloads(payloads, url, FlowConfig(), key=KEY).seconds


def published_topic(bootstrap: str, events: list, payloads: list[str]) -> tuple[str, float]:
    """A new topic holding the replay, keyed by league; and the seconds publishing took."""
    topic = f"bench-{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, [topic])
    publisher = EventPublisher(bootstrap, topic)
    started = time.perf_counter()
    for event, payload in zip(events, payloads):
        publisher.publish(event.league, payload)
    publisher.flush()
    return topic, time.perf_counter() - started


def kafka_run(bootstrap: str, topic: str, url: str) -> float:
    """Seconds of Kafka -> Bytewax -> the store at ``url``, less the idle wait."""
    started = time.perf_counter()
    run_kafka(
        KafkaRun(bootstrap=bootstrap, topic=topic, db_url=url, until_idle=IDLE, key=KEY),
        FlowConfig(),
    )
    return time.perf_counter() - started - IDLE


def upsert_rate(payloads: list[str], url: str) -> tuple[int, float]:
    """Rows/s of writing one replay's records, in the batches the sink sees."""
    from stream.dataflow import parse_payload

    processors: dict[str, LeagueProcessor] = {}
    batches, batch = [], []
    for i, payload in enumerate(payloads):
        event = parse_payload(payload)
        assert not isinstance(event, Record), event.row["reason"]  # a replay's payloads are valid
        processor = processors.setdefault(event.league, LeagueProcessor(event.league, FlowConfig()))
        batch.extend(processor.process(event))
        if i % 500 == 499:
            batches.append(batch)
            batch = []
    batches.append(batch)
    with open_store(url) as store:
        started = time.perf_counter()
        rows = sum(store.write(b) for b in batches)
        return rows, time.perf_counter() - started


def main() -> None:
    args = event_arguments(__doc__.splitlines()[0])
    _codes, events = selected_events(args.leagues, args.seasons)
    payloads = [e.to_json() for e in events]

    work = Path(tempfile.mkdtemp(prefix="matchflow-bench-"))
    work.chmod(0o755)
    with postgres_server(work) as server, kafka_server(work) as bootstrap:
        topic, publish_s = published_topic(bootstrap, events, payloads)

        times: dict[str, list[float]] = {
            "embedded (replay -> SQLite)": [],
            "Kafka -> Bytewax -> PostgreSQL": [],
            "raw consume (no processing)": [],
        }
        for i in range(args.repeats):
            url = f"sqlite:///{work / f'embedded-{i}.db'}"
            runs = [
                ("embedded (replay -> SQLite)", partial(embedded_run, payloads, url)),
                (
                    "Kafka -> Bytewax -> PostgreSQL",
                    partial(kafka_run, bootstrap, topic, new_database(server)),
                ),
            ]
            for name, run in runs if i % 2 == 0 else runs[::-1]:
                gc.collect()  # no run pays for the garbage of the one before
                times[name].append(run())
            times["raw consume (no processing)"].append(
                raw_consume(bootstrap, topic, len(payloads))
            )
            console.log(
                f"run {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items())
            )
        started = time.perf_counter()
        plain_loop(payloads, FlowConfig())
        loop_s = time.perf_counter() - started
        pg_rows, pg_s = upsert_rate(payloads, new_database(server))
        sqlite_rows, sqlite_s = upsert_rate(payloads, f"sqlite:///{work / 'rate.db'}")

    base = len(payloads) / statistics.median(times["embedded (replay -> SQLite)"])
    table = Table(
        title=f"{len(payloads)} events ({args.leagues} {args.seasons}), "
        f"median of {args.repeats}; published at {len(payloads) / publish_s:,.0f}/s"
    )
    for column in ("run", "median s", "events/s", "ratio to embedded"):
        table.add_column(column, justify="right")
    for name, values in times.items():
        rate = len(payloads) / statistics.median(values)
        table.add_row(
            name, f"{statistics.median(values):.2f}", f"{rate:,.0f}", f"{rate / base:.2f}"
        )
    table.add_row(
        "plain loop, no store (once)",
        f"{loop_s:.2f}",
        f"{len(payloads) / loop_s:,.0f}",
        f"{len(payloads) / loop_s / base:.2f}",
    )
    console.print(table)
    ratios = sorted(
        embedded / kafka
        for embedded, kafka in zip(
            times["embedded (replay -> SQLite)"], times["Kafka -> Bytewax -> PostgreSQL"]
        )
    )
    console.print(
        f"Kafka path / embedded (events/s), pair by pair: median {statistics.median(ratios):.3f}, "
        f"spread {ratios[0]:.3f}-{ratios[-1]:.3f} over {len(ratios)} pairs"
    )
    console.print(
        f"PostgreSQL upserts (COPY + INSERT ... ON CONFLICT): {pg_rows} rows in "
        f"{pg_s:.2f} s = {pg_rows / pg_s:,.0f} rows/s; SQLite: "
        f"{sqlite_rows / sqlite_s:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
