"""[core] acceptance: E0 2005-06..2022-23, scored from 2017-18, against the
reference numbers of DESIGN.md; run twice, identical apart from timing."""

import json

import pytest
from typer.testing import CliRunner

from stream.cli import app

TIMING = ("seconds", "events_per_second")


def _replay(db):
    result = CliRunner().invoke(app, [
        "replay", "--leagues", "E0", "--seasons", "2005-06:2022-23",
        "--score-from", "2017-18", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{"):])
    return {k: v for k, v in summary.items() if k not in TIMING}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("acceptance")
    return _replay(f"sqlite:///{folder / 'a.db'}"), _replay(f"sqlite:///{folder / 'b.db'}")


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


def test_two_runs_are_identical(runs):
    first, second = runs
    for league in (first, second):
        for summary in league["leagues"].values():
            summary.pop("model_bytes", None)  # pickles of equal models vary by a few bytes
    assert first == second
    assert first["leagues"]["E0"]["betting"]["flat"]["bets"] > 0
