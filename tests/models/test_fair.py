"""The three fair methods against penaltyblog 1.13.1's ``calculate_implied``
(values computed once with it; it is not a dependency)."""

import pytest

from models.fair import FAIR_METHODS, fair_probabilities

REFERENCE: dict[tuple[float, ...], dict[str, tuple[float, ...]]] = {
    (2.0, 3.5, 4.0): {
        "multiplicative": (0.482759, 0.275862, 0.241379),
        "shin": (0.486734, 0.274328, 0.238938),
        "power": (0.488139, 0.273582, 0.238279),
    },
    (1.5, 4.2, 7.0): {
        "multiplicative": (0.636364, 0.227273, 0.136364),
        "shin": (0.647095, 0.223441, 0.129464),
        "power": (0.651854, 0.219893, 0.128253),
    },
    (3.1, 3.3, 2.4): {
        "multiplicative": (0.309496, 0.290739, 0.399766),
        "shin": (0.308746, 0.289402, 0.401853),
        "power": (0.308463, 0.289052, 0.402485),
    },
    (1.2, 7.5, 15.0): {
        "multiplicative": (0.806452, 0.129032, 0.064516),
        "shin": (0.818216, 0.123825, 0.057959),
        "power": (0.82452, 0.118552, 0.056928),
    },
    (1.9, 1.95): {
        "multiplicative": (0.506494, 0.493506),
        "shin": (0.506748, 0.493252),
        "power": (0.506874, 0.493126),
    },
    (1.5, 2.6): {
        "multiplicative": (0.634146, 0.365854),
        "shin": (0.641026, 0.358974),
        "power": (0.64465, 0.35535),
    },
    (2.05, 1.85): {
        "multiplicative": (0.474359, 0.525641),
        "shin": (0.473632, 0.526368),
        "power": (0.473281, 0.526719),
    },
    (1.08, 8.0): {
        "multiplicative": (0.881057, 0.118943),
        "shin": (0.900463, 0.099537),
        "power": (0.913424, 0.086576),
    },
}


@pytest.mark.parametrize("odds", list(REFERENCE))
@pytest.mark.parametrize("method", FAIR_METHODS)
def test_fair_probabilities_match_the_reference(odds, method):
    got = fair_probabilities(odds, method)
    assert got == pytest.approx(REFERENCE[odds][method], abs=1e-6)
    assert sum(got) == pytest.approx(1.0, abs=1e-12)


def test_shin_and_power_take_more_from_the_longshot_than_proportional():
    for odds in REFERENCE:
        proportional = fair_probabilities(odds, "multiplicative")
        longshot = max(range(len(odds)), key=lambda k: odds[k])
        for method in ("shin", "power"):
            assert fair_probabilities(odds, method)[longshot] < proportional[longshot]


def test_a_book_without_margin_is_normalised_and_a_bad_method_named():
    assert fair_probabilities((2.1, 2.1)) == (0.5, 0.5)  # best prices can sum below one
    with pytest.raises(ValueError, match="method must be one of shin, power, multiplicative"):
        fair_probabilities((2.0, 2.0), "odds-ratio")  # type: ignore[arg-type]
