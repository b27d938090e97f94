"""An API over each store after a real replay: E0 2021-22 and 2022-23 with the
last 20 results held back, so there are upcoming matches to predict."""

from __future__ import annotations

import warnings

import pytest

from serving.app import create_app
from stream.config import FlowConfig, Settings
from stream.embedded import run_payloads
from tests.support.data import bundled_events
from tests.support.stores import new_database

HELD_BACK = 20

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)


def replay_with_upcoming() -> tuple[list[str], list[str]]:
    """Payloads, and the ids of the matches whose results are held back."""
    events = list(bundled_events("E0", "2021-22", "2022-23"))
    results = [e for e in events if e.type == "result"]
    upcoming = {e.match_id for e in results[-HELD_BACK:]}
    kept = [e for e in events if not (e.type == "result" and e.match_id in upcoming)]
    return [e.to_json() for e in kept], sorted(upcoming)


@pytest.fixture(scope="session")
def replayed_urls(tmp_path_factory, postgres):
    payloads, upcoming = replay_with_upcoming()
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.db'}"
    pg = new_database(postgres)
    for url in (sqlite_url, pg):
        run_payloads(payloads, url, FlowConfig())
    return {"sqlite": sqlite_url, "postgres": pg}, upcoming


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def api(request, replayed_urls):
    from fastapi.testclient import TestClient

    urls, upcoming = replayed_urls
    app = create_app(Settings(db=urls[request.param], api_key="secret-key"))
    with TestClient(app) as client:
        client.upcoming = upcoming
        yield client
