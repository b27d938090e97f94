"""The rows of the goals markets (:mod:`stream.goals`), one function per
table; ``first`` is over 2.5 goals or the home side of the handicap.

>>> from datetime import datetime, timezone
>>> t = datetime(2024, 8, 16, 18, tzinfo=timezone.utc)
>>> quote = Odds(match_id="m1", league="E0", season="2024-25", ts=t, phase="close",
...              bookmaker="pinnacle", market="ah", line=-0.25, home=1.95, away=1.95)
>>> row = market_odds_row(quote).row
>>> row["market"], row["line"], row["odds_first"]
('ah', -0.25, 1.95)
"""

from __future__ import annotations

from models.betting import Decision
from models.quotes import Quote
from models.two_way import TwoWayScore, TwoWayTotals
from stream.events import Fixture, Odds, Result
from stream.records import Record, iso

# the name of each selection of a market, first then second
SELECTIONS = {"ou25": ("over", "under"), "ah": ("home", "away")}


def market_odds_row(event: Odds) -> Record:
    first, second = event.prices
    return Record(
        "market_odds",
        {
            "match_id": event.match_id,
            "market": event.market,
            "phase": event.phase,
            "bookmaker": event.bookmaker,
            "ts": iso(event.ts),
            "league": event.league,
            "line": event.line,
            "odds_first": first,
            "odds_second": second,
        },
    )


def market_prediction_row(
    event: Odds, model: str, p_first: float, reference: Quote, version: int
) -> Record:
    return Record(
        "market_predictions",
        {
            "match_id": event.match_id,
            "market": event.market,
            "model": model,
            "phase": event.phase,
            "ts": iso(event.ts),
            "league": event.league,
            "season": event.season,
            "line": reference.line,
            "p_first": p_first,
            "odds_first": reference.prices[0],
            "odds_second": reference.prices[1],
            "model_version": version,
        },
    )


def market_score_row(
    result: Result,
    market: str,
    model: str,
    phase: str,
    line: float | None,
    y: float,
    score: TwoWayScore,
    totals: TwoWayTotals,
) -> Record:
    return Record(
        "market_metrics",
        {
            "match_id": result.match_id,
            "market": market,
            "model": model,
            "phase": phase,
            "ts": iso(result.ts),
            "league": result.league,
            "season": result.season,
            "line": line,
            "y": y,
            "weight": score.weight,
            "log_loss": score.log_loss,
            "brier": score.brier,
            "correct": int(score.correct),
            "n": totals.n,
        },
    )


def market_bet_row(
    fx: Fixture,
    market: str,
    strategy: str,
    bet: Decision,
    line: float | None,
    settled: tuple[float, str] | None,
    closing: float | None,
    fair_clv: float | None,
) -> Record:
    """A goals-market bet as known now (``settled``: its profit and status)."""
    return Record(
        "bets",
        {
            "match_id": fx.match_id,
            "strategy": strategy,
            "market": market,
            "league": fx.league,
            "season": fx.season,
            "kickoff": iso(fx.kickoff),
            "outcome": SELECTIONS[market][bet.outcome],
            "line": line,
            "odds": bet.odds,
            "probability": bet.probability,
            "stake": bet.stake,
            "closing_odds": closing,
            "clv": bet.odds / closing - 1.0 if closing else None,
            "status": settled[1] if settled else "open",
            "profit": settled[0] if settled else None,
            "bookmaker": bet.bookmaker,
            "fair_clv": fair_clv,
        },
    )


def market_bankroll_row(result: Result, market: str, strategy: str, bankroll: float) -> Record:
    return Record(
        "market_bankroll",
        {
            "league": result.league,
            "market": market,
            "strategy": strategy,
            "ts": iso(result.ts),
            "match_id": result.match_id,
            "season": result.season,
            "bankroll": bankroll,
        },
    )
