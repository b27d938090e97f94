"""Schemathesis ``--checks all`` as an external client of a real
``matchflow serve`` (SQLite store, Kafka for ``POST /events``, the API key
given): the OpenAPI document tells the truth ([api-hardening])."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from stream.kafka.admin import ensure_topics
from stream.services.ports import free_port, wait_for_port
from tests.support.processes import MATCHFLOW

ROOT = Path(__file__).resolve().parents[2]


def test_schemathesis_finds_no_failures(replayed_urls, kafka, topic, tmp_path):
    ensure_topics(kafka.bootstrap, [topic])
    port = free_port()
    server = subprocess.Popen(
        [
            MATCHFLOW,
            "serve",
            "--db",
            replayed_urls[0]["sqlite"],
            "--port",
            str(port),
            "--kafka",
            kafka.bootstrap,
            "--topic",
            topic,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MATCHFLOW_API_KEY": "fuzz-key"},
    )
    try:
        assert wait_for_port(port, 60), "serve did not start"
        done = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "--no-color",
                "--config-file",
                str(ROOT / "schemathesis.toml"),
                "run",
                f"http://127.0.0.1:{port}/openapi.json",
                "--checks",
                "all",
                "-H",
                "X-API-Key: fuzz-key",
                "--max-examples",
                "30",
                "--seed",
                "20261127",
                "--max-response-time",
                "3",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    report = done.stdout[-6000:]
    assert done.returncode == 0, report
    assert "Tested: 13" in report, report  # every operation, /events included
