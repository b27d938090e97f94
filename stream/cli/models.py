"""``matchflow models list|show|predict``: the MLflow registry from the shell."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from stream.cli.common import current_settings, fail, out

# The registry to read (``replay``'s --mlflow also turns snapshots on; here it only names it).
MlflowOpt = Annotated[
    str | None,
    typer.Option(
        "--mlflow",
        help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db).",
    ),
]

models_app = typer.Typer(
    help="Registered league models in MLflow.", no_args_is_help=True, rich_markup_mode=None
)


def _client(uri: str | None):
    from mlflow import MlflowClient

    uri = uri or current_settings().tracking_uri
    return MlflowClient(uri, registry_uri=uri)


@models_app.command("list")
def list_models(mlflow: MlflowOpt = None) -> None:
    """Every matchflow-<league> model: versions kept and the live one."""
    client = _client(mlflow)
    table = Table(title="registered models")
    for column in ("model", "versions", "live version", "live event time", "trigger"):
        table.add_column(column)
    for model in client.search_registered_models("name LIKE 'matchflow-%'"):
        versions = client.search_model_versions(f"name = '{model.name}'")
        live = model.aliases.get("live")
        tags = {}
        if live:
            run = client.get_run(client.get_model_version(model.name, live).run_id)
            tags = run.data.tags
        table.add_row(
            model.name,
            str(len(versions)),
            str(live or "-"),
            tags.get("event_time", "-"),
            tags.get("trigger", "-"),
        )
    out.print(table)


@models_app.command("show")
def show(league: str, mlflow: MlflowOpt = None) -> None:
    """One league's versions with their trigger, event time and scores."""
    from models.snapshots import registered_name

    client = _client(mlflow)
    name = registered_name(league)
    versions = client.search_model_versions(f"name = '{name}'")
    if not versions:
        fail(f"LEAGUE: no registered model {name}", code=1)
    table = Table(title=name)
    for column in (
        "version",
        "trigger",
        "event time",
        "matches learned",
        "anchored pre RPS (roll)",
        "market pre RPS (roll)",
    ):
        table.add_column(column)
    for version in sorted(versions, key=lambda v: int(v.version)):
        run = client.get_run(version.run_id)
        metrics, tags = run.data.metrics, run.data.tags
        table.add_row(
            str(version.version),
            tags.get("trigger", "-"),
            tags.get("event_time", "-"),
            f"{metrics.get('matches_learned', 0):.0f}",
            f"{metrics.get('anchored_pre_rps_rolling', float('nan')):.4f}",
            f"{metrics.get('market_pre_rps_rolling', float('nan')):.4f}",
        )
    out.print(table)


def _odds(text: str) -> tuple[float, float, float]:
    try:
        odds = tuple(float(x) for x in text.split(","))
    except ValueError:
        odds = ()
    if len(odds) != 3 or not all(o > 1.0 for o in odds):
        fail(f"--odds: expected three decimal odds > 1, e.g. 2.1,3.5,3.4, got {text!r}")
    return odds


@models_app.command("predict")
def predict(
    league: str,
    home: Annotated[str, typer.Option("--home")],
    away: Annotated[str, typer.Option("--away")],
    odds: Annotated[str, typer.Option("--odds", help="Home,draw,away decimal odds.")],
    kickoff: Annotated[datetime | None, typer.Option("--kickoff")] = None,
    mlflow: MlflowOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every model's probabilities from models:/matchflow-<league>@live."""
    from models.sealing import TamperedBlob
    from models.snapshots import load_live
    from stream.teams import UnknownTeam, team_names

    prices = _odds(odds)
    try:
        home, away = team_names().resolve_sides(league, home, away)
    except UnknownTeam as exc:
        fail(f"--{exc.side}: {exc}")
    try:
        settings = current_settings()
        processor = load_live(mlflow or settings.tracking_uri, league, settings.sealing_key())
    except TamperedBlob as exc:
        fail(f"LEAGUE: {exc}", code=1)
    if processor is None:
        fail(f"LEAGUE: no live model for {league!r}", code=1)
    when = kickoff or datetime.now(UTC)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    assert processor is not None  # fail() exits
    probs, _features = processor.predict(home, away, when, prices)
    result = {name: dict(zip(("home", "draw", "away"), p)) for name, p in probs.items()}
    if as_json:
        print(json.dumps(result))
        return
    table = Table(title=f"{league}: {home} v {away} at {prices}")
    for column in ("model", "home", "draw", "away"):
        table.add_column(column, justify="right")
    for name, p in result.items():
        table.add_row(name, *(f"{p[k]:.3f}" for k in ("home", "draw", "away")))
    out.print(table)
