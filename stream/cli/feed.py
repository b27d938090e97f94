"""``matchflow feed football-data``: follow a live season into Kafka."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.logging import RichHandler
from rich.table import Table

from stream.cli.common import TopicOpt, current_settings, err, fail
from stream.feeds.football_data import DEFAULT_BASE_URL, is_football_data_code, season_code
from stream.selection import parse_duration

feed_app = typer.Typer(
    help="Follow a live season: poll a publisher, feed Kafka.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _leagues(text: str) -> list[str]:
    codes = [code.strip() for code in text.split(",") if code.strip()]
    bad = [code for code in codes if not is_football_data_code(code)]
    if not codes or bad:
        raise ValueError(f"--leagues: {', '.join(bad) or 'none given'} (league codes like E0,SP1)")
    return codes


def _stopper(caught: list[int], stop: threading.Event):
    """A signal handler that notes the signal and ends the polling loop."""

    def handle(number: int, _frame: object) -> None:
        caught.append(number)
        stop.set()

    return handle


def _table(report, poll: int) -> Table:
    table = Table(
        title=f"poll {poll}: {report.published} published "
        f"({report.changed_odds} changed odds), {report.dead_letters} dead "
        f"letters, {report.already_published} already published"
    )
    for column in ("file", "status", "rows", "skipped rows", "detail"):
        table.add_column(column)
    for outcome in report.files:
        colour = {"downloaded": "green", "unchanged": "dim"}.get(outcome.status, "red")
        table.add_row(
            outcome.url,
            f"[{colour}]{outcome.status}[/]",
            str(outcome.rows),
            str(outcome.skipped_rows),
            outcome.detail[:80],
        )
    return table


@feed_app.command("football-data")
def football_data(
    leagues: Annotated[
        str, typer.Option("--leagues", help="League codes, comma-separated, e.g. E0,SP1.")
    ],
    season: Annotated[str, typer.Option("--season", help="The season to follow, e.g. 2025-26.")],
    to_kafka: Annotated[
        str | None,
        typer.Option("--to-kafka", envvar="MATCHFLOW_KAFKA", help="Kafka HOST:PORT."),
    ] = None,
    topic: TopicOpt = None,
    every: Annotated[
        str, typer.Option("--every", help="Time between polls: 90s, 30m, 6h, 1d.")
    ] = "6h",
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where the files are (a mirror, or a test server).")
    ] = DEFAULT_BASE_URL,
    state_file: Annotated[
        Path | None,
        typer.Option(
            "--state", help="What has been published (default matchflow-feed-<season>.json)."
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Poll once and exit (for cron): exit 1 if a file failed.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="HTTP timeout, seconds.")
    ] = 30.0,
    retries: Annotated[
        int, typer.Option("--retries", min=0, help="Retries of a failed download.")
    ] = 3,
    backoff: Annotated[
        float,
        typer.Option("--backoff", min=0, help="First retry delay, seconds; doubles each retry."),
    ] = 2.0,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            hidden=True,
            help="Take this ISO time as the current time (tests, archived mirrors).",
        ),
    ] = None,
) -> None:
    """Poll football-data.co.uk's season files and upcoming fixtures and publish
    new fixtures, odds, changed odds and results to Kafka, each exactly once."""
    settings = current_settings(topic=topic, kafka=to_kafka)
    try:
        codes, interval = _leagues(leagues), parse_duration(every, "--every")
    except ValueError as exc:
        fail(str(exc))
    try:
        season_code(season)
    except ValueError as exc:
        fail(f"--season: {exc}")
    if not base_url.startswith(("http://", "https://")):
        fail(f"--base-url: {base_url!r} is not an http(s) URL")
    bootstrap = to_kafka or settings.kafka
    if not bootstrap:
        fail("--to-kafka: required (HOST:PORT, or MATCHFLOW_KAFKA)")
    clock = None
    if now:
        try:
            fixed = datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError:
            fail(f"--now: {now!r} is not an ISO time")
        fixed = fixed if fixed.tzinfo else fixed.replace(tzinfo=UTC)
        clock = lambda: fixed  # noqa: E731
    _follow(
        codes,
        season,
        bootstrap,
        topic or settings.topic,
        interval,
        base_url,
        state_file or Path(f"matchflow-feed-{season}.json"),
        once,
        (timeout, retries, backoff),
        clock,
    )


def _follow(
    codes, season, bootstrap, topic, interval, base_url, state_path, once, http, clock
) -> None:
    from stream.feeds.feed import FootballDataFeed
    from stream.feeds.http import Fetcher
    from stream.feeds.kafka_sink import KafkaFeedSink
    from stream.feeds.state import FeedState, StateError
    from stream.kafka.admin import KafkaUnavailable
    from stream.kafka.producer import DeliveryError
    from stream.teams import team_names

    logging.basicConfig(
        level=logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False)],
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise
    try:
        state = FeedState.load(state_path, topic)
    except StateError as exc:
        fail(f"--state: {exc}")
    try:
        sink = KafkaFeedSink(bootstrap, topic)
    except KafkaUnavailable as exc:
        fail(f"--to-kafka: {exc}", 1)
    stop, caught = threading.Event(), list[int]()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stopper(caught, stop))
    timeout, retries, backoff = http
    fetcher = Fetcher(timeout, retries, backoff, sleep=stop.wait)
    feed = FootballDataFeed(
        codes,
        season,
        base_url,
        sink,
        state,
        fetcher,
        team_names(),
        **({"clock": clock} if clock else {}),
    )
    failed = False
    try:
        recovered = feed.recover()
        if recovered:
            err.print(
                f"the last run stopped mid-poll: {recovered} events it had published "
                "are recorded now, not sent again"
            )
        while not stop.is_set():
            report = feed.poll(stop)
            err.print(_table(report, state.polls))
            failed = any(f.status in ("failed", "malformed") for f in report.files)
            if once or stop.wait(interval):
                break
    except KafkaUnavailable as exc:
        fail(str(exc), 1)
    except DeliveryError as exc:
        fail(f"kafka: {exc} (nothing of this poll is recorded; the next run retries)", 1)
    finally:
        fetcher.close()
    by = f" ({signal.Signals(caught[0]).name})" if caught else ""
    err.print(f"stopped{by} after {state.polls} poll(s); state in {state_path}")
    if caught:
        raise typer.Exit(128 + caught[0])
    if once and failed:
        raise typer.Exit(1)
