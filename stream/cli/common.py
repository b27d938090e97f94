"""What every command shares: the consoles, the flags several commands take,
``fail`` (exit 2 naming the flag), the progress bar and the snapshot options.
Imports nothing from the other command modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, NoReturn

import click
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from stream.config import Settings
    from stream.storage import Store

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
        envvar="MATCHFLOW_DB",
        help="sqlite:///FILE or postgresql://... (default sqlite:///matchflow.db).",
    ),
]
KafkaOpt = Annotated[
    str | None,
    typer.Option(
        "--kafka", "--to-kafka", envvar="MATCHFLOW_KAFKA", help="Kafka bootstrap HOST:PORT."
    ),
]
TopicOpt = Annotated[
    str | None,
    typer.Option("--topic", envvar="MATCHFLOW_TOPIC", help="Kafka topic (default match-events)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]
WideOpt = Annotated[
    bool,
    typer.Option(
        "--wide", help="Tables with every column (accuracy, stakes, drawdown): over 80 wide."
    ),
]
SnapshotsOpt = Annotated[
    bool, typer.Option("--snapshots", help="Snapshot each league's state to MLflow as it goes.")
]
MlflowOpt = Annotated[
    str | None,
    typer.Option(
        "--mlflow",
        help="MLflow tracking URI; implies --snapshots (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db).",
    ),
]
WarmOpt = Annotated[
    bool,
    typer.Option("--warm-start", help="Start each league from models:/matchflow-<league>@live."),
]
FreshOpt = Annotated[
    str | None,
    typer.Option(
        "--fresh",
        envvar="MATCHFLOW_FRESH",
        help="Comma-separated leagues that start cold, setting aside a warm start's or "
        "recovery's state (needed when a model setting changed).",
    ),
]
KeepOpt = Annotated[
    int, typer.Option("--keep-versions", min=1, help="Registered versions kept per league.")
]


ProcessesOpt = Annotated[
    int,
    typer.Option(
        "--processes",
        "-p",
        min=1,
        max=64,
        help="Processes, one per core, each with its share of the leagues "
        "(replay and run alike; the stores end as with one).",
    ),
]


def fresh_leagues(text: str | None) -> frozenset[str]:
    """``--fresh``'s league codes; exit 2 naming it for a code that is not one."""
    from stream.events import is_league_code

    codes = frozenset(c.strip() for c in (text or "").split(",") if c.strip())
    if bad := sorted(c for c in codes if not is_league_code(c)):
        fail(f"--fresh: {bad[0]!r} is not a league code")
    return codes


def settings_conflict(exc: BaseException):
    """The :class:`~stream.league.SettingsConflict` behind a dataflow's
    failure (Bytewax wraps what a step raises), or None."""
    from stream.league import SettingsConflict

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, SettingsConflict):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def fail_conflict(conflict) -> None:
    name = conflict.differences[0][0]
    fail(
        f"{name}: {conflict}; the stored state cannot change it: set it back, or "
        f"start the league afresh with --fresh {conflict.league}"
    )


def fail(message: str, code: int = 2) -> NoReturn:
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


def current_settings(**flags: object) -> Settings:
    """The process's settings, built once by the root command (which put them
    in the click context), with this command line's flags applied over them."""
    from stream.config import Settings

    context = click.get_current_context(silent=True)
    root = context.find_root() if context is not None else None
    if root is None or not isinstance(root.obj, Settings):  # called outside `matchflow`
        base = Settings()
        if root is not None:
            root.obj = base
    else:
        base = root.obj
    given = {name: value for name, value in flags.items() if value is not None}
    return base.model_copy(update=given) if given else base


def writer_store(settings: Settings) -> Store:
    """The settings' store opened to write: migrated, with the reader's login
    and TimescaleDB's retention as configured."""
    from stream.storage import open_store

    return open_store(
        settings.db,
        reader_password=settings.reader_password,
        retention_days=settings.retention_days,
        timescale=settings.timescale,
    )


def rate_updater(progress: Progress, task) -> Callable[[int], None]:
    """Advance ``task`` by n events and show the mean rate so far."""

    def advance(n: int) -> None:
        progress.advance(task, n)
        elapsed = progress.tasks[0].elapsed or 0
        if elapsed > 0:
            progress.update(task, rate=f"{progress.tasks[0].completed / elapsed:,.0f}")

    return advance


def snapshot_options(
    enabled: bool, uri: str | None, warm_start: bool, keep: int, fresh: frozenset[str] = frozenset()
):
    """None unless snapshots or a warm start were asked for."""
    if not (enabled or uri or warm_start):
        return None
    from stream.snapshots import SnapshotOptions

    return SnapshotOptions(
        tracking_uri=uri or current_settings().tracking_uri,
        enabled=enabled or bool(uri),
        warm_start=warm_start,
        keep=keep,
        fresh=fresh,
    )
