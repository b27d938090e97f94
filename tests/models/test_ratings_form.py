from datetime import UTC, datetime, timedelta

import pytest

from models.form import DEFAULT_REST_DAYS, Form
from models.ratings import Elo, PiRatings


def test_elo_is_zero_sum_and_favours_home():
    elo = Elo()
    elo.update("A", "B", 1, 1)
    # a home draw between equals costs the home side: it was expected to win
    assert elo.rating("A") < 1500 < elo.rating("B")
    assert elo.rating("A") + elo.rating("B") == pytest.approx(3000)


def test_elo_newcomer_enters_below_the_league_mean():
    elo = Elo()
    elo.update("A", "B", 2, 0)
    assert elo.rating("C") == pytest.approx(1500 + elo.newcomer_offset)


def test_pi_ratings_move_with_goal_difference():
    small, big = PiRatings(), PiRatings()
    small.update("A", "B", 1, 0)
    big.update("A", "B", 4, 0)
    assert 0 < small.expected_goal_difference("A", "B") < big.expected_goal_difference("A", "B")
    assert big.away["A"] > 0 and big.home["B"] < 0  # the cross-update reaches the other venue


def test_form_averages_the_last_window_and_tracks_rest():
    form = Form(window=2)
    day = datetime(2020, 1, 1, tzinfo=UTC)
    for i, (gf, ga) in enumerate([(0, 3), (2, 1), (1, 1)]):
        form.record(
            "A",
            day + timedelta(days=7 * i),
            goals_for=gf,
            goals_against=ga,
            shots_for=10,
            shots_against=None,
            on_target_for=4,
            on_target_against=2,
        )
    summary = form.summary("A")
    assert summary["points"] == 2.0  # (3 + 1) / 2: the 0-3 loss left the window
    assert summary["goals_for"] == 1.5
    assert summary["shots_against"] == 12.5  # unknown everywhere: the prior
    assert form.rest_days("A", day + timedelta(days=17)) == 3.0
    assert form.rest_days("Z", day) == DEFAULT_REST_DAYS
