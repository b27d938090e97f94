import json
from datetime import UTC, datetime

import pytest

from stream.events import (
    MAX_EVENT_BYTES,
    EventError,
    Fixture,
    MatchStats,
    Odds,
    Result,
    SideStats,
    make_match_id,
    parse_event,
)

KO = datetime(2020, 2, 1, 15, 0, tzinfo=UTC)
BASE = {
    "match_id": "E0-20200201-a-b",
    "league": "E0",
    "season": "2019-20",
    "ts": "2020-01-31T15:00:00Z",
}


def test_each_event_type_round_trips_through_json():
    events = [
        Fixture(**BASE, kickoff=KO, home="A", away="B"),
        Odds(**BASE, phase="pre", bookmaker="pinnacle", home=2.1, draw=3.4, away=3.9),
        Result(
            **BASE,
            home_goals=2,
            away_goals=2,
            stats=MatchStats(home=SideStats(shots=12), away=SideStats(shots=7)),
        ),
    ]
    for event in events:
        text = event.to_json()
        assert json.loads(text)["v"] == 1
        assert parse_event(text) == event
        assert parse_event(text.encode()) == event


def test_times_are_normalised_to_utc():
    odds = parse_event(
        {
            **BASE,
            "type": "odds",
            "ts": "2020-01-31T16:00:00+01:00",
            "phase": "close",
            "bookmaker": "x",
            "home": 2,
            "draw": 3,
            "away": 4,
        }
    )
    assert odds.ts == datetime(2020, 1, 31, 15, 0, tzinfo=UTC)


def test_match_id_is_stable_and_readable():
    assert (
        make_match_id("E0", KO, "Nott'm Forest", "Man United")
        == "E0-20200201-nottm-forest-man-united"
    )


@pytest.mark.parametrize(
    "payload, field",
    [
        ("{not json", "payload"),
        ("[1, 2]", "payload"),
        (
            {
                **BASE,
                "type": "odds",
                "phase": "pre",
                "bookmaker": "x",
                "home": 1.0,
                "draw": 3,
                "away": 4,
            },
            "home",
        ),
        (
            {
                **BASE,
                "type": "odds",
                "phase": "live",
                "bookmaker": "x",
                "home": 2,
                "draw": 3,
                "away": 4,
            },
            "phase",
        ),
        ({**BASE, "type": "result", "home_goals": "two", "away_goals": 1}, "home_goals"),
        ({**BASE, "type": "fixture", "home": "A", "away": "B"}, "kickoff"),
        ({**BASE, "type": "goal"}, "type"),
        (
            {
                **BASE,
                "season": "2019/20",
                "type": "fixture",
                "kickoff": "2020-02-01T15:00:00Z",
                "home": "A",
                "away": "B",
            },
            "season",
        ),
        ({**BASE, "v": 2, "type": "fixture"}, "v"),
        ({**BASE, "type": "result", "home_goals": 1, "away_goals": 1, "extra": 1}, "extra"),
        # hostile: ids that would reach paths and logs, impossible years, absurd odds, one team
        (
            {
                **BASE,
                "match_id": "../../etc/passwd",
                "type": "result",
                "home_goals": 1,
                "away_goals": 1,
            },
            "match_id",
        ),
        (
            {
                **BASE,
                "match_id": "E0-x\r\nSet-Cookie: a",
                "type": "result",
                "home_goals": 1,
                "away_goals": 1,
            },
            "match_id",
        ),
        (
            {
                **BASE,
                "ts": "9999-01-01T00:00:00Z",
                "type": "result",
                "home_goals": 1,
                "away_goals": 1,
            },
            "ts",
        ),
        (
            {
                **BASE,
                "type": "odds",
                "phase": "pre",
                "bookmaker": "x",
                "home": 1e300,
                "draw": 3,
                "away": 4,
            },
            "home",
        ),
        (
            {
                **BASE,
                "type": "fixture",
                "kickoff": "2020-02-01T15:00:00Z",
                "home": "Arsenal",
                "away": " arsenal",
            },
            "away",
        ),
    ],
)
def test_invalid_events_name_the_field(payload, field):
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    with pytest.raises(EventError) as err:
        parse_event(raw)
    assert str(err.value).startswith(field)


def test_oversized_payload_is_rejected_before_parsing():
    with pytest.raises(EventError, match="exceeds"):
        parse_event("x" * (MAX_EVENT_BYTES + 1))


def test_outcome_index():
    assert Result(**BASE, home_goals=0, away_goals=1).outcome == 2
    assert Result(**BASE, home_goals=1, away_goals=1).outcome == 1
