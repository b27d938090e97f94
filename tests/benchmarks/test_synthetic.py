"""The capacity benchmark's synthetic leagues have the shape of real ones, and
the processor takes them as it takes a replay."""

from collections import Counter

from benchmarks.synthetic import league_events, leagues_events
from stream.config import FlowConfig
from stream.events import parse_event
from stream.league import LeagueProcessor
from stream.replay import event_order


def test_a_season_is_a_double_round_robin_of_twenty_teams():
    events = league_events("X001", seasons=1, updates=3)
    fixtures = [e for e in events if e.type == "fixture"]
    assert len(fixtures) == 380
    assert set(Counter(f.home for f in fixtures).values()) == {19}
    assert set(Counter(f.away for f in fixtures).values()) == {19}
    assert len({frozenset((f.home, f.away)) for f in fixtures}) == 190
    per_match = Counter(e.match_id for e in events)
    assert set(per_match.values()) == {
        1 + 3 * 3 + 3 + 1
    }  # fixture, 3 updates x 3 books, close, result


def test_events_are_valid_ordered_and_the_same_every_time():
    events = leagues_events(3, seasons=1, updates=2)
    assert events == sorted(events, key=event_order)
    assert [parse_event(e.to_json()) for e in events[:500]] == events[:500]
    assert leagues_events(3, seasons=1, updates=2) == events
    assert {e.league for e in events} == {"X000", "X001", "X002"}


def test_results_look_like_football_and_the_processor_takes_every_event():
    events = league_events("X002", seasons=1)
    results = [e for e in events if e.type == "result"]
    home_wins = sum(r.home_goals > r.away_goals for r in results) / len(results)
    draws = sum(r.home_goals == r.away_goals for r in results) / len(results)
    assert 0.38 < home_wins < 0.55 and 0.18 < draws < 0.33
    processor = LeagueProcessor("X002", FlowConfig())
    records = [r for e in events for r in processor.process(e)]
    assert not [r for r in records if r.table == "dead_letters"]
    assert processor.learned == 380
