"""Shared fixtures: small slices of the bundled data, replayed as events."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Model blobs are sealed with a key from this file (created on first use), not
# the user's ~/.config one; every process the tests start inherits it.
os.environ["MATCHFLOW_STATE_KEY_FILE"] = str(
    Path(tempfile.mkdtemp(prefix="matchflow-key-")) / "state.key"
)
os.environ.pop("MATCHFLOW_STATE_KEY", None)

from tests.support.data import bundled_events
from tests.support.stores import new_database


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


@pytest.fixture
def pg_url(postgres):
    return new_database(postgres)


@pytest.fixture
def topic():
    return f"events-{uuid.uuid4().hex[:10]}"
