"""The store writer in a child process: rows arrive, failures come back with reasons,
and the child never outlives its parent's pipe or dies of the parent's Ctrl-C."""

from __future__ import annotations

import os

import pytest

from stream.records import Record
from stream.sinks import open_writer
from stream.storage import StoreError, open_store
from stream.storage.sqlite import SQLiteStore
from stream.writer_process import WriterProcess


def _matches(n: int, status: str = "scheduled") -> list[Record]:
    return [
        Record(
            "matches",
            {
                "match_id": f"E0-m{i}",
                "league": "E0",
                "season": "2017-18",
                "kickoff": "2017-08-11T19:45:00+00:00",
                "home": "Arsenal",
                "away": "Leicester",
                "status": status,
            },
        )
        for i in range(n)
    ]


def _count(url: str) -> int:
    with open_store(url) as store:
        return store.count("matches")


def test_rows_reach_postgresql_and_each_write_returns_its_count(pg_url):
    writer = WriterProcess(pg_url)
    try:
        assert writer.write(_matches(3)) == 3
        assert writer.write(_matches(5, "finished")) == 5  # upserts: 5 rows, not 8
    finally:
        writer.close()

    with open_store(pg_url) as store:
        assert store.count("matches") == 5
        assert store.fetch("SELECT DISTINCT status FROM matches") == [{"status": "finished"}]


def test_a_store_that_cannot_open_is_an_error_with_its_reason_at_the_first_write():
    writer = WriterProcess("mysql://nowhere/x")  # starting does not wait for the child
    with pytest.raises(StoreError, match="unsupported URL"):
        writer.write(_matches(1))
    writer.close()  # the child has gone: nothing to say goodbye to


def test_a_failed_write_is_an_error_and_the_next_write_still_lands(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    writer = WriterProcess(url)
    try:
        with pytest.raises(StoreError, match="no_such_table"):
            writer.write([Record("no_such_table", {"x": 1})])
        assert writer.write(_matches(2)) == 2
    finally:
        writer.close()
    assert _count(url) == 2


def test_ctrl_c_misses_the_child_and_it_leaves_when_the_parent_pipe_closes(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    writer = WriterProcess(url)
    child = writer._process
    assert writer.write(_matches(1)) == 1
    # A terminal's Ctrl-C signals its foreground process group: not the child's.
    assert os.getpgid(child.pid) != os.getpgid(0)

    writer._to_child.close()  # as if the parent were killed: no goodbye
    assert child.wait(timeout=10) == 0
    assert _count(url) == 1


def test_postgresql_is_written_from_a_child_process_and_sqlite_in_process(pg_url, tmp_path):
    postgres, sqlite = open_writer(pg_url), open_writer(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        assert isinstance(postgres, WriterProcess)
        assert isinstance(sqlite, SQLiteStore)
    finally:
        postgres.close()
        sqlite.close()
