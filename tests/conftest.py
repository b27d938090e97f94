"""Shared fixtures: small slices of the bundled data, replayed as events."""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest

# Model blobs are sealed with a key from this file (created on first use), not
# the user's ~/.config one; every process the tests start inherits it.
os.environ["MATCHFLOW_STATE_KEY_FILE"] = str(
    Path(tempfile.mkdtemp(prefix="matchflow-key-")) / "state.key"
)
os.environ.pop("MATCHFLOW_STATE_KEY", None)

from stream.loader import BUNDLED_DATA, load
from stream.replay import replay_events


@lru_cache(maxsize=8)
def bundled_events(league: str, *seasons: str) -> tuple:
    rows = load(BUNDLED_DATA, [league], list(seasons)).rows
    return tuple(replay_events(rows))


@pytest.fixture(scope="session")
def e0_two_seasons() -> tuple:
    """E0 2016-17 and 2017-18: 760 matches, Pinnacle pre and closing odds."""
    return bundled_events("E0", "2016-17", "2017-18")


# -- real services (started once per session, only by the tests that need them) --

import uuid  # noqa: E402

from stream.services.kafka_broker import KafkaBroker  # noqa: E402
from stream.services.postgres_cluster import PostgresCluster  # noqa: E402


@pytest.fixture(scope="session")
def services_dir():
    folder = Path(tempfile.mkdtemp(prefix="matchflow-services-"))
    folder.chmod(0o755)  # the postgres user must reach its cluster folder
    return folder


@pytest.fixture(scope="session")
def kafka(services_dir):
    broker = KafkaBroker(services_dir / "kafka").start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def postgres(services_dir):
    cluster = PostgresCluster(services_dir / "postgres").start()
    yield cluster
    cluster.stop()


def new_database(cluster: PostgresCluster) -> str:
    """A new, empty database on the cluster; returns its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    server = cluster.url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


@pytest.fixture
def pg_url(postgres):
    return new_database(postgres)


@pytest.fixture
def topic():
    return f"events-{uuid.uuid4().hex[:10]}"
