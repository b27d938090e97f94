"""[live-truth] Event time per league: out-of-order arrivals within the
allowed lateness give the sorted stream's rows; late events are history,
never the trigger of a prediction or a bet."""

import pickle
import random
from datetime import UTC, datetime, timedelta

from bytewax.testing import TestingSink, TestingSource, run_main

from stream.config import FlowConfig
from stream.dataflow import build_dataflow
from stream.embedded import run_payloads
from stream.ordering import EventTimeBuffer
from tests.support.data import bundled_events
from tests.support.stores import dump_tables

LATENESS = 2 * 86400.0  # two days of event time


def shuffled_within(events, lateness: float, seed: int = 7):
    """The events in the order a stream would deliver them if each were
    delayed or advanced by less than half the lateness (seeded)."""
    rng = random.Random(seed)
    half = lateness / 2
    moved = [
        (e.ts + timedelta(seconds=rng.uniform(-half, half) * 0.999), i)
        for i, e in enumerate(events)
    ]
    return [events[i] for _, i in sorted(moved)]


def _flat(pairs):
    return [r for _, batch in pairs for r in batch]


def _run(events, config):
    stored: list = []
    run_main(
        build_dataflow(
            TestingSource([e.to_json() for e in events], 40), TestingSink(stored), config
        )
    )
    return _flat(stored)


def _final(records, table):
    """The rows a store would hold: the last write of each natural key."""
    from stream.storage.schema import TABLES

    key = TABLES[table].key
    rows = {}
    for r in records:
        if r.table == table:
            rows[tuple(r.row[k] for k in key)] = None if r.delete else r.row
    return sorted((k, v) for k, v in rows.items() if v is not None)


def test_reordered_arrivals_within_the_lateness_give_the_sorted_rows(e0_two_seasons):
    events = list(e0_two_seasons)[:3000]
    config = FlowConfig(allowed_lateness=LATENESS)
    arrived = shuffled_within(events, LATENESS)
    assert arrived != events
    # results now arrive before quotes stamped earlier: the leak the buffer stops
    position = {id(e): i for i, e in enumerate(arrived)}
    overtaken = [
        (earlier, result)
        for i, result in enumerate(events)
        if result.type == "result"
        for earlier in events[max(0, i - 300) : i]
        if earlier.type == "odds"
        and earlier.ts < result.ts
        and position[id(earlier)] > position[id(result)]
    ]
    assert len(overtaken) > 100
    sorted_run, reordered = _run(events, config), _run(arrived, config)
    for table in ("predictions", "bets", "bankroll", "model_metrics", "odds", "matches"):
        assert _final(reordered, table) == _final(sorted_run, table), table
    assert not [r for r in reordered if r.table == "late_events"]


def test_a_quote_later_than_the_lateness_is_kept_counted_and_never_priced(e0_two_seasons):
    events = list(e0_two_seasons)[:3000]
    config = FlowConfig(allowed_lateness=3600.0)
    target = next(e for e in events[1500:] if e.type == "odds" and e.phase == "pre")
    quotes = [
        e for e in events if e.type == "odds" and e.match_id == target.match_id and e.phase == "pre"
    ]
    result = next(e for e in events if e.type == "result" and e.match_id == target.match_id)
    late = [e for e in events if e not in quotes]
    late.insert(late.index(result) + 1, quotes[0])  # the result is 26 h after the quotes
    late[late.index(result) + 2 : late.index(result) + 2] = quotes[1:]
    records = _run(late, config)
    marks = [r.row for r in records if r.table == "late_events"]
    assert len(marks) == len(quotes) and {m["action"] for m in marks} == {"stored"}
    odds = {
        (r.row["bookmaker"], r.row["ts"])
        for r in records
        if r.table == "odds" and r.row["match_id"] == target.match_id
    }
    assert {(q.bookmaker, q.ts.strftime("%Y-%m-%dT%H:%M:%S+00:00")) for q in quotes} <= odds
    predicted = [
        r.row for r in records if r.table == "predictions" and r.row["match_id"] == target.match_id
    ]
    assert predicted and {p["phase"] for p in predicted} == {
        "close"
    }  # the close quotes came in time
    assert not [r for r in records if r.table == "bets" and r.row["match_id"] == target.match_id]


def test_held_events_travel_in_the_pickle_and_resume_in_order():
    t0 = datetime(2024, 8, 10, tzinfo=UTC)
    events = list(bundled_events("E0", "2023-24")[:40])
    buffer = EventTimeBuffer(lateness=LATENESS)
    released = []
    for event in events[:20]:
        released += buffer.offer(event, now=t0)
    held = len(buffer)
    assert held > 0
    resumed = pickle.loads(pickle.dumps(buffer))
    for event in events[20:]:
        released += resumed.offer(event, now=t0 + timedelta(days=365))  # the wall clock restarts
    released += resumed.drain()
    assert [e.to_json() for e in released] == [e.to_json() for e in events]


def test_a_quiet_league_releases_after_the_lateness_in_wall_time():
    event = bundled_events("E0", "2023-24")[0]
    buffer = EventTimeBuffer(lateness=300)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert buffer.offer(event, now=t0) == []
    due = buffer.next_release(now=t0)
    assert due is not None
    assert timedelta(seconds=300) <= due - t0 <= timedelta(seconds=301)
    assert buffer.release(now=t0 + timedelta(seconds=299)) == []
    assert buffer.release(now=due) == [event]


def test_the_sorted_replay_gives_the_same_tables_whatever_the_lateness(tmp_path, e0_two_seasons):
    payloads = [e.to_json() for e in e0_two_seasons[:2500]]
    tables = []
    for lateness in (0.0, 300.0, LATENESS):
        url = f"sqlite:///{tmp_path / f'l{int(lateness)}.db'}"
        run_payloads(payloads, url, FlowConfig(allowed_lateness=lateness), key=b"k" * 32)
        tables.append(dump_tables(url))
    assert tables[0] == tables[1] == tables[2]
    assert tables[0]["late_events"] == []


def test_late_events_are_counted_for_prometheus(e0_two_seasons):
    from stream.context import RunContext
    from stream.metrics import FlowMetrics

    events = list(e0_two_seasons)[:600]
    quote = next(e for e in events[300:] if e.type == "odds")
    arrived = [e for e in events if e is not quote] + [quote]  # weeks behind its league
    metrics = FlowMetrics()
    stored: list = []
    flow = build_dataflow(
        TestingSource([e.to_json() for e in arrived], 40),
        TestingSink(stored),
        FlowConfig(allowed_lateness=3600.0),
        context=RunContext(metrics=metrics),
    )
    run_main(flow)
    count = metrics.registry.get_sample_value(
        "matchflow_late_events_total", {"league": "E0", "type": "odds"}
    )
    assert count == 1.0
    assert (
        metrics.registry.get_sample_value(
            "matchflow_late_events_total", {"league": "E0", "type": "result"}
        )
        == 0.0
    )  # every series starts at 0: rate() sees the first one
