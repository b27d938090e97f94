"""Live: while ``matchflow run`` consumes Kafka, events pushed through
``POST /events`` show up in ``GET /predictions`` within two seconds plus the
allowed lateness (the longest a quote is held for event-time order); the
dataflow's own Prometheus metrics count them."""

import os
import subprocess
import time
import urllib.request

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from stream.config import Settings
from stream.kafka.admin import ensure_topics
from stream.services.ports import free_port, wait_for_port
from tests.support.processes import run_args

KEY = {"X-API-Key": "live-key"}


def _fixture(match, kickoff="2030-08-10T15:00:00Z"):
    return {
        "v": 1,
        "type": "fixture",
        "match_id": match,
        "league": "LV",
        "season": "2030-31",
        "ts": "2030-08-01T10:00:00Z",
        "kickoff": kickoff,
        "home": f"{match}-home",
        "away": f"{match}-away",
    }


def _odds(match):
    return {
        "v": 1,
        "type": "odds",
        "match_id": match,
        "league": "LV",
        "season": "2030-31",
        "ts": "2030-08-09T10:00:00Z",
        "phase": "pre",
        "bookmaker": "pinnacle",
        "home": 2.2,
        "draw": 3.4,
        "away": 3.3,
    }


def _wait_for(client, match, needs_prediction, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = client.get("/predictions", params={"status": "all", "limit": 500}).json()
        found = [i for i in items.get("items", []) if i["match_id"] == match]
        if found and (found[0]["prediction"] is not None or not needs_prediction):
            return found[0]
        time.sleep(0.05)
    return None


@pytest.mark.parametrize("lateness", [0, 3])
def test_pushed_events_are_predicted_within_two_seconds_of_the_lateness(
    kafka, pg_url, topic, lateness
):
    ensure_topics(kafka.bootstrap, [topic])
    metrics_port = free_port()
    consumer = subprocess.Popen(
        run_args(kafka.bootstrap, topic, pg_url, "--metrics-port", str(metrics_port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "MATCHFLOW_ALLOWED_LATENESS": str(lateness)},
    )
    try:
        settings = Settings(db=pg_url, kafka=kafka.bootstrap, topic=topic, api_key="live-key")
        with TestClient(create_app(settings)) as client:
            warm = client.post("/events", json=_fixture("LV-warmup"), headers=KEY)
            assert warm.status_code == 202, warm.text
            assert _wait_for(client, "LV-warmup", False, 60 + lateness), "never caught up"

            started = time.monotonic()
            pushed = client.post(
                "/events", json=[_fixture("LV-live"), _odds("LV-live")], headers=KEY
            )
            assert pushed.status_code == 202 and pushed.json()["accepted"] == 2
            item = _wait_for(client, "LV-live", True, 10 + lateness)
            elapsed = time.monotonic() - started
            assert item is not None and item["prediction"]["moment"] == "pre"
            assert lateness <= elapsed <= lateness + 2.0, f"took {elapsed:.2f} s"

        assert wait_for_port(metrics_port, 10)
        text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics").read().decode()
        assert 'matchflow_events_total{league="LV",type="odds"} 1.0' in text
        assert 'matchflow_events_total{league="LV",type="fixture"} 2.0' in text
        assert "matchflow_consumer_lag" in text and "matchflow_recovery_age_seconds" in text
    finally:
        consumer.kill()
        consumer.wait()
