"""Read queries behind the API, portable between SQLite and PostgreSQL.

Functions take a :class:`~stream.storage.Store` and return plain dicts with
times as ISO text, whatever the store returned.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from models.scoring import score_means
from serving.market_queries import market_bankroll, market_view, newest_market_predictions
from serving.sql import BadCursor, decode_cursor, encode_cursor, in_list, plain
from stream.records import as_text, iso
from stream.storage import Store

__all__ = ["BadCursor", "plain"]  # the routes' names for them

OUTCOMES = ("home", "draw", "away")


def league_exists(store: Store, league: str) -> bool:
    return bool(
        store.fetch("SELECT 1 AS x FROM matches WHERE league = :league LIMIT 1", {"league": league})
    )


# -- predictions ---------------------------------------------------------------
def _latest_predictions(store: Store, match_ids: list[str]) -> dict[str, list[dict]]:
    """The rows of each match's most recent prediction moment (all models),
    from each model's newest row (``latest_predictions``, kept by the writer)."""
    if not match_ids:
        return {}
    placeholders, params = in_list(match_ids)
    rows = store.fetch(
        "SELECT match_id, model, phase, ts, p_home, p_draw, p_away, odds_home, odds_draw, "
        f"odds_away, model_version FROM latest_predictions WHERE match_id IN ({placeholders})",
        params,
    )
    latest: dict[str, tuple] = {}
    for row in rows:
        moment = (as_text(row["ts"]), row["phase"] == "close")
        if row["match_id"] not in latest or moment > latest[row["match_id"]]:
            latest[row["match_id"]] = moment
    chosen: dict[str, list[dict]] = {}
    for row in rows:
        if (as_text(row["ts"]), row["phase"] == "close") == latest[row["match_id"]]:
            chosen.setdefault(row["match_id"], []).append(row)
    return chosen


def _prediction_view(rows: list[dict]) -> dict[str, Any] | None:
    if not rows:
        return None
    first = rows[0]
    odds = {"home": first["odds_home"], "draw": first["odds_draw"], "away": first["odds_away"]}
    models = {
        r["model"]: {"home": r["p_home"], "draw": r["p_draw"], "away": r["p_away"]}
        for r in sorted(rows, key=lambda r: r["model"])
    }
    edges = {
        name: {k: round(p[k] * odds[k] - 1.0, 6) for k in OUTCOMES}
        for name, p in models.items()
        if name != "market"
    }
    return {
        "moment": first["phase"],
        "ts": as_text(first["ts"]),
        "odds": odds,
        "models": models,
        "market": models.get("market"),
        "edge": edges,
        "model_version": first["model_version"],
    }


def predictions_page(
    store: Store,
    league: str | None,
    status: str,
    limit: int,
    cursor: str | None,
    market: str = "1x2",
) -> tuple[list[dict], str | None]:
    """A page of matches with their latest predictions (of ``market``), and
    the next cursor."""
    upcoming_first = status == "upcoming"
    where: list[str] = []
    params: dict[str, Any] = {"limit": limit + 1}
    if league:
        where.append("league = :league")
        params["league"] = league
    if status != "all":
        where.append("status = :status")
        params["status"] = "scheduled" if status == "upcoming" else "played"
    if cursor:
        kickoff, match_id = decode_cursor(cursor, 2)
        where.append(
            "(kickoff, match_id) > (:c_kickoff, :c_match)"
            if upcoming_first
            else "(kickoff, match_id) < (:c_kickoff, :c_match)"
        )
        params.update(c_kickoff=kickoff, c_match=match_id)
    order = "ASC" if upcoming_first else "DESC"
    sql = (
        "SELECT match_id, league, season, kickoff, home, away, status, home_goals, "
        f"away_goals FROM matches {'WHERE ' + ' AND '.join(where) if where else ''} "
        f"ORDER BY kickoff {order}, match_id {order} LIMIT :limit"
    )
    matches = [plain(r) for r in store.fetch(sql, params)]
    more = len(matches) > limit
    matches = matches[:limit]
    if market == "1x2":
        latest = _latest_predictions(store, [m["match_id"] for m in matches])
        items = [
            {**m, "prediction": _prediction_view(latest.get(m["match_id"], []))} for m in matches
        ]
    else:
        newest = newest_market_predictions(store, market, matches)
        items = [
            {**m, "prediction": market_view(market, newest.get(m["match_id"], []))} for m in matches
        ]
    next_cursor = (
        encode_cursor(matches[-1]["kickoff"], matches[-1]["match_id"]) if more and matches else None
    )
    return items, next_cursor


