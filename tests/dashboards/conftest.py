"""A PostgreSQL store after a real replay, for the dashboards and the report:
E0 and SP1 2020-21..2022-23 with each league's last 20 results held back (so
there are upcoming matches and open bets), the last season's results mirrored
(home and away goals swapped: a real change of concept, so the drift monitor
alarms) and MLflow snapshots, so that every panel has rows to show."""

from __future__ import annotations

import pytest

from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.snapshots import SnapshotOptions
from stream.storage.postgres import PostgresStore
from tests.support.data import DASHBOARD_LEAGUES as LEAGUES
from tests.support.data import bundled_events
from tests.support.stores import READER_PASSWORD, new_database

HELD_BACK = 20
MIRRORED = "2022-23"


def _mirrored(result):
    return result.model_copy(
        update={"home_goals": result.away_goals, "away_goals": result.home_goals}
    )


def payloads_with_upcoming() -> list[str]:
    events = []
    for league in LEAGUES:
        league_events = list(bundled_events(league, "2020-21", "2021-22", "2022-23", goals=True))
        league_events = [
            _mirrored(e) if e.type == "result" and e.season == MIRRORED else e
            for e in league_events
        ]
        results = [e for e in league_events if e.type == "result"]
        held = {e.match_id for e in results[-HELD_BACK:]}
        events += [e for e in league_events if not (e.type == "result" and e.match_id in held)]
    events.sort(key=lambda e: e.ts)
    return [e.to_json() for e in events]


@pytest.fixture(scope="session")
def dashboard_db(postgres, tmp_path_factory):
    url = new_database(postgres)
    mlflow = tmp_path_factory.mktemp("mlflow")
    options = SnapshotOptions(tracking_uri=f"sqlite:///{mlflow / 'mlflow.db'}", min_interval=2.0)
    run_payloads(payloads_with_upcoming(), url, FlowConfig(monitor_delta=0.2), snapshot=options)
    store = PostgresStore(url, reader_password=READER_PASSWORD)
    store.create_schema()  # gives the read-only role its login
    store.close()
    return url
