"""A replay over an existing store recomputes its leagues: their earlier rows
go, other leagues stay, and the summary covers exactly what was replayed
([first-hour])."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from stream.cli import app
from stream.storage import open_store


def _replay(db: str, league: str, seasons: str) -> dict:
    """In process: what the test is about is the store, not the command's start-up."""
    result = CliRunner().invoke(
        app, ["replay", "--leagues", league, "--seasons", seasons, "--db", db, "--json"]
    )
    assert result.exit_code == 0, result.output[-2000:]
    return json.loads(result.stdout[result.stdout.index("{") :])


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