# -- one match -------------------------------------------------------------------
def match_detail(store: Store, match_id: str) -> dict[str, Any] | None:
    found = store.fetch("SELECT * FROM matches WHERE match_id = :m", {"m": match_id})
    if not found:
        return None
    params = {"m": match_id, "league": found[0]["league"]}
    by_match = "WHERE match_id = :m"
    if store.timescale:
        # TimescaleDB decompresses the league's segments alone when it is named,
        # and plans only the chunks of the match's span (SQLite would take the
        # league for an index to use, instead of the key's)
        by_match += " AND league = :league"
        span = store.fetch(
            "SELECT first_ts, last_ts FROM match_spans WHERE match_id = :m", {"m": match_id}
        )
        if span:
            by_match += " AND ts >= :first AND ts <= :last"
            params |= {"first": span[0]["first_ts"], "last": span[0]["last_ts"]}

    def rows(sql: str) -> list[dict]:
        return [plain(r) for r in store.fetch(sql, params)]

    return {
        **plain(found[0]),
        "predictions": rows(
            "SELECT model, phase, ts, p_home, p_draw, p_away, odds_home, odds_draw, odds_away, "
            f"model_version FROM predictions {by_match} ORDER BY ts, phase, model"
        ),
        "odds": rows(
            f"SELECT phase, bookmaker, ts, home, draw, away FROM odds {by_match} "
            "ORDER BY ts, phase, bookmaker"
        ),
        "bets": rows(
            "SELECT strategy, outcome, odds, bookmaker, probability, stake, closing_odds, clv, "
            "fair_clv, status, profit FROM bets WHERE match_id = :m ORDER BY strategy"
        ),
    }


# -- leagues and metrics -------------------------------------------------------------
def leagues(store: Store) -> list[dict[str, Any]]:
    """Counts from the writer's ``match_counts``; seasons and the last
    kick-off by index, one lookup each per league."""
    counts: dict[str, dict[str, int]] = {}
    for row in store.fetch("SELECT league, status, n FROM match_counts WHERE n > 0"):
        counts.setdefault(row["league"], {})[row["status"]] = int(row["n"])
    if not counts:
        return []
    marks, params = in_list(sorted(counts), "l")
    ends = store.fetch(
        "SELECT league, "
        "(SELECT MIN(season) FROM matches m WHERE m.league = l.league) AS first_season, "
        "(SELECT MAX(season) FROM matches m WHERE m.league = l.league) AS last_season, "
        "(SELECT MAX(kickoff) FROM matches m WHERE m.league = l.league) AS last_kickoff "
        f"FROM (SELECT DISTINCT league FROM match_counts WHERE league IN ({marks})) l "
        "ORDER BY league",
        params,
    )
    return [
        {
            "league": row["league"],
            "matches": sum(counts[row["league"]].values()),
            "played": counts[row["league"]].get("played", 0),
            "upcoming": counts[row["league"]].get("scheduled", 0),
            **{k: as_text(row[k]) for k in ("first_season", "last_season", "last_kickoff")},
        }
        for row in ends
    ]


SUMMER_BREAK = timedelta(days=120)


