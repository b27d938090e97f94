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


QUOTE = {**BASE, "type": "odds", "phase": "pre", "bookmaker": "pinnacle"}


def test_a_v1_quote_is_a_1x2_quote_and_keeps_its_json():
    v1 = {**QUOTE, "v": 1, "home": 2.1, "draw": 3.4, "away": 3.9}
    odds = parse_event(v1)
    assert odds.market == "1x2" and odds.prices == (2.1, 3.4, 3.9)
    assert set(json.loads(odds.to_json())) == set(v1)  # no market, line or goals prices


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"market": "ou25", "over": 1.9}, "under: required by market ou25"),
        ({"market": "ou25", "over": 1.9, "under": 2.0, "line": 2.5}, "line: only ah has one"),
        ({"home": 2.1, "draw": 3.4, "away": 3.9, "over": 1.9}, "over: not a price of market 1x2"),
        ({"market": "ah", "home": 1.9, "away": 2.0}, "line: required by market ah"),
        ({"market": "ah", "line": -0.5, "home": 1.9, "draw": 3.0, "away": 2.0}, "draw: not a"),
        ({"market": "ah", "line": 0.3, "home": 1.9, "away": 2.0}, "line: 0.3 is not a multiple"),
        ({"market": "ah", "line": -25, "home": 1.9, "away": 2.0}, "line: Input should be"),
        ({"market": "ou25", "over": 1.0, "under": 2.0}, "over: Input should be greater"),
        ({"market": "btts", "home": 1.9}, "market: Input should be"),
    ],
)
def test_a_quote_carries_exactly_the_prices_of_its_market(payload, reason):
    with pytest.raises(EventError, match=f"^{reason}"):
        parse_event({**QUOTE, **payload})


def test_goals_quotes_round_trip():
    for payload in (
        {"market": "ou25", "over": 1.95, "under": 1.93},
        {"market": "ah", "line": 0.25, "home": 2.05, "away": 1.85},
    ):
        odds = parse_event({**QUOTE, **payload})
        assert parse_event(odds.to_json()) == odds
        assert json.loads(odds.to_json())["market"] == payload["market"]
