"""One poll of football-data.co.uk: download what changed, turn new rows and
changed odds into events, publish them, remember them.

A file that fails to download or parse is logged and skipped (its validators
are kept, so the next poll asks again); nothing of it is published. An event
is published when its key is new; odds whose prices changed are published
again, stamped with the moment they were seen, while the match has not kicked
off. A row naming an unknown team becomes one dead letter naming the team and
the closest known names. The state file is saved after every poll's events are
delivered; a run that dies after publishing and before that save is
recovered from the topic on restart (:meth:`FootballDataFeed.recover`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from stream.events import Event, EventError, make_match_id, parse_event
from stream.feeds.events import digest, event_key, observed_events
from stream.feeds.football_data import fixtures_url, season_url
from stream.feeds.http import Fetcher, FetchError
from stream.feeds.state import FeedState
from stream.loader import MatchRow, decode_csv, parse_csv
from stream.replay import event_order
from stream.teams import TeamNames, UnknownTeam

log = logging.getLogger("matchflow.feed")


class FeedSink(Protocol):
    def publish(self, event: Event) -> None: ...
    def dead_letter(self, league: str, match_id: str, payload: str, reason: str) -> None: ...
    def flush(self) -> None: ...
    def positions(self) -> dict[str, int]: ...
    def published_since(self, positions: dict[str, int]) -> Iterable[bytes]: ...


@dataclass
class FileOutcome:
    url: str
    status: str  # downloaded | unchanged | failed | malformed
    rows: int = 0
    skipped_rows: int = 0
    detail: str = ""


@dataclass
class PollReport:
    files: list[FileOutcome] = field(default_factory=list)
    published: int = 0
    changed_odds: int = 0
    dead_letters: int = 0
    already_published: int = 0


@dataclass
class _Batch:
    """What one poll is about to publish, before the state learns of it."""

    events: list[Event] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    dead: dict[str, str] = field(default_factory=dict)
    validators: dict[str, dict[str, str]] = field(default_factory=dict)


class FootballDataFeed:
    def __init__(
        self,
        leagues: list[str],
        season: str,
        base_url: str,
        sink: FeedSink,
        state: FeedState,
        fetcher: Fetcher,
        teams: TeamNames,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.leagues, self.season, self.base_url = leagues, season, base_url
        self.sink, self.state, self.fetcher, self.teams, self.clock = (
            sink,
            state,
            fetcher,
            teams,
            clock,
        )

    def recover(self) -> int:
        """After a crash between publishing and recording a poll: learn what
        that poll published from the topic itself, so it is not sent again."""
        if self.state.inflight is None:
            return 0
        learned = 0
        for value in self.sink.published_since(self.state.inflight):
            try:
                event = parse_event(value)
            except EventError:
                continue  # not an event this feed could have sent
            if event.league in self.leagues and event.season == self.season:
                self.state.published[event_key(event)] = digest(event)
                learned += 1
        self.state.inflight = None
        self.state.save()
        return learned

    def poll(self, stop: threading.Event | None = None) -> PollReport:
        report, batch, now = PollReport(), _Batch(), self.clock()
        rows: list[MatchRow] = []
        sources = [
            (season_url(self.base_url, self.season, league), league) for league in self.leagues
        ] + [(fixtures_url(self.base_url), None)]
        for url, league in sources:
            if stop is not None and stop.is_set():
                return report  # nothing published, nothing remembered: the next run redoes it
            rows += self._download(url, league, batch, report)
        for row in rows:
            self._consider(row, now, batch, report)
        self._deliver(batch, report)
        return report

    def _download(
        self, url: str, league: str | None, batch: _Batch, report: PollReport
    ) -> list[MatchRow]:
        try:
            download = self.fetcher.get(url, self.state.validators.get(url))
        except FetchError as exc:
            log.error("skipping %s this poll: %s", url, exc)
            report.files.append(FileOutcome(url, "failed", detail=str(exc)))
            return []
        if download is None:
            report.files.append(FileOutcome(url, "unchanged"))
            return []
        try:
            parsed = parse_csv(decode_csv(download.body), league, self.season, played=False)
        except Exception as exc:
            log.error("skipping malformed %s: %s", url, exc)
            report.files.append(FileOutcome(url, "malformed", detail=str(exc)[:200]))
            return []
        wanted = [row for row in parsed.rows if row.league in self.leagues]
        batch.validators[url] = download.validators
        report.files.append(FileOutcome(url, "downloaded", len(wanted), parsed.skipped))
        return wanted

    def _canonical(self, row: MatchRow) -> MatchRow | str:
        """The row with canonical team names, or why it cannot be used."""
        try:
            home, away = self.teams.resolve_sides(row.league, row.home, row.away)
        except UnknownTeam as exc:
            return f"{exc.side}: {exc}"
        return replace(row, home=home, away=away)

    def _consider(self, row: MatchRow, now: datetime, batch: _Batch, report: PollReport) -> None:
        canonical = self._canonical(row)
        if isinstance(canonical, str):
            match_id = make_match_id(row.league, row.kickoff, row.home, row.away)
            key = f"{match_id}|fixture"
            if key not in self.state.dead and key not in batch.dead:
                batch.dead[key] = canonical
                payload = {
                    "league": row.league,
                    "season": row.season,
                    "home": row.home,
                    "away": row.away,
                    "kickoff": row.kickoff.isoformat(),
                }
                self.sink.dead_letter(row.league, match_id, repr(payload), canonical)
                log.warning("dead letter %s: %s", match_id, canonical)
                report.dead_letters += 1
            return
        for event in observed_events(canonical, now):
            self._consider_event(event, now, canonical.kickoff, batch, report)

    def _consider_event(
        self, event: Event, now: datetime, kickoff: datetime, batch: _Batch, report: PollReport
    ) -> None:
        key, content = event_key(event), digest(event)
        known = batch.digests.get(key) or self.state.published.get(key)
        if known == content:
            report.already_published += 1
            return
        if known is not None:  # seen with other content: only new prices are news
            if event.type != "odds" or event.phase != "pre" or now >= kickoff:
                batch.digests[key] = content  # too late to matter; never retried
                return
            event = event.model_copy(update={"ts": now})
            report.changed_odds += 1
        batch.digests[key] = content
        batch.events.append(event)

    def _deliver(self, batch: _Batch, report: PollReport) -> None:
        batch.events.sort(key=event_order)
        if batch.events:  # mark where the topic ends, in case we die mid-way
            self.state.inflight = self.sink.positions()
            self.state.save()
        for event in batch.events:
            self.sink.publish(event)
        self.sink.flush()  # raises if any delivery failed: then nothing is remembered
        report.published = len(batch.events)
        self.state.published.update(batch.digests)
        self.state.dead.update(batch.dead)
        self.state.validators.update(batch.validators)
        self.state.polls += 1
        self.state.inflight = None
        self.state.save()
