"""Run the dataflow on a Kafka topic into a store, with recovery and scale-out.

``workers`` threads per process, and ``process_id``/``addresses`` for several
processes (Bytewax's ``-w``, ``-i``, ``-a``). With ``recovery_dir`` the state and
the source offsets are saved every ``recovery_interval`` seconds (Bytewax's
epoch); after a crash the tail since the last save is replayed, which the
store's upserts make harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bytewax.recovery import RecoveryConfig, init_db_dir
from bytewax.run import cli_main

from stream.config import FlowConfig
from stream.context import run_context
from stream.dataflow import build_dataflow
from stream.kafka.admin import dlq_topic, ensure_topics
from stream.kafka.dlq import DeadLetterSink
from stream.kafka.source import KafkaEventSource
from stream.metrics import FlowMetrics
from stream.routing import Share
from stream.runtime import tune_gc
from stream.sinks import StoreSink
from stream.snapshots import SnapshotOptions

log = logging.getLogger("matchflow.run")
RECOVERY_PARTITIONS = 4


@dataclass(frozen=True)
class KafkaRun:
    bootstrap: str
    topic: str
    db_url: str
    workers: int = 1
    process_id: int | None = None
    addresses: list[str] | None = None
    recovery_dir: Path | None = None
    recovery_interval: int = 10  # seconds between Bytewax's recovery snapshots
    until_idle: float | None = None
    batch_size: int = 500
    snapshot: SnapshotOptions | None = None  # MLflow's
    key: bytes = b""  # seals model state
    fresh: frozenset[str] = frozenset()  # leagues whose restored state is set aside
    routes: dict[str, str] | None = None  # league -> routing key (stream/routing.py)
    share: Share | None = None  # this process's leagues, one of run --processes N


def _recovery(run: KafkaRun) -> RecoveryConfig | None:
    if run.recovery_dir is None:
        return None
    folder = run.recovery_dir
    if run.share is not None:  # each process of run --processes saves its own leagues
        folder = folder / f"share-{run.share.index}-of-{run.share.count}"
    folder.mkdir(parents=True, exist_ok=True)
    if not any(folder.glob("part-*.sqlite3")):
        init_db_dir(folder, RECOVERY_PARTITIONS)
    # Backup interval 0: superseded state is deleted at once. It would be the
    # interval of copying the recovery files elsewhere; nothing copies them.
    return RecoveryConfig(str(folder), timedelta(0))


def run_kafka(
    run: KafkaRun,
    config: FlowConfig,
    stop: Callable[[], bool] | None = None,
    metrics: FlowMetrics | None = None,
) -> None:
    """Block until the source ends (``until_idle``, or ``stop()`` true) or forever."""
    import models.factory  # noqa: F401 - load River (~3 s) now, not inside the first epoch

    ensure_topics(run.bootstrap, [run.topic, dlq_topic(run.topic)], timeout=10)
    tune_gc()
    log.info("consuming %s from %s into %s", run.topic, run.bootstrap, run.db_url)
    with run_context(run.snapshot, run.db_url, run.key, metrics, run.fresh) as context:
        flow = build_dataflow(
            KafkaEventSource(
                run.bootstrap, run.topic, run.until_idle, run.batch_size, stop, metrics, run.share
            ),
            StoreSink(run.db_url, run.key),
            config,
            dlq_sink=DeadLetterSink(run.bootstrap, dlq_topic(run.topic)),
            context=context,
            routes=run.routes,
            share=run.share,
        )
        cli_main(
            flow,
            workers_per_process=run.workers,
            process_id=run.process_id,
            addresses=run.addresses,
            epoch_interval=timedelta(seconds=run.recovery_interval),
            recovery_config=_recovery(run),
        )
