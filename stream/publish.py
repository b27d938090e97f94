"""Put events on a Kafka topic: a replay at a chosen speed, or a user's JSONL
file validated line by line."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stream.events import Event, EventError, parse_event
from stream.kafka.producer import EventPublisher
from stream.teams import UnknownTeam, canonical_fixture


def parse_speed(text: str) -> float | None:
    """``max`` (None: no waiting) or a positive factor of event time.

    >>> parse_speed("max"), parse_speed("3600")
    (None, 3600.0)
    """
    if text == "max":
        return None
    speed = float(text)
    if speed <= 0:
        raise ValueError("speed must be positive")
    return speed


def publish_events(
    events: Sequence[Event],
    publisher: EventPublisher,
    speed: float | None,
    on_sent: Callable[[int], None] | None = None,
) -> int:
    """Publish in order; with a speed, event time runs ``speed`` times faster
    than the wall clock. Raises DeliveryError if anything failed."""
    started = time.monotonic()
    first = events[0].ts if events else None
    for i, event in enumerate(events):
        if speed is not None and first is not None:
            due = (event.ts - first).total_seconds() / speed
            wait = due - (time.monotonic() - started)
            if wait > 0:
                publisher.flush()
                time.sleep(wait)
        publisher.publish(event.league, event.to_json())
        if on_sent is not None and i % 500 == 499:
            on_sent(500)
    publisher.flush()
    if on_sent is not None:
        on_sent(len(events) % 500)
    return publisher.delivered


@dataclass
class JsonlReport:
    events: list[Event] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_jsonl(path: Path) -> JsonlReport:
    """Every valid event of a JSONL file; invalid lines as (line number, reason)."""
    report = JsonlReport()
    with open(path, encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                report.events.append(canonical_fixture(parse_event(line)))
            except EventError as exc:
                report.errors.append((number, str(exc)))
            except UnknownTeam as exc:
                report.errors.append((number, f"{exc.side}: {exc}"))
    return report
