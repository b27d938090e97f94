"""Helpers shared by the integration tests: dump a store's tables in a
store-independent form, copy a SQLite store, publish events, run the consumer
or the API as a process."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx

from stream.kafka.admin import ensure_topics
from stream.kafka.producer import EventPublisher
from stream.kafka.reader import read_to_end
from stream.storage import open_store
from stream.storage.schema import TABLES

MATCHFLOW = str(Path(sys.executable).parent / "matchflow")


@contextlib.contextmanager
def serving(db: str, env: dict[str, str] | None = None):
    """A real ``matchflow serve`` on a free 127.0.0.1 port, and a client of it."""
    from stream.services.ports import free_port, wait_for_port

    port = free_port()
    process = subprocess.Popen(
        [MATCHFLOW, "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    try:
        assert wait_for_port(port, 60), "serve did not start"
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15) as client:
            yield client
    finally:
        process.terminate()
        process.wait(timeout=30)


def sqlite_copy(url: str, path) -> str:
    """A consistent copy of a SQLite store (the backup API, WAL included)."""
    source, target = sqlite3.connect(url.removeprefix("sqlite:///")), sqlite3.connect(path)
    source.backup(target)
    source.close(), target.close()
    return f"sqlite:///{path}"


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return value


def dump_tables(url: str, skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every table's rows, ordered by natural key, with times as ISO text."""
    tables = {}
    with open_store(url, create=False) as store:
        for name, table in TABLES.items():
            if name in skip:
                continue
            columns = ", ".join(table.column_names)
            rows = store.fetch(f"SELECT {columns} FROM {name} ORDER BY {', '.join(table.key)}")
            tables[name] = [tuple(_plain(row[c]) for c in table.column_names) for row in rows]
    return tables


def publish(bootstrap: str, topic: str, payloads: list[tuple[str | None, str | bytes]]) -> None:
    ensure_topics(bootstrap, [topic])
    publisher = EventPublisher(bootstrap, topic)
    for key, value in payloads:
        publisher.publish(key, value)
    publisher.flush()


def run_args(bootstrap: str, topic: str, db: str, *extra: str) -> list[str]:
    return [MATCHFLOW, "run", "--kafka", bootstrap, "--topic", topic, "--db", db, *extra]


def run_consumer(bootstrap: str, topic: str, db: str, *extra: str, timeout: float = 600) -> None:
    """``matchflow run ... --until-idle 3`` to completion; fails on a non-zero exit."""
    done = subprocess.run(
        run_args(bootstrap, topic, db, "--until-idle", "3", *extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]


def drain(bootstrap: str, topic: str) -> list[bytes]:
    """Every message value now on ``topic``, from the start of each partition."""
    return list(read_to_end(bootstrap, topic))
