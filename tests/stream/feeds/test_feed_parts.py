"""The feed's parts without Kafka: downloads (retries, backoff, conditional
requests), the state file, event times, team names, the CLI's arguments."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from stream.feeds.events import observed_events
from stream.feeds.feed import FootballDataFeed
from stream.feeds.http import Fetcher, FetchError
from stream.feeds.state import FeedState, StateError
from stream.loader import decode_csv, parse_csv
from stream.selection import parse_duration
from stream.services.ports import free_port
from stream.teams import UnknownTeam, normalise, team_names
from tests.support.feed_server import (
    FeedServer,
    Recorder,
    crash_when_recording,
    events_in,
    fixtures_csv,
    season_csv,
    season_frame,
)
from tests.support.processes import MATCHFLOW


@pytest.fixture
def server():
    running = FeedServer()
    yield running
    running.close()


def test_a_conditional_request_costs_a_304(server):
    server.serve("/f.csv", b"a,b\n1,2\n")
    fetcher = Fetcher(retries=0)
    first = fetcher.get(server.url + "/f.csv")
    assert first.body == b"a,b\n1,2\n" and first.validators["etag"]
    assert fetcher.get(server.url + "/f.csv", first.validators) is None
    assert server.statuses("/f.csv") == [200, 304]


def test_transient_failures_are_retried_with_doubling_backoff(server):
    server.serve("/f.csv", b"a\n1\n")
    server.queued["/f.csv"].extend([503, 502])
    waits = []
    assert Fetcher(retries=2, backoff=0.5, sleep=waits.append).get(server.url + "/f.csv")
    assert waits == [0.5, 1.0] and server.statuses("/f.csv") == [503, 502, 200]


def test_a_download_that_keeps_failing_raises_after_the_retries(server):
    server.queued["/f.csv"].extend([503] * 5)
    with pytest.raises(FetchError, match=r"HTTP 503.*3 attempts"):
        Fetcher(retries=2, backoff=0, sleep=lambda s: None).get(server.url + "/f.csv")
    with pytest.raises(FetchError, match="HTTP 404"):  # not transient: no retry
        Fetcher(retries=2, backoff=0, sleep=lambda s: None).get(server.url + "/missing.csv")
    assert server.statuses("/missing.csv") == [404]
    with pytest.raises(FetchError, match="ConnectError"):
        Fetcher(retries=1, backoff=0, sleep=lambda s: None).get(
            f"http://127.0.0.1:{free_port()}/f.csv"
        )


def test_state_is_saved_atomically_and_tied_to_its_topic(tmp_path):
    path = tmp_path / "state.json"
    state = FeedState.load(path, "events")
    state.published["m|fixture"] = "abc"
    state.save()
    assert FeedState.load(path, "events").published == {"m|fixture": "abc"}
    assert not path.with_name("state.json.tmp").exists()
    with pytest.raises(StateError, match="topic 'events', not 'other'"):
        FeedState.load(path, "other")
    path.write_text("{not json")
    with pytest.raises(StateError, match="cannot read"):
        FeedState.load(path, "events")


def _rows(n: int):
    frame = season_frame()
    return parse_csv(decode_csv(season_csv(frame, range(n))), "E0", "2022-23").rows


def test_events_are_never_stamped_after_they_were_seen():
    row = _rows(1)[0]
    books = ["pinnacle", "market-avg", "market-max"]
    before = row.kickoff - timedelta(days=3)
    early = observed_events(row, before)
    # no result, no closing odds yet: the fixture and every bookmaker's
    # pre-match quote of every market the file prices
    seen = [(e.type, getattr(e, "bookmaker", None), getattr(e, "market", None)) for e in early]
    assert seen == [("fixture", None, None)] + [
        ("odds", book, market) for market in ("1x2", "ou25", "ah") for book in books
    ]
    assert all(e.ts <= before for e in early)
    after = observed_events(row, row.kickoff + timedelta(days=1))
    phases = [(e.type, getattr(e, "phase", None)) for e in after]
    assert phases[0] == ("fixture", None) and phases[-1] == ("result", None)
    assert phases.count(("odds", "pre")) == phases.count(("odds", "close")) == 9
    assert after[-1].ts == row.kickoff + timedelta(hours=2)


def _feed(server, tmp_path, sink, now):
    return FootballDataFeed(
        ["E0"],
        "2022-23",
        server.url,
        sink,
        FeedState.load(tmp_path / "s.json", "t"),
        Fetcher(retries=0),
        team_names(),
        clock=lambda: now,
    )


def test_a_malformed_file_publishes_nothing_and_is_asked_for_again(server, tmp_path):
    server.serve("/mmz4281/2223/E0.csv", b"HomeTeam;AwayTeam\nnot;a football-data file\n")
    server.serve("/fixtures.csv", b"")
    sink = Recorder()
    report = _feed(server, tmp_path, sink, datetime(2023, 1, 1, tzinfo=UTC)).poll()
    assert [f.status for f in report.files] == ["malformed", "malformed"]
    assert sink.events == [] and report.published == 0
    assert FeedState.load(tmp_path / "s.json", "t").validators == {}  # next poll: full GET


def test_changed_odds_after_kick_off_are_not_news(server, tmp_path):
    frame = season_frame()
    server.serve("/fixtures.csv", fixtures_csv(frame, range(3)), etag=False)
    server.serve("/mmz4281/2223/E0.csv", season_csv(frame, range(0)))
    kickoff = _rows(1)[0].kickoff
    sink = Recorder()
    _feed(server, tmp_path, sink, kickoff - timedelta(days=3)).poll()
    first = len(sink.events)
    server.serve("/fixtures.csv", fixtures_csv(frame, range(3), {0: {"PSH": "9.99"}}), etag=False)
    report = _feed(server, tmp_path, sink, kickoff + timedelta(minutes=5)).poll()
    assert report.changed_odds == 0 and len(sink.events) == first


def test_team_names_resolve_aliases_and_name_the_closest():
    names = team_names()
    for alias in ("Manchester United", "Man Utd", "man united", "MAN UNITED FC"):
        assert names.canonical(alias) == "Man United"
    assert names.canonical("Wolverhampton Wanderers") == "Wolves"
    assert names.canonical("Nottingham Forest") == "Nott'm Forest"
    assert names.canonical("Borussia Mönchengladbach") == "M'gladbach"
    assert normalise("Brighton & Hove Albion") == normalise("Brighton and Hove Albion")
    with pytest.raises(UnknownTeam) as caught:
        names.canonical("Totenham", "E0")
    assert caught.value.closest[0] == "Tottenham" and "Totenham" in str(caught.value)
    # a club of another country's league is not one of this league's, promotion or not
    assert names.canonical("Norwich", "E0") == names.canonical("Norwich", "E1") == "Norwich"
    with pytest.raises(UnknownTeam):
        names.canonical("Barcelona", "E0")
    assert names.canonical("Barcelona", "SP1") == "Barcelona"


def test_every_bundled_team_is_its_own_canonical_name():
    from stream.loader import BUNDLED_DATA, load

    names = team_names()
    for league in ("E0", "E1", "SP1", "D1", "I1"):
        for row in load(BUNDLED_DATA, [league], None).rows[-400:]:
            assert names.canonical(row.home, league) == row.home


@pytest.mark.parametrize(
    "text,seconds", [("90s", 90), ("30m", 1800), ("6h", 21600), ("1d", 86400), ("0.5h", 1800)]
)
def test_every_takes_durations(text, seconds):
    assert parse_duration(text, "--every") == seconds


@pytest.mark.parametrize(
    "args,flag",
    [
        (["--every", "6 hours"], "--every"),
        (["--every", "0s"], "--every"),
        (["--season", "2025"], "--season"),
        (["--leagues", "e0"], "--leagues"),
        (["--base-url", "ftp://x"], "--base-url"),
        (["--now", "yesterday"], "--now"),
    ],
)
def test_bad_arguments_exit_2_naming_the_flag(args, flag, tmp_path):
    base = {"--leagues": "E0", "--season": "2025-26", "--to-kafka": "127.0.0.1:1"}
    for name, value in zip(args[::2], args[1::2]):
        base[name] = value
    flat = [part for pair in base.items() for part in pair]
    done = subprocess.run(
        [MATCHFLOW, "feed", "football-data", *flat],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2 and flag in done.stderr, done.stderr


def test_a_state_file_of_another_topic_exits_2(tmp_path):
    state = tmp_path / "s.json"
    state.write_text(json.dumps({"topic": "other"}))
    done = subprocess.run(
        [
            MATCHFLOW,
            "feed",
            "football-data",
            "--leagues",
            "E0",
            "--season",
            "2025-26",
            "--to-kafka",
            "127.0.0.1:1",
            "--state",
            str(state),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--state" in done.stderr


def test_a_run_killed_after_publishing_is_recovered_from_the_topic(server, tmp_path):
    frame = season_frame()
    server.serve("/mmz4281/2223/E0.csv", season_csv(frame, range(20)))
    server.serve("/fixtures.csv", fixtures_csv(frame, range(20, 25)))
    now = datetime(2023, 6, 1, tzinfo=UTC)
    sink = Recorder()
    crashing = _feed(server, tmp_path, sink, now)
    crash_when_recording(crashing.state)
    with pytest.raises(KeyboardInterrupt):
        crashing.poll()
    published = len(sink.events)
    # a played match: fixture, 3 books x 2 moments x 3 markets, result; upcoming: 1 + 3 x 3
    assert published == events_in(frame, range(20), range(20, 25)) == 20 * 20 + 5 * 10
    restarted = _feed(server, tmp_path, sink, now)  # loads the state the crash left
    assert restarted.state.inflight == {"0": 0}
    assert restarted.recover() == published
    assert restarted.poll().published == 0 and len(sink.events) == published
    assert FeedState.load(tmp_path / "s.json", "t").inflight is None


def test_each_market_of_a_bookmaker_is_its_own_event_and_1x2_keys_are_unchanged():
    from stream.events import Odds
    from stream.feeds.events import digest, event_key

    ko = datetime(2025, 8, 16, 14, tzinfo=UTC)
    common = {"match_id": "E0-x", "league": "E0", "season": "2025-26", "ts": ko, "phase": "pre"}
    quotes = [
        Odds(**common, bookmaker="pinnacle", home=2.0, draw=3.4, away=3.9),
        Odds(**common, bookmaker="pinnacle", market="ou25", over=1.9, under=1.95),
        Odds(**common, bookmaker="pinnacle", market="ah", line=-0.25, home=1.9, away=2.0),
    ]
    assert [event_key(q) for q in quotes] == [
        "E0-x|odds|pre|pinnacle",
        "E0-x|odds|pre|pinnacle|ou25",
        "E0-x|odds|pre|pinnacle|ah",
    ]
    # a 1X2 quote's digest is what it was before events had a market
    before = {k: v for k, v in json.loads(quotes[0].to_json()).items() if k != "ts"}
    assert "market" not in before and len({digest(q) for q in quotes}) == 3
