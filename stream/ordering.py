"""Event time per league: hold events back, release them in order.

Producers do not agree on arrival order: an odds feed and a results feed write
to the same topic, and a quote stamped before a result can arrive after it.
:class:`EventTimeBuffer` holds each arriving event until the league's
*watermark* has passed it, then releases what it holds in event-time order
(:func:`stream.events.event_order`), so a prediction never sees a later event.

The watermark is the latest event time seen minus the allowed lateness, moved
on by the wall-clock time since that event arrived (never past it): a sparse
live league, whose next event may come a day later, still releases a quote
``lateness`` seconds after it arrived. An event older than the watermark is
*late*: everything it should have preceded has been processed already.

>>> from datetime import datetime, timedelta, timezone
>>> from stream.events import Fixture
>>> t0 = datetime(2024, 8, 10, 12, tzinfo=timezone.utc)
>>> def fx(hours, mid):
...     ts = t0 + timedelta(hours=hours)
...     return Fixture(match_id=mid, league="E0", season="2024-25", ts=ts, kickoff=ts,
...                    home="A" + mid, away="B" + mid)
>>> buffer = EventTimeBuffer(lateness=3600)
>>> [e.match_id for e in buffer.offer(fx(0, "m1"), now=t0)]
[]
>>> [e.match_id for e in buffer.offer(fx(3, "m3"), now=t0)]  # m1 is past the watermark
['m1']
>>> [e.match_id for e in buffer.offer(fx(2.5, "m2"), now=t0)]  # early enough: held
[]
>>> buffer.is_late(fx(1, "m0"), now=t0)  # older than 3 h - 1 h
True
>>> [e.match_id for e in buffer.release(now=t0 + timedelta(hours=1))]  # quiet for an hour
['m2', 'm3']
"""

from __future__ import annotations

import heapq
from datetime import datetime, timedelta
from typing import Any

from stream.events import Event, event_order


class EventTimeBuffer:
    """One league's held-back events and its watermark (pickled with the
    league's state, so recovery keeps what is held)."""

    def __init__(self, lateness: float) -> None:
        self.lateness = timedelta(seconds=lateness)
        self.held: list[tuple[Any, ...]] = []  # heap of (event_order, arrival number, event)
        self.latest: datetime | None = None  # the latest event time seen
        self._arrivals = 0
        self._seen_at: datetime | None = None  # wall clock when ``latest`` arrived

    def __getstate__(self) -> dict[str, Any]:
        # The wall clock restarts with the process: downtime is not quiet
        # time, or a resumed run would call the replayed tail late.
        return {k: v for k, v in self.__dict__.items() if k != "_seen_at"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._seen_at = None

    def __len__(self) -> int:
        return len(self.held)

    def watermark(self, now: datetime) -> datetime | None:
        """Events older than this are late; None before the first event."""
        if self.latest is None:
            return None
        if self._seen_at is None:
            self._seen_at = now
        quiet = max(now - self._seen_at, timedelta(0))
        return min(self.latest - self.lateness + quiet, self.latest)

    def is_late(self, event: Event, now: datetime) -> bool:
        mark = self.watermark(now)
        return mark is not None and event.ts < mark

    def offer(self, event: Event, now: datetime) -> list[Event]:
        """Hold ``event`` (not late: ask :meth:`is_late` first) and return
        what the watermark releases now, in event-time order."""
        if self.latest is None or event.ts > self.latest:
            self.latest, self._seen_at = event.ts, now
        self._arrivals += 1
        heapq.heappush(self.held, (event_order(event), self._arrivals, event))
        return self.release(now)

    def release(self, now: datetime) -> list[Event]:
        """The held events the watermark has passed, oldest first (all of
        them once the league has been quiet for the whole lateness)."""
        mark = self.watermark(now)
        if mark is None:
            return []
        everything = mark == self.latest
        out = []
        while self.held and (everything or self.held[0][0][0] < mark):
            out.append(heapq.heappop(self.held)[2])
        return out

    def drain(self) -> list[Event]:
        """Everything held, in order: the end of the stream."""
        out = [entry[2] for entry in sorted(self.held)]
        self.held.clear()
        return out

    def next_release(self, now: datetime) -> datetime | None:
        """The wall-clock time at which the oldest held event is released if
        nothing else arrives; None when nothing is held."""
        mark = self.watermark(now)
        if not self.held or mark is None:
            return None
        return now + max(self.held[0][0][0] - mark, timedelta(0)) + timedelta(microseconds=1)
