"""``POST /events`` against a real broker that stops answering: the request
learns its own events' fate within seconds, and a retry with the same
``Idempotency-Key`` publishes each event once ([api-hardening])."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter

import httpx
import pytest

from stream.kafka.admin import ensure_topics
from stream.kafka.reader import read_to_end
from stream.services.kafka_broker import KafkaBroker
from stream.services.ports import free_port, wait_for_port
from tests.support.processes import MATCHFLOW

KEY = {"X-API-Key": "delivery-key"}
TOPIC = "delivery-events"


def _fixture(match: str) -> dict:
    return {
        "v": 1,
        "type": "fixture",
        "match_id": match,
        "league": "LV",
        "season": "2030-31",
        "ts": "2030-08-01T10:00:00Z",
        "kickoff": "2030-08-10T15:00:00Z",
        "home": f"{match}-home",
        "away": f"{match}-away",
    }


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    """A broker of its own: this module pauses it."""
    broker = KafkaBroker(tmp_path_factory.mktemp("paused-kafka")).start()
    ensure_topics(broker.bootstrap, [TOPIC])
    yield broker
    os.killpg(broker.process.pid, signal.SIGCONT)
    broker.stop()


@pytest.fixture(scope="module")
def server(broker, replayed_urls):
    port = free_port()
    process = subprocess.Popen(
        [
            MATCHFLOW,
            "serve",
            "--db",
            replayed_urls[0]["sqlite"],
            "--port",
            str(port),
            "--kafka",
            broker.bootstrap,
            "--topic",
            TOPIC,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MATCHFLOW_API_KEY": "delivery-key"},
    )
    assert wait_for_port(port, 60), "serve did not start"
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        yield client
    process.terminate()
    process.wait(timeout=30)


def _published(broker) -> Counter:
    return Counter(json.loads(value)["match_id"] for value in read_to_end(broker.bootstrap, TOPIC))


def test_a_paused_broker_is_a_503_that_counts_this_requests_events_and_a_retry_is_not_doubled(
    server, broker
):
    assert server.post("/events", json=_fixture("warm-up"), headers=KEY).status_code == 202
    batch = [_fixture(f"paused-{n}") for n in range(24)]
    headers = {**KEY, "Idempotency-Key": "batch-0001"}
    os.killpg(broker.process.pid, signal.SIGSTOP)
    try:
        started = time.perf_counter()
        paused = server.post("/events", json=batch, headers=headers)
        seconds = time.perf_counter() - started
        assert server.get("/health").status_code == 200
    finally:
        os.killpg(broker.process.pid, signal.SIGCONT)
    assert paused.status_code == 503 and seconds < 8, (paused.status_code, seconds)
    body = paused.json()
    print(f"\npaused broker: {paused.status_code} in {seconds:.2f} s: {body}")
    assert body["delivered"] < 24 and body["pending"] > 0
    assert "may still be delivered" in body["detail"] and paused.headers["Retry-After"]
    # the client retries until Kafka confirms: nothing is published twice
    deadline = time.monotonic() + 90
    while (retry := server.post("/events", json=batch, headers=headers)).status_code != 202:
        assert retry.status_code == 503 and time.monotonic() < deadline, retry.text
    assert retry.json()["accepted"] == 24
    again = server.post("/events", json=batch, headers=headers)
    assert again.status_code == 202
    counts = _published(broker)
    print(f"published per event: {sorted(set(counts.values()))}")
    assert all(counts[f"paused-{n}"] == 1 for n in range(24)), counts


def test_a_key_reused_for_another_body_is_a_409(server):
    headers = {**KEY, "Idempotency-Key": "batch-0002"}
    assert server.post("/events", json=_fixture("first"), headers=headers).status_code == 202
    other = server.post("/events", json=_fixture("second"), headers=headers)
    assert other.status_code == 409 and "another body" in other.json()["detail"]


def test_a_malformed_key_is_a_422_naming_the_header(server):
    bad = server.post("/events", json=_fixture("x"), headers={**KEY, "Idempotency-Key": "a\tb"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
