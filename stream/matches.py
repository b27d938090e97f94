"""The life cycle of a league's matches: a fixture opens a match, quotes
reach it until kick-off, its result closes it; an event that breaks these
rules raises :class:`LifecycleError` naming the field at fault.

>>> from datetime import datetime, timezone
>>> ko = datetime(2024, 8, 16, 19, tzinfo=timezone.utc)
>>> matches = Matches()
>>> fx = Fixture(match_id="m1", league="E0", season="2024-25", ts=ko, kickoff=ko,
...              home="Man United", away="Fulham")
>>> matches.open_match(fx).fixture.home
'Man United'
>>> matches.open_match(fx)
Traceback (most recent call last):
...
stream.matches.LifecycleError: match_id: duplicate fixture m1
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from models.quotes import Quote
from stream.bettor import MatchBets
from stream.events import Fixture, Odds, Result
from stream.goals_bettor import MarketMatch
from stream.predictor import Probabilities
from stream.records import iso


class LifecycleError(ValueError):
    """An event that is valid alone but impossible for its match."""


@dataclass
class MatchState(MatchBets):
    """An open match: its quotes and bets, and what it was predicted from."""

    # phase -> (probabilities per model, the reference quote they used)
    predictions: dict[str, tuple[Probabilities, Quote]] = field(default_factory=dict)
    locked_features: dict[str, float] | None = None  # the challengers', latest moment
    locked_primary: dict[str, dict] = field(default_factory=dict)  # phase -> primary's input
    markets: dict[str, MarketMatch] = field(default_factory=dict)  # the goals markets'


class Matches:
    """A league's open matches, the ids of its finished ones, and the teams
    of its current season."""

    def __init__(self) -> None:
        self.open: dict[str, MatchState] = {}
        self.finished: set[str] = set()
        self.season_teams: dict[str, set[str]] = {}

    def open_match(self, fx: Fixture) -> MatchState:
        if fx.match_id in self.open or fx.match_id in self.finished:
            raise LifecycleError(f"match_id: duplicate fixture {fx.match_id}")
        if fx.home == fx.away:
            raise LifecycleError("away: a team cannot play itself")
        state = self.open[fx.match_id] = MatchState(fx)
        self.season_teams = {fx.season: self.season_teams.get(fx.season, set())}
        self.season_teams[fx.season].update((fx.home, fx.away))
        return state

    def quoted(self, event: Odds) -> MatchState:
        """The open match a quote is for, priced before its kick-off."""
        state = self._open(event)
        if event.ts > state.fixture.kickoff:
            raise LifecycleError(f"ts: odds at {iso(event.ts)} after kick-off")
        return state

    def close(self, result: Result) -> MatchState:
        """The match a result finishes, now finished."""
        state = self._open(result)
        if result.ts < state.fixture.kickoff:
            raise LifecycleError(f"ts: result at {iso(result.ts)} before kick-off")
        del self.open[result.match_id]
        self.finished.add(result.match_id)
        return state

    def others(self, state: MatchState) -> Iterator[MatchState]:
        """The open matches but ``state``."""
        return (m for m in self.open.values() if m is not state)

    def matchweek(self) -> int:
        """Matches in a round of the current season: half the teams seen."""
        teams = max((len(t) for t in self.season_teams.values()), default=20)
        return max(teams // 2, 1)

    def _open(self, event: Odds | Result) -> MatchState:
        if event.match_id in self.finished:
            raise LifecycleError(f"match_id: {event.match_id} already has a result")
        state = self.open.get(event.match_id)
        if state is None:
            raise LifecycleError(f"match_id: unknown match {event.match_id}")
        return state
