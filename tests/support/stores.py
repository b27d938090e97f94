"""Stores in the tests: a new PostgreSQL database, a copy of a SQLite file,
and a store's tables in a store-independent form."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime

from stream.services.postgres_cluster import PostgresCluster, timescaledb_installed
from stream.storage import open_store
from stream.storage.schema import TABLES, Table

READER_PASSWORD = "reader-secret"  # the read-only role's login in the tests

# Every PostgreSQL test runs on plain PostgreSQL and, where the machine has
# TimescaleDB (`make test` installs it from ../shared when it can), on a
# cluster that preloads it: one cluster per kind.
PG_KINDS = ("plain", "timescaledb") if timescaledb_installed() else ("plain",)


def new_database(cluster: PostgresCluster) -> str:
    """A new, empty database on the cluster; returns its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    server = cluster.url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def sqlite_copy(url: str, path) -> str:
    """A consistent copy of a SQLite store (the backup API, WAL included)."""
    source, target = sqlite3.connect(url.removeprefix("sqlite:///")), sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{path}"


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return value


def dump_tables(
    url: str, skip: tuple[str, ...] = (), tables: dict[str, Table] = TABLES
) -> dict[str, list[tuple]]:
    """Every table's rows (of ``tables``: the data tables unless told),
    ordered by natural key, with times as ISO text."""
    dumped = {}
    with open_store(url, create=False) as store:
        for name, table in tables.items():
            if name in skip:
                continue
            columns = ", ".join(table.column_names)
            rows = store.fetch(f"SELECT {columns} FROM {name} ORDER BY {', '.join(table.key)}")
            dumped[name] = [tuple(_plain(row[c]) for c in table.column_names) for row in rows]
    return dumped
