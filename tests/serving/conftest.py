"""An API over each store after a real replay: E0 2021-22 and 2022-23 with the
last 20 results held back, so there are upcoming matches to predict."""

from __future__ import annotations

import warnings

import pytest

from serving.app import create_app
from stream.config import FlowConfig, Settings
from stream.embedded import run_payloads
from tests.support.data import replay_with_upcoming
from tests.support.stores import PG_KINDS, new_database

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)


class ReplayedStores(dict):
    """The same replay in each store, made on first use: "sqlite", and one
    PostgreSQL database per cluster kind ("plain", "timescaledb")."""

    def __init__(self, folder, clusters) -> None:
        super().__init__()
        self.folder, self.clusters = folder, clusters
        self.payloads, self.upcoming = replay_with_upcoming()

    def __missing__(self, kind: str) -> str:
        if kind == "sqlite":
            url = f"sqlite:///{self.folder / 'api.db'}"
        else:
            url = new_database(self.clusters.get(kind))
        run_payloads(self.payloads, url, FlowConfig())
        self[kind] = url
        return url


@pytest.fixture(scope="session")
def replayed_urls(tmp_path_factory, pg_clusters):
    stores = ReplayedStores(tmp_path_factory.mktemp("api"), pg_clusters)
    return stores, stores.upcoming


@pytest.fixture(scope="session", params=["sqlite", *PG_KINDS])
def api(request, replayed_urls):
    from fastapi.testclient import TestClient

    urls, upcoming = replayed_urls
    app = create_app(Settings(db=urls[request.param], api_key="secret-key"))
    with TestClient(app) as client:
        client.upcoming = upcoming
        yield client
