"""The MLflow experiment every matchflow run goes to, set up to open on its runs.

MLflow 3's UI opens an experiment without a kind on its GenAI overview (traces),
where a backtest or a snapshot shows nothing; the ``mlflow.experimentKind`` tag
says these are model-development runs.
"""

from __future__ import annotations

EXPERIMENT = "matchflow"
KIND_TAG = "mlflow.experimentKind"
KIND = "custom_model_development"


def use_experiment(tracking_uri: str) -> str:
    """Make ``matchflow`` the active experiment at ``tracking_uri`` (created
    if missing, its kind set); returns its id."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    experiment = mlflow.set_experiment(EXPERIMENT)
    if experiment.tags.get(KIND_TAG) != KIND:
        mlflow.MlflowClient(tracking_uri).set_experiment_tag(
            experiment.experiment_id, KIND_TAG, KIND
        )
    return experiment.experiment_id
