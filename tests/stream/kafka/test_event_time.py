"""[live-truth] acceptance on the real broker: two seasons written with
``replay --to-jsonl``, reordered, produced and run; a late quote; a kill -9
while events are held back; no secret on a child's command line."""

import json
import os
import random
import signal
import subprocess
import time
from datetime import timedelta

import pytest

from stream.events import parse_event
from tests.support.processes import MATCHFLOW, run_args, run_consumer
from tests.support.stores import dump_tables, new_database

LATENESS = 2 * 86400  # seconds of event time
ENV = {**os.environ, "MATCHFLOW_ALLOWED_LATENESS": str(LATENESS)}


def _matchflow(*args: str, env=None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [MATCHFLOW, *args], capture_output=True, text=True, timeout=600, env=env or ENV
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _produce(kafka, lines: list[str], path, topic: str) -> str:
    path.write_text("".join(line + "\n" for line in lines))
    _matchflow("produce", str(path), "--to-kafka", kafka.bootstrap, "--topic", topic)
    return topic


def _consume(kafka, postgres, topic: str, *extra: str, url: str | None = None) -> str:
    url = url or new_database(postgres)
    run_consumer(
        kafka.bootstrap, topic, url, *extra, env={"MATCHFLOW_ALLOWED_LATENESS": str(LATENESS)}
    )
    return url


@pytest.fixture(scope="module")
def e0_lines(tmp_path_factory):
    """E0 2016-17 and 2017-18 as `replay --to-jsonl` writes them."""
    path = tmp_path_factory.mktemp("jsonl") / "e0.jsonl"
    done = _matchflow(
        "replay", "--leagues", "E0", "--seasons", "2016-17:2017-18", "--to-jsonl", str(path)
    )
    assert "wrote" in done.stdout
    lines = path.read_text().splitlines()
    # 760 matches: fixture, result and the quotes the CSVs carry (1X2 4,560 events;
    # over/under and handicap, average and best price before kick-off: 3,040)
    assert len(lines) == 7600
    return lines


def _reordered(lines: list[str], seed: int = 11) -> list[str]:
    """Every event moved by less than half the lateness (seeded)."""
    rng, half = random.Random(seed), LATENESS / 2 * 0.999
    keyed = [
        (parse_event(line).ts + timedelta(seconds=rng.uniform(-half, half)), i)
        for i, line in enumerate(lines)
    ]
    return [lines[i] for _, i in sorted(keyed)]


@pytest.fixture(scope="module")
def sorted_run(kafka, postgres, e0_lines, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sorted")
    topic = _produce(kafka, e0_lines, folder / "sorted.jsonl", f"sorted-{random.getrandbits(30)}")
    url = _consume(kafka, postgres, topic)
    return dump_tables(url)


@pytest.fixture(scope="module")
def reordered_topic(kafka, e0_lines, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reordered")
    lines = _reordered(e0_lines)
    assert lines != e0_lines
    return _produce(kafka, lines, folder / "reordered.jsonl", f"shuffled-{random.getrandbits(30)}")


def test_reordered_within_the_lateness_gives_the_sorted_runs_tables(
    kafka, postgres, reordered_topic, sorted_run
):
    tables = dump_tables(_consume(kafka, postgres, reordered_topic))
    for table in ("predictions", "bets", "bankroll", "model_metrics", "odds", "matches"):
        assert tables[table] == sorted_run[table], table
    assert tables["late_events"] == sorted_run["late_events"] == []
    assert len(sorted_run["predictions"]) == 4560 and sorted_run["bets"]  # 760 x 2 moments x 3


def test_a_quote_moved_back_past_the_lateness_is_late_kept_and_never_priced(
    kafka, postgres, e0_lines, tmp_path
):
    events = [json.loads(line) for line in e0_lines]
    match = next(e["match_id"] for e in events[2000:] if e["type"] == "odds")
    quotes = [e for e in events if e["match_id"] == match and e["type"] == "odds"]
    pre = [q for q in quotes if q["phase"] == "pre"]
    rest = [
        e
        for e in events
        if not (e["match_id"] == match and e["type"] == "odds" and e["phase"] == "pre")
    ]
    week_later = next(
        i
        for i, e in enumerate(rest)
        if parse_event(e).ts > parse_event(pre[0]).ts + timedelta(days=7)
    )
    moved = rest[:week_later] + pre + rest[week_later:]  # 7 days behind: past two days' lateness
    topic = _produce(
        kafka,
        [json.dumps(e) for e in moved],
        tmp_path / "late.jsonl",
        f"late-{random.getrandbits(30)}",
    )
    tables = dump_tables(_consume(kafka, postgres, topic))
    late = [row for row in tables["late_events"] if row[2] == match]
    assert len(late) == len(pre) and {row[-1] for row in late} == {"stored"}
    kept = {(row[2], row[3]) for row in tables["odds"] if row[0] == match and row[1] == "pre"}
    assert kept == {
        (q["bookmaker"], parse_event(q).ts.strftime("%Y-%m-%dT%H:%M:%S+00:00")) for q in pre
    }
    assert not [row for row in tables["predictions"] if row[0] == match and row[2] == "pre"]
    assert not [row for row in tables["bets"] if row[0] == match]


def test_kill_9_while_events_are_held_then_resume_equals_an_uninterrupted_run(
    kafka, postgres, reordered_topic, sorted_run, tmp_path
):
    url = new_database(postgres)
    recovery = tmp_path / "recovery"
    args = run_args(
        kafka.bootstrap,
        reordered_topic,
        url,
        "--recovery-dir",
        str(recovery),
        "--recovery-interval",
        "1",
    )
    consumer = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=ENV
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _some_predictions(url):
        time.sleep(0.3)
    time.sleep(1.5)  # past an epoch: a recovery snapshot with events held back
    assert consumer.poll() is None, "the consumer should still be running"
    os.killpg(consumer.pid, signal.SIGKILL)
    consumer.wait()
    partial = dump_tables(url)
    assert 0 < len(partial["predictions"]) < len(sorted_run["predictions"])
    _consume(kafka, postgres, reordered_topic, "--recovery-dir", str(recovery), url=url)
    resumed = dump_tables(url)
    for table in (
        "predictions",
        "bets",
        "bankroll",
        "model_metrics",
        "odds",
        "matches",
        "late_events",
    ):
        assert resumed[table] == sorted_run[table], table


def _some_predictions(url: str) -> bool:
    try:
        return len(dump_tables(url)["predictions"]) > 0
    except Exception:  # the schema is still being created
        return False


def test_no_secret_on_any_command_line_of_a_local_cluster(kafka, postgres, reordered_topic):
    # the test cluster trusts 127.0.0.1, so any password is accepted: it is only looked for
    user, rest = new_database(postgres).split("://", 1)[1].split("@", 1)
    secret_url = f"postgresql://{user.split(':')[0]}:s3cr3t-pw@{rest}"
    cluster = subprocess.Popen(
        [
            MATCHFLOW,
            "run",
            "--kafka",
            kafka.bootstrap,
            "--topic",
            reordered_topic,
            "--until-idle",
            "3",
            "--processes",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**ENV, "MATCHFLOW_DB": secret_url},
    )
    seen = []
    while cluster.poll() is None:
        listing = subprocess.run(
            ["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True
        ).stdout
        seen += [line for line in listing.splitlines() if "stream.cli" in line and " run " in line]
        time.sleep(0.2)
    _, stderr = cluster.communicate()
    assert cluster.returncode == 0, stderr.decode()[-2000:]
    assert len({line.split()[0] for line in seen}) == 2  # both children were seen
    assert not [line for line in seen if "s3cr3t-pw" in line]
