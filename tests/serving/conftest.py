"""An API over each store after a real replay: E0 2021-22 and 2022-23 with the
last 20 results held back, so there are upcoming matches to predict."""

from __future__ import annotations

import warnings

import pytest

from serving.app import create_app
from stream.config import FlowConfig, Settings
from stream.embedded import run_payloads
from tests.support.data import replay_with_upcoming
from tests.support.stores import new_database

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)


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
