"""Turn historical seasons into the event stream a live league would produce.

Each match becomes, in event time: its ``fixture`` (a week before kick-off), its
``pre`` odds (a day before, as football-data collects them before team news),
its ``close`` odds at kick-off where published, and its ``result`` two hours
after kick-off. Each moment carries one odds event per bookmaker the CSV quotes
(the sharp reference, the market average, the best price), all at the same
time, for the 1X2 and, where the CSV has them, the goals markets (over/under
2.5, Asian handicap). Events are sorted by (time, kind, match id): ids and
order are the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from stream.events import Event, Fixture, Odds, Result, event_order, make_match_id
from stream.loader import MatchRow, Prices, TwoWayPrices

FIXTURE_LEAD = timedelta(days=7)
PRE_ODDS_LEAD = timedelta(days=1)
MATCH_LENGTH = timedelta(hours=2)


def _odds(row: MatchRow, match_id: str, phase: str, prices: Prices, lead: timedelta) -> Odds:
    return Odds(
        match_id=match_id,
        league=row.league,
        season=row.season,
        ts=row.kickoff - lead,
        phase=phase,
        bookmaker=prices.bookmaker,
        home=prices.home,
        draw=prices.draw,
        away=prices.away,
    )


def _goals_odds(row: MatchRow, match_id: str, quote: TwoWayPrices) -> Odds:
    names = ("over", "under") if quote.market == "ou25" else ("home", "away")
    lead = PRE_ODDS_LEAD if quote.phase == "pre" else timedelta(0)
    return Odds(
        match_id=match_id,
        league=row.league,
        season=row.season,
        ts=row.kickoff - lead,
        phase=quote.phase,
        bookmaker=quote.bookmaker,
        market=quote.market,
        line=quote.line,
        **dict(zip(names, (quote.first, quote.second))),
    )


def match_events(row: MatchRow) -> list[Event]:
    """The life cycle of one match as events."""
    match_id = make_match_id(row.league, row.kickoff, row.home, row.away)
    common = {"match_id": match_id, "league": row.league, "season": row.season}
    events: list[Event] = [
        Fixture(
            **common,
            ts=row.kickoff - FIXTURE_LEAD,
            kickoff=row.kickoff,
            home=row.home,
            away=row.away,
        )
    ]
    events += [_odds(row, match_id, "pre", q, PRE_ODDS_LEAD) for q in row.pre]
    events += [_odds(row, match_id, "close", q, timedelta(0)) for q in row.close]
    events += [_goals_odds(row, match_id, q) for q in row.goals]
    if row.home_goals is not None and row.away_goals is not None:  # played
        events.append(
            Result(
                **common,
                ts=row.kickoff + MATCH_LENGTH,
                home_goals=row.home_goals,
                away_goals=row.away_goals,
                stats=row.stats,
            )
        )
    return events


def replay_events(
    rows: Iterable[MatchRow], on_rows: Callable[[int], None] | None = None
) -> list[Event]:
    """All events of ``rows`` in event-time order (leagues interleaved by time);
    ``on_rows(n)`` after every ``n`` rows turned into events."""
    events: list[Event] = []
    number = 0
    for number, row in enumerate(rows, start=1):
        events.extend(match_events(row))
        if on_rows is not None and number % 1000 == 0:
            on_rows(1000)
    if on_rows is not None and number % 1000:
        on_rows(number % 1000)
    events.sort(key=event_order)
    return events
