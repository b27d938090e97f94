"""What one run of the dataflow shares with every league's logic, passed
explicitly into :func:`stream.dataflow.build_dataflow`: the MLflow snapshot
policy, where a warm start loads state from, and the metrics to report into.
Nothing here is global, so two runs in one process never see each other's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from stream.config import FlowConfig
from stream.league import LeagueProcessor
from stream.metrics import FlowMetrics
from stream.records import Record
from stream.snapshots import SnapshotOptions, SnapshotPolicy
from stream.storage import open_store

log = logging.getLogger("matchflow.snapshots")
_SNAPSHOT_COLUMNS = ("league", "version", "ts", "run_id", "trigger", "size", "seconds")


@dataclass(frozen=True)
class RunContext:
    """``snapshots`` and ``warm_start_uri`` are None unless asked for, and
    ``metrics`` unless served."""

    snapshots: SnapshotPolicy | None = None
    warm_start_uri: str | None = None
    metrics: FlowMetrics | None = None
    key: bytes = b""  # checks the seal of a warm start's state
    # leagues whose stored state (warm start, recovery) is set aside: they
    # start cold under this run's settings
    fresh: frozenset[str] = frozenset()

    def new_processor(self, league: str, config: FlowConfig) -> LeagueProcessor:
        """A league's first state: its ``@live`` version on a warm start, under
        this run's settings (:class:`~stream.league.SettingsConflict` when a
        model was learned under others), else cold."""
        if self.warm_start_uri is not None and league not in self.fresh:
            from models.snapshots import load_live

            if (warm := load_live(self.warm_start_uri, league, self.key)) is not None:
                warm.reconfigure(config)
                return warm
        return LeagueProcessor(league, config)

    @property
    def logged(self) -> list[dict]:
        """Rows of the snapshots logged so far."""
        return list(self.snapshots.logger.logged) if self.snapshots is not None else []


@contextmanager
def run_context(
    options: SnapshotOptions | None,
    db_url: str,
    key: bytes,
    metrics: FlowMetrics | None = None,
    fresh: frozenset[str] = frozenset(),
) -> Iterator[RunContext]:
    """The context of one run; on exit every pending MLflow snapshot (the
    final ones included) has been logged and recorded in the store. ``key``
    seals the snapshots and checks a warm start's."""
    fresh = fresh | (options.fresh if options is not None else frozenset())
    if options is None or not (options.enabled or options.warm_start):
        yield RunContext(metrics=metrics, fresh=fresh)
        return
    policy = None
    if options.enabled:
        from models.snapshots import SnapshotLogger

        def record(row: dict) -> None:
            with open_store(db_url) as store:
                store.write([Record("model_snapshots", {k: row[k] for k in _SNAPSHOT_COLUMNS})])
            if metrics is not None:
                metrics.mlflow_snapshotted()

        def failed(league: str, reason: str) -> None:
            if metrics is not None:
                metrics.snapshot_failed(league)

        logger = SnapshotLogger(
            options.tracking_uri, options.keep, key, on_logged=record, on_error=failed
        ).start()
        policy = SnapshotPolicy(logger, options.min_interval)
    try:
        yield RunContext(
            snapshots=policy,
            warm_start_uri=options.tracking_uri if options.warm_start else None,
            metrics=metrics,
            key=key,
            fresh=fresh,
        )
    finally:
        if policy is not None:
            policy.logger.close()
            if errors := policy.logger.errors:
                log.warning(
                    "%d MLflow snapshot(s) failed (the first: %s); the store and the "
                    "stream are complete, the registry misses those versions",
                    len(errors),
                    errors[0],
                )
