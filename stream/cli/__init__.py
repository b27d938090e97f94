"""``matchflow``: the command line. Flags override ``MATCHFLOW_*`` variables.

Bad arguments exit 2 with a message that names the flag. One module per
command group; they share ``stream.cli.common`` and never import this one,
which assembles them into ``app``.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from stream.cli import dev, feed, kafka, models, replay, report
from stream.cli.common import err, fail
from stream.config import Settings
from stream.interrupts import Interrupted, raise_on_signals

app = typer.Typer(
    help="Live football prediction: Kafka -> Bytewax -> River -> store.",
    rich_markup_mode=None,  # plain help: "[env ...]" stays text, flags look like flags
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _settings(context: typer.Context) -> None:
    """The settings, built once for the command that runs (``current_settings``
    hands them down). A malformed MATCHFLOW_* variable is a bad argument:
    exit 2 naming it."""
    from pydantic import ValidationError

    try:
        context.obj = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        # a nested setting's path is its variable's: arf.n_models -> ARF__N_MODELS
        field = "__".join(str(p) for p in first["loc"]).upper() if first["loc"] else "*"
        # fields with aliases (MLFLOW_TRACKING_URI, old names) report the variable itself
        name = field if field.startswith(("MATCHFLOW_", "MLFLOW_")) else f"MATCHFLOW_{field}"
        fail(f"{name}: {first['msg']} (got {str(first.get('input'))[:40]!r})")


for command in (
    replay.replay,
    replay.summary,
    replay.migrate,
    kafka.run,
    kafka.serve,
    kafka.produce,
    report.report,
):
    app.command()(command)
app.add_typer(dev.dev, name="dev")
app.add_typer(feed.feed_app, name="feed")
app.add_typer(models.models_app, name="models")


def _click_errors() -> tuple[type[Any], ...]:
    """Typer (0.2x) raises the exceptions of the click it vendors, which are
    not the ``click`` package's: a bad option or value must be either."""
    import click

    vendored = type(typer.BadParameter("")).__mro__  # BadParameter, UsageError, ClickException
    return (click.ClickException, *(c for c in vendored if c.__name__ == "ClickException"))


CLICK_ERRORS = _click_errors()


def main() -> None:
    """The ``matchflow`` command: Ctrl-C or SIGTERM outside a stream's clean
    stop ends with one line and 130 or 143, never a traceback; a bad argument
    is click's message and exit 2."""
    raise_on_signals()
    try:
        code = typer.main.get_command(app).main(prog_name="matchflow", standalone_mode=False)
    except Interrupted as exc:
        err.print(
            f"[yellow]interrupted[/] ({exc}): stopped; every write is a transaction, "
            "so the store holds nothing half-written",
            soft_wrap=True,
        )
        sys.exit(exc.exit_code)
    except CLICK_ERRORS as exc:
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
