"""A replay into a store that others read recomputes its league out of their
sight: they see the old rows until the new ones are whole ([first-day])."""

from __future__ import annotations

import subprocess
import time

import psycopg

from stream.recompute import beside, swap_in
from stream.records import Record
from stream.storage import open_store
from tests.support.processes import MATCHFLOW

QUERY = (
    "SELECT (SELECT COUNT(*) FROM matches WHERE league = 'SP1') AS matches, "
    "(SELECT COUNT(*) FROM predictions WHERE league = 'SP1') AS predictions, "
    "(SELECT MIN(season) FROM matches WHERE league = 'SP1') AS first_season"
)


def _replay(db: str, seasons: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [MATCHFLOW, "replay", "--leagues", "SP1", "--seasons", seasons, "--db", db, *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _states_seen_while_recomputing(db: str, *extra: str) -> tuple[tuple, tuple, set]:
    """SP1 2017-18..2018-19 replayed, then 2018-19 alone while a reader
    polls: (before, after, every state seen in between)."""
    first = _replay(db, "2017-18:2018-19")
    assert first.wait(timeout=300) == 0, first.stderr.read().decode()[-2000:]
    with open_store(db, create=False) as store:
        read = lambda: tuple(store.fetch(QUERY)[0].values())  # noqa: E731

        before = read()
        writer = _replay(db, "2018-19", *extra)
        seen = set()
        while writer.poll() is None:
            seen.add(read())
            time.sleep(0.01)
        assert writer.returncode == 0, writer.stderr.read().decode()[-2000:]
        after = read()
    return before, after, seen


def test_sqlite_readers_see_the_old_league_until_the_new_one_is_whole(tmp_path):
    before, after, seen = _states_seen_while_recomputing(f"sqlite:///{tmp_path / 'store.db'}")
    assert before[0] == 760 and after[0] == 380 and after[2] == "2018-19"
    assert seen <= {before, after}, seen  # never empty, never partial
    assert not list(tmp_path.glob("store.db.part*"))  # nothing left beside the store


def test_postgres_readers_see_the_old_league_until_the_new_one_is_whole(pg_url):
    before, after, seen = _states_seen_while_recomputing(pg_url, "--processes", "2")
    assert before[0] == 760 and after[0] == 380 and after[2] == "2018-19"
    assert seen <= {before, after}, seen
    with psycopg.connect(pg_url) as conn:
        parts = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'matchflow_part_%'"
        ).fetchall()
    assert parts == []  # the parts' schemas dropped after the swap


def _match(match_id: str) -> Record:
    return Record(
        "matches",
        {
            "match_id": match_id,
            "league": "SP1",
            "season": "2018-19",
            "kickoff": "2018-08-17T19:00:00+00:00",
            "home": "A",
            "away": "B",
            "home_goals": None,
            "away_goals": None,
            "status": "scheduled",
        },
    )


def _ids(db: str) -> list[str]:
    with open_store(db, create=False) as store:
        return [r["match_id"] for r in store.fetch("SELECT match_id FROM matches")]


def test_a_part_never_written_leaves_the_store_as_it_was(tmp_path):
    # stopped before its dataflow opened the part (Ctrl-C during start-up)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(db) as store:
        store.write([_match("old")])
    with beside(db, 1) as parts:
        swap_in(db, ["SP1"], parts)
    assert _ids(db) == ["old"]
    assert not list(tmp_path.glob("store.db.part*"))


def test_a_written_part_replaces_the_league(tmp_path):
    db = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(db) as store:
        store.write([_match("old")])
    with beside(db, 2) as parts:
        with open_store(parts[0]) as part:
            part.write([_match("new")])
        swap_in(db, ["SP1"], parts)  # the second part was never written
    assert _ids(db) == ["new"]
