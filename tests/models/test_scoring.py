import math

import pytest

from models.scoring import MatchScore, Prequential, brier, is_correct, log_loss, rps


def test_rps_matches_hand_computation():
    # P = (0.6, 0.25, 0.15), away win: cum P = 0.6, 0.85; cum O = 0, 0
    assert rps((0.6, 0.25, 0.15), 2) == pytest.approx((0.6**2 + 0.85**2) / 2)
    # draw: cum O = 0, 1 -> ((0.6)^2 + (0.85 - 1)^2) / 2
    assert rps((0.6, 0.25, 0.15), 1) == pytest.approx((0.36 + 0.0225) / 2)


def test_rps_is_zero_for_a_certain_correct_forecast_and_one_for_the_opposite():
    assert rps((1.0, 0.0, 0.0), 0) == 0.0
    assert rps((0.0, 0.0, 1.0), 0) == 1.0


def test_rps_punishes_distance_in_outcome_order():
    # Same probability on the truth; mass one step away costs less than two.
    assert rps((0.5, 0.5, 0.0), 0) < rps((0.5, 0.0, 0.5), 0)


def test_log_loss_is_three_class_cross_entropy():
    assert log_loss((0.2, 0.3, 0.5), 1) == pytest.approx(-math.log(0.3))
    assert log_loss((1 / 3, 1 / 3, 1 / 3), 2) == pytest.approx(math.log(3))


def test_log_loss_is_finite_for_a_zero_probability():
    assert math.isfinite(log_loss((1.0, 0.0, 0.0), 2))


def test_brier_and_accuracy():
    assert brier((0.2, 0.3, 0.5), 2) == pytest.approx(0.04 + 0.09 + 0.25)
    assert is_correct((0.2, 0.3, 0.5), 2)
    assert not is_correct((0.4, 0.4, 0.2), 1)  # a tie goes to home


def test_prequential_rolling_window_forgets_old_matches():
    running = Prequential(window=3)
    for outcome in (2, 2, 0, 0, 0):
        running.update(MatchScore.of((1.0, 0.0, 0.0), outcome))
    assert running.n == 5
    assert running.rolling("rps") == 0.0
    assert running.cumulative("rps") == pytest.approx(2 / 5)
    assert running.rolling("accuracy") == 1.0
