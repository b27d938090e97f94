"""[reads] The writer's summaries stay equal to what they summarise: through
rewrites of a key, deletes, a league recomputed, and a migration that fills
them from rows already stored; on SQLite and on each kind of PostgreSQL."""

from __future__ import annotations

import math
import sqlite3

import pytest

from stream.records import Record
from stream.storage import open_store
from stream.storage.migrations import LATEST
from tests.support.stores import PG_KINDS, new_database

TOTALS_FROM_ROWS = (
    "SELECT league, model, phase, COUNT(*) AS n, SUM(rps) AS rps, SUM(log_loss) AS log_loss, "
    "SUM(correct) AS correct, SUM(brier) AS brier FROM model_metrics "
    "GROUP BY league, model, phase ORDER BY league, model, phase"
)
TOTALS = (
    "SELECT league, model, phase, n, rps, log_loss, correct, brier FROM metric_totals "
    "WHERE n <> 0 ORDER BY league, model, phase"
)


def _score(match_id: str, rps: float, league: str = "E0", model: str = "anchored") -> Record:
    return Record(
        "model_metrics",
        {
            "match_id": match_id,
            "model": model,
            "phase": "pre",
            "ts": f"2020-01-{int(match_id[1:]) + 1:02d}T15:00:00+00:00",
            "league": league,
            "season": "2019-20",
            "rps": rps,
            "log_loss": 2 * rps,
            "brier": 3 * rps,
            "correct": int(rps < 0.2),
            "n": 1,
        },
    )


def _bank(match_id: str, day: int, value: float, league: str = "E0") -> Record:
    return Record(
        "bankroll",
        {
            "league": league,
            "strategy": "flat",
            "ts": f"2020-01-{day:02d}T17:00:00+00:00",
            "match_id": match_id,
            "season": "2019-20",
            "bankroll": value,
        },
    )


@pytest.fixture(params=["sqlite", *PG_KINDS])
def url(request, tmp_path, pg_clusters):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'summaries.db'}"
    return new_database(pg_clusters.get(request.param))


def _same_totals(store) -> list[dict]:
    want, got = store.fetch(TOTALS_FROM_ROWS), store.fetch(TOTALS)
    assert [r["n"] for r in got] == [r["n"] for r in want]
    for g, w in zip(got, want):
        assert (g["league"], g["model"], g["phase"]) == (w["league"], w["model"], w["phase"])
        for column in ("rps", "log_loss", "correct", "brier"):
            assert math.isclose(g[column], w[column], rel_tol=1e-12, abs_tol=1e-12)
    return got


def test_totals_follow_rewrites_deletes_and_a_recomputed_league(url):
    with open_store(url) as store:
        store.write([_score(f"m{i}", 0.1 * i) for i in range(1, 6)])
        store.write([_score("m1", 0.9), _score("m1", 0.3), _score("m6", 0.05, "SP1")])
        store.write([_score("m2", 0.0, model="market"), _score("m3", 0.1)])  # same batch: last wins
        store.write([Record("model_metrics", _score("m4", 0).row, delete=True)])
        totals = _same_totals(store)
        assert [(r["league"], r["model"], r["n"]) for r in totals] == [
            ("E0", "anchored", 4),
            ("E0", "market", 1),
            ("SP1", "anchored", 1),
        ]
        store.delete_leagues(["E0"])
        assert [r["league"] for r in _same_totals(store)] == ["SP1"]
        store.write([_score("m7", 0.4)])
        assert [(r["league"], r["n"]) for r in _same_totals(store)] == [("E0", 1), ("SP1", 1)]


def test_the_newest_bankroll_by_time_then_match(url):
    with open_store(url) as store:
        store.write([_bank("b", 3, 101.0), _bank("a", 3, 99.0), _bank("z", 1, 50.0)])
        store.write([_bank("c", 2, 70.0), _bank("x", 1, 10.0, "SP1")])  # older: kept out
        newest = store.fetch("SELECT league, match_id, bankroll FROM latest_bankroll ORDER BY 1")
        assert newest == [
            {"league": "E0", "match_id": "b", "bankroll": 101.0},
            {"league": "SP1", "match_id": "x", "bankroll": 10.0},
        ]
        store.write([_bank("b", 3, 105.0)])  # the same row rewritten
        store.write([_bank("d", 4, 90.0, "SP1")])
        newest = store.fetch("SELECT league, match_id, bankroll FROM latest_bankroll ORDER BY 1")
        assert [(r["match_id"], r["bankroll"]) for r in newest] == [("b", 105.0), ("d", 90.0)]


def _raw(url: str):
    """A plain DB-API connection to the store, and its parameter mark."""
    if url.startswith("sqlite"):
        return sqlite3.connect(url.removeprefix("sqlite:///")), "?"
    import psycopg

    return psycopg.connect(url), "%s"


def test_the_migration_fills_the_summaries_from_stored_rows(url):
    open_store(url).close()
    conn, mark = _raw(url)
    with conn:  # back to the version before the summaries, with rows stored
        conn.execute("DROP TABLE metric_totals")
        conn.execute("DROP TABLE latest_bankroll")
        conn.execute(f"DELETE FROM schema_migrations WHERE version = {mark}", (LATEST,))
        for record in [
            _score("m1", 0.2),
            _score("m2", 0.3),
            _bank("a", 2, 90.0),
            _bank("b", 1, 80.0),
        ]:
            columns = ", ".join(record.row)
            marks = ", ".join([mark] * len(record.row))
            conn.execute(
                f"INSERT INTO {record.table} ({columns}) VALUES ({marks})",
                tuple(record.row.values()),
            )
    conn.close()
    with open_store(url) as store:  # migrates to the latest version
        assert [r["n"] for r in _same_totals(store)] == [2]
        newest = store.fetch("SELECT match_id, bankroll FROM latest_bankroll")
        assert newest == [{"match_id": "a", "bankroll": 90.0}]
