"""The closing goals distribution prices the closing bets it was fitted to,
and a bet at a moved line as its settlement rules say."""

import math

import pytest

from models.goals import ClosingGoals, total_mean
from models.settlement import asian_settlement


@pytest.mark.parametrize("p_over", [0.35, 0.5, 0.62])
def test_the_total_mean_reproduces_the_over_probability(p_over):
    mean = total_mean(p_over)
    under = sum(math.exp(-mean) * mean**k / math.factorial(k) for k in range(3))
    assert 1 - under == pytest.approx(p_over, abs=1e-9)


@pytest.mark.parametrize(
    ("line", "p_home"), [(-0.5, 0.52), (-1.0, 0.48), (0.25, 0.55), (-1.75, 0.45)]
)
def test_the_fit_prices_the_closing_handicap_fairly_on_every_line_type(line, p_home):
    goals = ClosingGoals.fit(p_over=0.54, line=line, p_home=p_home)
    assert goals.expected_return("home", line, 1 / p_home) == pytest.approx(0.0, abs=1e-9)
    # the home share of goals grows as the home side is given a harder line
    harder = ClosingGoals.fit(p_over=0.54, line=line - 0.5, p_home=p_home)
    assert harder.home_mean > goals.home_mean


def test_expected_return_is_the_mean_of_settled_profits():
    goals = ClosingGoals(1.6, 1.1)
    exact = goals.expected_return("away", 0.75, 1.9)
    weight = {
        (h, a): math.exp(-2.7) * 1.6**h * 1.1**a / (math.factorial(h) * math.factorial(a))
        for h in range(16)
        for a in range(16)
    }
    by_settling = sum(
        w * asian_settlement("away", 0.75, 1.9, 1.0, h, a)[0] for (h, a), w in weight.items()
    )
    assert exact == pytest.approx(by_settling, abs=1e-9)
