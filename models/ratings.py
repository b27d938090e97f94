"""Team strength ratings updated from results only (never from odds).

Two classic systems, both cheap enough to update on every result:

* :class:`Elo` with a home-advantage offset and a goal-difference multiplier.
* :class:`PiRatings` (Constantinou & Fenton, 2013): separate home and away
  ratings per team, expressed in goals.

>>> elo = Elo()
>>> elo.update("A", "B", 2, 0)
>>> elo.rating("A") > 1500 > elo.rating("B")
True
>>> pi = PiRatings()
>>> pi.update("A", "B", 3, 0)
>>> round(pi.expected_goal_difference("A", "B"), 3)
0.099
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Elo:
    """Elo ratings with home advantage; new teams enter below the league mean
    (promoted sides are usually weaker than those they replace)."""

    k: float = 20.0
    home_advantage: float = 65.0
    initial: float = 1500.0
    newcomer_offset: float = -80.0
    ratings: dict[str, float] = field(default_factory=dict)

    def rating(self, team: str) -> float:
        if team in self.ratings:
            return self.ratings[team]
        if not self.ratings:
            return self.initial
        return sum(self.ratings.values()) / len(self.ratings) + self.newcomer_offset

    def expected_home(self, home: str, away: str) -> float:
        """Expected score of the home side (win = 1, draw = 0.5)."""
        diff = self.rating(home) + self.home_advantage - self.rating(away)
        return 1.0 / (1.0 + 10.0 ** (-diff / 400.0))

    def update(self, home: str, away: str, home_goals: int, away_goals: int) -> None:
        expected = self.expected_home(home, away)
        actual = 1.0 if home_goals > away_goals else 0.5 if home_goals == away_goals else 0.0
        margin = math.log1p(abs(home_goals - away_goals)) + 1.0 if home_goals != away_goals else 1.0
        delta = self.k * margin * (actual - expected)
        home_rating, away_rating = self.rating(home), self.rating(away)
        self.ratings[home] = home_rating + delta
        self.ratings[away] = away_rating - delta


@dataclass
class PiRatings:
    """Pi-ratings: a home and an away rating per team, in goals."""

    learning_rate: float = 0.035
    cross_rate: float = 0.7
    home: dict[str, float] = field(default_factory=dict)
    away: dict[str, float] = field(default_factory=dict)

    @staticmethod
    def _goals(rating: float) -> float:
        sign = 1.0 if rating >= 0 else -1.0
        return sign * (10.0 ** (abs(rating) / 3.0) - 1.0)

    def expected_goal_difference(self, home: str, away: str) -> float:
        return self._goals(self.home.get(home, 0.0)) - self._goals(self.away.get(away, 0.0))

    def update(self, home: str, away: str, home_goals: int, away_goals: int) -> None:
        error = (home_goals - away_goals) - self.expected_goal_difference(home, away)
        sign = 1.0 if error >= 0 else -1.0
        step = sign * 3.0 * math.log10(1.0 + abs(error))
        lr, gamma = self.learning_rate, self.cross_rate
        home_at_home = self.home.get(home, 0.0) + step * lr
        self.away[home] = (
            self.away.get(home, 0.0) + (home_at_home - self.home.get(home, 0.0)) * gamma
        )
        self.home[home] = home_at_home
        away_at_away = self.away.get(away, 0.0) - step * lr
        self.home[away] = (
            self.home.get(away, 0.0) + (away_at_away - self.away.get(away, 0.0)) * gamma
        )
        self.away[away] = away_at_away
