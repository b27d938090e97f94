"""Settings: one object, its parts, and the old names that still work ([house])."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models.arf_config import ArfConfig
from stream.cli import app
from stream.config import FlowConfig, ModelSettings, Settings


def test_the_flow_config_is_the_model_part_of_the_settings(monkeypatch):
    monkeypatch.setenv("MATCHFLOW_EDGE", "0.3")
    monkeypatch.setenv("MATCHFLOW_SEED", "7")
    config = Settings().flow_config()
    assert (config.edge, config.seed) == (0.3, 7)
    assert set(ModelSettings.model_fields) < set(FlowConfig.model_fields)
    assert set(ModelSettings.model_fields) < set(Settings.model_fields)
    assert pickle.loads(pickle.dumps(config)) == config  # carried in every league's state


def test_old_variable_names_still_set_their_settings(monkeypatch):
    monkeypatch.setenv("MATCHFLOW_SNAPSHOT_INTERVAL", "3")
    monkeypatch.setenv("MATCHFLOW_CACHE", "/tmp/jars")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow:5000")
    settings = Settings()
    assert settings.recovery_interval == 3
    assert settings.cache_dir == Path("/tmp/jars")
    assert settings.tracking_uri == "http://mlflow:5000"
    monkeypatch.setenv("MATCHFLOW_RECOVERY_INTERVAL", "5")  # the new name wins
    assert Settings().recovery_interval == 5


def test_a_bad_variable_is_exit_2_naming_it(monkeypatch, tmp_path):
    monkeypatch.setenv("MATCHFLOW_RECOVERY_INTERVAL", "often")
    shown = CliRunner().invoke(app, ["summary", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert shown.exit_code == 2
    assert "MATCHFLOW_RECOVERY_INTERVAL" in shown.output
    assert "MATCHFLOW_MATCHFLOW" not in shown.output


def test_the_old_recovery_flag_works_and_says_it_is_deprecated(tmp_path):
    shown = CliRunner().invoke(
        app,
        [
            "run",
            "--kafka",
            "127.0.0.1:9",
            "--db",
            f"sqlite:///{tmp_path / 'x.db'}",
            "--snapshot-interval",
            "5",
            "--process-id",
            "0",
        ],
    )  # fails fast afterwards: a process id without addresses
    assert "--snapshot-interval is deprecated" in shown.output
    assert shown.exit_code == 2 and "--process-id/--addresses" in shown.output


@pytest.mark.parametrize(
    "variable, value",
    [
        ("MATCHFLOW_PRIOR_VARIANCE", "0"),
        ("MATCHFLOW_PRIOR_VARIANCE", "-1"),
        ("MATCHFLOW_KELLY_FRACTION", "1.5"),
        ("MATCHFLOW_BEST_EDGE", "-0.1"),
        ("MATCHFLOW_KELLY_CAP", "0"),
        ("MATCHFLOW_ROLLING_WINDOW", "0"),
        ("MATCHFLOW_ALLOWED_LATENESS", "-5"),
        ("MATCHFLOW_ARF__N_MODELS", "0"),
    ],
)
def test_a_setting_out_of_bounds_is_exit_2_naming_it_and_nothing_is_written(
    monkeypatch, tmp_path, variable, value
):
    monkeypatch.setenv(variable, value)
    db = tmp_path / "x.db"
    shown = CliRunner().invoke(app, ["replay", "--leagues", "E0", "--db", f"sqlite:///{db}"])
    assert shown.exit_code == 2, shown.output
    assert f"error: {variable}:" in shown.output
    assert not db.exists()


def test_only_settings_that_shaped_learned_state_conflict_on_a_restore():
    stored = FlowConfig()
    assert stored.learned_differences(FlowConfig(best_edge=0.05, allowed_lateness=0)) == []
    changed = stored.learned_differences(FlowConfig(arf=ArfConfig(n_models=5)))
    assert changed == [("MATCHFLOW_ARF__N_MODELS", "10", "5")]


def test_a_conflict_raised_inside_the_dataflow_is_found_behind_bytewaxs_errors():
    from stream.cli.common import settings_conflict
    from stream.league import SettingsConflict

    conflict = SettingsConflict("E0", [("MATCHFLOW_SEED", "42", "7")])
    try:
        try:
            raise conflict
        except SettingsConflict as exc:
            raise RuntimeError("worker panicked") from exc
    except RuntimeError as wrapped:
        assert settings_conflict(wrapped) is conflict
    assert settings_conflict(RuntimeError("other")) is None
    assert str(conflict) == "MATCHFLOW_SEED: learned with 42, now 7 (league E0)"
