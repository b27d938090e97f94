"""Idempotent storage: the same replay twice leaves the same rows."""

import sqlite3

import pytest

from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.records import Record
from stream.storage import StoreError, open_store
from stream.storage.schema import TABLES


def _dump(path):
    conn = sqlite3.connect(path)
    tables = {}
    for name, table in TABLES.items():
        order = ", ".join(table.key)
        tables[name] = conn.execute(f"SELECT * FROM {name} ORDER BY {order}").fetchall()
    conn.close()
    return tables


def test_replaying_twice_into_one_file_changes_nothing(tmp_path, e0_two_seasons):
    payloads = [e.to_json() for e in e0_two_seasons[:1500]]
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    run_payloads(payloads, url, FlowConfig())
    first = _dump(tmp_path / "twice.db")
    run_payloads(payloads, url, FlowConfig())
    assert _dump(tmp_path / "twice.db") == first
    assert len(first["matches"]) == len({p for p in payloads if '"fixture"' in p})
    assert first["predictions"] and first["model_metrics"] and first["bets"]


def test_upsert_updates_a_row_in_place(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        row = {
            "match_id": "m",
            "league": "E0",
            "season": "2020-21",
            "kickoff": "2020-09-12T15:00:00+00:00",
            "home": "A",
            "away": "B",
            "home_goals": None,
            "away_goals": None,
            "status": "scheduled",
        }
        store.write([Record("matches", row)])
        store.write(
            [Record("matches", {**row, "home_goals": 1, "away_goals": 0, "status": "played"})]
        )
        assert store.count("matches") == 1
        assert store.fetch("SELECT status FROM matches")[0]["status"] == "played"


def test_bad_urls_are_clear_errors(tmp_path):
    with pytest.raises(StoreError, match="unsupported"):
        open_store("mysql://x")
    with pytest.raises(StoreError, match="does not exist"):
        open_store(f"sqlite:///{tmp_path}/missing/dir.db")
    with pytest.raises(StoreError, match="no store"):
        open_store(f"sqlite:///{tmp_path}/none.db", create=False)


def test_a_file_from_another_version_is_refused_by_name(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE league_state (league TEXT PRIMARY KEY, state BLOB)")
    with pytest.raises(StoreError, match="table league_state has no updated_at"):
        open_store(f"sqlite:///{path}")
