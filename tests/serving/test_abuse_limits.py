"""A real ``matchflow serve`` under load meant to exhaust it: 300 connections
that trickle their bodies, and the abusive requests of [api-hardening]. The
server sheds what is over its connection limit with 503s at once, cuts slow
bodies off with 408s, keeps answering, and gives its memory back."""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import subprocess
import time
from typing import cast

import pytest

from stream.services.ports import free_port, wait_for_port
from tests.support.processes import MATCHFLOW, ServedClient

LIMIT = 250
SLOW = 300


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def server(replayed_urls):
    port = free_port()
    process = subprocess.Popen(
        [MATCHFLOW, "serve", "--db", replayed_urls[0]["sqlite"], "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={
            **os.environ,
            "MATCHFLOW_API_KEY": "abuse-key",
            "MATCHFLOW_API_MAX_CONNECTIONS": str(LIMIT),
        },
    )
    assert wait_for_port(port, 60), "serve did not start"
    with ServedClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        client.port, client.pid = port, process.pid
        for _ in range(3):  # warm: imports, first model load, caches
            client.post(
                "/predict",
                json={
                    "league": "E0",
                    "home": "Arsenal",
                    "away": "Chelsea",
                    "kickoff": "2023-05-28T15:30:00Z",
                    "odds": {"home": 2.1, "draw": 3.5, "away": 3.4},
                },
            )
            client.get("/predictions", params={"league": "E0", "status": "all"})
        yield client
    process.terminate()
    process.wait(timeout=30)


def _statuses(sockets: list[socket.socket], seconds: float) -> dict[socket.socket, bytes]:
    """Trickle one byte per socket every 2 s and collect each status line."""
    answers: dict[socket.socket, bytes] = {}
    selector = selectors.DefaultSelector()
    for sock in sockets:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    deadline, next_byte = time.monotonic() + seconds, 0.0
    while len(answers) < len(sockets) and time.monotonic() < deadline:
        if time.monotonic() >= next_byte:
            for sock in sockets:
                if sock not in answers:
                    with contextlib.suppress(OSError):
                        sock.send(b" ")
            next_byte = time.monotonic() + 2
        for key, _ in selector.select(timeout=0.2):
            sock = cast(socket.socket, key.fileobj)
            try:
                answers[sock] = sock.recv(64)[:12]
            except OSError:
                answers[sock] = b"reset"
            selector.unregister(sock)
    return answers


def test_slow_bodies_get_408_and_connections_over_the_limit_503(server):
    before = _rss_mb(server.pid)
    sockets = []
    for _ in range(SLOW):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(
            b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 400\r\n\r\n{"
        )
        sockets.append(sock)
    started = time.perf_counter()
    health = server.get("/health")
    health_seconds = time.perf_counter() - started
    answers = _statuses(sockets, 20)
    for sock in sockets:
        sock.close()
    codes = [answer[9:12] for answer in answers.values()]
    print(
        f"\n300 slow: 503 x{codes.count(b'503')}, 408 x{codes.count(b'408')}, "
        f"/health {health.status_code} in {health_seconds * 1000:.0f} ms, "
        f"RSS {before:.0f} -> {_rss_mb(server.pid):.0f} MB"
    )
    assert len(answers) == SLOW, f"{SLOW - len(answers)} connections never answered"
    assert codes.count(b"503") >= SLOW - LIMIT and codes.count(b"408") >= LIMIT - 10, codes
    assert health.status_code in (200, 503) and health_seconds < 0.5
    assert server.get("/health").status_code == 200
    assert _rss_mb(server.pid) - before < 50


def test_abusive_requests_give_their_memory_back(server):
    before = _rss_mb(server.pid)
    huge_events = b"[" + b",".join([b'{"type": "odds", "home": "x"}'] * 100_000) + b"]"
    wide = b'{"league": "E0", ' + b'"k": 1, ' * 1_200_000 + b'"x": 1}'
    batch = [
        {
            "league": "E0",
            "home": "Arsenal",
            "away": 5,
            "kickoff": "soon",
            "odds": {"home": 0.5, "draw": "x", "away": None},
        }
    ] * 3_000
    json_header = {"content-type": "application/json"}
    for _ in range(3):
        assert server.post("/events", content=huge_events, headers=json_header).status_code == 401
        assert server.post(
            "/events", content=huge_events, headers={**json_header, "X-API-Key": "abuse-key"}
        ).status_code in (413, 422)
        assert server.post("/predict", content=wide, headers=json_header).status_code == 413
        assert server.post("/predict/batch", json=batch).status_code in (413, 422)
        for n in range(400):  # distinct query strings: the cache is bounded
            server.get(
                "/predictions", params={"league": "E0", "limit": 1 + n % 200, "status": "all"}
            )
    assert server.get("/health").status_code == 200
    print(f"\nabusive requests: RSS {before:.0f} -> {_rss_mb(server.pid):.0f} MB")
    assert _rss_mb(server.pid) - before < 50, (before, _rss_mb(server.pid))
