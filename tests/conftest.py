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
from tests.support.stores import PG_KINDS  # noqa: E402


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


# What `make check` leaves out (`make test` runs everything):
# - services: tests that start Kafka or PostgreSQL (through the fixtures below
#   or on their own) or a program the machine may lack (docker compose,
#   chromium, prometheus, a fresh uv);
# - slow: tests over ~8 s on their own: replays of many seasons (the
#   acceptance replays, MLflow backtests, replays as subprocesses), the
#   schema fuzz and the abuse of a real server.
SERVICE_FIXTURES = {"kafka", "postgres", "pg_url", "dashboard_db", "broker"}
SERVICE_MODULES = {
    "test_deploy.py",
    "test_bootstrap.py",
    "test_prometheus.py",
    "test_report.py",
    "test_dev.py",
}
SERVICE_TESTS = {"test_a_postgres_that_goes_away_is_a_fast_503"}
SLOW_MODULES = {
    "tests/test_acceptance.py",
    "tests/models/test_snapshots.py",
    "tests/stream/test_interrupts.py",
    "tests/stream/test_recompute.py",
    "tests/stream/cli/test_models_commands.py",
    "tests/serving/test_fuzz.py",
    "tests/serving/test_abuse_limits.py",
    "tests/stream/test_loader_broken_csv.py",
}
SLOW_TESTS = {
    "test_a_second_replay_recomputes_its_league_and_keeps_the_others",
    "test_the_command_gives_the_same_summary_with_two_processes",
    "test_two_processes_write_the_rows_of_one",
    "test_slow_bodies_get_408_and_connections_over_the_limit_503",
    "test_a_body_that_trickles_in_is_cut_off_with_408",
    "test_a_locked_sqlite_file_is_a_fast_503_and_health_does_not_wait",
    "test_a_deleted_sqlite_file_is_not_ready_and_a_replaced_one_is_served",
    "test_replay_reports_its_snapshots",
    "test_unreachable_broker_is_one_error_line_within_seconds",
}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "services: starts Kafka, PostgreSQL or an outside program (not in make check)"
    )
    config.addinivalue_line("markers", "slow: a replay of many seasons (not in make check)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_postgres = any(params.get(name, "sqlite") != "sqlite" for name in ("api", "kind"))
        fixtures = set(getattr(item, "fixturenames", ()))
        name = getattr(item, "originalname", item.name)
        if (
            fixtures & SERVICE_FIXTURES
            or on_postgres
            or item.path.name in SERVICE_MODULES
            or name in SERVICE_TESTS
        ):
            item.add_marker(pytest.mark.services)
        if item.nodeid.split("::")[0] in SLOW_MODULES or name in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


def pytest_report_header(config):
    if len(PG_KINDS) == 2:
        return "PostgreSQL tests: on plain PostgreSQL and on TimescaleDB"
    return "PostgreSQL tests: on plain PostgreSQL only (no TimescaleDB installed here)"


class PgClusters:
    """One test cluster per kind, started on first use, stopped at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.started = folder, {}

    def get(self, kind: str) -> PostgresCluster:
        if kind not in self.started:
            cluster = PostgresCluster(self.folder / f"postgres-{kind}", timescale=kind != "plain")
            self.started[kind] = cluster.start()
        return self.started[kind]

    def stop(self) -> None:
        for cluster in self.started.values():
            cluster.stop()


@pytest.fixture(scope="session")
def pg_clusters(services_dir):
    clusters = PgClusters(services_dir)
    yield clusters
    clusters.stop()


@pytest.fixture(scope="session", params=PG_KINDS)
def postgres(request, pg_clusters):
    """A running cluster of each kind this machine has (tests run once per kind)."""
    return pg_clusters.get(request.param)


@pytest.fixture
def pg_url(postgres):
    return new_database(postgres)


@pytest.fixture
def topic():
    return f"events-{uuid.uuid4().hex[:10]}"
