"""[reads] The writer's summaries stay equal to what they summarise: through
rewrites of a key, deletes, a league recomputed, and a migration that fills
them from rows already stored; on SQLite and on each kind of PostgreSQL."""

from __future__ import annotations

import math
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from serving.queries import newest_event
from stream.records import Record, as_text, iso
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


def _prediction(match_id: str, phase: str, hour: int, home: float, model: str = "arf") -> Record:
    return Record(
        "predictions",
        {
            "match_id": match_id,
            "model": model,
            "phase": phase,
            "ts": f"2020-01-01T{hour:02d}:00:00+00:00",
            "league": "E0",
            "season": "2019-20",
            "p_home": home,
            "p_draw": 0.25,
            "p_away": 0.75 - home,
            "odds_home": 2.0,
            "odds_draw": 3.4,
            "odds_away": 3.9,
            "model_version": hour,
        },
    )


def _quote(match_id: str, day: int, bookmaker: str = "b365") -> Record:
    return Record(
        "odds",
        {
            "match_id": match_id,
            "phase": "pre",
            "bookmaker": bookmaker,
            "ts": f"2020-01-{day:02d}T12:00:00+00:00",
            "league": "E0",
            "home": 2.0,
            "draw": 3.4,
            "away": 3.9,
        },
    )


# each match's span against the times of its odds and predictions
MATCH_SPANS = (
    "SELECT s.match_id, s.first_ts, s.last_ts, MIN(r.ts) AS lo, MAX(r.ts) AS hi "
    "FROM match_spans s JOIN (SELECT match_id, ts FROM odds UNION ALL "
    "SELECT match_id, ts FROM predictions) r ON r.match_id = s.match_id "
    "GROUP BY s.match_id, s.first_ts, s.last_ts ORDER BY s.match_id"
)


def _match_spans(store) -> list[tuple]:
    return [
        (r["match_id"], as_text(r["first_ts"]), as_text(r["last_ts"]))
        for r in store.fetch("SELECT * FROM match_spans ORDER BY match_id")
    ]


def _newest_predictions(store) -> list[tuple]:
    rows = store.fetch("SELECT match_id, phase, p_home FROM latest_predictions ORDER BY 1, 2")
    return [(r["match_id"], r["phase"], r["p_home"]) for r in rows]


# each series' time span against its rows' days (of January 2020)
SPANS = (
    "SELECT t.first_ts, t.last_ts, MIN(m.ts) AS lo, MAX(m.ts) AS hi FROM metric_totals t "
    "JOIN model_metrics m ON m.league = t.league AND m.model = t.model AND m.phase = t.phase "
    "GROUP BY t.league, t.model, t.phase, t.first_ts, t.last_ts ORDER BY t.league, t.model"
)


def _span(row: dict) -> tuple[int, ...]:
    """Days of (the span's start, its end, the first row, the last row)."""
    return tuple(int(str(row[k])[8:10]) for k in ("first_ts", "last_ts", "lo", "hi"))


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


