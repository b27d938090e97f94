"""Scale-out: worker threads and processes split the leagues; the tables are
identical to one worker's."""

import subprocess
import time
import uuid

import pytest

from stream.loader import BUNDLED_DATA, load
from stream.replay import replay_events
from tests.support.kafka import publish
from tests.support.processes import run_args, run_consumer
from tests.support.stores import dump_tables, new_database


@pytest.fixture(scope="session")  # published once, read by each kind of cluster
def three_leagues(kafka):
    rows = [
        r
        for r in load(BUNDLED_DATA, ["E0", "SP1", "D1"], None).rows
        if "2019-20" <= r.season <= "2022-23"
    ]
    topic = f"three-leagues-{uuid.uuid4().hex[:8]}"
    publish(kafka.bootstrap, topic, [(e.league, e.to_json()) for e in replay_events(rows)])
    return topic


@pytest.fixture(scope="module")
def one_worker(kafka, postgres, three_leagues):
    url = new_database(postgres)
    run_consumer(kafka.bootstrap, three_leagues, url)
    tables = dump_tables(url)
    assert {row[1] for row in tables["matches"]} == {"E0", "SP1", "D1"}
    return tables


def test_two_worker_threads_match_one_worker(kafka, postgres, three_leagues, one_worker):
    url = new_database(postgres)
    run_consumer(kafka.bootstrap, three_leagues, url, "--workers", "2")
    assert dump_tables(url) == one_worker


def test_a_local_cluster_of_two_processes_matches_one_worker(
    kafka, postgres, three_leagues, one_worker
):
    """``--processes 2`` starts two ``run -i K -a ...`` processes (Bytewax's
    own addressing) on free ports."""
    url = new_database(postgres)
    run_consumer(kafka.bootstrap, three_leagues, url, "--processes", "2")
    assert dump_tables(url) == one_worker


def test_a_cluster_is_started_or_joined_not_both(kafka, tmp_path):
    done = subprocess.run(
        run_args(
            kafka.bootstrap,
            "unused",
            f"sqlite:///{tmp_path / 'x.db'}",
            "--processes",
            "2",
            "--process-id",
            "0",
            "--addresses",
            "127.0.0.1:1;127.0.0.1:2",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "--processes" in done.stderr


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listed:
        return [int(child) for child in listed.read().split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has stopped
    except FileNotFoundError:
        return False


def test_a_cluster_stops_when_the_process_that_started_it_is_killed(kafka, tmp_path):
    """``kill -9`` of ``run --processes 2`` leaves no orphan consuming the topic."""
    parent = subprocess.Popen(
        run_args(kafka.bootstrap, "orphans", f"sqlite:///{tmp_path / 'x.db'}", "--processes", "2"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(children := _children(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(children) == 2, "the cluster did not start"
        parent.kill()
        parent.wait(timeout=10)
        deadline = time.monotonic() + 30
        while any(map(_alive, children)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(map(_alive, children))
    finally:
        parent.kill()
