"""What every command shares: the consoles, the flags several commands take,
``fail`` (exit 2 naming the flag), the progress bar and the snapshot options.
Imports nothing from the other command modules."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

err = Console(stderr=True)
out = Console()

LeaguesOpt = Annotated[
    str | None,
    typer.Option("--leagues", help="Comma-separated codes, e.g. E0,SP1 (default: all)."),
]
SeasonsOpt = Annotated[
    str | None,
    typer.Option("--seasons", help="FIRST:LAST, e.g. 2005-06:2022-23, or one season."),
]
ScoreFromOpt = Annotated[
    str | None, typer.Option("--score-from", help="Score only seasons from this one on.")
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="sqlite:///FILE or postgresql://... [env MATCHFLOW_DB, default sqlite:///matchflow.db].",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]
SnapshotsOpt = Annotated[
    bool, typer.Option("--snapshots", help="Snapshot each league's state to MLflow as it goes.")
]
MlflowOpt = Annotated[
    str | None,
    typer.Option(
        "--mlflow",
        help="MLflow tracking URI; implies --snapshots [env MLFLOW_TRACKING_URI, default sqlite:///mlflow.db].",
    ),
]
WarmOpt = Annotated[
    bool,
    typer.Option("--warm-start", help="Start each league from models:/matchflow-<league>@live."),
]
KeepOpt = Annotated[
    int, typer.Option("--keep-versions", min=1, help="Registered versions kept per league.")
]


def fail(message: str, code: int = 2) -> None:
    # a store's own errors start "db:": the flag that names the store is --db
    message = f"--{message}" if message.startswith("db:") else message
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def events_progress(label: str = "replay") -> Progress:
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>8} events/s"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def snapshot_options(enabled: bool, uri: str | None, warm_start: bool, keep: int):
    """None unless snapshots or a warm start were asked for."""
    if not (enabled or uri or warm_start):
        return None
    from models.snapshots import default_tracking_uri
    from stream.snapshot_run import SnapshotOptions

    return SnapshotOptions(
        tracking_uri=uri or default_tracking_uri(),
        enabled=enabled or bool(uri),
        warm_start=warm_start,
        keep=keep,
    )
