"""A replay on several processes writes what one process writes, row for row
([scale])."""

from __future__ import annotations

import json
import subprocess

from models.sealing import SealingSettings
from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.parallel import run_parallel, split
from stream.storage.schema import SUMMARY_TABLES
from tests.support.compare import assert_close
from tests.support.data import bundled_events
from tests.support.processes import MATCHFLOW
from tests.support.stores import dump_tables


def _payloads() -> list[str]:
    events = [
        *bundled_events("E0", "2018-19"),
        *bundled_events("SP1", "2018-19"),
        *bundled_events("E1", "2018-19"),
    ]
    events.sort(key=lambda e: (e.ts, e.type, e.match_id))
    return [e.to_json() for e in events]


def test_two_processes_write_the_rows_of_one(tmp_path):
    payloads, key = _payloads(), SealingSettings().sealing_key()
    one, two = f"sqlite:///{tmp_path / 'one.db'}", f"sqlite:///{tmp_path / 'two.db'}"
    single = run_payloads(payloads, one, FlowConfig(), key=key)
    seen: list[int] = []
    parallel = run_parallel(payloads, 2, two, FlowConfig(), key, on_batch=seen.append)
    assert parallel.stats.events == single.events == len(payloads) == sum(seen)
    assert set(parallel.stats.model_bytes) == set(single.model_bytes)
    assert all(parallel.reached)
    tables = dump_tables(one)
    assert tables["predictions"] and tables["bets"]
    assert dump_tables(two) == tables
    summaries = dump_tables(two, tables=SUMMARY_TABLES)  # absorbed from the parts' files
    assert summaries["match_counts"] and summaries["latest_bankroll"]
    assert_close(summaries, dump_tables(one, tables=SUMMARY_TABLES))


def test_leagues_are_split_by_their_events_and_never_more_ways_than_leagues():
    assert split({"E0": 10, "SP1": 10}, 4) == [["E0"], ["SP1"]]
    sizes = {"A": 9, "B": 5, "C": 4, "D": 3, "E": 3}
    groups = split(sizes, 2)
    assert sorted(code for group in groups for code in group) == sorted(sizes)
    assert sorted(sum(sizes[code] for code in group) for group in groups) == [12, 12]


def test_the_command_gives_the_same_summary_with_two_processes(tmp_path):
    def replay(name: str, *extra: str) -> dict:
        done = subprocess.run(
            [
                MATCHFLOW,
                "replay",
                "--leagues",
                "E0,SP1",
                "--seasons",
                "2018-19",
                "--db",
                f"sqlite:///{tmp_path / name}",
                "--json",
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        summary = json.loads(done.stdout)
        for volatile in ("seconds", "events_per_second"):
            summary.pop(volatile)
        for league in summary["leagues"].values():
            league.pop("model_bytes")  # pickle sizes vary by a few bytes run to run
        return summary

    assert replay("two.db", "--processes", "2") == replay("one.db")


def test_processes_are_for_a_replay_run_here(tmp_path):
    done = subprocess.run(
        [MATCHFLOW, "replay", "--leagues", "E0", "--to-kafka", "127.0.0.1:9", "--processes", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "--processes" in done.stderr
