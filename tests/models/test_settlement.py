"""Asian handicap and over/under settlement against hand-settled bets
(stake 10 at odds 2.00: a win is +10, half a win +5)."""

import pytest

from models.settlement import asian_settlement, over_under, split_line

HAND_SETTLED = [
    # side, home line, home goals, away goals, profit, status
    ("home", -0.25, 1, 0, 10.0, "won"),
    ("home", -0.25, 1, 1, -5.0, "half-lost"),
    ("home", -0.25, 0, 1, -10.0, "lost"),
    ("home", -0.5, 1, 0, 10.0, "won"),
    ("home", -0.5, 1, 1, -10.0, "lost"),
    ("home", -1.0, 2, 0, 10.0, "won"),
    ("home", -1.0, 2, 1, 0.0, "push"),
    ("home", -1.0, 1, 1, -10.0, "lost"),
    ("home", 0.75, 0, 1, -5.0, "half-lost"),
    ("home", 0.75, 1, 1, 10.0, "won"),
    ("home", 0.75, 0, 2, -10.0, "lost"),
    ("home", 0.0, 1, 1, 0.0, "push"),
    ("home", 0.0, 2, 1, 10.0, "won"),
    ("home", -1.75, 2, 0, 5.0, "half-won"),
    ("home", -1.75, 3, 0, 10.0, "won"),
    ("home", -1.75, 1, 0, -10.0, "lost"),
    ("away", -0.25, 1, 1, 5.0, "half-won"),
    ("away", -0.25, 1, 0, -10.0, "lost"),
    ("away", 0.75, 0, 1, 5.0, "half-won"),
    ("away", 0.75, 0, 2, 10.0, "won"),
    ("away", 0.75, 0, 0, -10.0, "lost"),
    ("away", -1.5, 1, 0, 10.0, "won"),
    ("away", -1.5, 2, 0, -10.0, "lost"),
    ("away", 1.0, 0, 1, 0.0, "push"),
]


@pytest.mark.parametrize(("side", "line", "home", "away", "profit", "status"), HAND_SETTLED)
def test_asian_handicap_settles_as_by_hand(side, line, home, away, profit, status):
    assert asian_settlement(side, line, 2.0, 10.0, home, away) == (profit, status)


def test_both_sides_of_a_line_never_both_win():
    for line in (-2.0, -1.75, -1.25, -0.75, -0.25, 0.0, 0.25, 0.5, 1.25):
        for home in range(5):
            for away in range(5):
                h = asian_settlement("home", line, 2.0, 10.0, home, away)[0]
                a = asian_settlement("away", line, 2.0, 10.0, home, away)[0]
                assert h == -a  # at even odds one side's profit is the other's loss


def test_quarter_lines_split_and_other_lines_do_not():
    assert split_line(-0.75) == (-0.5, -1.0)
    assert split_line(1.25) == (1.0, 1.5)
    assert split_line(-2.0) == (-2.0,)
    with pytest.raises(ValueError, match="line"):
        split_line(0.3)


def test_over_under_two_and_a_half_has_no_push():
    assert [over_under(h, a) for h, a in ((0, 0), (1, 1), (2, 1), (0, 3), (4, 4))] == [
        "under",
        "under",
        "over",
        "over",
        "over",
    ]
