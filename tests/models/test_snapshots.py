"""MLflow snapshots: registry and alias after a replay, a pyfunc that predicts
what the dataflow's state predicts, retention, and warm start equal to an
uninterrupted replay. Runs against a local sqlite store and a real server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from models.sealing import SealingSettings, load_sealed
from models.snapshots import example_input, predict_frame
from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.services.ports import free_port, wait_for_port
from stream.snapshots import SnapshotOptions
from stream.storage import open_store
from tests.support.data import bundled_events

FIXTURES = pd.DataFrame(
    [
        {
            "home": "Arsenal",
            "away": "Chelsea",
            "kickoff": "2016-08-13T14:00:00+00:00",
            "odds_home": 2.1,
            "odds_draw": 3.5,
            "odds_away": 3.4,
        },
        {
            "home": "Burnley",
            "away": "Man City",
            "kickoff": "2016-08-13T14:00:00+00:00",
            "odds_home": 7.5,
            "odds_draw": 4.5,
            "odds_away": 1.45,
        },
    ]
)


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    """A real ``mlflow server`` on 127.0.0.1 with its own store and artifacts."""
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "mlflow"),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{folder / 'server.db'}",
            "--artifacts-destination",
            str(folder / "artifacts"),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**__import__("os").environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    assert wait_for_port(port, 90), "mlflow server did not start"
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait()


@pytest.fixture(params=["local", "server"])
def tracking_uri(request, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a local store keeps its artifacts beside it
    if request.param == "local":
        return f"sqlite:///{tmp_path / 'mlflow.db'}"
    return request.getfixturevalue("mlflow_server")


def _stored_state(url: str, league: str):
    with open_store(url, create=False) as store:
        row = store.fetch("SELECT state FROM league_state WHERE league = :l", {"l": league})[0]
    return load_sealed(
        row["state"], SealingSettings().sealing_key()
    )  # the replay sealed it with this key


def test_replay_registers_versions_and_the_live_pyfunc_predicts_like_the_dataflow(
    tracking_uri, tmp_path
):
    import mlflow
    from mlflow import MlflowClient

    payloads = [e.to_json() for e in bundled_events("E0", "2014-15", "2015-16")]
    url = f"sqlite:///{tmp_path / 'store.db'}"
    stats = run_payloads(
        payloads, url, FlowConfig(), snapshot=SnapshotOptions(tracking_uri=tracking_uri, keep=3)
    )
    assert stats.snapshots and stats.snapshots[-1]["trigger"] == "final"

    client = MlflowClient(tracking_uri)
    versions = client.search_model_versions("name = 'matchflow-E0'")
    assert 1 <= len(versions) <= 3  # retention keeps the newest three
    live = client.get_model_version_by_alias("matchflow-E0", "live")
    assert int(live.version) == max(int(v.version) for v in versions)
    assert live.run_id is not None and live.description is not None
    run = client.get_run(live.run_id)
    assert run.data.tags["trigger"] == "final" and run.data.tags["league"] == "E0"
    assert run.data.metrics["matches_learned"] == 760
    assert "arf.grace_period" in run.data.params
    assert live.tags == {
        "league": "E0",
        "trigger": "final",
        "matches_learned": "760",
        "event_time": run.data.tags["event_time"],
    }
    assert live.description.startswith(f"E0 at {run.data.tags['event_time']} (final, 760 ")
    assert "anchored rolling pre RPS" in live.description and " vs market " in live.description
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == "matchflow"
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"

    mlflow.set_tracking_uri(tracking_uri)
    model = mlflow.pyfunc.load_model("models:/matchflow-E0@live")
    assert model.metadata.signature is not None
    served = model.predict(FIXTURES)
    expected = predict_frame(_stored_state(url, "E0"), FIXTURES)
    pd.testing.assert_frame_equal(served.reset_index(drop=True), expected)
    with open_store(url, create=False) as store:
        rows = store.fetch("SELECT version, trigger, size FROM model_snapshots ORDER BY version")
    assert rows[-1]["version"] == int(live.version) and rows[-1]["size"] > 100_000


def _predictions(url: str, from_season: str):
    with open_store(url, create=False) as store:
        return store.fetch(
            "SELECT match_id, model, phase, ts, p_home, p_draw, p_away, model_version "
            "FROM predictions WHERE season >= :s ORDER BY match_id, model, phase, ts",
            {"s": from_season},
        )


def test_warm_start_equals_an_uninterrupted_replay(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    seasons = [f"{y}-{str(y + 1)[2:]}" for y in range(2005, 2023)]
    events = list(bundled_events("E0", *seasons))
    first = [e.to_json() for e in events if e.season <= "2015-16"]
    second = [e.to_json() for e in events if e.season >= "2016-17"]

    whole = f"sqlite:///{tmp_path / 'whole.db'}"
    run_payloads(first + second, whole, FlowConfig())
    run_payloads(
        first,
        f"sqlite:///{tmp_path / 'first.db'}",
        FlowConfig(),
        snapshot=SnapshotOptions(tracking_uri=uri),
    )
    warm = f"sqlite:///{tmp_path / 'warm.db'}"
    run_payloads(
        second,
        warm,
        FlowConfig(),
        snapshot=SnapshotOptions(tracking_uri=uri, enabled=False, warm_start=True),
    )

    resumed = _predictions(warm, "2016-17")
    assert len(resumed) == 2660 * 6  # 7 seasons x 380 matches x (3 models x 2 moments)
    assert resumed == _predictions(whole, "2016-17")


def test_example_input_has_the_signature_columns():
    assert list(example_input().columns) == [
        "home",
        "away",
        "kickoff",
        "odds_home",
        "odds_draw",
        "odds_away",
    ]


def test_a_replay_with_mlflow_logs_one_backtest_run_to_compare(tmp_path, monkeypatch):
    import json

    from mlflow import MlflowClient
    from typer.testing import CliRunner

    from stream.cli import app

    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    args = [
        "replay",
        "--leagues",
        "SP1",
        "--seasons",
        "2019-20:2020-21",
        "--score-from",
        "2020-21",
        "--db",
        f"sqlite:///{tmp_path / 'store.db'}",
        "--mlflow",
        uri,
        "--json",
    ]
    monkeypatch.setenv("MATCHFLOW_BEST_EDGE", "0.03")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    run = MlflowClient(uri).get_run(summary["mlflow_run"])
    assert run.data.tags["kind"] == "backtest"
    params = run.data.params
    assert params["flow.best_edge"] == "0.03" and params["flow.edge"] == "0.1"
    assert params["models"] == "anchored,arf,market" and params["replay.leagues"] == "SP1"
    assert params["arf.n_models"] == "10" and params["flow.kelly_fraction"] == "0.25"
    sp1 = summary["leagues"]["SP1"]
    metrics = run.data.metrics
    assert metrics["SP1.anchored.pre.rps"] == sp1["models"]["anchored"]["pre"]["rps"]
    assert metrics["SP1.market.close.log_loss"] == sp1["models"]["market"]["close"]["log_loss"]
    assert metrics["SP1.best-flat.fair_clv"] == sp1["betting"]["best-flat"]["fair_clv"]
    assert metrics["SP1.best-flat.roi"] == sp1["betting"]["best-flat"]["roi"]
