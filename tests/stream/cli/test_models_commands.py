"""``replay --snapshots``, ``models list|show|predict`` and the API's registry
fallback, on a local MLflow store."""

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from serving.app import create_app
from stream.cli import app
from stream.config import Settings
from stream.storage import open_store

runner = CliRunner()


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("registry")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    db = f"sqlite:///{folder / 'store.db'}"
    import os

    here = os.getcwd()
    os.chdir(folder)  # the local store's artifacts go beside it
    try:
        result = runner.invoke(
            app,
            [
                "replay",
                "--leagues",
                "E0",
                "--seasons",
                "2015-16",
                "--db",
                db,
                "--mlflow",
                uri,
                "--json",
            ],
        )
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    return uri, db, summary


def test_replay_reports_its_snapshots(registry):
    _, _, summary = registry
    snapshots = summary["snapshots"]
    assert snapshots["count"] >= 1 and snapshots["mean_bytes"] > 10_000


def test_models_list_show_and_predict(registry):
    uri, _, _ = registry
    listed = runner.invoke(app, ["models", "list", "--mlflow", uri])
    assert listed.exit_code == 0 and "matchflow-E0" in listed.stdout
    shown = runner.invoke(app, ["models", "show", "E0", "--mlflow", uri])
    assert shown.exit_code == 0 and "final" in shown.stdout
    predicted = runner.invoke(
        app,
        [
            "models",
            "predict",
            "E0",
            "--home",
            "Arsenal",
            "--away",
            "Chelsea",
            "--odds",
            "2.1,3.5,3.4",
            "--mlflow",
            uri,
            "--json",
        ],
    )
    assert predicted.exit_code == 0, predicted.output
    probs = json.loads(predicted.stdout)
    assert set(probs) == {"anchored", "arf", "market"}
    assert sum(probs["anchored"].values()) == pytest.approx(1.0)
    alias = runner.invoke(
        app,
        [
            "models",
            "predict",
            "E0",
            "--home",
            "Arsenal FC",
            "--away",
            "Chelsea",
            "--odds",
            "2.1,3.5,3.4",
            "--mlflow",
            uri,
            "--json",
        ],
    )
    assert json.loads(alias.stdout) == probs
    unknown = runner.invoke(
        app,
        [
            "models",
            "predict",
            "E0",
            "--home",
            "Arsenal",
            "--away",
            "Chelsae",
            "--odds",
            "2.1,3.5,3.4",
            "--mlflow",
            uri,
        ],
    )
    assert unknown.exit_code == 2 and "--away" in unknown.output and "Chelsea" in unknown.output
    bad = runner.invoke(
        app,
        [
            "models",
            "predict",
            "E0",
            "--home",
            "A",
            "--away",
            "B",
            "--odds",
            "2.1,1.0",
            "--mlflow",
            uri,
        ],
    )
    assert bad.exit_code == 2 and "--odds" in bad.output
    missing = runner.invoke(app, ["models", "show", "XX", "--mlflow", uri])
    assert missing.exit_code == 1


def test_api_falls_back_to_the_registry_and_lists_versions(registry, tmp_path):
    uri, db, _ = registry
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    open_store(empty).close()  # migrated, no state: the API never creates a store
    fixture = {
        "league": "E0",
        "home": "Arsenal",
        "away": "Chelsea",
        "kickoff": "2016-08-13T14:00:00Z",
        "odds": {"home": 2.1, "draw": 3.5, "away": 3.4},
    }
    with TestClient(create_app(Settings(db=empty))) as client:
        assert client.post("/predict", json=fixture).status_code == 404
    with TestClient(create_app(Settings(db=empty, mlflow=uri))) as client:
        answer = client.post("/predict", json=fixture)
        assert answer.status_code == 200, answer.text
        assert answer.json()["model_version"] == 380
    with TestClient(create_app(Settings(db=db))) as client:
        registered = client.get("/models").json()["registered"]
        assert registered and registered[0]["league"] == "E0"


def test_a_warm_start_with_a_changed_model_setting_is_exit_2_naming_it(registry, monkeypatch):
    uri, db, _ = registry
    with open_store(db, create=False) as store:
        before = store.count("predictions")
    monkeypatch.setenv("MATCHFLOW_ARF__N_MODELS", "5")
    args = ["replay", "--leagues", "E0", "--seasons", "2016-17", "--db", db]
    refused = runner.invoke(app, [*args, "--mlflow", uri, "--warm-start"])
    assert refused.exit_code == 2, refused.output
    assert "MATCHFLOW_ARF__N_MODELS: learned with 10, now 5" in refused.output
    assert "--fresh E0" in refused.output
    with open_store(db, create=False) as store:
        assert store.count("predictions") == before  # nothing written
