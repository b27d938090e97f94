"""Run the dataflow in this process: a replay source into a store.

This is the embedded default: no broker, no server, one SQLite file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bytewax.testing import run_main

from models.sealing import SealingSettings
from stream.config import FlowConfig
from stream.context import run_context
from stream.dataflow import build_dataflow
from stream.records import Record
from stream.runtime import tune_gc
from stream.sinks import StoreSink
from stream.snapshots import SnapshotOptions
from stream.sources import ReplaySource


@dataclass(frozen=True)
class RunStats:
    events: int
    seconds: float
    # (league, model) -> pickled bytes at the end of the stream
    model_bytes: dict[tuple[str, str], int] = field(default_factory=dict)
    # rows of the snapshots logged to MLflow during the run
    snapshots: list[dict] = field(default_factory=list)
    # until the stream ended; ``seconds`` adds the wait for the last snapshots
    stream_seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def run_payloads(
    payloads: Sequence[str],
    db_url: str,
    config: FlowConfig,
    batch_size: int = 500,
    on_batch: Callable[[int], None] | None = None,
    snapshot: SnapshotOptions | None = None,
    stop: Callable[[], bool] | None = None,
    key: bytes | None = None,
) -> RunStats:
    """Stream JSON payloads through the dataflow into the store at ``db_url``;
    once ``stop()`` is true the stream ends at the next batch (``events``
    then counts what was streamed). ``key`` seals model state (default: the
    sealing settings of the environment, as a library caller expects)."""
    key = key if key is not None else SealingSettings().sealing_key()
    sizes: dict[tuple[str, str], int] = {}
    streamed_events = [0]

    def progress(n: int) -> None:
        streamed_events[0] += n
        if on_batch is not None:
            on_batch(n)

    def observe(record: Record) -> None:
        if record.table == "_model_size":
            sizes[(record.row["league"], record.row["model"])] = record.row["bytes"]

    tune_gc()
    started = time.perf_counter()
    with run_context(snapshot, db_url, key) as context:
        flow = build_dataflow(
            ReplaySource(payloads, batch_size, progress, stop),
            StoreSink(db_url, key, observe),
            config,
            context=context,
        )
        run_main(flow)
        streamed = time.perf_counter() - started
    logged = context.logged
    return RunStats(streamed_events[0], time.perf_counter() - started, sizes, logged, streamed)
