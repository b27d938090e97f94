"""The API's first answers after a replay of history are useful: an empty page
of upcoming matches says why, and ``/bankroll`` has one latest row per league
and strategy ([first-hour])."""

from __future__ import annotations

from fastapi.testclient import TestClient

from serving.app import create_app
from stream.config import FlowConfig, Settings
from stream.embedded import run_payloads
from tests.support.data import bundled_events


def test_after_a_replay_of_history_the_empty_upcoming_page_says_why(tmp_path):
    url = f"sqlite:///{tmp_path / 'history.db'}"
    run_payloads([e.to_json() for e in bundled_events("E0", "2017-18")], url, FlowConfig())
    with TestClient(create_app(Settings(db=url))) as client:
        page = client.get("/predictions").json()
        assert page["items"] == [] and "380 played" in page["note"]
        assert "status=all" in page["note"]
        played = client.get("/predictions", params={"status": "played"}).json()
        assert played["items"] and "note" not in played
        banks = client.get("/bankroll").json()
    # 2018-05-13: all ten last matches kicked off at once; one row each still
    assert len(banks) == len({(b["league"], b["strategy"]) for b in banks}) > 0


def test_the_openapi_page_loads_nothing_from_elsewhere(api):
    page = api.get("/docs")
    assert page.status_code == 200
    sources = [part.split('"')[1] for part in page.text.split("src=")[1:]] + [
        part.split('"')[1] for part in page.text.split("href=")[1:]
    ]
    assert sources and all(source.startswith("/docs-assets/") for source in sources), sources
    for source in sources:
        assert api.get(source).status_code == 200, source
