"""Paper betting: value bets at prices that existed, settled on the result.

A strategy looks at one moment's model probabilities and that same moment's
odds; it backs the outcome with the largest expected value when
``probability * odds > 1 + edge``. Strategies with ``price="reference"`` take
the reference bookmaker's price with the primary model's probabilities.
Strategies with ``price="best"`` take the best price any bookmaker listed at
that moment (Kaunitz, Zhong & Kreiner 2017, "Beating the bookies with their
own numbers") and judge it by two witnesses, :func:`agreed`: the value must
hold under the primary's probability *and* under the reference's margin-free
one, so a bet rests on a price out of line with the sharp book, not only on a
model correction the closing line may share.

>>> flat = FlatStake(edge=0.05, stake=1.0)
>>> flat.decide((0.5, 0.3, 0.2), (2.4, 3.3, 4.0), bankroll=100.0)
Decision(outcome=0, odds=2.4, probability=0.5, stake=1.0, bookmaker='')
>>> round(kelly_fraction(0.5, 2.4), 6)
0.142857
>>> settle(Decision(0, 2.4, 0.5, 10.0), outcome=0)
14.0
>>> round(fair_closing_value(2.4, 0.45), 4)
0.08
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

INITIAL_BANKROLL = 100.0
Price = Literal["reference", "best"]


@dataclass(frozen=True)
class Decision:
    outcome: int
    odds: float
    probability: float
    stake: float
    bookmaker: str = ""


def kelly_fraction(probability: float, odds: float) -> float:
    """Share of the bankroll that maximises expected log growth (0 if no edge)."""
    if odds <= 1.0:
        return 0.0
    return max((probability * odds - 1.0) / (odds - 1.0), 0.0)


def best_value(probs: Sequence[float], odds: Sequence[float]) -> tuple[int, float]:
    """The outcome with the largest expected return per unit, and that return."""
    values = [p * o - 1.0 for p, o in zip(probs, odds)]
    outcome = max(range(len(values)), key=lambda k: (values[k], -k))
    return outcome, values[outcome]


def settle(decision: Decision, outcome: int) -> float:
    """Profit of a settled bet in units (negative stake when it loses)."""
    if decision.outcome == outcome:
        return decision.stake * (decision.odds - 1.0)
    return -decision.stake


def closing_line_value(taken: float, closing: float) -> float:
    """How much better the taken price was than the closing one (0.05 = 5%)."""
    return taken / closing - 1.0


def fair_closing_value(taken: float, fair_closing_probability: float) -> float:
    """Expected return per unit if the reference's margin-free closing
    probability is the truth: the robust sign of an edge (ROI is noisy)."""
    return taken * fair_closing_probability - 1.0


def agreed(model: Sequence[float], reference: Sequence[float]) -> tuple[float, ...]:
    """Per outcome, the lower of two probabilities: value under this holds
    under both.

    >>> agreed((0.5, 0.3, 0.2), (0.45, 0.33, 0.22))
    (0.45, 0.3, 0.2)
    """
    return tuple(min(m, r) for m, r in zip(model, reference))


def _book(books: Sequence[str] | None, outcome: int) -> str:
    return books[outcome] if books else ""


@dataclass(frozen=True)
class FlatStake:
    """Back value at a fixed stake, whatever the bankroll (a paper ledger)."""

    edge: float = 0.05
    stake: float = 1.0
    name: str = "flat"
    price: Price = "reference"

    def decide(
        self,
        probs: Sequence[float],
        odds: Sequence[float],
        bankroll: float,
        books: Sequence[str] | None = None,
    ) -> Decision | None:
        outcome, value = best_value(probs, odds)
        if not value > self.edge:  # NaN compares False: no value, no bet
            return None
        return Decision(outcome, odds[outcome], probs[outcome], self.stake, _book(books, outcome))


@dataclass(frozen=True)
class FractionalKelly:
    """Back value with a fraction of the Kelly stake, capped per bet.

    >>> FractionalKelly(fraction=0.25, cap=0.02).decide((0.5, 0.3, 0.2), (2.4, 3.3, 4.0), 100.0)
    Decision(outcome=0, odds=2.4, probability=0.5, stake=2.0, bookmaker='')
    """

    edge: float = 0.05
    fraction: float = 0.25
    cap: float = 0.05
    name: str = "kelly"
    price: Price = "reference"

    def decide(
        self,
        probs: Sequence[float],
        odds: Sequence[float],
        bankroll: float,
        books: Sequence[str] | None = None,
    ) -> Decision | None:
        outcome, value = best_value(probs, odds)
        if not (value > self.edge and bankroll > 0):  # NaN compares False: no bet
            return None
        share = min(self.fraction * kelly_fraction(probs[outcome], odds[outcome]), self.cap)
        stake = round(share * bankroll, 6)
        if stake <= 0:
            return None
        return Decision(outcome, odds[outcome], probs[outcome], stake, _book(books, outcome))


Strategy = FlatStake | FractionalKelly
