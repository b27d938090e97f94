"""``produce``, ``replay --to-kafka`` and ``run`` on the command line."""

import json
import os
import subprocess
import time

import pytest
from typer.testing import CliRunner

from stream.cli import app
from tests.support.processes import MATCHFLOW

runner = CliRunner()


@pytest.mark.parametrize(
    "args, flag",
    [
        (["run", "--kafka", "nohostport", "--db", "sqlite:///x.db"], "--kafka"),
        (["run", "--kafka", "127.0.0.1:9", "--workers", "0"], "--workers"),
        (["run", "--kafka", "127.0.0.1:9", "--process-id", "1"], "--process-id"),
        (["run", "--kafka", "127.0.0.1:9", "-i", "2", "-a", "a:1;b:2"], "--process-id"),
        (["run", "--kafka", "127.0.0.1:9", "--db", "oracle://x"], "db"),
        (["produce", "missing.jsonl", "--to-kafka", "127.0.0.1:9"], "FILE"),
        (["replay", "--leagues", "E0", "--to-kafka", "127.0.0.1:9", "--speed", "fast"], "--speed"),
    ],
)
def test_bad_kafka_arguments_exit_2(args, flag, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MATCHFLOW_KAFKA", raising=False)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert flag in result.output


def test_produce_publishes_valid_lines_and_reports_the_rest(kafka, topic, tmp_path, e0_two_seasons):
    lines = [e.to_json() for e in e0_two_seasons[:20]]
    lines.insert(3, '{"v": 1, "type": "odds"')
    lines.insert(
        7,
        json.dumps(
            {
                "v": 1,
                "type": "result",
                "match_id": "x",
                "league": "E0",
                "season": "2016-17",
                "ts": "2016-08-13T17:00:00Z",
                "home_goals": -1,
                "away_goals": 0,
            }
        ),
    )
    lines.insert(
        9,
        json.dumps(
            {
                "v": 1,
                "type": "fixture",
                "match_id": "E0-20160820-x-y",
                "league": "E0",
                "season": "2016-17",
                "ts": "2016-08-13T17:00:00Z",
                "kickoff": "2016-08-20T14:00:00Z",
                "home": "Totenham",
                "away": "Arsenal",
            }
        ),
    )
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(lines) + "\n")
    done = subprocess.run(
        [MATCHFLOW, "produce", str(source), "--to-kafka", kafka.bootstrap, "--topic", topic],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1  # some lines were invalid
    assert "line 4:" in done.stderr and "line 8:" in done.stderr
    assert "home_goals" in done.stderr
    assert "line 10: home: unknown team 'Totenham' (closest: Tottenham" in done.stderr
    assert "published 20 events, rejected 3 invalid lines" in done.stdout


def test_unreachable_broker_is_one_error_line_within_seconds(tmp_path):
    started = time.monotonic()
    done = subprocess.run(
        [MATCHFLOW, "replay", "--leagues", "E1", "--to-kafka", "127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert done.returncode == 1 and time.monotonic() - started < 20
    assert "no broker answered at 127.0.0.1:9 within 10 s" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # no client log flood
