"""One MLflow run per replay: its settings and its summary, so two backtests
compare side by side in MLflow's UI (parameters and metrics columns).

Metric names are ``<league>.<model>.<moment>.<score>`` (``E0.anchored.pre.rps``)
and ``<league>.<strategy>.<figure>`` (``E0.best-flat.fair_clv``); a goals
market's put the market after the league (``E0.ou25.anchored.pre.log_loss``,
``E0.ah.best-flat.fair_clv``).

>>> sorted(summary_metrics({"leagues": {"E0": {
...     "models": {"market": {"pre": {"rps": 0.195, "log_loss": 0.95, "accuracy": 0.55}}},
...     "betting": {"flat": {"bets": 3, "roi": -0.1, "fair_clv": None, "clv": 0.01}}}}}).items())
[('E0.flat.bets', 3.0), ('E0.flat.clv', 0.01), ('E0.flat.roi', -0.1), ('E0.market.pre.accuracy', 0.55), ('E0.market.pre.log_loss', 0.95), ('E0.market.pre.rps', 0.195)]
"""

from __future__ import annotations

from typing import Any

SCORES = ("rps", "log_loss", "accuracy")
FIGURES = ("bets", "roi", "clv", "fair_clv")


def settings_params(config: Any, models: list[str], selection: dict[str, str]) -> dict[str, str]:
    """A flow configuration (edges, Kelly, prior, ARF settings: its
    ``as_params()``) with the models and the replay's selection, as MLflow params."""
    params = dict(config.as_params())
    params["models"] = ",".join(models)
    params.update({f"replay.{k}": v for k, v in selection.items()})
    return params


def summary_metrics(summary: dict[str, Any]) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for league, body in summary["leagues"].items():
        metrics.update(_figures(league, body))
        for market, part in body.get("markets", {}).items():
            metrics.update(_figures(f"{league}.{market}", part))
    return metrics


def _figures(prefix: str, body: dict[str, Any]) -> dict[str, float]:
    """Scores of each model and moment, and figures of each strategy."""
    metrics: dict[str, float] = {}
    for model, moments in body.get("models", {}).items():
        for moment, scores in moments.items():
            for name in SCORES:
                if scores.get(name) is not None:
                    metrics[f"{prefix}.{model}.{moment}.{name}"] = float(scores[name])
    for strategy, figures in body.get("betting", {}).items():
        for name in FIGURES:
            if figures.get(name) is not None:
                metrics[f"{prefix}.{strategy}.{name}"] = float(figures[name])
    return metrics


def log_backtest(
    tracking_uri: str, params: dict[str, str], summary: dict[str, Any], name: str
) -> str:
    """Log one replay's settings and summary as a run; returns its id."""
    import mlflow

    from models.experiment import use_experiment

    use_experiment(tracking_uri)
    with mlflow.start_run(run_name=name) as run:
        mlflow.set_tags({"kind": "backtest"})
        mlflow.log_params(params)
        mlflow.log_metrics(summary_metrics(summary))
        if summary.get("events_per_second") is not None:
            mlflow.log_metric("events_per_second", float(summary["events_per_second"]))
    return run.info.run_id
