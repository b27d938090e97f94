from datetime import UTC, datetime

import pytest

from models.features import FeatureState, overround

KICKOFF = datetime(2020, 1, 4, 15, 0, tzinfo=UTC)


def test_market_features_use_the_chosen_fair_method():
    state = FeatureState()
    by = {m: state.features("A", "B", KICKOFF, (1.9, 3.6, 4.2), m) for m in ("shin", "power")}
    proportional = state.features("A", "B", KICKOFF, (1.9, 3.6, 4.2), "multiplicative")
    assert proportional["mkt_home"] == pytest.approx((1 / 1.9) / (1 / 1.9 + 1 / 3.6 + 1 / 4.2))
    for x in by.values():  # both take margin off the longshot first
        assert x["mkt_away"] < proportional["mkt_away"]
        assert x["mkt_home"] + x["mkt_draw"] + x["mkt_away"] == pytest.approx(1.0)
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
