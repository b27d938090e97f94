"""Settling the goals markets: over/under 2.5 goals and the Asian handicap.

Over/under 2.5 has no push: three goals or more is over. An Asian handicap
bet backs a side with the home side's ``line`` added to its goals (the away
side's bet takes ``-line``). With ``m`` the backed side's goal margin after
the line:

* a half-goal line (-0.5, +1.5) wins when ``m > 0`` and loses otherwise;
* a whole-goal line (0, -1) pushes at ``m == 0``: the stake comes back;
* a quarter line (-0.25, +0.75) stakes half on each neighbouring line
  (-0.25 is half on 0, half on -0.5), so it can win or lose half.

>>> over_under(2, 1), over_under(1, 1)
('over', 'under')
>>> asian_profit("home", -0.5, 1.95, 10.0, home_goals=1, away_goals=0)
9.5
>>> asian_profit("home", -1.0, 1.80, 10.0, home_goals=2, away_goals=1)  # a push
0.0
>>> asian_profit("home", -0.25, 2.00, 10.0, home_goals=1, away_goals=1)  # half lost
-5.0
>>> asian_profit("away", -0.25, 2.10, 10.0, home_goals=1, away_goals=1)  # half won
5.5
"""

from __future__ import annotations

from typing import Literal

Side = Literal["home", "away"]
OVER_UNDER_LINE = 2.5


def over_under(home_goals: int, away_goals: int, line: float = OVER_UNDER_LINE) -> str:
    """``over`` or ``under`` the line (a half-goal line: never a push)."""
    return "over" if home_goals + away_goals > line else "under"


def split_line(line: float) -> tuple[float, ...]:
    """The lines a handicap's stake is spread over: itself, or for a quarter
    line the two neighbours, half the stake on each.

    >>> split_line(-0.25), split_line(0.75), split_line(-1.0), split_line(1.5)
    ((0.0, -0.5), (0.5, 1.0), (-1.0,), (1.5,))
    """
    quarters = round(line * 4)
    if abs(line * 4 - quarters) > 1e-9:
        raise ValueError(f"line: {line} is not a multiple of a quarter goal")
    if quarters % 2 == 0:  # a whole or half line
        return (quarters / 4,)
    toward_zero = (quarters - 1 if quarters > 0 else quarters + 1) / 4
    away_from_zero = (quarters + 1 if quarters > 0 else quarters - 1) / 4
    return (toward_zero, away_from_zero)


def margin_after(side: Side, line: float, home_goals: int, away_goals: int) -> float:
    """The backed side's goal margin with the home ``line`` applied."""
    if side == "home":
        return home_goals - away_goals + line
    return away_goals - home_goals - line


def asian_profit(
    side: Side, line: float, odds: float, stake: float, home_goals: int, away_goals: int
) -> float:
    """Profit of an Asian handicap bet on ``side`` at the home ``line``."""
    return asian_settlement(side, line, odds, stake, home_goals, away_goals)[0]


def asian_settlement(
    side: Side, line: float, odds: float, stake: float, home_goals: int, away_goals: int
) -> tuple[float, str]:
    """Profit and status (``won``, ``half-won``, ``push``, ``half-lost``,
    ``lost``) of an Asian handicap bet.

    >>> asian_settlement("home", 0.75, 1.9, 2.0, home_goals=0, away_goals=1)
    (-1.0, 'half-lost')
    >>> asian_settlement("home", -1.25, 2.2, 2.0, home_goals=3, away_goals=1)
    (2.4, 'won')
    """
    parts = split_line(line)
    share = stake / len(parts)
    results = [_sign(margin_after(side, part, home_goals, away_goals)) for part in parts]
    profit = sum(share * (odds - 1.0) if r > 0 else (-share if r < 0 else 0.0) for r in results)
    return round(profit, 10), _STATUS[tuple(sorted(results)) if len(results) > 1 else (results[0],)]


def _sign(margin: float) -> int:
    return (margin > 0) - (margin < 0)


# the results of a bet's parts (1 win, 0 push, -1 loss) -> its status
_STATUS = {
    (1,): "won",
    (0,): "push",
    (-1,): "lost",
    (1, 1): "won",
    (0, 1): "half-won",
    (-1, 0): "half-lost",
    (-1, -1): "lost",
}
