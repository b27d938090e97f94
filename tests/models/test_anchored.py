"""The primary model: anchored on the market, corrections learned online."""

import math
import pickle

import pytest
from river import checks

from models.anchored import AnchoredLogit
from models.factory import AnchoredModel, build_models, primary_features

MARKET = (0.47, 0.27, 0.26)


def _features(market=MARKET, elo_diff=0.8, pi_gd=0.3):
    return {
        "mkt_home": market[0],
        "mkt_draw": market[1],
        "mkt_away": market[2],
        "elo_diff": elo_diff,
        "pi_gd": pi_gd,
    }


@pytest.mark.parametrize("params", list(AnchoredLogit._unit_test_params()))
def test_river_check_estimator_passes(params):
    checks.check_estimator(AnchoredLogit(**params))


def test_all_corrections_at_zero_predict_exactly_the_market():
    model = build_models(seed=3)["anchored"]
    for market in (MARKET, (0.8, 0.15, 0.05), (0.1, 0.2, 0.7)):
        x = primary_features(_features(market), "pre", "pinnacle", (0.6, 0.2, 0.2))
        assert model.predict(x) == market


def test_one_update_matches_the_hand_computed_newton_step():
    # Two classes, anchor 0.5/0.5, prior variance 1: only class 0's bias varies
    # across classes (the temperature column log 0.5 is the same for both), so
    # A = 1/1 + p0 (1 - p0) = 1.25, gradient = p0 - 1 = -0.5, w = 0.5 / 1.25.
    model = AnchoredLogit(prior_variance=1.0, classes=(0, 1), baseline=1)
    x = {"market@0": 0.5, "market@1": 0.5}
    model.learn_one(x, 0)
    assert model.weights["bias@0"] == pytest.approx(0.4, abs=1e-15)
    p0 = math.exp(0.4) / (math.exp(0.4) + 1)
    assert model.predict_proba_one(x)[0] == pytest.approx(p0, abs=1e-15)
    # Second step: A = 1.25 + p0 (1 - p0), w = 0.4 + (1 - p0) / A.
    model.learn_one(x, 0)
    expected = 0.4 + (1 - p0) / (1.25 + p0 * (1 - p0))
    assert model.weights["bias@0"] == pytest.approx(expected, abs=1e-12)
    assert model.weights["bias@0"] == pytest.approx(0.66929001588, abs=1e-10)


def test_temperature_sharpens_a_favourite_the_data_favour():
    model = AnchoredLogit(classes=(0, 1, 2), baseline=2, prior_variance=0.05)
    favourite = {"market@0": 0.7, "market@1": 0.2, "market@2": 0.1}
    for _ in range(400):  # the favourite wins 85% of the time, not 70%
        for outcome in [0] * 17 + [1] * 2 + [2]:
            model.learn_one(favourite, outcome)
    assert model.predict_proba_one(favourite)[0] > 0.8


def test_each_moment_and_reference_learns_its_own_weights():
    model = AnchoredModel(prior_variance=0.05)
    bet365 = primary_features(_features(), "pre", "bet365", MARKET)
    pinnacle = primary_features(_features(), "pre", "pinnacle", MARKET)
    close = primary_features(_features(), "close", "pinnacle", MARKET)
    for _ in range(200):
        model.learn(bet365, 0)
    assert model.predict(bet365)[0] > MARKET[0]
    assert model.predict(pinnacle) == MARKET
    assert model.predict(close) == MARKET


def test_learning_does_not_mutate_the_input_and_pickles_with_its_weights():
    model = AnchoredModel()
    x = primary_features(_features(), "close", "pinnacle", (0.5, 0.25, 0.25))
    before = dict(x)
    for outcome in (0, 1, 2, 0):
        model.learn(x, outcome)
    assert x == before
    clone = pickle.loads(pickle.dumps(model))
    assert clone.predict(x) == model.predict(x)


def test_primary_features_are_per_side_and_bounded():
    x = primary_features(_features(elo_diff=1.2, pi_gd=-0.4), "pre", "pinnacle", (0.0, 0.5, 0.5))
    assert (x["elo@0"], x["elo@2"]) == (0.6, -0.6)
    assert (x["pi@0"], x["pi@2"]) == (-0.2, 0.2)
    assert x["arf@0"] == -3.0  # an ARF share of 0 is clipped, not log(0)
    assert x["arf@1"] == pytest.approx(math.log(0.5 / 0.27))
