"""A real ``matchflow serve`` whose store fails under it: a locked SQLite file,
a deleted or replaced one, a PostgreSQL that goes away. Requests get a 503
with ``Retry-After`` within about two seconds; ``/health`` never waits."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import httpx

from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.services.postgres_cluster import PostgresCluster
from tests.support.data import bundled_events
from tests.support.processes import serving
from tests.support.stores import sqlite_copy


def _timed(client, path):
    started = time.perf_counter()
    response = client.get(path)
    return response, time.perf_counter() - started


def _health_while(client, seconds: float) -> tuple[list[float], threading.Thread]:
    """Latencies of /health polled from another thread for ``seconds``."""
    latencies: list[float] = []

    def poll():
        deadline = time.monotonic() + seconds
        with httpx.Client(base_url=str(client.base_url), timeout=15) as other:
            while time.monotonic() < deadline:
                latencies.append(_timed(other, "/health")[1])
                time.sleep(0.05)

    thread = threading.Thread(target=poll)
    thread.start()
    return latencies, thread


def test_a_locked_sqlite_file_is_a_fast_503_and_health_does_not_wait(replayed_urls, tmp_path):
    db = sqlite_copy(replayed_urls[0]["sqlite"], tmp_path / "locked.db")
    with serving(db) as client:
        # Another process holds the file exclusively (a WAL store lets readers in
        # past an ordinary writer, so this is the lock that can shut them out).
        holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE matches SET status = status WHERE match_id = 'none'")
        latencies, thread = _health_while(client, 4.0)
        for path in ("/leagues", "/bets", "/predictions?league=E0", "/ready"):
            response, seconds = _timed(client, path)
            assert response.status_code == 503, (path, response.text)
            assert seconds < 3.0 and response.headers.get("retry-after") == "2", path
        thread.join()
        assert latencies and max(latencies) < 0.1, max(latencies)
        holder.execute("ROLLBACK")
        holder.close()
        assert client.get("/leagues").status_code == 200


def test_a_deleted_sqlite_file_is_not_ready_and_a_replaced_one_is_served(replayed_urls, tmp_path):
    db = sqlite_copy(replayed_urls[0]["sqlite"], tmp_path / "served.db")
    with serving(db) as client:
        assert client.get("/ready").status_code == 200
        leagues = client.get("/leagues").json()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{tmp_path / 'served.db'}{suffix}")
        gone, seconds = _timed(client, "/ready")
        assert gone.status_code == 503 and seconds < 3.0 and "gone" in gone.text
        assert client.get("/bets").status_code == 503
        other = tmp_path / "other.db"
        run_payloads(
            [e.to_json() for e in bundled_events("SP1", "2022-23")],
            f"sqlite:///{other}",
            FlowConfig(),
        )
        shutil.copy(other, tmp_path / "served.db.tmp")
        os.replace(tmp_path / "served.db.tmp", tmp_path / "served.db")
        assert client.get("/ready").status_code == 200
        now = client.get("/leagues").json()
        assert [row["league"] for row in now] == ["SP1"] != [row["league"] for row in leagues]


def test_a_postgres_that_goes_away_is_a_fast_503():
    folder = Path(tempfile.mkdtemp(prefix="matchflow-pg-"))
    folder.chmod(0o755)  # the postgres user must reach its cluster folder
    cluster = PostgresCluster(folder / "pg").start()
    try:
        run_payloads(
            [e.to_json() for e in bundled_events("E0", "2022-23")][:800], cluster.url, FlowConfig()
        )
        with serving(cluster.url) as client:
            assert client.get("/bets").status_code == 200
            cluster.stop()
            # pages not in the response cache (a cached one is served for up
            # to 2 s after its query, as with a live store)
            for path in ("/bets?limit=7", "/leagues/E0/metrics", "/leagues", "/ready"):
                response, seconds = _timed(client, path)
                assert response.status_code == 503, (path, response.text)
                assert seconds < 3.0, (path, seconds)
            health, seconds = _timed(client, "/health")
            assert health.status_code == 200 and seconds < 0.1
    finally:
        with contextlib.suppress(Exception):
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
