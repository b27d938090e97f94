"""The command line: exit codes, messages, and a small real replay."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from stream.cli import app
from stream.loader import BUNDLED_DATA

runner = CliRunner()


@pytest.mark.parametrize(
    "args, flag",
    [
        (["replay", "--leagues", "XX"], "--leagues"),
        (["replay", "--seasons", "2005:2006"], "--seasons"),
        (["replay", "--seasons", "2010-11:2005-06"], "--seasons"),
        (["replay", "--seasons", "1990-91:1991-92"], "--seasons"),
        (["replay", "--score-from", "2017"], "--score-from"),
        (["replay", "--data-dir", "/no/such/dir"], "--data-dir"),
        (["replay", "--leagues", "E0", "--db", "mysql://x"], "--db"),
        (["summary", "--db", "sqlite:////no/such/file.db"], "--db"),
        (
            ["replay", "--leagues", "E0", "--seasons", "2016-17", "--score-from", "2030-31"],
            "--score-from",
        ),
        (["replay", "--data-dir", "/tmp"], "--data-dir: no <league>/<season>.csv files"),
    ],
)
def test_bad_arguments_exit_2_naming_the_flag(args, flag):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert flag in result.output


@pytest.mark.parametrize(
    "name, value", [("MATCHFLOW_BEST_EDGE", "abc"), ("MATCHFLOW_PRIOR_VARIANCE", "1e9x")]
)
def test_a_malformed_setting_exits_2_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["summary", "--db", "sqlite:///nowhere.db"])
    assert result.exit_code == 2, result.output
    assert name in result.output and "Traceback" not in result.output


def test_replay_of_a_new_league_from_a_data_dir(tmp_path):
    league = tmp_path / "data" / "NEW"
    league.mkdir(parents=True)
    for season in ("2018-19", "2019-20"):
        shutil.copy(BUNDLED_DATA / "SP1" / f"{season}.csv", league / f"{season}.csv")
    with open(league / "2019-20.csv", "a") as broken:
        broken.write("SP1,31/02/2020,Nowhere,Elsewhere,1\n")
    db = f"sqlite:///{tmp_path / 'new.db'}"
    result = runner.invoke(
        app,
        [
            "replay",
            "--data-dir",
            str(tmp_path / "data"),
            "--db",
            db,
            "--score-from",
            "2019-20",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    assert summary["skipped_rows"] == 1
    new = summary["leagues"]["NEW"]
    assert new["matches"] == 760 and new["scored_matches"] == 380
    assert set(new["models"]) == {"anchored", "arf", "market"}
    assert set(new["models"]["anchored"]) == {"pre", "close"}
    assert new["model_bytes"]["arf"] < 10 * 1024 * 1024
    best = new["betting"]["best-flat"]
    assert best["bets"] > 0 and best["fair_clv"] is not None
    low, high = best["roi_ci90"]
    assert low <= best["roi"] <= high
    again = runner.invoke(app, ["summary", "--db", db, "--score-from", "2019-20", "--json"])
    stored = json.loads(again.stdout[again.stdout.index("{") :])
    assert stored["leagues"]["NEW"]["models"] == new["models"]
    assert stored["leagues"]["NEW"]["betting"] == new["betting"]
    unknown = runner.invoke(app, ["summary", "--db", db, "--leagues", "NEW,XX"])
    assert (
        unknown.exit_code == 2 and "--leagues: XX not in the store (it holds NEW)" in unknown.output
    )
    # as a terminal of 80 columns (or a pipe) shows it: every value whole
    narrow = subprocess.run(
        [sys.executable, "-m", "stream.cli", "summary", "--db", db, "--score-from", "2019-20"],
        env=os.environ | {"COLUMNS": "80"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "paper betting" in narrow and "best-kelly" in narrow and "…" not in narrow
    assert max(len(line) for line in narrow.splitlines()) <= 80
    low, high = (f"{bound * 100:+.1f}" for bound in best["roi_ci90"])
    assert f"{low}..{high}" in narrow
