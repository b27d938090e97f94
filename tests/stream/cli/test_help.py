"""``--help`` of every command: each option that a ``MATCHFLOW_*`` variable
also sets names the variable and its default, and flags look like flags
([first-hour])."""

from __future__ import annotations

import subprocess
from typing import Any

import click
import pytest
import typer
from typer.testing import CliRunner

from stream.cli import app
from stream.config import Settings
from tests.support.processes import MATCHFLOW


def _commands(group: Any, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


COMMANDS = list(_commands(typer.main.get_group(app)))


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_names_each_settings_variable_and_shows_flags_as_flags(path, command):
    shown = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "<bool>" not in shown.output
    for option in command.params:
        if not isinstance(option, click.Option) or option.name not in Settings.model_fields:
            continue
        variable = f"MATCHFLOW_{option.name.upper()}"
        text = " ".join(shown.output.split())  # help wraps lines
        assert variable in text or (option.name == "mlflow" and "MLFLOW_TRACKING_URI" in text), (
            path,
            option.name,
        )


def test_the_models_commands_do_not_promise_snapshots():
    shown = CliRunner().invoke(app, ["models", "list", "--help"])
    assert "implies --snapshots" not in shown.output


@pytest.mark.parametrize(
    "first",
    [
        "stream.cli",
        "stream.cli.kafka",
        "stream.cli.dev",
        "stream.cli.feed",
        "stream.cli.models",
        "stream.cli.report",
        "stream.cli.replay",
    ],
)
def test_any_cli_module_imports_first_and_python_m_runs(first):
    import subprocess
    import sys

    imported = subprocess.run(
        [sys.executable, "-c", f"import {first}"], capture_output=True, text=True
    )
    assert imported.returncode == 0, imported.stderr[-1500:]
    if first == "stream.cli":
        shown = subprocess.run(
            [sys.executable, "-m", "stream.cli", "--help"], capture_output=True, text=True
        )
        assert shown.returncode == 0 and "replay" in shown.stdout, shown.stderr[-1500:]


@pytest.mark.parametrize(
    "args, named",
    [
        (["replay", "--bogus"], "--bogus"),
        (["replay", "--processes", "0"], "--processes"),
        (["run", "--workers", "0"], "--workers"),
    ],
)
def test_the_installed_command_says_what_is_wrong_with_an_argument(args, named):
    """The real entry point, not CliRunner: Typer raises its vendored click's
    exceptions, which once escaped as a traceback and exit 1."""
    done = subprocess.run([MATCHFLOW, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr[-2000:]
    assert named in done.stderr and "Traceback" not in done.stderr
