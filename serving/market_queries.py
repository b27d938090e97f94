"""The API's reads of the goals markets (``market=ou25`` or ``market=ah``):
each match's newest prediction of the market, and each strategy's newest
bankroll in it. The 1X2's reads stay in :mod:`serving.queries`.

>>> view = market_view("ou25", [
...     {"model": "market", "phase": "pre", "ts": "2024-08-15T19:00:00+00:00", "line": None,
...      "p_first": 0.55, "odds_first": 1.8, "odds_second": 2.1, "model_version": 3},
...     {"model": "anchored", "phase": "pre", "ts": "2024-08-15T19:00:00+00:00", "line": None,
...      "p_first": 0.57, "odds_first": 1.8, "odds_second": 2.1, "model_version": 3}])
>>> view["models"]["anchored"], view["edge"]["anchored"]
({'over': 0.57, 'under': 0.43}, {'over': 0.026, 'under': -0.097})
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from serving.sql import in_list, plain
from stream.market_rows import SELECTIONS
from stream.records import as_text
from stream.storage import Store

# a market's quotes come before kick-off, in the month before it at the earliest
QUOTES_WITHIN = timedelta(days=30)


def newest_market_predictions(
    store: Store, market: str, matches: list[dict]
) -> dict[str, list[dict]]:
    """The rows of each match's newest prediction moment in ``market``."""
    if not matches:
        return {}
    placeholders, ids = in_list([m["match_id"] for m in matches])
    params: dict[str, Any] = {**ids, "market": market}
    bound = ""
    if store.timescale:  # plan only the chunks the page's matches can be in
        kickoffs = [datetime.fromisoformat(as_text(m["kickoff"])) for m in matches]
        params.update(first=min(kickoffs) - QUOTES_WITHIN, last=max(kickoffs))
        bound = " AND ts BETWEEN :first AND :last"
    rows = store.fetch(
        "SELECT match_id, model, phase, ts, line, p_first, odds_first, odds_second, "
        f"model_version FROM market_predictions WHERE market = :market "
        f"AND match_id IN ({placeholders}){bound}",
        params,
    )
    newest: dict[str, tuple] = {}
    for row in rows:
        moment = (as_text(row["ts"]), row["phase"] == "close")
        newest[row["match_id"]] = max(newest.get(row["match_id"], moment), moment)
    chosen: dict[str, list[dict]] = {}
    for row in rows:
        if (as_text(row["ts"]), row["phase"] == "close") == newest[row["match_id"]]:
            chosen.setdefault(row["match_id"], []).append(row)
    return chosen


def market_view(market: str, rows: list[dict]) -> dict[str, Any] | None:
    """A match's prediction in a two-way market, shaped like the 1X2's."""
    if not rows:
        return None
    first, second = SELECTIONS[market]
    head = rows[0]
    odds = {first: head["odds_first"], second: head["odds_second"]}
    models = {
        r["model"]: {first: r["p_first"], second: round(1.0 - r["p_first"], 12)}
        for r in sorted(rows, key=lambda r: r["model"])
    }
    edges = {
        name: {k: round(p[k] * odds[k] - 1.0, 6) for k in (first, second)}
        for name, p in models.items()
        if name != "market"
    }
    return {
        "market": market,
        "moment": head["phase"],
        "ts": as_text(head["ts"]),
        "line": head["line"],
        "odds": odds,
        "models": models,
        "fair": models.get("market"),
        "edge": edges,
        "model_version": head["model_version"],
    }


def market_bankroll(
    store: Store, market: str, league: str | None, strategy: str | None
) -> list[dict]:
    """One row per league and strategy in ``market``: the newest settled
    (ties of one instant broken by match id, as the 1X2's)."""
    where, params = ["market = :market"], {"market": market}
    for column, value in (("league", league), ("strategy", strategy)):
        if value:
            where.append(f"{column} = :{column}")
            params[column] = value
    rows = store.fetch(
        "WITH newest AS (SELECT league, strategy, MAX(ts) AS ts FROM market_bankroll "
        f"WHERE {' AND '.join(where)} GROUP BY league, strategy), "
        "last AS (SELECT b.league, b.strategy, b.ts, MAX(b.match_id) AS match_id "
        "FROM market_bankroll b JOIN newest n ON b.league = n.league "
        "AND b.strategy = n.strategy AND b.ts = n.ts WHERE b.market = :market "
        "GROUP BY b.league, b.strategy, b.ts) "
        "SELECT b.league, b.market, b.strategy, b.season, b.ts, b.bankroll "
        "FROM market_bankroll b JOIN last l ON b.league = l.league AND b.strategy = l.strategy "
        "AND b.ts = l.ts AND b.match_id = l.match_id WHERE b.market = :market "
        "ORDER BY b.league, b.strategy",
        params,
    )
    return [plain(r) for r in rows]
