"""The dataflow end to end with Bytewax's testing source and sink."""

import json
import pickle
from datetime import timedelta

from bytewax.testing import TestingSink, TestingSource, run_main

from stream import league as league_module
from stream.config import FlowConfig
from stream.context import RunContext
from stream.dataflow import build_dataflow
from stream.league import LeagueProcessor
from stream.loader import BUNDLED_DATA, load
from stream.replay import replay_events
from stream.snapshots import SnapshotPolicy
from tests.support.data import bundled_events


def _flat(pairs):
    return [record for _league, batch in pairs for record in batch]


def _loop(events):
    processors = {}
    out = []
    for event in events:
        processor = processors.setdefault(event.league, LeagueProcessor(event.league, FlowConfig()))
        out.extend(processor.process(event))
    return out


def test_dataflow_equals_the_plain_loop_and_dead_letters_bad_input():
    rows = load(BUNDLED_DATA, ["E0", "SP1"], ["2017-18"]).rows[:]
    events = list(replay_events(rows))[:1200]
    payloads = [e.to_json() for e in events]
    bad = [
        "{broken json",
        json.dumps({"v": 1, "type": "odds"}),
        events[0].to_json(),
    ]  # the last one: a duplicate fixture, and late (its league has moved on)
    stored, dead = [], []
    flow = build_dataflow(
        TestingSource(payloads + bad, batch_size=50),
        TestingSink(stored),
        FlowConfig(),
        dlq_sink=TestingSink(dead),
    )
    run_main(flow)
    records = [
        r
        for r in _flat(stored)
        if r.table not in ("dead_letters", "_model_size", "league_state", "late_events")
    ]
    expected = _loop(events)
    by_league = lambda rs, lg: [r for r in rs if r.row.get("league") == lg]  # noqa: E731
    for league in ("E0", "SP1"):
        assert by_league(records, league) == by_league(expected, league)
    reasons = sorted(r.row["reason"] for r in dead)
    assert len(reasons) == 3
    assert any(reason.startswith("payload: not valid JSON") for reason in reasons)
    assert any(reason.startswith("late: ") and "duplicate fixture" in reason for reason in reasons)
    late = [r.row for r in _flat(stored) if r.table == "late_events"]
    assert [(r["match_id"], r["action"]) for r in late] == [(events[0].match_id, "dead-lettered")]
    assert len([r for r in _flat(stored) if r.table == "dead_letters"]) == 3


def test_end_of_stream_reports_model_sizes():
    events = list(replay_events(load(BUNDLED_DATA, ["E0"], ["2017-18"]).rows))[:400]
    stored = []
    run_main(
        build_dataflow(
            TestingSource([e.to_json() for e in events], batch_size=100), TestingSink(stored)
        )
    )
    sized = [r.row for r in _flat(stored) if r.table == "_model_size"]
    assert {row["model"] for row in sized} == {"anchored", "arf", "market"}
    assert all(0 < row["bytes"] < 10 * 1024 * 1024 for row in sized)


class _Submitted:
    """An MLflow logger that keeps what it is handed."""

    def __init__(self) -> None:
        self.submitted: list = []

    def ready(self, league: str) -> bool:
        return True

    def submit(self, snapshot) -> None:
        self.submitted.append(snapshot)


def test_a_state_is_pickled_once_for_recovery_the_api_and_mlflow(monkeypatch):
    events = list(bundled_events("E0", "2017-18"))[:1500]
    pickled = []
    real_dumps = league_module.dumps

    def counting_dumps(value):
        if isinstance(value, LeagueProcessor):
            pickled.append(value.events)
        return real_dumps(value)

    monkeypatch.setattr(league_module, "dumps", counting_dumps)
    logger = _Submitted()
    stored: list = []
    flow = build_dataflow(
        TestingSource([e.to_json() for e in events], batch_size=25),
        TestingSink(stored),
        FlowConfig(publish_state_every=0.0),  # a league_state row after every batch
        context=RunContext(snapshots=SnapshotPolicy(logger, min_interval=0.0)),  # type: ignore[arg-type]
    )
    run_main(flow, epoch_interval=timedelta(milliseconds=1))
    states = [r.row for r in _flat(stored) if r.table == "league_state"]
    assert len(states) >= 5 and len(logger.submitted) >= 2  # several epochs, both consumers
    # Never the same state twice; only the end of the stream may pickle its last
    # state again, after the epoch that had it freed the bytes.
    assert len(pickled[:-1]) == len(set(pickled[:-1]))
    published = {pickle.loads(row["state"]).events for row in states}
    logged = {pickle.loads(s.state).events for s in logger.submitted}
    assert published | logged <= set(pickled)  # every consumer got one of those pickles


def test_routing_keys_change_where_a_league_runs_not_what_it_writes():
    """A cluster keys each league by its routing key (stream/routing.py);
    the records are those of the league's own name."""
    events = list(replay_events(load(BUNDLED_DATA, ["E0", "SP1"], ["2017-18"]).rows))[:600]
    payloads = [e.to_json() for e in events]
    plain, routed = [], []
    run_main(build_dataflow(TestingSource(payloads, batch_size=50), TestingSink(plain)))
    routes = {"E0": "E0~7", "SP1": "SP1"}
    run_main(
        build_dataflow(TestingSource(payloads, batch_size=50), TestingSink(routed), routes=routes)
    )
    assert {key for key, _ in routed} == {"E0~7", "SP1"}
    assert sorted(map(repr, _flat(routed))) == sorted(map(repr, _flat(plain)))
