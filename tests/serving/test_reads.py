"""[reads] Routes read the writer's summaries and the pages' indexes; their
answers are those of the obvious queries over the whole history."""

from __future__ import annotations

import pytest

from models.scoring import score_means
from serving.queries import plain
from stream.storage import open_store
from tests.support.compare import assert_close


def _url(api, replayed_urls) -> str:
    urls, _ = replayed_urls
    return next(url for url in urls.values() if api.app.state.settings.db == url)


def _metrics_the_obvious_way(store, league: str, window: int) -> dict:
    rows = store.fetch(
        "SELECT model, phase, rps, log_loss, correct, brier FROM model_metrics "
        "WHERE league = :league ORDER BY ts, match_id",
        {"league": league},
    )
    series: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        series.setdefault((row["model"], row["phase"]), []).append(row)
    models: dict = {}
    for (model, phase), values in sorted(series.items()):
        models.setdefault(model, {})[phase] = {
            "cumulative": score_means(values),
            "rolling": score_means(values[-window:]),
        }
    return models


def _bankroll_the_obvious_way(store, market: str) -> list[dict]:
    rows = store.fetch(
        "SELECT league, :market AS market, strategy, season, ts, bankroll, match_id FROM bankroll"
        if market == "1x2"
        else "SELECT league, market, strategy, season, ts, bankroll, match_id "
        "FROM market_bankroll WHERE market = :market",
        {"market": market},
    )
    newest: dict = {}
    for row in map(plain, rows):
        pair = (row["league"], row["strategy"])
        if pair not in newest or (row["ts"], row["match_id"]) > (
            newest[pair]["ts"],
            newest[pair]["match_id"],
        ):
            newest[pair] = row
    return [
        {k: row[k] for k in ("league", "market", "strategy", "season", "ts", "bankroll")}
        for _, row in sorted(newest.items())
    ]


@pytest.mark.parametrize("window", [1, 37, 10000])
def test_league_metrics_are_the_whole_historys(api, replayed_urls, window):
    with open_store(_url(api, replayed_urls), create=False) as store:
        want = _metrics_the_obvious_way(store, "E0", window)
    got = api.get(f"/leagues/E0/metrics?window={window}").json()["models"]
    assert want and {"market", "anchored"} <= set(want)
    assert_close(got, want)


@pytest.mark.parametrize("market", ["1x2", "ou25", "ah"])
def test_bankroll_is_the_newest_row_of_each_league_and_strategy(api, replayed_urls, market):
    with open_store(_url(api, replayed_urls), create=False) as store:
        want = _bankroll_the_obvious_way(store, market)
    assert len(want) >= 2
    assert api.get(f"/bankroll?market={market}").json() == want
    strategy = want[-1]["strategy"]
    assert api.get(f"/bankroll?strategy={strategy}&league=E0&market={market}").json() == [
        row for row in want if row["strategy"] == strategy and row["league"] == "E0"
    ]


def test_leagues_are_counted_as_the_matches_are(api, replayed_urls):
    with open_store(_url(api, replayed_urls), create=False) as store:
        want = [
            {**plain(r), "played": int(r["played"]), "upcoming": int(r["upcoming"])}
            for r in store.fetch(
                "SELECT league, COUNT(*) AS matches, "
                "SUM(CASE WHEN status = 'played' THEN 1 ELSE 0 END) AS played, "
                "SUM(CASE WHEN status = 'scheduled' THEN 1 ELSE 0 END) AS upcoming, "
                "MIN(season) AS first_season, MAX(season) AS last_season, "
                "MAX(kickoff) AS last_kickoff FROM matches GROUP BY league ORDER BY league"
            )
        ]
    assert want and want[0]["upcoming"] > 0
    assert api.get("/leagues").json() == want


