"""Scale-out: worker threads and processes split the leagues; the tables are
identical to one worker's."""

import subprocess

import pytest

from stream.loader import BUNDLED_DATA, load
from stream.replay import replay_events
from stream.services.ports import free_port
from tests.support.kafka import publish
from tests.support.processes import run_args, run_consumer
from tests.support.stores import dump_tables, new_database


@pytest.fixture(scope="module")
def three_leagues(kafka):
    rows = [
        r
        for r in load(BUNDLED_DATA, ["E0", "SP1", "D1"], None).rows
        if "2019-20" <= r.season <= "2022-23"
    ]
    topic = "three-leagues"
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


def test_two_processes_match_one_worker(kafka, postgres, three_leagues, one_worker):
    url = new_database(postgres)
    addresses = ";".join(f"127.0.0.1:{free_port()}" for _ in range(2))
    processes = [
        subprocess.Popen(
            run_args(
                kafka.bootstrap,
                three_leagues,
                url,
                "--until-idle",
                "3",
                "--process-id",
                str(i),
                "--addresses",
                addresses,
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for i in range(2)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr.decode()[-3000:]
    assert dump_tables(url) == one_worker
