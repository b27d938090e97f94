"""The API reads and never writes: PostgreSQL through the read-only role,
SQLite opened read-only, no migrations at start-up ([api-hardening])."""

from __future__ import annotations

import sqlite3
import subprocess

import psycopg
import pytest

from serving.deps import StoreProvider
from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.records import Record
from stream.storage.migrations import READER_ROLE
from stream.storage.postgres import PostgresStore
from tests.support.data import bundled_events
from tests.support.processes import MATCHFLOW, serving
from tests.support.stores import new_database

FIXTURE = {
    "league": "E0",
    "home": "Arsenal",
    "away": "Chelsea",
    "kickoff": "2023-05-28T15:30:00+00:00",
    "odds": {"home": 2.1, "draw": 3.5, "away": 3.4},
}


def _as_reader(url: str, password: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{READER_ROLE}:{password}@{rest.split('@', 1)[1]}"


def test_the_api_serves_postgres_as_the_read_only_role(postgres):
    url = new_database(postgres)  # a database of its own: only the API connects to it
    run_payloads([e.to_json() for e in bundled_events("E0", "2022-23")], url, FlowConfig())
    writer = PostgresStore(url, reader_password="reader-secret")
    writer.create_schema()  # the writer's start-up gives the role its login
    writer.close()
    reader = _as_reader(url, "reader-secret")
    with serving(reader) as client:
        assert client.get("/ready").status_code == 200
        page = client.get("/predictions", params={"league": "E0", "status": "all"}).json()
        assert page["items"]
        assert client.post("/predict", json=FIXTURE).status_code == 200
        with psycopg.connect(url) as admin:
            users = {
                row[0]
                for row in admin.execute(
                    "SELECT usename FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                    # not TimescaleDB's job scheduler, a background worker of the owner
                )
            }
        assert users == {READER_ROLE}
    with psycopg.connect(reader) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("DELETE FROM predictions")


def test_serve_refuses_a_database_nobody_migrated_and_migrate_makes_it(postgres):
    url = new_database(postgres)
    refused = subprocess.run(
        [MATCHFLOW, "serve", "--db", url], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2 and "matchflow migrate" in refused.stderr
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,)
    done = subprocess.run(
        [MATCHFLOW, "migrate", "--db", url], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "schema version" in done.stdout
    with psycopg.connect(url) as conn:
        (applied,) = conn.execute("SELECT count(*) FROM schema_migrations").fetchone() or (0,)
        assert applied >= 6


def test_the_api_opens_sqlite_read_only(replayed_urls):
    store = StoreProvider(replayed_urls[0]["sqlite"]).get()
    assert store.fetch("SELECT count(*) AS n FROM predictions")[0]["n"] > 0
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        store.write([Record("model_state", {"league": "XX", "model": "arf", "drifts": 1})])
