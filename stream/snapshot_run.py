"""Switch MLflow snapshots (and warm start) on for one run of the dataflow."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from models.snapshots import SnapshotLogger
from stream import snapshotting
from stream.records import Record
from stream.storage import open_store


@dataclass(frozen=True)
class SnapshotOptions:
    tracking_uri: str
    enabled: bool = True
    warm_start: bool = False
    keep: int = 5
    min_interval: float = 20.0  # seconds between scheduled snapshots of a league


def _recorder(db_url: str):
    def record(row: dict) -> None:
        with open_store(db_url) as store:
            store.write(
                [
                    Record(
                        "model_snapshots",
                        {
                            k: row[k]
                            for k in (
                                "league",
                                "version",
                                "ts",
                                "run_id",
                                "trigger",
                                "size",
                                "seconds",
                            )
                        },
                    )
                ]
            )

    return record


@contextmanager
def snapshots(options: SnapshotOptions | None, db_url: str):
    """Within the block, the dataflow snapshots to MLflow; on exit every
    pending snapshot (the final ones included) has been logged."""
    if options is None or not (options.enabled or options.warm_start):
        yield None
        return
    logger = None
    if options.enabled:
        logger = SnapshotLogger(
            options.tracking_uri, options.keep, on_logged=_recorder(db_url)
        ).start()
    snapshotting.activate(
        logger, options.tracking_uri if options.warm_start else None, options.min_interval
    )
    try:
        yield logger
    finally:
        if logger is not None:
            logger.close()
        snapshotting.activate(None)
