"""A real ``matchflow serve`` on 127.0.0.1 under hostile requests: the key is
checked before the body is read, bodies are capped, validation errors never
echo their input ([api-hardening], first part)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time

import pytest

from stream.services.ports import free_port, wait_for_port
from tests.support.processes import MATCHFLOW, ServedClient

FIXTURE = {
    "league": "E0",
    "home": "Arsenal",
    "away": "Chelsea",
    "kickoff": "2023-05-28T15:30:00+00:00",
    "odds": {"home": 2.1, "draw": 3.5, "away": 3.4},
}


@pytest.fixture(scope="module")
def server(replayed_urls):
    port = free_port()
    process = subprocess.Popen(
        [
            MATCHFLOW,
            "serve",
            "--db",
            replayed_urls[0]["sqlite"],
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MATCHFLOW_API_KEY": "secret-key"},
    )
    assert wait_for_port(port, 60), "serve did not start"
    with ServedClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        client.port = port
        yield client
    process.terminate()
    process.wait(timeout=30)


def _timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def test_no_key_is_401_before_a_large_body_is_read(server):
    body = b"[" + b",".join([b'{"type": "odds", "home": "x"}'] * 100_000) + b"]"
    assert len(body) > 2_000_000
    response, seconds = _timed(
        lambda: server.post("/events", content=body, headers={"content-type": "application/json"})
    )
    assert response.status_code == 401 and seconds < 1.0
    assert len(response.content) < 200
    wrong = server.post("/events", json=[], headers={"X-API-Key": "guess"})
    assert wrong.status_code == 401


def test_an_oversized_body_is_413_from_its_length_at_once(server):
    body = b'{"league": "E0", ' + b'"k": 1, ' * 1_200_000 + b'"x": 1}'
    response, seconds = _timed(
        lambda: server.post("/predict", content=body, headers={"content-type": "application/json"})
    )
    assert response.status_code == 413 and seconds < 1.0
    assert server.get("/health").status_code == 200


def test_an_oversized_body_without_a_length_is_413_while_streaming(server):
    def chunks():
        for _ in range(200):
            yield b" " * 1024  # whitespace: still a body, 200 KiB of it

    response = server.post(
        "/predict", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    # a body that only claims to be small is cut off too
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(
            b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for _ in range(40):
            raw.sendall(b"400\r\n" + b" " * 1024 + b"\r\n")
        raw.sendall(b"0\r\n\r\n")
        assert raw.recv(64).startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e309"])
def test_non_finite_odds_are_a_422_naming_the_field(server, value):
    body = (
        '{"league": "E0", "home": "Arsenal", "away": "Chelsea", '
        f'"kickoff": "2023-05-28T15:30:00Z", "odds": {{"home": {value}, "draw": 3.5, '
        '"away": 3.4}}'
    )
    response = server.post("/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "odds", "home"]
    assert "input" not in detail[0]


def test_many_invalid_items_give_a_few_errors_and_no_echo(server):
    items = [
        {
            "league": "E0",
            "home": "Arsenal" * 10,
            "away": 5,
            "kickoff": "soon",
            "odds": {"home": 0.5, "draw": "x", "away": None},
        }
    ] * 400
    response = server.post("/predict/batch", json=items)
    assert response.status_code == 422
    body = response.json()
    assert len(body["detail"]) == 5 and body["errors"] > 400
    assert len(response.content) < 2_000  # 400 items' errors, each bounded
    assert all(set(error) == {"loc", "msg", "type"} for error in body["detail"])


def test_a_kickoff_without_a_time_zone_is_utc(server):
    naive = server.post("/predict", json={**FIXTURE, "kickoff": "2023-05-28T15:30:00"})
    assert naive.status_code == 200, naive.text
    aware = server.post("/predict", json=FIXTURE)
    assert naive.json()["models"] == aware.json()["models"]
    assert naive.json()["kickoff"].startswith("2023-05-28T15:30:00")


def test_serving_a_store_that_does_not_exist_exits_2(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from stream.cli import app

    monkeypatch.chdir(tmp_path)  # in process: the exit code, not the start-up, is the subject
    done = CliRunner().invoke(
        app, ["serve", "--db", "sqlite:///typo.db", "--port", str(free_port())]
    )
    assert done.exit_code == 2 and "--db" in done.output and "typo.db" in done.output
    assert not (tmp_path / "typo.db").exists()


EVENT = {
    "v": 1,
    "type": "fixture",
    "match_id": "E0-20230812-arsenal-chelsea",
    "league": "E0",
    "season": "2023-24",
    "ts": "2023-08-05T14:00:00Z",
    "kickoff": "2023-08-12T14:00:00Z",
    "home": "Arsenal",
    "away": "Chelsea",
}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"away": "Arsenal"}, "away"),
        ({"match_id": "E0-x\r\ny"}, "match_id"),
        ({"match_id": "../../secrets"}, "match_id"),
        ({"ts": "9999-01-01T00:00:00Z"}, "ts"),
    ],
)
def test_hostile_events_are_a_422_naming_the_field(server, change, field):
    response = server.post(
        "/events", json=[{**EVENT, **change}], headers={"X-API-Key": "secret-key"}
    )
    assert response.status_code == 422, response.text
    # the body is one event or a list: one of the (few) errors names the field
    assert any(field in error["loc"] for error in response.json()["detail"])


def test_a_body_that_trickles_in_is_cut_off_with_408(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
        raw.sendall(
            b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 400\r\n\r\n{"
        )
        started = time.monotonic()
        answer = b""
        while not answer and time.monotonic() - started < 20:
            raw.sendall(b" ")  # one byte every half second: a slow-loris
            time.sleep(0.5)
            raw.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                answer = raw.recv(64)
            raw.setblocking(True)
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert 9 < time.monotonic() - started < 13
    assert server.get("/health").status_code == 200
