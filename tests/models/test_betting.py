import pytest

from models.betting import (
    Decision,
    FlatStake,
    FractionalKelly,
    best_value,
    closing_line_value,
    kelly_fraction,
    settle,
)


def test_no_bet_without_enough_edge():
    # 0.45 * 2.3 = 1.035: 3.5% value, under a 5% edge
    assert FlatStake(edge=0.05).decide((0.45, 0.3, 0.25), (2.3, 3.3, 4.0), 100) is None


def test_value_bet_picks_the_best_expected_return():
    outcome, value = best_value((0.3, 0.3, 0.4), (3.0, 3.2, 3.0))
    assert outcome == 2 and value == pytest.approx(0.2)


def test_settlement_pays_odds_minus_one_or_loses_the_stake():
    bet = Decision(outcome=1, odds=3.4, probability=0.33, stake=2.0)
    assert settle(bet, 1) == pytest.approx(4.8)
    assert settle(bet, 0) == -2.0


def test_kelly_fraction_matches_formula_and_is_never_negative():
    assert kelly_fraction(0.6, 2.0) == pytest.approx(0.2)  # (0.6*2-1)/(2-1)
    assert kelly_fraction(0.3, 2.0) == 0.0
    assert kelly_fraction(0.9, 1.0) == 0.0


def test_fractional_kelly_scales_with_bankroll_and_respects_the_cap():
    kelly = FractionalKelly(edge=0.0, fraction=0.5, cap=0.08)
    small = kelly.decide((0.55, 0.25, 0.2), (2.0, 3.5, 4.0), bankroll=100)
    assert small.stake == pytest.approx(0.5 * 0.1 * 100)  # f* = 0.1, half is 0.05
    capped = kelly.decide((0.8, 0.1, 0.1), (2.0, 3.5, 4.0), bankroll=100)
    assert capped.stake == pytest.approx(8.0)  # half of f* = 0.6 is over the cap
    assert kelly.decide((0.8, 0.1, 0.1), (2.0, 3.5, 4.0), bankroll=0) is None


def test_closing_line_value_is_positive_when_we_beat_the_close():
    assert closing_line_value(2.2, 2.0) == pytest.approx(0.1)
    assert closing_line_value(1.9, 2.0) < 0
