"""From published rows to the events a live observer could have sent, and
the identity that makes each event publishable once.

Times follow the replay's conventions (fixture a week before kick-off, ``pre``
odds a day before, ``close`` odds at kick-off, result two hours after) but never
later than the moment the feed saw the row: odds first seen on Wednesday for a
Saturday match are Wednesday's odds."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from stream.events import Event, Odds
from stream.loader import MatchRow
from stream.replay import match_events


def event_key(event: Event) -> str:
    """What makes an event the same event on the next poll.

    >>> from datetime import datetime, timezone
    >>> ko = datetime(2025, 8, 16, 14, 0, tzinfo=timezone.utc)
    >>> event_key(Odds(match_id="E0-x", league="E0", season="2025-26", ts=ko, phase="pre",
    ...                bookmaker="pinnacle", home=2.0, draw=3.4, away=3.9))
    'E0-x|odds|pre|pinnacle'

    A goals market's quote names its market (a 1X2 quote's key is unchanged).
    """
    if isinstance(event, Odds):
        key = f"{event.match_id}|odds|{event.phase}|{event.bookmaker}"
        return key if event.market == "1x2" else f"{key}|{event.market}"
    return f"{event.match_id}|{event.type}"


def digest(event: Event) -> str:
    """The event's content apart from its time: a changed price changes it
    (its JSON: a 1X2 quote's digest is the one it had before the goals markets)."""
    content = json.loads(event.to_json())
    content.pop("ts")
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def observed_events(row: MatchRow, now: datetime) -> list[Event]:
    """The row's events stamped no later than ``now``; a result or closing odds
    of a match that has not kicked off are not believed, so not emitted."""
    events = []
    for event in match_events(row):
        if event.type == "result" and now <= row.kickoff:
            continue
        if isinstance(event, Odds) and event.phase == "close" and now < row.kickoff:
            continue
        events.append(event.model_copy(update={"ts": min(event.ts, now)}))
    return events
