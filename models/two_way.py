"""Models and scores of the two-way goals markets (over/under 2.5, Asian
handicap): the probability that the *first* selection (over; the home side)
wins.

What a match teaches a two-way market is its settlement: each part of the
stake (a quarter line has two) won, lost or was pushed. The target is the
share of the decided stake that the first selection won, weighted by how much
of the stake was decided: a push teaches nothing, a half-lost quarter line is
half a loss. The market's fair probability of a quarter line is calibrated
against exactly this target (a bet is fair when its expected profit is 0).

>>> target("ou25", None, home_goals=2, away_goals=1)
(1.0, 1.0)
>>> target("ah", -1.0, home_goals=2, away_goals=1)  # a push
(0.0, 0.0)
>>> target("ah", -0.25, home_goals=0, away_goals=0)  # half lost
(0.0, 0.5)
>>> model = AnchoredTwoWay()
>>> x = {"market@0": 0.55, "market@1": 0.45, "moment": "pre", "reference": "pinnacle"}
>>> model.predict(x)
0.55
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.anchored import AnchoredLogit
from models.settlement import margin_after, over_under, split_line

EPSILON = 1e-15


def target(
    market: str, line: float | None, home_goals: int, away_goals: int
) -> tuple[float, float]:
    """``(y, weight)``: 1.0 when the first selection won, and the share of
    the stake that was decided (0 for a push)."""
    if market == "ou25":
        return (1.0 if over_under(home_goals, away_goals) == "over" else 0.0), 1.0
    assert line is not None
    parts = split_line(line)
    won = lost = 0
    for part in parts:
        margin = margin_after("home", part, home_goals, away_goals)
        won += margin > 0
        lost += margin < 0
    decided = won + lost
    return (won / decided if decided else 0.0), decided / len(parts)


def market_features(p_first: float, moment: str, reference: str) -> dict:
    """The anchored model's input: the market's fair probabilities of both
    selections, and the moment and reference that choose its weights."""
    return {
        "market@0": p_first,
        "market@1": 1.0 - p_first,
        "moment": moment,
        "reference": reference,
    }


class MarketTwoWay:
    """The reference's fair probability of the first selection; learns nothing."""

    def predict(self, x: dict) -> float:
        return float(x["market@0"])

    def learn(self, x: dict, y: float, weight: float) -> None:
        return None


class AnchoredTwoWay:
    """A binary :class:`~models.anchored.AnchoredLogit` (a bias and a
    temperature: the favourite-longshot bias of the line's prices) per moment
    and reference bookmaker, each market its own instance."""

    def __init__(self, prior_variance: float = 0.003) -> None:
        self.prior_variance = prior_variance
        self.filters: dict[tuple[str, str], AnchoredLogit] = {}

    def _filter(self, x: dict) -> AnchoredLogit:
        key = (x["moment"], x["reference"])
        if key not in self.filters:
            self.filters[key] = AnchoredLogit(
                prior_variance=self.prior_variance, classes=(0, 1), baseline=1
            )
        return self.filters[key]

    def predict(self, x: dict) -> float:
        return float(self._filter(x).predict_proba_one(x)[0])

    def learn(self, x: dict, y: float, weight: float) -> None:
        if weight > 0:
            self._filter(x).learn_one(x, 0 if y >= 0.5 else 1, w=weight)


@dataclass(frozen=True)
class TwoWayScore:
    """Log loss, Brier score and hit of one prediction, and its weight.

    >>> s = TwoWayScore.of(0.6, y=1.0, weight=1.0)
    >>> round(s.log_loss, 4), round(s.brier, 2), s.correct
    (0.5108, 0.16, True)
    """

    log_loss: float
    brier: float
    correct: bool
    weight: float

    @classmethod
    def of(cls, p: float, y: float, weight: float) -> TwoWayScore:
        p = min(max(p, EPSILON), 1.0 - EPSILON)
        log_loss = -(y * math.log(p) + (1.0 - y) * math.log(1.0 - p))
        return cls(log_loss, (p - y) ** 2, (p >= 0.5) == (y >= 0.5), weight)


@dataclass
class TwoWayTotals:
    """Weighted running sums of one model's scores in one market and moment."""

    n: int = 0
    weight: float = 0.0
    log_loss: float = 0.0
    brier: float = 0.0
    correct: float = 0.0

    def update(self, score: TwoWayScore) -> TwoWayTotals:
        self.n += 1
        self.weight += score.weight
        self.log_loss += score.weight * score.log_loss
        self.brier += score.weight * score.brier
        self.correct += score.weight * score.correct
        return self
