"""Acceptance. [core]: E0 2005-06..2022-23, scored from 2017-18, against the
reference numbers of docs/models-and-betting.md; run twice, identical apart from timing.
[edge]: the primary against the market in four leagues, and the best-price
bets' fair closing-line value (Shin's fair probabilities). [markets]: the
goals markets of the same replay, scored from 2019-20 (where Pinnacle quotes
them)."""

import json

import pytest
from typer.testing import CliRunner

from stream.cli import app

TIMING = ("seconds", "events_per_second")


def _replay(db, leagues="E0"):
    result = CliRunner().invoke(
        app,
        [
            "replay",
            "--leagues",
            leagues,
            "--seasons",
            "2005-06:2022-23",
            "--score-from",
            "2017-18",
            "--db",
            db,
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    return {k: v for k, v in summary.items() if k not in TIMING}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One run into a new store, one into a store that already holds later
    seasons of E0 and another league (as after ``make replay``): a replay
    recomputes its league, so both print the same numbers."""
    folder = tmp_path_factory.mktemp("acceptance")
    used = f"sqlite:///{folder / 'b.db'}"
    earlier = CliRunner().invoke(
        app,
        ["replay", "--leagues", "E0,SP1", "--seasons", "2023-24:2024-25", "--db", used, "--json"],
    )
    assert earlier.exit_code == 0, earlier.output
    return _replay(f"sqlite:///{folder / 'a.db'}"), _replay(used)


def test_scored_matches_and_market_reference(runs):
    e0 = runs[0]["leagues"]["E0"]
    assert e0["scored_matches"] == 2280
    market = e0["models"]["market"]
    assert market["pre"]["rps"] == pytest.approx(0.1953, abs=0.0005)
    assert market["close"]["rps"] == pytest.approx(0.1943, abs=0.0005)


def test_arf_meets_the_bar(runs):
    arf = runs[0]["leagues"]["E0"]["models"]["arf"]
    assert arf["pre"]["rps"] <= 0.1985
    assert arf["close"]["rps"] <= 0.1975
    assert arf["pre"]["matches"] == 2280


def test_two_runs_are_identical_even_over_a_used_store(runs):
    first, second = runs
    for league in (first, second):
        for summary in league["leagues"].values():
            summary.pop("model_bytes", None)  # pickles of equal models vary by a few bytes
    assert first == second
    assert first["leagues"]["E0"]["betting"]["best-flat"]["bets"] > 0


# -- [edge] ----------------------------------------------------------------------------
FOUR = ("E0", "SP1", "D1", "I1")
MOMENTS = ("pre", "close")


@pytest.fixture(scope="module")
def four_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edge")
    db = f"sqlite:///{folder / 'four.db'}"
    return db, _replay(db, ",".join(FOUR))["leagues"]


@pytest.fixture(scope="module")
def four(four_store):
    return four_store[1]


def _gap(league, moment):
    models = league["models"]
    return models["anchored"][moment]["rps"] - models["market"][moment]["rps"]


@pytest.mark.parametrize("code", FOUR)
def test_the_primary_is_never_worse_than_the_market_it_is_given(four, code):
    for moment in MOMENTS:
        assert _gap(four[code], moment) <= 0.0002, (code, moment)
        models = four[code]["models"]
        assert models["anchored"][moment]["matches"] == models["market"][moment]["matches"]


def test_the_primary_beats_the_market_on_average_and_clearly_in_serie_a(four):
    for moment in MOMENTS:
        assert sum(_gap(four[code], moment) for code in FOUR) / len(FOUR) < 0
    assert _gap(four["I1"], "pre") <= -0.0002


@pytest.mark.parametrize("code", FOUR)
def test_best_price_bets_have_fair_closing_line_value(four, code):
    best = four[code]["betting"]["best-flat"]
    assert best["bets"] >= 300
    assert best["fair_clv"] >= 0.03
    low, high = best["roi_ci90"]
    assert low < best["roi"] < high


# -- [markets] -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def goals(four_store):
    result = CliRunner().invoke(
        app, ["summary", "--db", four_store[0], "--score-from", "2019-20", "--json"]
    )
    assert result.exit_code == 0, result.output
    return {code: body["markets"] for code, body in json.loads(result.stdout)["leagues"].items()}


@pytest.mark.parametrize("market", ["ou25", "ah"])
def test_the_anchored_goals_models_stay_within_a_thousandth_of_the_market(goals, market):
    for code in FOUR:
        models = goals[code][market]["models"]
        for moment in MOMENTS:
            anchored, reference = models["anchored"][moment], models["market"][moment]
            assert anchored["log_loss"] <= reference["log_loss"] + 0.001, (code, moment)
            assert anchored["matches"] == reference["matches"] >= 700


@pytest.mark.parametrize("market", ["ou25", "ah"])
def test_best_price_goals_bets_have_fair_closing_line_value_pooled(goals, market):
    bets = [goals[code][market]["betting"]["best-flat"] for code in FOUR]
    total = sum(b["bets"] for b in bets)
    pooled = sum(b["bets"] * b["fair_clv"] for b in bets) / total
    assert total >= 250 and pooled >= 0.015
