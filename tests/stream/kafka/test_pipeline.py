"""[kafka-pg] acceptance on real Kafka and PostgreSQL: parity with the
embedded run, kill -9 recovery, and a broker restart mid-stream."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import time

import pytest

from tests.support.processes import MATCHFLOW, run_args, run_consumer
from tests.support.stores import dump_tables, new_database

E0_SEASONS = "2005-06:2022-23"


@pytest.fixture(scope="session")  # published once, read by each kind of cluster
def e0_topic(kafka):
    name = f"e0-{random.randrange(1 << 30)}"
    done = subprocess.run(
        [
            MATCHFLOW,
            "replay",
            "--leagues",
            "E0",
            "--seasons",
            E0_SEASONS,
            "--to-kafka",
            kafka.bootstrap,
            "--topic",
            name,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # 6,840 matches: 3 books a moment quote the 1X2, over/under 2.5 and the handicap
    assert json.loads(done.stdout)["published"] == 80920
    return name


@pytest.fixture(scope="module")
def reference(kafka, postgres, e0_topic):
    """One uninterrupted consumer run of the topic into PostgreSQL."""
    url = new_database(postgres)
    run_consumer(kafka.bootstrap, e0_topic, url)
    return url, dump_tables(url)


def _summary(*args):
    done = subprocess.run([MATCHFLOW, *args, "--json"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_kafka_to_postgres_equals_the_embedded_run(reference, tmp_path):
    url, _ = reference
    embedded = _summary(
        "replay",
        "--leagues",
        "E0",
        "--seasons",
        E0_SEASONS,
        "--score-from",
        "2017-18",
        "--db",
        f"sqlite:///{tmp_path / 'e.db'}",
    )
    stored = _summary("summary", "--db", url, "--score-from", "2017-18")
    mine, theirs = stored["leagues"]["E0"], embedded["leagues"]["E0"]
    assert mine["scored_matches"] == theirs["scored_matches"] == 2280
    assert mine["models"] == theirs["models"]
    assert mine["betting"] == theirs["betting"]
    assert mine["drift_events"] == theirs["drift_events"]
    assert mine["matches"] == theirs["matches"] == 6840


def _start(args):
    return subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )


def test_kill_9_three_times_then_resume_gives_the_same_tables(
    kafka, postgres, e0_topic, reference, tmp_path
):
    url = new_database(postgres)
    recovery = tmp_path / "recovery"
    args = run_args(
        kafka.bootstrap, e0_topic, url, "--recovery-dir", str(recovery), "--recovery-interval", "1"
    )
    rng = random.Random(20251126)
    for execution in range(3):
        consumer = _start(args)
        _wait_for_progress(recovery, execution)  # killed before any epoch: nothing to test
        time.sleep(rng.uniform(0.0, 4.0))
        assert consumer.poll() is None, "the consumer should still be running"
        os.killpg(consumer.pid, signal.SIGKILL)
        consumer.wait()
    run_consumer(
        kafka.bootstrap, e0_topic, url, "--recovery-dir", str(recovery), "--snapshot-interval", "1"
    )
    assert dump_tables(url) == reference[1]
    resumed = _executions(recovery)
    assert len(resumed) == 4, resumed
    # each run went on from the snapshot its predecessor left, not from scratch
    assert resumed == sorted(resumed) and resumed[-1] > resumed[1] > 1, resumed


def _wait_for_progress(recovery, execution: int, timeout: float = 120.0) -> None:
    """Until execution number ``execution`` has closed an epoch past the one it
    resumed from, so a snapshot of its own exists (its rows may sit in any
    partition file of the recovery store)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resume, frontiers = None, []
        for part in recovery.glob("part-*.sqlite3"):
            try:
                with sqlite3.connect(part) as conn:
                    found = conn.execute(
                        "SELECT resume_epoch FROM exs WHERE ex_num = ?", (execution,)
                    ).fetchone()
                    resume = found[0] if found else resume
                    frontiers += [
                        row[0]
                        for row in conn.execute(
                            "SELECT worker_frontier FROM fronts WHERE ex_num = ?", (execution,)
                        )
                    ]
            except sqlite3.OperationalError:  # a part Bytewax is still creating: look again
                continue
        if resume is not None and frontiers and max(frontiers) >= resume + 2:
            return
        time.sleep(0.2)
    raise AssertionError(f"execution {execution} made no progress in {timeout} s")


def _executions(recovery):
    """Resume epoch of each execution recorded in Bytewax's recovery store."""
    runs = {}
    for part in recovery.glob("part-*.sqlite3"):
        with sqlite3.connect(part) as conn:
            runs.update(conn.execute("SELECT ex_num, resume_epoch FROM exs").fetchall())
    return [runs[ex] for ex in sorted(runs)]


def test_consumer_rides_out_a_broker_restart(kafka, postgres, e0_topic, reference):
    url = new_database(postgres)
    consumer = _start(run_args(kafka.bootstrap, e0_topic, url, "--until-idle", "8"))
    time.sleep(4)
    kafka.restart(down_for=3)
    _, stderr = consumer.communicate(timeout=600)
    assert consumer.returncode == 0, stderr.decode()[-3000:]
    assert dump_tables(url) == reference[1]
