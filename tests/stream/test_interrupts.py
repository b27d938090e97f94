"""Ctrl-C and SIGTERM end a replay with one line and 130 or 143, never a
traceback or a panic, and leave a store that ``summary`` reads ([first-hour])."""

from __future__ import annotations

import random
import signal
import subprocess
import time

import pytest

from tests.support.processes import MATCHFLOW

# every E0 season (about 45,000 events, 25 s or more): still streaming at 14 s
REPLAY = ["replay", "--leagues", "E0"]


def _interrupt(db: str, after: float, signum: int) -> subprocess.CompletedProcess:
    # as a terminal's Ctrl-C finds it: SIGINT not ignored, whoever started pytest
    process = subprocess.Popen(
        [MATCHFLOW, *REPLAY, "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(after)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.mark.parametrize("moment", range(3))
def test_sigint_at_a_random_moment_stops_cleanly_and_the_store_reads(tmp_path, moment):
    after = random.Random(moment).uniform(1.0, 14.0)  # start-up, loading or streaming
    db = f"sqlite:///{tmp_path / 'interrupted.db'}"
    done = _interrupt(db, after, signal.SIGINT)
    assert done.returncode == 130, (after, done.stderr[-2000:])
    text = done.stderr + done.stdout
    assert "Traceback" not in text and "panicked" not in text, text[-2000:]
    assert "interrupted" in done.stderr
    if (tmp_path / "interrupted.db").exists():
        summary = subprocess.run(
            [MATCHFLOW, "summary", "--db", db, "--json"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert summary.returncode == 0, summary.stderr


def test_sigterm_mid_stream_is_143_with_what_the_store_holds(tmp_path):
    db = f"sqlite:///{tmp_path / 'terminated.db'}"
    done = _interrupt(db, 12.0, signal.SIGTERM)
    assert done.returncode == 143, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "panicked" not in done.stderr
    line = [row for row in done.stderr.splitlines() if "interrupted" in row]
    assert line, done.stderr[-2000:]


def test_sigint_stops_a_kafka_consumer_cleanly(kafka, topic, tmp_path):
    from stream.kafka.admin import ensure_topics

    ensure_topics(kafka.bootstrap, [topic])
    db = f"sqlite:///{tmp_path / 'consumer.db'}"
    process = subprocess.Popen(
        [
            MATCHFLOW,
            "run",
            "--kafka",
            kafka.bootstrap,
            "--topic",
            topic,
            "--db",
            db,
            "--recovery-dir",
            str(tmp_path / "recovery"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(15)  # River loaded, partitions assigned, waiting for events
    process.send_signal(signal.SIGINT)
    _stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr and "panicked" not in stderr, stderr[-2000:]
    assert "stopped consuming (SIGINT)" in stderr and "resumes" in stderr


def test_serve_prints_its_url_and_stops_on_sigint_with_one_line(tmp_path):
    from stream.services.ports import free_port, wait_for_port
    from stream.storage import open_store

    db = f"sqlite:///{tmp_path / 'served.db'}"
    open_store(db).close()  # as `matchflow migrate` leaves it
    port = free_port()
    process = subprocess.Popen(
        [MATCHFLOW, "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**__import__("os").environ, "COLUMNS": "200"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert wait_for_port(port, 60), "serve did not start"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr[-2000:]
    assert f"serving http://127.0.0.1:{port}" in stderr and "stopped serving (SIGINT)" in stderr
    assert "Traceback" not in stderr
