"""A replay over an existing store recomputes its leagues: their earlier rows
go, other leagues stay, and the summary covers exactly what was replayed
([first-hour])."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time

from stream.storage import open_store
from tests.support.processes import MATCHFLOW


def _replay(db: str, league: str, seasons: str) -> dict:
    done = subprocess.run(
        [MATCHFLOW, "replay", "--leagues", league, "--seasons", seasons, "--db", db, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_a_second_replay_recomputes_its_league_and_keeps_the_others(tmp_path):
    db = f"sqlite:///{tmp_path / 'store.db'}"
    _replay(db, "SP1", "2016-17")
    wide = _replay(db, "E0", "2015-16:2017-18")
    assert wide["matches"] == 1140
    narrow = _replay(db, "E0", "2016-17")
    assert narrow["matches"] == 380 and set(narrow["leagues"]) == {"E0"}
    with open_store(db, create=False) as store:
        seasons = store.fetch(
            "SELECT league, season, COUNT(*) AS n FROM matches "
            "GROUP BY league, season ORDER BY league, season"
        )
        state = store.fetch("SELECT updated_at FROM league_state WHERE league = 'E0'")[0]
        newest = store.fetch("SELECT MAX(kickoff) AS k FROM matches WHERE league = 'E0'")[0]
    assert [(r["league"], r["season"], r["n"]) for r in seasons] == [
        ("E0", "2016-17", 380),
        ("SP1", "2016-17", 380),
    ]
    # the published model state is the one that saw the newest stored match
    assert state["updated_at"][:10] == newest["k"][:10]


def test_the_roi_interval_leaves_as_many_draws_out_below_as_above():
    from stream.summary import central_interval

    draws = [float(d) for d in range(2000)]  # sorted, distinct: each value is its own rank
    low, high = central_interval(draws, 0.90)
    assert (low, high) == (100, 1899)
    assert sum(d < low for d in draws) == sum(d > high for d in draws) == 100


def test_a_reader_sees_the_old_rows_until_the_recompute_is_whole(tmp_path):
    """SQLite: the replay is built beside the store and swapped in at the end
    ([first-day]); the old way deleted the league first, so a reader saw it
    vanish and grow back."""
    db = f"sqlite:///{tmp_path / 'store.db'}"
    _replay(db, "SP1", "2017-18:2018-19")
    reader = sqlite3.connect(tmp_path / "store.db", timeout=30)
    query = (
        "SELECT (SELECT COUNT(*) FROM matches WHERE league = 'SP1'), "
        "(SELECT COUNT(*) FROM predictions WHERE league = 'SP1'), "
        "(SELECT MIN(season) FROM matches WHERE league = 'SP1')"
    )
    before = reader.execute(query).fetchone()
    writer = subprocess.Popen(
        [MATCHFLOW, "replay", "--leagues", "SP1", "--seasons", "2018-19", "--db", db, "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen = set()
    while writer.poll() is None:
        seen.add(reader.execute(query).fetchone())
        time.sleep(0.01)
    assert writer.returncode == 0, writer.stderr.read().decode()[-2000:]
    after = reader.execute(query).fetchone()
    assert before[0] == 760 and after[0] == 380 and after[2] == "2018-19"
    assert seen <= {before, after}, seen  # the whole old league, then the whole new one
    assert not list(tmp_path.glob("store.db.part*"))  # nothing left beside the store