def _latest_the_obvious_way(store, match_ids: list[str]) -> dict[str, tuple]:
    """Each match's newest moment (ts, close over pre) and its models' odds."""
    rows = [plain(r) for r in store.fetch("SELECT * FROM predictions")]
    newest: dict[str, tuple] = {}
    for row in rows:
        if row["match_id"] in match_ids:
            moment = (row["ts"], row["phase"] == "close")
            newest[row["match_id"]] = max(newest.get(row["match_id"], moment), moment)
    return {
        match_id: (
            moment,
            {
                r["model"]: {"home": r["p_home"], "draw": r["p_draw"], "away": r["p_away"]}
                for r in rows
                if r["match_id"] == match_id and (r["ts"], r["phase"] == "close") == moment
            },
        )
        for match_id, moment in newest.items()
    }


@pytest.mark.parametrize("query", ["league=E0&status=all", "status=upcoming", "status=played"])
def test_predictions_pages_show_each_matchs_newest_moment(api, replayed_urls, query):
    items = api.get(f"/predictions?{query}&limit=200").json()["items"]
    with open_store(_url(api, replayed_urls), create=False) as store:
        want = _latest_the_obvious_way(store, [i["match_id"] for i in items])
    shown = {
        i["match_id"]: (
            (i["prediction"]["ts"], i["prediction"]["moment"] == "close"),
            i["prediction"]["models"],
        )
        for i in items
        if i["prediction"]
    }
    assert len(shown) >= 20 and shown == want


def _match_the_obvious_way(store, match_id: str) -> dict:
    def rows(sql: str) -> list[dict]:
        return [plain(r) for r in store.fetch(sql, {"m": match_id})]

    return {
        **rows("SELECT * FROM matches WHERE match_id = :m")[0],
        "predictions": rows(
            "SELECT model, phase, ts, p_home, p_draw, p_away, odds_home, odds_draw, odds_away, "
            "model_version FROM predictions WHERE match_id = :m ORDER BY ts, phase, model"
        ),
        "odds": rows(
            "SELECT phase, bookmaker, ts, home, draw, away FROM odds WHERE match_id = :m "
            "ORDER BY ts, phase, bookmaker"
        ),
        "bets": rows(
            "SELECT strategy, outcome, odds, bookmaker, probability, stake, closing_odds, clv, "
            "fair_clv, status, profit FROM bets WHERE match_id = :m ORDER BY strategy"
        ),
    }


def test_match_pages_hold_every_row_of_the_match(api, replayed_urls):
    """On TimescaleDB the page reads the chunks of the match's span alone."""
    with open_store(_url(api, replayed_urls), create=False) as store:
        ids = [
            r["match_id"]
            for r in store.fetch("SELECT match_id FROM matches ORDER BY kickoff, match_id")
        ]
        chosen = ids[:: max(len(ids) // 12, 1)] + ids[-3:]  # the upcoming ones among them
        want = {match_id: _match_the_obvious_way(store, match_id) for match_id in chosen}
    assert sum(len(page["odds"]) for page in want.values()) >= 20
    assert {m: api.get(f"/matches/{m}").json() for m in chosen} == want


def test_ready_names_the_newest_odds_or_score(api, replayed_urls):
    with open_store(_url(api, replayed_urls), create=False) as store:
        newest = [
            plain(store.fetch(f"SELECT MAX(ts) AS ts FROM {table}")[0])["ts"]
            for table in ("odds", "model_metrics")
        ]
    assert api.get("/ready").json()["newest_event"] == max(newest)


def test_a_served_postgresql_store_is_a_servers_and_knows_timescaledb(api, replayed_urls):
    store = api.app.state.db.stores.get()
    url = _url(api, replayed_urls)
    with open_store(url, create=False) as opened:
        hypertables = opened.dialect == "postgres" and bool(
            opened.fetch("SELECT 1 AS x FROM pg_extension WHERE extname = 'timescaledb'")
        )
    assert store.timescale == hypertables
    if store.dialect == "postgres":  # a server's pool: plans for the values, no transactions
        assert store.fetch("SHOW plan_cache_mode")[0]["plan_cache_mode"] == "force_custom_plan"
        assert store.fetch("SELECT now() <> statement_timestamp() AS x")[0]["x"] is False
