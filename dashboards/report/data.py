"""Read what the report draws from any store (SQLite or PostgreSQL) into
pandas frames; times come back as UTC timestamps whatever the store."""

from __future__ import annotations

import pandas as pd

from stream.storage import Store

OUTCOMES = ("H", "D", "A")


def frame(
    store: Store, sql: str, params: dict | None = None, times: tuple[str, ...] = ("ts",)
) -> pd.DataFrame:
    df = pd.DataFrame(store.fetch(sql, params or {}))
    for column in times:
        if column in df:
            df[column] = pd.to_datetime(df[column], utc=True, format="ISO8601")
    return df


def leagues(store: Store) -> list[str]:
    return [
        row["league"] for row in store.fetch("SELECT DISTINCT league FROM matches ORDER BY league")
    ]


def bankroll(store: Store, league: str) -> pd.DataFrame:
    return frame(
        store,
        "SELECT ts, strategy, season, bankroll FROM bankroll "
        "WHERE league = :league ORDER BY ts, match_id",
        {"league": league},
    )


def rolling_scores(store: Store, league: str, phase: str = "pre") -> pd.DataFrame:
    return frame(
        store,
        "SELECT ts, model, rolling_rps FROM model_metrics "
        "WHERE league = :league AND phase = :phase ORDER BY ts, match_id",
        {"league": league, "phase": phase},
    )


def drifts(store: Store, league: str) -> pd.DataFrame:
    return frame(
        store,
        "SELECT ts, model, detector, error_before, error_after "
        "FROM drift_events WHERE league = :league ORDER BY ts",
        {"league": league},
    )


def season_scores(store: Store, league: str, phase: str = "pre") -> pd.DataFrame:
    scores = frame(
        store,
        "SELECT season, model, rps, log_loss, correct, brier "
        "FROM model_metrics WHERE league = :league AND phase = :phase",
        {"league": league, "phase": phase},
        times=(),
    )
    if scores.empty:
        return scores
    return (
        scores.groupby(["season", "model"])
        .agg(
            matches=("rps", "size"),
            rps=("rps", "mean"),
            log_loss=("log_loss", "mean"),
            accuracy=("correct", "mean"),
            brier=("brier", "mean"),
        )
        .reset_index()
    )


def season_betting(store: Store, league: str) -> pd.DataFrame:
    bets = frame(
        store,
        "SELECT season, strategy, stake, profit, clv, fair_clv FROM bets "
        "WHERE league = :league AND market = '1x2' AND status <> 'open'",
        {"league": league},
        times=(),
    )
    if bets.empty:
        return bets
    table = (
        bets.groupby(["season", "strategy"])
        .agg(
            bets=("stake", "size"),
            staked=("stake", "sum"),
            profit=("profit", "sum"),
            clv=("clv", "mean"),
            fair_clv=("fair_clv", "mean"),
        )
        .reset_index()
    )
    table["roi"] = table["profit"] / table["staked"]
    return table


def market_seasons(store: Store, league: str) -> pd.DataFrame:
    """Per season and goals market: each model's pre-match log loss (weighted:
    a push weighs nothing), and the best-flat bets' count, ROI and fair CLV."""
    scores = frame(
        store,
        "SELECT season, market, model, SUM(weight * log_loss) / SUM(weight) AS log_loss "
        "FROM market_metrics WHERE league = :league AND phase = 'pre' AND weight > 0 "
        "GROUP BY season, market, model",
        {"league": league},
        times=(),
    )
    if scores.empty:
        return scores
    table = scores.pivot(index=["season", "market"], columns="model", values="log_loss")
    table.columns = [f"log loss {m}" for m in table.columns]
    bets = frame(
        store,
        "SELECT season, market, COUNT(*) AS bets, SUM(profit) / SUM(stake) AS roi, "
        "AVG(fair_clv) AS fair_clv FROM bets WHERE league = :league AND market <> '1x2' "
        "AND strategy = 'best-flat' AND status <> 'open' GROUP BY season, market",
        {"league": league},
        times=(),
    )
    if not bets.empty:
        table = table.join(bets.set_index(["season", "market"]))
    return table.reset_index().sort_values(["season", "market"], ascending=[False, True])


def locked_predictions(store: Store, league: str) -> pd.DataFrame:
    """Each played match's last prediction per model made at or before
    kick-off, with the outcome that followed."""
    preds = frame(
        store,
        """
        SELECT p.match_id, p.model, p.ts, p.p_home, p.p_draw, p.p_away, m.kickoff,
               m.home_goals, m.away_goals
        FROM predictions p JOIN matches m ON m.match_id = p.match_id
        WHERE m.league = :league AND m.status = 'played'""",
        {"league": league},
        times=("ts", "kickoff"),
    )
    if preds.empty:
        return preds
    preds = preds[preds["ts"] <= preds["kickoff"]].sort_values("ts")
    locked = preds.groupby(["match_id", "model"]).tail(1).copy()
    goals = locked["home_goals"] - locked["away_goals"]
    locked["outcome"] = goals.apply(lambda d: "H" if d > 0 else ("D" if d == 0 else "A"))
    return locked.reset_index(drop=True)


def calibration(locked: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Per model and probability bin: mean forecast, observed frequency, count
    (the three outcomes pooled: each match gives three forecasts).

    >>> df = pd.DataFrame({"model": ["m", "m"], "p_home": [0.7, 0.2], "p_draw": [0.2, 0.3],
    ...                    "p_away": [0.1, 0.5], "outcome": ["H", "A"]})
    >>> table = calibration(df, bins=2)
    >>> table["bin"].tolist(), table["forecast"].round(3).tolist(), table["observed"].tolist()
    ([0, 1], [0.2, 0.6], [0.0, 1.0])
    >>> table["n"].tolist()
    [4, 2]
    """
    rows = []
    for outcome, column in zip(OUTCOMES, ("p_home", "p_draw", "p_away")):
        rows.append(
            pd.DataFrame(
                {
                    "model": locked["model"],
                    "forecast": locked[column],
                    "hit": (locked["outcome"] == outcome).astype(float),
                }
            )
        )
    pooled = pd.concat(rows, ignore_index=True)
    pooled["bin"] = (pooled["forecast"] * bins).clip(upper=bins - 1).astype(int)
    return (
        pooled.groupby(["model", "bin"])
        .agg(forecast=("forecast", "mean"), observed=("hit", "mean"), n=("hit", "size"))
        .reset_index()
    )
