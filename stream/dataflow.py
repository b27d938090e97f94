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
from datetime import UTC, datetime, timedelta

import bytewax.operators as op
from bytewax.dataflow import Dataflow, operator
from bytewax.inputs import Source
from bytewax.operators import KeyedStream, StatefulBatchLogic
from bytewax.outputs import Sink

from stream.config import FlowConfig
from stream.context import RunContext
from stream.events import Event, EventError, parse_event
from stream.league import LeagueProcessor
from stream.ordering import EventTimeBuffer
from stream.records import Record, dead_letter
from stream.routing import Share

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


def keyed_for_share(share: Share) -> Callable[[object], tuple[str, Event | Record] | None]:
    """A share's events keyed by league (``run --processes``), None for
    another process's: the message's key (the league) decides who takes it;
    a keyless message is parsed by every process and kept by its league's,
    a broken keyless one by the first. A key that is not its event's league
    is a dead letter: its league's process never saw it."""

    def keyed(item: object) -> tuple[str, Event | Record] | None:
        parsed = parse_payload(item)
        key = getattr(item, "key", None)
        if isinstance(parsed, Record):
            return (REJECTED, parsed) if key is not None or share.index == 0 else None
        if share.owner(parsed.league) == share.index:
            if key is None or key == parsed.league.encode():
                return (parsed.league, parsed)
        elif key is None:
            return None
        return (
            REJECTED,
            dead_letter(
                getattr(item, "value", b""),
                f"key: {key!r} is not the event's league {parsed.league!r} "
                "(run --processes routes each message by its key)",
            ),
        )

    return keyed


def keyed_by_route(routes: dict[str, str]) -> Callable[[object], tuple[str, Event | Record]]:
    """Keyed by each league's routing key (:mod:`stream.routing`): the
    league's name, or a name Bytewax sends to the worker the balance wants."""

    def keyed(item: object) -> tuple[str, Event | Record]:
        parsed = parse_payload(item)
        if isinstance(parsed, Record):
            return (REJECTED, parsed)
        return (routes.get(parsed.league, parsed.league), parsed)

    return keyed


class LeagueLogic(StatefulBatchLogic[Event | Record, list[Record], bytes]):
    """Bytewax's handle on one league: its events put in event-time order
    (:class:`~stream.ordering.EventTimeBuffer`), then its processor.
    Snapshots are pickles (``stateful_map`` would deep-copy the models every
    epoch: 3x slower) of the processor and the events still held back. A
    batch of the league's events comes back as one list of records: one item
    downstream per batch, not per event.

    The processor pickles a state once, however many ask for it
    (:meth:`LeagueProcessor.pickled`). Bytewax asks at the end of every epoch
    in which the league had events (:meth:`snapshot`, with or without
    recovery), and the MLflow snapshot the league is owed is taken from that
    pickle. The ``league_state`` row for the API goes out after a batch once
    ``config.publish_state_every`` seconds have passed, and at the end of the
    stream; when no event follows before the epoch ends (a live league
    between its events), the epoch reuses that pickle.

    A restored state (recovery) runs under this command's settings
    (:meth:`LeagueProcessor.reconfigure`), or starts afresh when the run's
    context says so for its league."""

    def __init__(self, config: FlowConfig, context: RunContext, resume_state: bytes | None) -> None:
        self.config = config
        self.context = context
        self.metrics = context.metrics
        self.processor, self.buffer = _restore(resume_state, config, context)
        self._published = time.monotonic()

    def on_batch(self, values: list[Event | Record]) -> tuple[list[list[Record]], bool]:
        out: list[Record] = []
        now = datetime.now(UTC)
        for value in values:
            out += self._on_item(value, now)
        if self.processor is not None and self._publish_due():
            if self.context.snapshots is not None:  # one pickle serves both
                self.context.snapshots.take_due(self.processor)
            out.append(self._state_record())
        return [out], StatefulBatchLogic.RETAIN

    def _on_item(self, value: Event | Record, now: datetime) -> list[Record]:
        if isinstance(value, Record):  # a dead letter under the REJECTED key
            if self.metrics is not None:
                self.metrics.arrived("unknown", "rejected")
                self.metrics.observe("unknown", [value])
            return [value]
        if self.metrics is not None:
            self.metrics.arrived(value.league, value.type)
        if self.processor is None:
            self.processor = self.context.new_processor(value.league, self.config)
        if self.buffer.is_late(value, now):
            mark = self.buffer.watermark(now)
            records = self.processor.process_late(value, mark)  # type: ignore[arg-type]
            self._observe(value, records)
            return records
        return self._released(self.buffer.offer(value, now))

    def _process(self, event: Event) -> list[Record]:
        records = self.processor.process(event)  # type: ignore[union-attr]
        if self.context.snapshots is not None:
            self.context.snapshots.after(self.processor, records)  # type: ignore[arg-type]
        self._observe(event, records)
        return records

    def _observe(self, event: Event, records: list[Record]) -> None:
        if self.metrics is not None:
            self.metrics.observe(event.league, records)

    def _released(self, events: list[Event]) -> list[Record]:
        out: list[Record] = []
        for event in events:
            out += self._process(event)
        return out

    def on_notify(self) -> tuple[list[list[Record]], bool]:
        """A quiet league's held events, once the lateness has passed in wall time."""
        out = self._released(self.buffer.release(datetime.now(UTC)))
        return ([out] if out else []), StatefulBatchLogic.RETAIN

    def notify_at(self) -> datetime | None:
        return self.buffer.next_release(datetime.now(UTC))

    def _publish_due(self) -> bool:
        return time.monotonic() - self._published >= self.config.publish_state_every

    def _state_record(self) -> Record:
        self._published = time.monotonic()
        return self.processor.state_record()  # type: ignore[union-attr]

    def on_eof(self) -> tuple[list[list[Record]], bool]:
        """The end of the stream (or ``--until-idle``): nothing later can
        come, so everything held is released."""
        if self.processor is None:
            return [], StatefulBatchLogic.RETAIN
        out = self._released(self.buffer.drain())
        if self.context.snapshots is not None:
            self.context.snapshots.final(self.processor)
        sizes = self.processor.predictor.model_sizes(self.processor.league)
        out += [*sizes, self._state_record()]
        return [out], StatefulBatchLogic.RETAIN

    def snapshot(self) -> bytes:
        if self.metrics is not None:
            self.metrics.recovery_snapshotted()
        if self.processor is None:
            return pickle.dumps(None)
        if self.context.snapshots is not None:  # first: it may mark the state snapshotted
            self.context.snapshots.take_due(self.processor)
        state = pickle.dumps((STATE_FORMAT, self.processor.pickled(), self.buffer))
        self.processor.forget_pickle()  # nobody asks again before it changes: free it
        return state


