"""The Bytewax dataflow: parse, key by league, run each league's state, write.

The flow takes its source and sinks as arguments, so the same flow reads a
replay or Kafka and writes SQLite or PostgreSQL. Items reaching the store sink
are ``(league, [Record, ...])`` pairs (tables starting with ``_`` are
measurements, not rows: see :mod:`stream.sinks`). Dead letters (schema or
life-cycle violations) travel with the rest to the store and, when given, also
to ``dlq_sink``, one record per item.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable

import bytewax.operators as op
from bytewax.dataflow import Dataflow, operator
from bytewax.inputs import Source
from bytewax.operators import KeyedStream, StatefulBatchLogic
from bytewax.outputs import Sink

from stream.config import FlowConfig
from stream.context import RunContext
from stream.events import Event, EventError, parse_event
from stream.league import LeagueProcessor
from stream.records import Record, dead_letter

# Rejected payloads travel under this key, so one map both validates and keys
# the stream (every extra operator costs a Python call per event).
REJECTED = "__rejected__"


def parse_payload(item: object) -> Event | Record:
    """An event, or a dead-letter record saying why the payload is not one."""
    payload = getattr(item, "value", item)  # Kafka messages carry the payload in .value
    if payload is None:
        return dead_letter("", "payload: empty message")
    try:
        return parse_event(payload)  # type: ignore[arg-type]
    except EventError as exc:
        return dead_letter(payload, str(exc))  # type: ignore[arg-type]


def keyed_by_league(item: object) -> tuple[str, Event | Record]:
    parsed = parse_payload(item)
    if isinstance(parsed, Record):
        return (REJECTED, parsed)
    return (parsed.league, parsed)


class LeagueLogic(StatefulBatchLogic[Event | Record, list[Record], bytes]):
    """Bytewax's handle on one league's processor; snapshots are pickles
    (``stateful_map`` would deep-copy the models every epoch: 3x slower).
    A batch of the league's events comes back as one list of records: one
    item downstream per batch, not per event.

    The processor pickles a state once, however many ask for it
    (:meth:`LeagueProcessor.pickled`). Bytewax asks at the end of every epoch
    in which the league had events (:meth:`snapshot`, with or without
    recovery), and the MLflow snapshot the league is owed is taken from that
    pickle. The ``league_state`` row for the API goes out after a batch once
    ``config.publish_state_every`` seconds have passed, and at the end of the
    stream; when no event follows before the epoch ends (a live league
    between its events), the epoch reuses that pickle."""

    def __init__(self, config: FlowConfig, context: RunContext, resume_state: bytes | None) -> None:
        self.config = config
        self.context = context
        self.metrics = context.metrics
        self.processor: LeagueProcessor | None = (
            pickle.loads(resume_state) if resume_state is not None else None
        )
        self._published = time.monotonic()

    def on_batch(self, values: list[Event | Record]) -> tuple[list[list[Record]], bool]:
        out: list[Record] = []
        for value in values:
            out += self._on_item(value)
        if self.processor is not None and self._publish_due():
            out.append(self._state_record())
        return [out], StatefulBatchLogic.RETAIN

    def _on_item(self, value: Event | Record) -> list[Record]:
        if isinstance(value, Record):  # a dead letter under the REJECTED key
            if self.metrics is not None:
                self.metrics.observe("unknown", "rejected", [value])
            return [value]
        if self.processor is None:
            self.processor = self.context.new_processor(value.league, self.config)
        records = self.processor.process(value)
        if self.context.snapshots is not None:
            self.context.snapshots.after(self.processor, records)
        if self.metrics is not None:
            self.metrics.observe(value.league, value.type, records)
        return records

    def _publish_due(self) -> bool:
        return time.monotonic() - self._published >= self.config.publish_state_every

    def _state_record(self) -> Record:
        self._published = time.monotonic()
        return self.processor.state_record()  # type: ignore[union-attr]

    def on_eof(self) -> tuple[list[list[Record]], bool]:
        if self.processor is None:
            return [], StatefulBatchLogic.RETAIN
        if self.context.snapshots is not None:
            self.context.snapshots.final(self.processor)
        return [[*self.processor.model_sizes(), self._state_record()]], StatefulBatchLogic.RETAIN

    def snapshot(self) -> bytes:
        if self.metrics is not None:
            self.metrics.recovery_snapshotted()
        if self.processor is None:
            return pickle.dumps(None)
        state = self.processor.pickled()
        if self.context.snapshots is not None:
            self.context.snapshots.take_due(self.processor)
        self.processor.forget_pickle()  # nobody asks again before it changes: free it
        return state


def _only_dead_letters(pair: tuple[str, list[Record]]) -> list[Record]:
    return [r for r in pair[1] if r.table == "dead_letters"]


def build_dataflow(
    source: Source,
    sink: Sink,
    config: FlowConfig | None = None,
    dlq_sink: Sink | None = None,
    flow_id: str = "matchflow",
    context: RunContext | None = None,
) -> Dataflow:
    """Wire source -> parse and key -> per-league state -> sink (dead letters also
    -> ``dlq_sink``). Sinks receive ``(league, [Record, ...])`` pairs; the
    ``context`` carries the run's MLflow snapshots, warm start and metrics."""
    config = config or FlowConfig()
    context = context or RunContext()
    flow = Dataflow(flow_id)
    raw = op.input("events", flow, source)
    keyed = op.map("parse_and_key", raw, keyed_by_league)
    records = _league_state("league_state", keyed, _stateful_builder(config, context))
    op.output("store", records, sink)
    if dlq_sink is not None:
        dead = op.flat_map("dead_letters", records, _only_dead_letters)
        op.output("dlq", dead, dlq_sink)
    return flow


@operator
def _league_state(
    step_id: str,
    up: KeyedStream[Event | Record],
    builder: Callable[[bytes | None], LeagueLogic],
) -> KeyedStream[list[Record]]:
    """``op.stateful_batch`` at the step path ``op.stateful`` used before
    (``<step_id>.stateful_batch``), so recovery stores written then resume."""
    return op.stateful_batch("stateful_batch", up, builder)


def _stateful_builder(config: FlowConfig, context: RunContext):
    def build(resume_state: bytes | None) -> LeagueLogic:
        return LeagueLogic(config, context, resume_state)

    return build
