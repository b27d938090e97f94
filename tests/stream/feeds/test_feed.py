"""``matchflow feed football-data`` against a local football-data on
127.0.0.1 and a real Kafka broker: five polls, each a fresh process (a restart
every time), over a season file that grows, an upcoming-fixtures file whose
odds change, a malformed download, a 503, and a misspelt team. Every event
reaches the topic exactly once, and the dataflow accepts all of them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import datetime, timedelta

import pytest

from stream.events import make_match_id
from stream.kafka.admin import dlq_topic
from stream.loader import decode_csv, parse_csv
from tests.support.feed_server import (
    FeedServer,
    crash_when_recording,
    events_in,
    fixtures_csv,
    season_csv,
    season_frame,
)
from tests.support.kafka import drain
from tests.support.processes import MATCHFLOW, run_consumer
from tests.support.stores import dump_tables

SEASON_PATH = "/mmz4281/2223/E0.csv"
FIXTURES_PATH = "/fixtures.csv"


def gap_after(kickoffs: list[datetime], index: int) -> tuple[int, datetime]:
    """The first break of a day or more after ``index``: (rows before it, a
    moment inside it, when those rows are played and the rest upcoming)."""
    for j in range(index, len(kickoffs) - 1):
        if kickoffs[j + 1] - kickoffs[j] >= timedelta(days=1):
            return j + 1, kickoffs[j] + (kickoffs[j + 1] - kickoffs[j]) / 2
    raise AssertionError("no gap")


def feed(
    server: FeedServer, bootstrap: str, topic: str, state, now: datetime | None, *extra: str
) -> subprocess.CompletedProcess:
    args = [
        MATCHFLOW,
        "feed",
        "football-data",
        "--leagues",
        "E0",
        "--season",
        "2022-23",
        "--base-url",
        server.url,
        "--to-kafka",
        bootstrap,
        "--topic",
        topic,
        "--state",
        str(state),
        "--retries",
        "2",
        "--backoff",
        "0.05",
        *extra,
    ]
    if now is not None:
        args += ["--once", "--now", now.isoformat()]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


@pytest.fixture
def server():
    running = FeedServer()
    yield running
    running.close()


def test_each_event_reaches_the_topic_exactly_once(kafka, server, topic, tmp_path, pg_url):
    frame = season_frame()
    rows = parse_csv(decode_csv(season_csv(frame, range(len(frame)))), "E0", "2022-23").rows
    kickoffs = [row.kickoff for row in rows]
    n1, t1 = gap_after(kickoffs, 50)
    n4, t4 = gap_after(kickoffs, n1 + 10)
    changed_row, misspelt_row = n1 + 2, n4 + 3
    state, bootstrap = tmp_path / "feed.json", kafka.bootstrap
    count = lambda: len(drain(bootstrap, topic))  # noqa: E731

    # poll 1: the season so far, and the next ten fixtures
    server.serve(SEASON_PATH, season_csv(frame, range(n1)))
    server.serve(FIXTURES_PATH, fixtures_csv(frame, range(n1, n1 + 10)))
    assert feed(server, bootstrap, topic, state, t1).returncode == 0
    after_poll1 = count()

    # poll 2: season unchanged (304); fixtures answer 503 once, then carry new odds
    new_price = round(float(frame.loc[changed_row, "PSH"]) + 0.25, 2)
    server.serve(
        FIXTURES_PATH,
        fixtures_csv(frame, range(n1, n1 + 10), {changed_row: {"PSH": str(new_price)}}),
    )
    server.queued[FIXTURES_PATH].append(503)
    t2 = t1 + timedelta(hours=1)
    assert feed(server, bootstrap, topic, state, t2).returncode == 0
    assert server.statuses(SEASON_PATH)[-1] == 304
    assert server.statuses(FIXTURES_PATH)[-2:] == [503, 200]
    assert count() == after_poll1 + 1

    # poll 3: a malformed season file and a fixtures file that stays at 503: nothing
    server.serve(SEASON_PATH, b"<html><body>Service temporarily unavailable</body></html>")
    server.queued[FIXTURES_PATH].extend([503, 503, 503])
    done = feed(server, bootstrap, topic, state, t2 + timedelta(hours=1))
    assert done.returncode == 1 and "malformed" in done.stderr and "failed" in done.stderr
    assert count() == after_poll1 + 1

    # poll 4: the season has grown; the next fixtures, one with a misspelt club,
    # now served without an ETag so every poll downloads them again
    server.serve(SEASON_PATH, season_csv(frame, range(n4)))
    server.serve(
        FIXTURES_PATH,
        fixtures_csv(frame, range(n4, n4 + 10), {misspelt_row: {"HomeTeam": "Manchester Untied"}}),
        etag=False,
    )
    assert feed(server, bootstrap, topic, state, t4).returncode == 0
    after_poll4 = count()

    # poll 5: nothing new anywhere
    assert feed(server, bootstrap, topic, state, t4 + timedelta(hours=1)).returncode == 0
    assert server.statuses(SEASON_PATH)[-1] == 304 and server.statuses(FIXTURES_PATH)[-1] == 200
    assert count() == after_poll4

    values = drain(bootstrap, topic)
    assert len(values) == len(set(values))
    events = [json.loads(v) for v in values]
    match_ids = [make_match_id("E0", r.kickoff, r.home, r.away) for r in rows]
    wanted = [m for i, m in enumerate(match_ids[: n4 + 10]) if i != misspelt_row]
    by_type = {
        kind: [e for e in events if e["type"] == kind] for kind in ("fixture", "odds", "result")
    }
    assert sorted(e["match_id"] for e in by_type["fixture"]) == sorted(wanted)
    assert sorted(e["match_id"] for e in by_type["result"]) == sorted(match_ids[:n4])
    assert {e["bookmaker"] for e in by_type["odds"]} == {"pinnacle", "market-avg", "market-max"}
    assert {e.get("market", "1x2") for e in by_type["odds"]} == {"1x2", "ou25", "ah"}
    one_x_two = [e for e in by_type["odds"] if "market" not in e]  # a 1X2 quote's JSON as in v1
    pre = [e for e in one_x_two if e["phase"] == "pre" and e["bookmaker"] == "pinnacle"]
    assert sorted(e["match_id"] for e in pre) == sorted([*wanted, match_ids[changed_row]])
    changed = [e for e in pre if e["match_id"] == match_ids[changed_row]]
    assert {e["home"] for e in changed} == {float(frame.loc[changed_row, "PSH"]), new_price}
    assert datetime.fromisoformat(max(e["ts"] for e in changed)) == t2
    close = [
        e["match_id"] for e in one_x_two if e["phase"] == "close" and e["bookmaker"] == "pinnacle"
    ]
    assert sorted(close) == sorted(m for m, r in zip(match_ids[:n4], rows) if r.close)

    letters = [json.loads(value) for value in drain(bootstrap, dlq_topic(topic))]
    assert len(letters) == 1 and "Manchester Untied" in letters[0]["reason"]
    assert "Man United" in letters[0]["reason"]

    # the dataflow takes every event: no dead letters, the changed price predicted
    run_consumer(bootstrap, topic, pg_url)
    tables = dump_tables(pg_url)
    assert tables["dead_letters"] == []
    assert len(tables["matches"]) == len(wanted)
    moments = {row[3] for row in tables["predictions"] if row[0] == match_ids[changed_row]}
    assert t2.strftime("%Y-%m-%dT%H:%M:%S+00:00") in moments


def test_sigterm_stops_a_polling_feed_cleanly(kafka, server, topic, tmp_path):
    frame = season_frame()
    server.serve(SEASON_PATH, season_csv(frame, range(30)))
    server.serve(FIXTURES_PATH, fixtures_csv(frame, range(30, 40)))
    state = tmp_path / "feed.json"
    process = subprocess.Popen(
        [
            MATCHFLOW,
            "feed",
            "football-data",
            "--leagues",
            "E0",
            "--season",
            "2022-23",
            "--base-url",
            server.url,
            "--to-kafka",
            kafka.bootstrap,
            "--topic",
            topic,
            "--state",
            str(state),
            "--every",
            "1s",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        state.exists() and json.loads(state.read_text())["polls"] >= 3
    ):
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr[-2000:]  # 128 + SIGTERM, like every command
    assert "stopped (SIGTERM) after" in stderr and "Traceback" not in stderr
    values = drain(kafka.bootstrap, topic)
    # one poll's worth: played matches' fixture, quotes and result, upcoming
    # fixtures' fixture and pre-match quotes
    assert len(values) == len(set(values)) == events_in(frame, range(30), range(30, 40))


def test_a_feed_killed_between_publishing_and_recording_sends_nothing_twice(
    kafka, server, topic, tmp_path
):
    from stream.feeds.feed import FootballDataFeed
    from stream.feeds.http import Fetcher
    from stream.feeds.kafka_sink import KafkaFeedSink
    from stream.feeds.state import FeedState
    from stream.teams import team_names

    frame = season_frame()
    server.serve(SEASON_PATH, season_csv(frame, range(40)))
    server.serve(FIXTURES_PATH, fixtures_csv(frame, range(40, 50)))
    state_path = tmp_path / "feed.json"
    state = FeedState.load(state_path, topic)
    crash_when_recording(state)
    now = datetime.fromisoformat("2023-06-01T00:00:00+00:00")
    feed_run = FootballDataFeed(
        ["E0"],
        "2022-23",
        server.url,
        KafkaFeedSink(kafka.bootstrap, topic),
        state,
        Fetcher(retries=0),
        team_names(),
        clock=lambda: now,
    )
    with pytest.raises(KeyboardInterrupt):
        feed_run.poll()
    sent = len(drain(kafka.bootstrap, topic))
    assert sent > 0 and json.loads(state_path.read_text())["inflight"] is not None

    done = feed(server, kafka.bootstrap, topic, state_path, now)  # the restart
    assert done.returncode == 0, done.stderr
    assert f"stopped mid-poll: {sent} events" in " ".join(done.stderr.split())
    values = drain(kafka.bootstrap, topic)
    assert len(values) == sent == len(set(values))