# A recovery snapshot: (STATE_FORMAT, the processor's pickle, its held events).
# Older stores hold the processor's pickle alone; both resume.
STATE_FORMAT = "league/2"


def _restore(
    resume_state: bytes | None, config: FlowConfig, context: RunContext
) -> tuple[LeagueProcessor | None, EventTimeBuffer]:
    """The processor and held events of a resumed league, under this run's settings."""
    restored = pickle.loads(resume_state) if resume_state is not None else None
    buffer = EventTimeBuffer(config.allowed_lateness)
    if isinstance(restored, tuple) and restored[0] == STATE_FORMAT:
        restored, buffer = pickle.loads(restored[1]), restored[2]
        buffer.lateness = timedelta(seconds=config.allowed_lateness)  # this run's
    if restored is None:
        return None, buffer
    if restored.league in context.fresh:
        return LeagueProcessor(restored.league, config), buffer
    restored.reconfigure(config)
    return restored, buffer


def _only_dead_letters(pair: tuple[str, list[Record]]) -> list[Record]:
    return [r for r in pair[1] if r.table == "dead_letters"]


def build_dataflow(
    source: Source,
    sink: Sink,
    config: FlowConfig | None = None,
    dlq_sink: Sink | None = None,
    flow_id: str = "matchflow",
    context: RunContext | None = None,
    routes: dict[str, str] | None = None,
    share: Share | None = None,
) -> Dataflow:
    """Wire source -> parse and key -> per-league state -> sink (dead letters also
    -> ``dlq_sink``). Sinks receive ``(key, [Record, ...])`` pairs, the key a
    league or its routing key (``routes``, a cluster's); the ``context``
    carries the run's MLflow snapshots, warm start and metrics."""
    config = config or FlowConfig()
    context = context or RunContext()
    flow = Dataflow(flow_id)
    raw = op.input("events", flow, source)
    if share is not None:  # one of several processes: its own leagues' events
        keyed = op.filter_map("parse_and_key", raw, keyed_for_share(share))
    else:
        keyed = op.map("parse_and_key", raw, keyed_by_route(routes) if routes else keyed_by_league)
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
