"""The Bytewax dataflow: parse, key by league, run each league's state, write.

The flow takes its source and sinks as arguments, so the same flow reads a
replay or Kafka and writes SQLite or PostgreSQL. Items reaching the sinks are
lists of :class:`~stream.records.Record` (tables starting with ``_`` are
measurements, not rows: see :mod:`stream.sinks`); dead letters (schema or life-cycle
violations) travel with the rest to the store and, when given, also to
``dlq_sink``, one record per item.
"""

from __future__ import annotations

import pickle
import bytewax.operators as op
from bytewax.dataflow import Dataflow
from bytewax.inputs import Source
from bytewax.operators import StatefulLogic
from bytewax.outputs import Sink

from stream.config import FlowConfig
from stream.events import EventError, Fixture, Odds, Result, parse_event
from stream.league import LeagueProcessor
from stream.records import Record, dead_letter

Event = Fixture | Odds | Result


def parse_payload(item: object) -> Event | Record:
    """An event, or a dead-letter record saying why the payload is not one."""
    payload = getattr(item, "value", item)  # Kafka messages carry the payload in .value
    if payload is None:
        return dead_letter("", "payload: empty message")
    try:
        return parse_event(payload)  # type: ignore[arg-type]
    except EventError as exc:
        return dead_letter(payload, str(exc))  # type: ignore[arg-type]


class LeagueLogic(StatefulLogic[Event, list[Record], bytes]):
    """Bytewax's handle on one league's processor; snapshots are pickles
    (``stateful_map`` would deep-copy the models every epoch: 3x slower)."""

    def __init__(self, config: FlowConfig, resume_state: bytes | None) -> None:
        self.config = config
        self.processor: LeagueProcessor | None = (
            pickle.loads(resume_state) if resume_state is not None else None)

    def on_item(self, value: Event) -> tuple[list[list[Record]], bool]:
        if self.processor is None:
            self.processor = LeagueProcessor(value.league, self.config)
        return [self.processor.process(value)], StatefulLogic.RETAIN

    def on_eof(self) -> tuple[list[list[Record]], bool]:
        if self.processor is None:
            return [], StatefulLogic.RETAIN
        return [self.processor.model_sizes()], StatefulLogic.RETAIN

    def snapshot(self) -> bytes:
        return pickle.dumps(self.processor, protocol=pickle.HIGHEST_PROTOCOL)


def _only_dead_letters(records: list[Record]) -> list[Record]:
    return [r for r in records if r.table == "dead_letters"]


def build_dataflow(source: Source, sink: Sink, config: FlowConfig | None = None,
                   dlq_sink: Sink | None = None, flow_id: str = "matchflow") -> Dataflow:
    """Wire source -> parse -> per-league state -> sink (and dead letters -> dlq_sink)."""
    config = config or FlowConfig()
    flow = Dataflow(flow_id)
    raw = op.input("events", flow, source)
    parsed = op.map("parse", raw, parse_payload)
    split = op.branch("validate", parsed, lambda item: not isinstance(item, Record))
    keyed = op.key_on("key_by_league", split.trues, lambda event: event.league)
    states = op.stateful("league_state", keyed,
                         lambda resume: LeagueLogic(config, resume))
    batches = op.map("unkey", states, lambda pair: pair[1])
    rejected = op.map("reject", split.falses, lambda record: [record])
    records = op.merge("records", batches, rejected)
    op.output("store", records, sink)
    if dlq_sink is not None:
        dead = op.flat_map("dead_letters", records, _only_dead_letters)
        op.output("dlq", dead, dlq_sink)
    return flow
