"""``matchflow dev services up|down|status``: Kafka and PostgreSQL for a
development session, in ``.services/`` (or ``MATCHFLOW_SERVICES_DIR``)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from pathlib import Path

import typer

from stream.cli.common import current_settings, fail, out

dev = typer.Typer(help="Development helpers.", no_args_is_help=True, rich_markup_mode=None)
services = typer.Typer(
    help="Local Kafka and PostgreSQL on 127.0.0.1.", no_args_is_help=True, rich_markup_mode=None
)
dev.add_typer(services, name="services")


def _home() -> Path:
    return current_settings().services_dir.resolve()


def _state_file() -> Path:
    return _home() / "state.json"


@services.command()
def up() -> None:
    """Start Kafka and PostgreSQL (idempotent) and print their settings."""
    from stream.services.kafka_broker import KafkaBroker, ServiceError
    from stream.services.postgres_cluster import PostgresCluster

    if _state_file().exists():
        out.print("services already up:")
        status()
        return
    home = _home()
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)
    pg = None
    try:
        pg = PostgresCluster(home / "postgres").start()
        kafka = KafkaBroker(home / "kafka", cache=current_settings().cache_dir).start()
    except ServiceError as exc:
        if pg is not None:  # leave nothing running that `down` would not know of
            pg.stop()
        fail(str(exc), code=1)
    assert pg is not None and kafka.process is not None  # both started, or we failed above
    state = {
        "kafka": kafka.bootstrap,
        "kafka_pid": kafka.process.pid,
        "db": pg.url,
        "pg_dir": str(pg.workdir),
    }
    _state_file().write_text(json.dumps(state, indent=2))
    status()


@services.command()
def status() -> None:
    """Print the running services as environment variables."""
    if not _state_file().exists():
        fail("services are not up (matchflow dev services up)", code=1)
    state = json.loads(_state_file().read_text())
    out.print(f"export MATCHFLOW_KAFKA={state['kafka']}")
    out.print(f"export MATCHFLOW_DB={state['db']}")


@services.command()
def down() -> None:
    """Stop the services started by ``up`` (their data stay in the folder)."""
    from stream.services.postgres_cluster import PostgresCluster

    if not _state_file().exists():
        out.print("services are not up")
        return
    state = json.loads(_state_file().read_text())
    with contextlib.suppress(ProcessLookupError):
        os.killpg(state["kafka_pid"], signal.SIGTERM)
    PostgresCluster(
        Path(state["pg_dir"]), port=int(state["db"].rsplit(":", 1)[1].split("/")[0])
    ).stop()
    _state_file().unlink()
    out.print("services stopped")