def _as_time(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def window_start(first: datetime, last: datetime, n: int, window: int) -> datetime:
    """A guess at the time of a series' ``window``-th newest row: twice the
    mean gap between its ``n`` rows per row of the window, plus a summer
    break; never before its first row.

    >>> day = timedelta(days=1)
    >>> start = datetime(2020, 1, 1)
    >>> str(window_start(start, start + 1000 * day, 1001, 100).date())  # 200 + 120 days back
    '2021-11-11'
    >>> window_start(start, start + 1000 * day, 1001, 1000) == start
    True
    """
    gap = (last - first) / max(n - 1, 1)
    return max(first, last - 2 * window * gap - SUMMER_BREAK)


_SERIES_ROWS = (
    "SELECT rps, log_loss, correct, brier FROM model_metrics WHERE league = :league "
    "AND model = :model AND phase = :phase AND ts >= :since "
    "ORDER BY ts DESC, match_id DESC LIMIT :window"
)
# PostgreSQL reads every series' newest rows in one query, each from the
# covering index backwards; ``since`` (a constant to the planner) leaves
# TimescaleDB the chunks of the span to plan, not all forty
_LEAGUE_ROWS = (
    "SELECT t.model, t.phase, r.rps, r.log_loss, r.correct, r.brier FROM metric_totals t "
    "CROSS JOIN LATERAL (SELECT rps, log_loss, correct, brier FROM model_metrics m "
    "WHERE m.league = t.league AND m.model = t.model AND m.phase = t.phase AND m.ts >= :since "
    "ORDER BY m.ts DESC, m.match_id DESC LIMIT :window) r WHERE t.league = :league AND t.n > 0"
)


def _since(total: dict[str, Any], window: int) -> Any:
    """Where the series' newest ``window`` rows must be looked for: its
    first row's time when the guess is no better (or the span is unknown)."""
    first, last = total["first_ts"], total["last_ts"]
    if first is None or last is None:  # not in the summary: every row
        return "0001-01-01T00:00:00+00:00"
    guess = window_start(_as_time(first), _as_time(last), int(total["n"]), window)
    return iso(guess) if guess > _as_time(first) else first


def _newest_rows(
    store: Store, league: str, totals: list[dict], window: int
) -> dict[tuple[str, str], list[dict]]:
    """Each series' newest ``window`` scores, read in the span where they are
    (TimescaleDB then reads a chunk or two of the forty); a series whose span
    held fewer than it has is read whole."""
    since = {(t["model"], t["phase"]): _since(t, window) for t in totals}
    base = {"league": league, "window": window}
    found: dict[tuple[str, str], list[dict]] = {key: [] for key in since}
    if store.dialect == "postgres" and since:
        earliest = min(since.values(), key=_as_time)
        for row in store.fetch(_LEAGUE_ROWS, {**base, "since": earliest}):
            found.setdefault((row["model"], row["phase"]), []).append(row)
        since = dict.fromkeys(since, earliest)
    else:
        for (model, phase), start in since.items():
            params = {**base, "model": model, "phase": phase, "since": start}
            found[(model, phase)] = store.fetch(_SERIES_ROWS, params)
    for total in totals:
        key = (total["model"], total["phase"])
        short = len(found[key]) < min(window, int(total["n"]))
        if short and total["first_ts"] is not None and since[key] != total["first_ts"]:
            params = {**base, "model": key[0], "phase": key[1], "since": total["first_ts"]}
            found[key] = store.fetch(_SERIES_ROWS, params)
    return found


def league_metrics(store: Store, league: str, window: int) -> dict[str, Any]:
    """Cumulative scores from the writer's totals, rolling ones from the last
    ``window`` rows of each series: a few rows per series, whatever the history."""
    totals = store.fetch(
        "SELECT model, phase, n, rps, log_loss, correct, brier, first_ts, last_ts "
        "FROM metric_totals WHERE league = :league AND n > 0 ORDER BY model, phase",
        {"league": league},
    )
    newest = _newest_rows(store, league, totals, window)
    models: dict[str, dict[str, Any]] = {}
    for total in totals:
        n = int(total["n"])
        models.setdefault(total["model"], {})[total["phase"]] = {
            "cumulative": {
                "matches": n,
                "rps": total["rps"] / n,
                "log_loss": total["log_loss"] / n,
                "accuracy": total["correct"] / n,
                "brier": total["brier"] / n,
            },
            "rolling": score_means(newest[(total["model"], total["phase"])]),
        }
    drift = [
        plain(r)
        for r in store.fetch(
            "SELECT model, ts, season, match_id, detector, matches_seen, error_before, error_after "
            "FROM drift_events WHERE league = :league ORDER BY ts",
            {"league": league},
        )
    ]
    return {"league": league, "window": window, "models": models, "drift_events": drift}


# -- bets, bankroll, models ---------------------------------------------------------
def bets_page(
    store: Store,
    league: str | None,
    strategy: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
    market: str = "1x2",
) -> tuple[list[dict], str | None]:
    where: list[str] = []
    params: dict[str, Any] = {"limit": limit + 1}
    filters = (("league", league), ("strategy", strategy), ("status", status), ("market", market))
    for column, value in filters:
        if value:
            where.append(f"{column} = :{column}")
            params[column] = value
    if cursor:
        kickoff, match_id, strat = decode_cursor(cursor, 3)
        where.append("(kickoff, match_id, strategy) < (:c_kickoff, :c_match, :c_strategy)")
        params.update(c_kickoff=kickoff, c_match=match_id, c_strategy=strat)
    rows = [
        plain(r)
        for r in store.fetch(
            "SELECT match_id, strategy, league, season, kickoff, market, outcome, line, odds, "
            "bookmaker, probability, stake, closing_odds, clv, fair_clv, status, profit FROM bets "
            f"{'WHERE ' + ' AND '.join(where) if where else ''} "
            "ORDER BY kickoff DESC, match_id DESC, strategy DESC LIMIT :limit",
            params,
        )
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return rows, encode_cursor(
        last["kickoff"], last["match_id"], last["strategy"]
    ) if more and last else None


def why_no_upcoming(store: Store, league: str | None) -> str:
    """The note of an empty page of upcoming matches (after a replay of
    history every match is played)."""
    where, params = ("WHERE league = :league", {"league": league}) if league else ("", {})
    played = store.fetch(f"SELECT COUNT(*) AS n FROM matches {where}", params)[0]["n"]
    if not played:
        return "the store holds no matches yet: replay or run first"
    return (
        f"no upcoming matches: the store holds {played:,} played ones; "
        "status=played or status=all lists them"
    )


def bankroll(
    store: Store, league: str | None, strategy: str | None, market: str = "1x2"
) -> list[dict]:
    """One row per league and strategy: the last settled (the writer keeps
    it in ``latest_bankroll``; matches settled at one instant are settled in
    match_id order, so that breaks the tie)."""
    if market != "1x2":
        return market_bankroll(store, market, league, strategy)
    where, params = [], {}
    for column, value in (("league", league), ("strategy", strategy)):
        if value:
            where.append(f"{column} = :{column}")
            params[column] = value
    rows = store.fetch(
        "SELECT league, '1x2' AS market, strategy, season, ts, bankroll FROM latest_bankroll "
        f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY league, strategy",
        params,
    )
    return [plain(r) for r in rows]


def model_states(store: Store) -> list[dict]:
    rows = store.fetch(
        "SELECT s.league, s.model, s.updated_at, s.matches_learned, s.drifts, s.warnings, "
        "s.monitor_drifts, l.updated_at AS state_published_at FROM model_state s "
        "LEFT JOIN league_state l ON l.league = s.league ORDER BY s.league, s.model"
    )
    return [plain(r) for r in rows]


def snapshots(store: Store, per_league: int = 5) -> list[dict]:
    """The newest registered versions of each league (from ``model_snapshots``)."""
    rows = [
        plain(r)
        for r in store.fetch(
            "SELECT league, version, ts, run_id, trigger, size, seconds FROM model_snapshots "
            "ORDER BY league, version DESC"
        )
    ]
    kept: dict[str, int] = {}
    chosen = []
    for row in rows:
        kept[row["league"]] = kept.get(row["league"], 0) + 1
        if kept[row["league"]] <= per_league:
            chosen.append(row)
    return chosen


# the newest score is this close to its series' upper bound unless rows were
# deleted since (then the whole table is read)
NEWEST_SCORE_WITHIN = timedelta(days=30)


def _newest(store: Store, table: str, since: Any = None) -> Any:
    where = "" if since is None else " WHERE ts >= :since"
    return store.fetch(f"SELECT MAX(ts) AS ts FROM {table}{where}", {"since": since})[0]["ts"]


def newest_event(store: Store) -> str | None:
    """Event time of the newest odds or result the store holds. Each table
    is read from a known lower bound of the answer on (a time constant to
    the planner: TimescaleDB plans the chunks after it, not all forty); a
    bound that finds nothing (rows deleted under a loose span) falls back to
    the whole table."""
    bound = store.fetch("SELECT MAX(last_ts) AS ts FROM metric_totals")[0]["ts"]
    scored = None
    if bound is not None:
        scored = _newest(store, "model_metrics", iso(_as_time(bound) - NEWEST_SCORE_WITHIN))
    if scored is None:
        scored = _newest(store, "model_metrics")
    # odds newer than the newest score, or (no score yet) the whole table
    quoted = _newest(store, "odds", scored)
    known = [as_text(t) for t in (scored, quoted) if t is not None]
    return max(known) if known else None
