"""``matchflow run`` (consume Kafka into a store), ``matchflow produce`` (a
JSONL file onto Kafka) and the publishing half of ``replay --to-kafka``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.logging import RichHandler

from stream.cli.common import (
    DbOpt,
    FreshOpt,
    KafkaOpt,
    KeepOpt,
    MlflowOpt,
    ProcessesOpt,
    SnapshotsOpt,
    TopicOpt,
    WarmOpt,
    current_settings,
    err,
    events_progress,
    fail,
    fail_conflict,
    fresh_leagues,
    rate_updater,
    settings_conflict,
    snapshot_options,
    writer_store,
)
from stream.config import Settings
from stream.interrupts import Interrupted, StopRequest, signal_name
from stream.routing import Share


def _bootstrap(value: str | None, settings: Settings, flag: str) -> str:
    bootstrap = value or settings.kafka
    if not bootstrap:
        fail(f"{flag}: a Kafka bootstrap HOST:PORT is required")
    assert bootstrap is not None  # fail() exits
    host, sep, port = bootstrap.rpartition(":")
    if not sep or not host or not port.isdigit():
        fail(f"{flag}: expected HOST:PORT, got {bootstrap!r}")
    return bootstrap


def _publisher(bootstrap: str, topic: str):
    from stream.kafka.admin import KafkaUnavailable, ensure_topics
    from stream.kafka.producer import EventPublisher

    try:
        ensure_topics(bootstrap, [topic], timeout=10)
    except KafkaUnavailable as exc:
        fail(str(exc), code=1)
    return EventPublisher(bootstrap, topic)


def _publish_with_progress(events: list, bootstrap: str, topic: str, speed: str, label: str) -> int:
    from stream.kafka.producer import DeliveryError
    from stream.publish import parse_speed, publish_events

    try:
        pace = parse_speed(speed)
    except ValueError:
        fail(f"--speed: expected 'max' or a positive number, got {speed!r}")
    publisher = _publisher(bootstrap, topic)
    with events_progress(label) as progress:
        task = progress.add_task(label, total=len(events), rate="-")
        try:
            return publish_events(events, publisher, pace, rate_updater(progress, task))
        except DeliveryError as exc:
            fail(str(exc), code=1)
    return 0


def publish_replay(
    directory: Path,
    leagues: list[str],
    seasons: list[str],
    to_kafka: str,
    topic: str,
    speed: str,
    as_json: bool,
) -> None:
    from stream.loader import load
    from stream.replay import replay_events

    bootstrap = _bootstrap(to_kafka, current_settings(), "--to-kafka")
    loaded = load(directory, leagues, seasons)
    events = replay_events(loaded.rows)
    delivered = _publish_with_progress(events, bootstrap, topic, speed, "publish")
    result = {"published": delivered, "topic": topic, "skipped_rows": loaded.skipped}
    print(
        json.dumps(result)
        if as_json
        else f"published {delivered} events to {topic} ({loaded.skipped} CSV rows skipped)"
    )


def produce(
    file: Annotated[Path, typer.Argument(help="JSONL: one event per line.")],
    to_kafka: KafkaOpt = None,
    topic: TopicOpt = None,
) -> None:
    """Validate a JSONL file of events and publish the valid ones (key = league)."""
    from stream.publish import read_jsonl

    settings = current_settings(topic=topic)
    if not file.is_file():
        fail(f"FILE: {file} does not exist")
    bootstrap = _bootstrap(to_kafka, settings, "--to-kafka")
    report = read_jsonl(file)
    for number, reason in report.errors[:50]:
        err.print(f"[yellow]line {number}:[/] {reason}")
    if len(report.errors) > 50:
        err.print(f"... and {len(report.errors) - 50} more invalid lines")
    delivered = _publish_with_progress(report.events, bootstrap, settings.topic, "max", "produce")
    print(f"published {delivered} events, rejected {len(report.errors)} invalid lines")
    if report.errors:
        raise typer.Exit(1)


def _stop_with_parent() -> None:
    """In a cluster child, before it runs: SIGTERM when the process that
    started it dies, even by ``kill -9`` (Linux), so that no orphan keeps
    consuming; elsewhere a no-op."""
    import sys

    if sys.platform == "linux":
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _local_shares(
    owners: dict[str, int],
    processes: int,
    flags: list[str],
    metrics_port: int | None,
    secrets: dict[str, str],
) -> int:
    """``processes`` copies of ``matchflow run``, each with its share of the
    leagues (stream/routing.py's Share); the first serves the metrics.
    Returns the worst exit code."""
    import os
    import subprocess
    import sys

    children = []
    for index in range(processes):
        extra = ["--metrics-port", str(metrics_port)] if metrics_port and index == 0 else []
        command = [sys.executable, "-m", "stream.cli", "run", *flags, *extra]
        share = Share(index, processes, owners).to_json()
        # own sessions: the terminal's Ctrl-C reaches only this process, which
        # passes it on once (a second signal would stop a child at once)
        env = {**os.environ, **secrets, "MATCHFLOW_SHARE": share}
        children.append(
            subprocess.Popen(
                command,
                start_new_session=True,
                env=env,
                preexec_fn=_stop_with_parent,  # noqa: PLW1509 (no threads run yet)
            )
        )
    groups = [sorted(k for k, v in owners.items() if v == i) for i in range(processes)]
    err.print(
        f"{processes} processes, the leagues shared out: "
        + " | ".join(", ".join(group) or "-" for group in groups),
        soft_wrap=True,
    )
    try:
        return max(child.wait() for child in children)
    except Interrupted as exc:  # pass the signal on: each stops at its next batch and says so
        for child in children:
            child.send_signal(exc.exit_code - 128)
        return max(child.wait() for child in children)


def _this_share() -> Share | None:
    """This process's share of the leagues when ``run --processes`` started
    it (MATCHFLOW_SHARE), else None."""
    import os

    given = os.environ.get("MATCHFLOW_SHARE")
    if not given:
        return None
    try:
        return Share.from_json(given)
    except (ValueError, KeyError, TypeError) as exc:
        fail(f"MATCHFLOW_SHARE: {exc}")


def _cluster_routes(
    settings: Settings, total_workers: int, recovery_dir: Path | None
) -> dict[str, str] | None:
    """Each league's routing key in a Bytewax cluster (``--workers N``,
    ``-i/-a``; stream/routing.py): given (MATCHFLOW_ROUTES, the same on every
    host), kept in the recovery dir, or planned here; None for one worker."""
    import os

    from stream.routing import cluster_routes

    if given := os.environ.get("MATCHFLOW_ROUTES"):
        try:
            routes = json.loads(given)
        except ValueError:
            routes = None
        if not isinstance(routes, dict) or not all(isinstance(v, str) for v in routes.values()):
            fail(
                'MATCHFLOW_ROUTES: not a JSON object of league -> routing key, e.g. {"E0": "E0~2"}'
            )
        return routes
    if total_workers == 1:
        return None
    return cluster_routes(total_workers, settings.data_dir, recovery_dir)


def run(
    kafka: KafkaOpt = None,
    topic: TopicOpt = None,
    db: DbOpt = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, help="Worker threads in this process.")
    ] = 1,
    process_id: Annotated[
        int | None,
        typer.Option("--process-id", "-i", min=0, help="This process's index in a cluster."),
    ] = None,
    addresses: Annotated[
        str | None,
        typer.Option("--addresses", "-a", help="HOST:PORT of every process, ';'-separated."),
    ] = None,
    recovery_dir: Annotated[
        Path | None,
        typer.Option("--recovery-dir", "-r", help="Bytewax recovery store (created if missing)."),
    ] = None,
    recovery_interval: Annotated[
        int | None,
        typer.Option(
            "--recovery-interval",
            "-s",
            min=1,
            envvar=["MATCHFLOW_RECOVERY_INTERVAL", "MATCHFLOW_SNAPSHOT_INTERVAL"],
            help="Seconds between Bytewax's recovery snapshots of state and offsets (default 10).",
        ),
    ] = None,
    snapshot_interval: Annotated[
        int | None,
        typer.Option(
            "--snapshot-interval",
            min=1,
            hidden=True,
            help="Deprecated: the old name of --recovery-interval.",
        ),
    ] = None,
    until_idle: Annotated[
        float | None,
        typer.Option(
            "--until-idle",
            min=0.1,
            help="Exit once the topic is drained and idle this many seconds.",
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port", min=1, max=65535, help="Serve Prometheus metrics on this port."
        ),
    ] = None,
    snapshots: SnapshotsOpt = False,
    mlflow: MlflowOpt = None,
    warm_start: WarmOpt = False,
    keep_versions: KeepOpt = 5,
    processes: ProcessesOpt = 1,
    fresh: FreshOpt = None,
) -> None:
    """Consume the topic through the dataflow into the store (forever, or until idle)."""
    from stream.kafka.admin import KafkaUnavailable
    from stream.kafka_run import KafkaRun, run_kafka
    from stream.storage import StoreError

    logging.basicConfig(
        level=logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False)],
    )
    if snapshot_interval is not None:
        err.print("[yellow]--snapshot-interval is deprecated[/]: use --recovery-interval")
        recovery_interval = recovery_interval or snapshot_interval
    settings = current_settings(db=db, topic=topic, recovery_interval=recovery_interval)
    fresh_codes = fresh_leagues(fresh)
    bootstrap = _bootstrap(kafka, settings, "--kafka")
    if (process_id is None) != (addresses is None):
        fail("--process-id/--addresses: give both or neither")
    peers = [a.strip() for a in addresses.split(";") if a.strip()] if addresses else None
    if peers is not None and process_id is not None and not process_id < len(peers):
        fail(f"--process-id: {process_id} is not an index into {len(peers)} --addresses")
    url = settings.db
    try:
        writer_store(settings).close()  # fail fast on a bad URL, and migrate once
    except StoreError as exc:
        fail(str(exc))
    if processes > 1:
        if peers is not None:
            fail("--processes: starts its own processes; not with --process-id/--addresses")
        # URLs may hold passwords: children get them in their environment,
        # never on a command line (`ps` shows every process's arguments)
        from stream.routing import PlanMismatch, share_plan

        try:
            owners = share_plan(processes, settings.data_dir, recovery_dir)
        except PlanMismatch as exc:
            fail(str(exc))
        secrets = {"MATCHFLOW_DB": url}
        if mlflow:
            secrets["MLFLOW_TRACKING_URI"] = mlflow
        flags = ["--kafka", bootstrap, "--topic", settings.topic]
        flags += ["--workers", str(workers), "--recovery-interval", str(settings.recovery_interval)]
        flags += ["--recovery-dir", str(recovery_dir)] if recovery_dir else []
        flags += ["--until-idle", str(until_idle)] if until_idle else []
        flags += ["--snapshots"] if snapshots or mlflow else []
        flags += ["--warm-start"] if warm_start else []
        flags += ["--fresh", ",".join(sorted(fresh_codes))] if fresh_codes else []
        flags += ["--keep-versions", str(keep_versions)]
        raise typer.Exit(_local_shares(owners, processes, flags, metrics_port, secrets))
    job = KafkaRun(
        share=_this_share(),
        routes=_cluster_routes(settings, workers * len(peers or [""]), recovery_dir),
        bootstrap=bootstrap,
        topic=settings.topic,
        db_url=url,
        workers=workers,
        process_id=process_id,
        addresses=peers,
        recovery_dir=recovery_dir,
        recovery_interval=settings.recovery_interval,
        until_idle=until_idle,
        batch_size=settings.batch_size,
        snapshot=snapshot_options(snapshots, mlflow, warm_start, keep_versions, fresh_codes),
        key=settings.sealing_key(),
        fresh=fresh_codes,
    )
    metrics = None
    if metrics_port is not None:
        from stream.metrics import serve_metrics

        try:
            metrics = serve_metrics(metrics_port)
        except OSError as exc:
            fail(f"--metrics-port: cannot listen on {metrics_port} ({exc})")
    try:
        with StopRequest() as stop:
            run_kafka(job, settings.flow_config(), stop=lambda: stop.requested, metrics=metrics)
    except KafkaUnavailable as exc:
        fail(str(exc), code=1)
    except Exception as exc:  # a restored league learned under other model settings
        if (conflict := settings_conflict(exc)) is None:
            raise
        fail_conflict(conflict)
    if stop.requested:
        resume = (
            "the next run resumes from there (--recovery-dir)"
            if recovery_dir
            else "without --recovery-dir the next run reads the topic from its start"
        )
        err.print(
            f"[yellow]stopped consuming[/] ({signal_name(stop)}): every event read "
            f"so far is in the store; {resume}",
            soft_wrap=True,
        )
        raise typer.Exit(stop.exit_code)


def serve(
    db: DbOpt = None,
    kafka: Annotated[
        str | None,
        typer.Option("--kafka", envvar="MATCHFLOW_KAFKA", help="Kafka HOST:PORT for POST /events."),
    ] = None,
    topic: TopicOpt = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    mlflow: Annotated[
        str | None,
        typer.Option(
            "--mlflow",
            envvar="MATCHFLOW_MLFLOW",
            help="MLflow registry for POST /predict of leagues with no stored state.",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (FastAPI): predictions, matches, leagues, bets, models, events."""
    import uvicorn

    from serving.app import create_app
    from stream.storage import StoreError

    settings = current_settings(db=db, topic=topic, mlflow=mlflow)
    if kafka:
        settings = settings.model_copy(update={"kafka": _bootstrap(kafka, settings, "--kafka")})
    try:  # a typo must not serve an empty new store; the API never migrates
        from stream.storage import check_schema, open_store, schema_behind

        with open_store(settings.db, create=False, timeout=10, read_only=True) as store:
            check_schema(store)
            behind = schema_behind(store)
        api = create_app(settings)
    except StoreError as exc:
        fail(str(exc))
    # Slow clients cannot hold the server: a body gets 10 s (serving/guard.py),
    # an idle connection 5 s, and past the connection limit uvicorn sheds with 503s.
    if behind:
        err.print(f"[yellow]{behind}[/]", soft_wrap=True)
    shown = f"[{host}]" if ":" in host else host
    err.print(
        f"serving [bold]http://{shown}:{port}[/] (OpenAPI page: /docs) from "
        f"{settings.db.split('@')[-1]}; Ctrl-C stops",
        soft_wrap=True,
    )
    try:
        uvicorn.run(
            api,
            host=host,
            port=port,
            log_level="warning",
            limit_concurrency=settings.api_max_connections,
            timeout_keep_alive=5,
            timeout_graceful_shutdown=5,
        )
    except Interrupted as exc:  # uvicorn shut down cleanly, then passed the signal on
        err.print(f"stopped serving ({exc})")
        raise typer.Exit(exc.exit_code) from None
