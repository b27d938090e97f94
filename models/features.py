"""Pre-match features: what was known at an odds event, and nothing later.

A feature vector combines the margin-free probabilities of *this* odds event
(:mod:`models.fair`) with ratings and form built from results that arrived *before* it. The match's
own result and statistics only reach the ratings after the match, through
:meth:`FeatureState.observe_result`.

>>> from datetime import timezone
>>> state = FeatureState()
>>> ko = datetime(2024, 8, 17, 14, tzinfo=timezone.utc)
>>> x = state.features("Arsenal", "Wolves", ko, (1.25, 6.5, 12.0), "multiplicative")
>>> round(x["mkt_home"], 4), round(x["margin"], 4)
(0.7713, 0.0372)
>>> round(state.features("Arsenal", "Wolves", ko, (1.25, 6.5, 12.0))["mkt_home"], 4)  # Shin
0.7835
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from models.fair import DEFAULT_METHOD, FairMethod, fair_probabilities
from models.form import Form
from models.ratings import Elo, PiRatings


def overround(*odds: float) -> float:
    """The bookmaker's margin: sum of inverse odds minus one."""
    return sum(1.0 / o for o in odds) - 1.0


@dataclass
class FeatureState:
    """Ratings and form of one league, advanced result by result."""

    elo: Elo = field(default_factory=Elo)
    pi: PiRatings = field(default_factory=PiRatings)
    form: Form = field(default_factory=Form)

    def features(
        self,
        home: str,
        away: str,
        kickoff: datetime,
        odds: tuple[float, ...],
        fair_method: FairMethod = DEFAULT_METHOD,
    ) -> dict[str, float]:
        p_home, p_draw, p_away = fair_probabilities(odds, fair_method)
        home_form, away_form = self.form.summary(home), self.form.summary(away)
        elo_home = self.elo.expected_home(home, away)
        return {
            "mkt_home": p_home,
            "mkt_draw": p_draw,
            "mkt_away": p_away,
            "mkt_logit": math.log(p_home / p_away),
            "margin": overround(*odds),
            "elo_diff": (self.elo.rating(home) - self.elo.rating(away)) / 100.0,
            "elo_home": elo_home,
            "pi_gd": self.pi.expected_goal_difference(home, away),
            "form_points": home_form["points"] - away_form["points"],
            "form_goals": (home_form["goals_for"] - home_form["goals_against"])
            - (away_form["goals_for"] - away_form["goals_against"]),
            "form_shots": (home_form["shots_for"] - home_form["shots_against"])
            - (away_form["shots_for"] - away_form["shots_against"]),
            "form_on_target": (home_form["on_target_for"] - home_form["on_target_against"])
            - (away_form["on_target_for"] - away_form["on_target_against"]),
            "rest_home": self.form.rest_days(home, kickoff),
            "rest_away": self.form.rest_days(away, kickoff),
        }

    def observe_result(
        self,
        home: str,
        away: str,
        kickoff: datetime,
        home_goals: int,
        away_goals: int,
        stats: dict[str, dict[str, int | None]],
    ) -> None:
        """Advance ratings and form with a finished match."""
        self.elo.update(home, away, home_goals, away_goals)
        self.pi.update(home, away, home_goals, away_goals)
        hs, as_ = stats.get("home", {}), stats.get("away", {})
        self.form.record(
            home,
            kickoff,
            goals_for=home_goals,
            goals_against=away_goals,
            shots_for=hs.get("shots"),
            shots_against=as_.get("shots"),
            on_target_for=hs.get("shots_on_target"),
            on_target_against=as_.get("shots_on_target"),
        )
        self.form.record(
            away,
            kickoff,
            goals_for=away_goals,
            goals_against=home_goals,
            shots_for=as_.get("shots"),
            shots_against=hs.get("shots"),
            on_target_for=as_.get("shots_on_target"),
            on_target_against=hs.get("shots_on_target"),
        )
