"""1,000 malformed events mixed into a valid stream: every one reaches the
dead-letter topic with a reason, and the valid stream's results do not change."""

import json

from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.kafka.admin import dlq_topic
from tests.support.kafka import drain, publish
from tests.support.processes import run_consumer
from tests.support.stores import dump_tables

KINDS = (
    "bad_json",
    "missing_field",
    "odds_not_above_one",
    "unknown_match",
    "duplicate_result",
    "wrong_type",
)
HUGE = 6  # how many of the 1,000 carry a 1 MB payload


def _malformed(kind, i, settled):
    """One malformed message (key, value); ``settled`` are results already sent."""
    base = {"v": 1, "league": "E0", "season": "2016-17", "ts": "2016-09-01T12:00:00+00:00"}
    if kind == "bad_json":
        return None, f'{{"v": 1, "type": "odds", "n": {i}'
    if kind == "missing_field":
        return "E0", json.dumps({**base, "type": "fixture", "match_id": f"m{i}", "home": "A"})
    if kind == "odds_not_above_one":
        return "E0", json.dumps(
            {
                **base,
                "type": "odds",
                "match_id": f"m{i}",
                "phase": "pre",
                "bookmaker": "x",
                "home": 1.0,
                "draw": 3.2,
                "away": 4.0,
            }
        )
    if kind == "unknown_match":
        return "E0", json.dumps(
            {
                **base,
                "type": "odds",
                "match_id": f"E0-20990101-x{i}-y",
                "phase": "pre",
                "bookmaker": "x",
                "home": 2.0,
                "draw": 3.2,
                "away": 4.0,
            }
        )
    if kind == "duplicate_result":
        again = json.loads(settled[i % len(settled)])
        again["home_goals"] = 10 + i  # a second, different result for a settled match
        return "E0", json.dumps(again)
    if kind == "wrong_type":
        return "E0", json.dumps(
            {
                **base,
                "type": "result",
                "match_id": f"m{i}",
                "home_goals": f"two-{i}",
                "away_goals": 1,
            }
        )
    return "E0", json.dumps(
        {
            **base,
            "type": "fixture",
            "match_id": f"big{i}",
            "kickoff": base["ts"],
            "home": "A" * 1_000_000,
            "away": "B",
        }
    )


def _mixed_stream(events):
    """The valid payloads, and them with 1,000 malformed messages inserted after
    the first half (so every duplicate result follows its original)."""
    valid = [e.to_json() for e in events]
    middle = len(valid) // 2
    settled = [p for p in valid[:middle] if '"type":"result"' in p]
    kinds = [KINDS[i % len(KINDS)] for i in range(1000 - HUGE)] + ["huge"] * HUGE
    bad = [_malformed(kind, i, settled) for i, kind in enumerate(kinds)]
    good = [("E0", p) for p in valid]
    return valid, good[:middle] + bad + good[middle:]


def test_every_malformed_event_is_a_dead_letter(kafka, pg_url, topic, tmp_path, e0_two_seasons):
    events = list(e0_two_seasons[:1600])
    valid, mixed = _mixed_stream(events)
    publish(kafka.bootstrap, topic, mixed)
    run_consumer(kafka.bootstrap, topic, pg_url)

    letters = [json.loads(value) for value in drain(kafka.bootstrap, dlq_topic(topic))]
    assert len(letters) == 1000
    assert all(letter["reason"] and letter["payload"] is not None for letter in letters)
    reasons = " | ".join(letter["reason"] for letter in letters)
    for expected in (
        "not valid JSON",
        "Field required",
        "greater than 1",
        "unknown match",
        "already has a result",
        "valid integer",
        "exceeds",
    ):
        assert expected in reasons
    assert sum(len(letter["payload"]) > 900_000 for letter in letters) == HUGE

    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    run_payloads(valid, clean, FlowConfig())
    stored = dump_tables(pg_url)
    assert len(stored.pop("dead_letters")) == 1000
    # malformed events stamped weeks behind the stream are late too: counted,
    # and dropped with a reason that says so
    late = stored.pop("late_events")
    assert late and {row[-1] for row in late} == {"dead-lettered"}
    assert sum(letter["reason"].startswith("late: ") for letter in letters) == len(late)
    assert stored == dump_tables(clean, skip=("dead_letters", "late_events"))
