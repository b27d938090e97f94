from datetime import UTC, datetime

import pytest

from models.features import FeatureState, implied_probabilities, overround

KICKOFF = datetime(2020, 1, 4, 15, 0, tzinfo=UTC)


def test_implied_probabilities_remove_the_margin_proportionally():
    probs = implied_probabilities(1.9, 3.6, 4.2)
    assert sum(probs) == pytest.approx(1.0)
    assert probs[0] == pytest.approx((1 / 1.9) / (1 / 1.9 + 1 / 3.6 + 1 / 4.2))
    assert overround(1.9, 3.6, 4.2) == pytest.approx(1 / 1.9 + 1 / 3.6 + 1 / 4.2 - 1)


def test_features_change_only_through_observed_results():
    state = FeatureState()
    before = state.features("A", "B", KICKOFF, (2.0, 3.4, 4.0))
    again = state.features("A", "B", KICKOFF, (2.0, 3.4, 4.0))
    assert before == again  # computing features has no side effect
    state.observe_result(
        "A",
        "C",
        KICKOFF,
        3,
        0,
        {"home": {"shots": 20, "shots_on_target": 9}, "away": {"shots": 3, "shots_on_target": 1}},
    )
    after = state.features("A", "B", KICKOFF, (2.0, 3.4, 4.0))
    assert after["elo_diff"] > before["elo_diff"]
    assert after["form_shots"] > before["form_shots"]
    assert after["mkt_home"] == before["mkt_home"]


def test_features_are_finite_numbers():
    features = FeatureState().features("A", "B", KICKOFF, (1.5, 4.0, 7.0))
    assert all(isinstance(v, float) for v in features.values())