def test_newest_predictions_by_moment_and_spans_that_hold_every_row(url):
    with open_store(url) as store:
        store.write([_prediction("m1", "pre", 1, 0.5), _prediction("m1", "close", 2, 0.6)])
        store.write([_prediction("m1", "pre", 2, 0.4), _prediction("m2", "pre", 1, 0.3)])
        store.write([_prediction("m1", "pre", 0, 0.1)])  # older: kept out
        assert _newest_predictions(store) == [("m1", "close", 0.6), ("m2", "pre", 0.3)]
        store.write([_prediction("m1", "pre", 3, 0.2)])
        assert _newest_predictions(store)[0] == ("m1", "pre", 0.2)
        store.write([_score(f"m{i}", 0.1) for i in (5, 2, 9)])
        assert [_span(r) for r in store.fetch(SPANS)] == [(3, 10, 3, 10)]
        store.write([Record("model_metrics", _score("m9", 0).row, delete=True)])
        first, last, lo, hi = _span(store.fetch(SPANS)[0])
        assert first <= lo and last >= hi  # a delete leaves a loose span, never a short one
        store.delete_leagues(["E0"])
        assert _newest_predictions(store) == [] and store.fetch(SPANS) == []


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
        for name in (
            "metric_totals",
            "latest_bankroll",
            "match_counts",
            "latest_predictions",
            "match_spans",
        ):
            conn.execute(f"DROP TABLE {name}")
        conn.execute(f"DELETE FROM schema_migrations WHERE version >= {mark}", (9,))
        for record in [
            _score("m1", 0.2),
            _score("m2", 0.3),
            _bank("a", 2, 90.0),
            _bank("b", 1, 80.0),
            _prediction("m1", "pre", 1, 0.5),
            _prediction("m1", "close", 1, 0.6),
            _prediction("m1", "pre", 0, 0.4),
            _quote("m1", 3),
            _quote("m2", 4),
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
        assert _newest_predictions(store) == [("m1", "close", 0.6)]
        assert [_span(r) for r in store.fetch(SPANS)] == [(2, 3, 2, 3)]
        assert _match_spans(store) == [
            ("m1", "2020-01-01T00:00:00+00:00", "2020-01-03T12:00:00+00:00"),
            ("m2", "2020-01-04T12:00:00+00:00", "2020-01-04T12:00:00+00:00"),
        ]
        assert store.fetch("SELECT MAX(version) AS v FROM schema_migrations")[0]["v"] == LATEST


def test_a_rolling_window_older_than_its_guessed_span_is_read_whole(url):
    """96 daily scores, then four a thousand days apart: the newest five
    reach back past the span the series' mean gap suggests."""
    from serving.queries import league_metrics

    days = [*range(96), 1000, 2000, 3000, 4000]
    start = datetime(2010, 1, 1, 15, tzinfo=UTC)
    with open_store(url) as store:
        store.write(
            [
                Record("model_metrics", {**_score("m1", 0.0).row, "match_id": f"m{d}",
                       "ts": iso(start + timedelta(days=d)), "rps": d / 4000})
                for d in days
            ]
        )  # fmt: skip
        rolling = league_metrics(store, "E0", 5)["models"]["anchored"]["pre"]["rolling"]
    assert rolling["matches"] == 5
    assert math.isclose(rolling["rps"], sum([95, 1000, 2000, 3000, 4000]) / 4000 / 5)


def test_match_spans_hold_every_odds_and_prediction_row(url):
    with open_store(url) as store:
        store.write([_quote("m1", 5), _quote("m1", 3, "pinnacle"), _quote("m2", 7)])
        store.write([_prediction("m1", "pre", 1, 0.5), _quote("m1", 4)])
        assert _match_spans(store) == [
            ("m1", "2020-01-01T01:00:00+00:00", "2020-01-05T12:00:00+00:00"),
            ("m2", "2020-01-07T12:00:00+00:00", "2020-01-07T12:00:00+00:00"),
        ]
        store.write([Record("odds", _quote("m1", 5).row, delete=True)])
        for row in store.fetch(MATCH_SPANS):  # loose after a delete, never short
            assert row["first_ts"] <= row["lo"] and row["last_ts"] >= row["hi"]
        store.delete_leagues(["E0"])
        assert _match_spans(store) == []


def _newest_the_obvious_way(store) -> str | None:
    found = [
        as_text(store.fetch(f"SELECT MAX(ts) AS ts FROM {table}")[0]["ts"])
        for table in ("odds", "model_metrics")
    ]
    return max((t for t in found if t), default=None)


def test_the_newest_event_is_the_newest_odds_or_score(url):
    """Read from the scores' upper bound on, and whole when a delete left
    that bound far past the newest row."""
    late = Record("model_metrics", {**_score("m1", 0.1).row, "match_id": "m99",
                                    "ts": "2022-06-01T15:00:00+00:00"})  # fmt: skip
    with open_store(url) as store:
        assert newest_event(store) is None
        store.write([_quote("m9", 2)])
        assert newest_event(store) == "2020-01-02T12:00:00+00:00"  # odds, no score yet
        store.write([_score(f"m{i}", 0.1) for i in range(1, 6)])
        assert newest_event(store) == "2020-01-06T15:00:00+00:00" == _newest_the_obvious_way(store)
        store.write([_quote("m9", 8), late])
        assert newest_event(store) == "2022-06-01T15:00:00+00:00"
        store.write([Record("model_metrics", late.row, delete=True)])
        assert newest_event(store) == "2020-01-08T12:00:00+00:00" == _newest_the_obvious_way(store)
