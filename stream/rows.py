"""The rows a league step writes: one function per table, each a plain
mapping of what happened onto that table's columns (the store's contract,
:mod:`stream.storage.schema`).

>>> from datetime import datetime, timezone
>>> ko = datetime(2024, 8, 16, 19, tzinfo=timezone.utc)
>>> fx = Fixture(match_id="E0-20240816-man-united-fulham", league="E0", season="2024-25",
...              ts=ko, kickoff=ko, home="Man United", away="Fulham")
>>> row = match_row(fx, None).row
>>> row["kickoff"], row["status"], row["home_goals"]
('2024-08-16T19:00:00+00:00', 'scheduled', None)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from models.betting import Decision, closing_line_value, fair_closing_value
from models.drift import DriftAlarm
from models.scoring import MatchScore, Prequential
from stream.events import Event, Fixture, Odds, Result
from stream.records import Record, iso


def match_row(fx: Fixture, result: Result | None) -> Record:
    """The match, scheduled or (with its result) played."""
    return Record(
        "matches",
        {
            "match_id": fx.match_id,
            "league": fx.league,
            "season": fx.season,
            "kickoff": iso(fx.kickoff),
            "home": fx.home,
            "away": fx.away,
            "home_goals": result.home_goals if result else None,
            "away_goals": result.away_goals if result else None,
            "status": "played" if result else "scheduled",
        },
    )


def odds_row(event: Odds) -> Record:
    return Record(
        "odds",
        {
            "match_id": event.match_id,
            "phase": event.phase,
            "bookmaker": event.bookmaker,
            "ts": iso(event.ts),
            "league": event.league,
            "home": event.home,
            "draw": event.draw,
            "away": event.away,
        },
    )


def prediction_row(
    event: Odds, model: str, probs: Sequence[float], odds: Sequence[float], version: int
) -> Record:
    """One model's probabilities at an odds event, beside the prices they used."""
    return Record(
        "predictions",
        {
            "match_id": event.match_id,
            "model": model,
            "phase": event.phase,
            "ts": iso(event.ts),
            "league": event.league,
            "season": event.season,
            "p_home": probs[0],
            "p_draw": probs[1],
            "p_away": probs[2],
            "odds_home": odds[0],
            "odds_draw": odds[1],
            "odds_away": odds[2],
            "model_version": version,
        },
    )


def bet_row(
    fx: Fixture,
    strategy: str,
    bet: Decision,
    closing: float | None,
    fair: float | None,
    profit: float | None,
) -> Record:
    """A bet as known now: ``closing`` is the same book's closing price,
    ``fair`` the reference's margin-free closing probability of the outcome
    backed, ``profit`` None until settled.

    >>> from datetime import datetime, timezone
    >>> ko = datetime(2024, 8, 16, 19, tzinfo=timezone.utc)
    >>> fx = Fixture(match_id="m1", league="E0", season="2024-25", ts=ko, kickoff=ko,
    ...              home="A", away="B")
    >>> row = bet_row(fx, "flat", Decision(2, 4.0, 0.3, 1.0, "pinnacle"), 3.6, 0.27, 3.0).row
    >>> row["outcome"], row["status"], round(row["clv"], 4), round(row["fair_clv"], 2)
    ('A', 'won', 0.1111, 0.08)
    """
    return Record(
        "bets",
        {
            "match_id": fx.match_id,
            "strategy": strategy,
            "league": fx.league,
            "season": fx.season,
            "kickoff": iso(fx.kickoff),
            "outcome": "HDA"[bet.outcome],
            "odds": bet.odds,
            "probability": bet.probability,
            "stake": bet.stake,
            "closing_odds": closing,
            "clv": closing_line_value(bet.odds, closing) if closing else None,
            "status": "open" if profit is None else ("won" if profit > 0 else "lost"),
            "profit": profit,
            "bookmaker": bet.bookmaker,
            "fair_clv": fair_closing_value(bet.odds, fair) if fair else None,
            "market": "1x2",
            "line": None,
        },
    )


def withdrawn_bet(match_id: str, strategy: str, market: str = "1x2") -> Record:
    """Deletes a bet a quote of the same instant took back."""
    key = {"match_id": match_id, "strategy": strategy, "market": market}
    return Record("bets", key, delete=True)


def bankroll_row(event: Result, strategy: str, bankroll: float) -> Record:
    return Record(
        "bankroll",
        {
            "league": event.league,
            "strategy": strategy,
            "ts": iso(event.ts),
            "match_id": event.match_id,
            "season": event.season,
            "bankroll": bankroll,
        },
    )


def score_row(
    event: Result, model: str, phase: str, score: MatchScore, running: Prequential
) -> Record:
    """A model's score of one match, and its running means after it."""
    return Record(
        "model_metrics",
        {
            "match_id": event.match_id,
            "model": model,
            "phase": phase,
            "ts": iso(event.ts),
            "league": event.league,
            "season": event.season,
            "rps": score.rps,
            "log_loss": score.log_loss,
            "brier": score.brier,
            "correct": int(score.correct),
            "n": running.n,
            "rolling_rps": running.rolling("rps"),
            "rolling_log_loss": running.rolling("log_loss"),
            "rolling_accuracy": running.rolling("accuracy"),
            "cum_rps": running.cumulative("rps"),
            "cum_log_loss": running.cumulative("log_loss"),
            "cum_accuracy": running.cumulative("accuracy"),
        },
    )


def drift_row(event: Result, model: str, alarm: DriftAlarm) -> Record:
    return Record(
        "drift_events",
        {
            "league": event.league,
            "model": model,
            "ts": iso(event.ts),
            "season": event.season,
            "match_id": event.match_id,
            "detector": "adwin-rps",
            "matches_seen": alarm.matches_seen,
            "error_before": alarm.error_before,
            "error_after": alarm.error_after,
        },
    )


def late_row(event: Event, watermark: datetime, action: str) -> Record:
    """An event that arrived behind its league's watermark, and what became of
    it; its id is the payload's hash, so a redelivery is one row."""
    payload = event.to_json()
    return Record(
        "late_events",
        {
            "id": hashlib.sha256(payload.encode()).hexdigest()[:32],
            "league": event.league,
            "match_id": event.match_id,
            "type": event.type,
            "ts": iso(event.ts),
            "watermark": iso(watermark),
            "action": action,
        },
    )
