"""MLflow snapshots of league state: what a run asks for, when one is due,
and what goes with it.

The dataflow asks :meth:`SnapshotPolicy.after` after every event: a snapshot
is due after a matchweek of settled matches (half the teams the league has
fielded this season) or at a drift alarm. It is taken at the end of the epoch
(:meth:`SnapshotPolicy.take_due`, from the pickle Bytewax's recovery snapshot
makes anyway), and only when the logger has nothing of that league in hand (so
a slow MLflow costs later snapshots, never a stalled stream). A scheduled snapshot also waits ``min_interval``
seconds of wall time after the league's previous one: live, a matchweek takes
days and this never binds; a replay runs years in a minute and would otherwise
pickle the state (~70 ms for 5 MB) a hundred times.

These are not Bytewax's recovery snapshots (``--recovery-interval``), which
save every league's state and source offsets for a restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version

from models.factory import CHALLENGER, MARKET, PRIMARY
from models.snapshots import Snapshot, SnapshotLogger
from stream.league import LeagueProcessor
from stream.records import Record, iso


@dataclass(frozen=True)
class SnapshotOptions:
    """What a run asks of MLflow: snapshots, a warm start, or both."""

    tracking_uri: str
    enabled: bool = True
    warm_start: bool = False
    keep: int = 5
    min_interval: float = 20.0  # seconds between scheduled snapshots of a league
    fresh: frozenset[str] = frozenset()  # leagues a warm start leaves cold


def _params(processor: LeagueProcessor) -> dict[str, str]:
    params = processor.config.as_params()
    params.update({f"version.{pkg}": version(pkg) for pkg in ("river", "bytewax", "matchflow")})
    return params


def _metrics(processor: LeagueProcessor) -> dict[str, float]:
    metrics = {
        "matches_learned": float(processor.learned),
        "monitor_drifts": float(processor.scorer.monitor.detections),
        "late_events": float(processor.late_events),
        "refused_bets": float(processor.bettor.refused_bets),
    }
    arf = processor.predictor.models[CHALLENGER].estimator
    metrics["arf_drifts"] = float(arf.n_drifts_detected())
    metrics["arf_warnings"] = float(arf.n_warnings_detected())
    for (model, phase), running in processor.scorer.scores.items():
        if model not in (PRIMARY, CHALLENGER, MARKET) or running.n == 0:
            continue
        for name in ("rps", "log_loss", "accuracy"):
            metrics[f"{model}_{phase}_{name}_cum"] = running.cumulative(name)
            metrics[f"{model}_{phase}_{name}_rolling"] = running.rolling(name)
    return metrics


class SnapshotPolicy:
    """Decides, per league, when its state goes to the logger."""

    def __init__(
        self,
        logger: SnapshotLogger,
        min_interval: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.min_interval = min_interval
        self._clock = clock
        self._last_taken: dict[str, float] = {}  # league -> clock of its last snapshot
        self._due: dict[str, str] = {}  # league -> trigger of the snapshot it is owed

    def after(self, processor: LeagueProcessor, records: list[Record]) -> None:
        """Called after each event with the records it produced."""
        league = processor.league
        if any(r.table == "drift_events" for r in records):
            self._owe(processor, "drift")
        elif (
            league not in self._due
            and processor.learned - processor.last_snapshot >= processor.matches.matchweek()
            and self._clock() - self._last_taken.get(league, 0.0) >= self.min_interval
        ):
            self._owe(processor, "schedule")

    def _owe(self, processor: LeagueProcessor, trigger: str) -> None:
        # The bookkeeping goes into the state now, while it is unpickled: every
        # later pickle (recovery's, the API's, the snapshot's own) agrees on
        # it, and a resumed run does not owe the same snapshot again.
        self._due[processor.league] = trigger
        processor.last_snapshot = processor.learned

    def take_due(self, processor: LeagueProcessor) -> None:
        """At the end of an epoch: the snapshot the league is owed, if the
        logger is free for it (else it stays owed)."""
        trigger = self._due.get(processor.league)
        if trigger is not None and self.logger.ready(processor.league):
            del self._due[processor.league]
            if processor.last_snapshot != processor.learned:  # learned more since it was owed
                processor.last_snapshot = processor.learned
                processor.forget_pickle()  # the pickle must say when it was taken
            self.logger.submit(self._take(processor, trigger))

    def final(self, processor: LeagueProcessor) -> None:
        """At the end of the stream, whatever was learned since the last one."""
        self._due.pop(processor.league, None)
        if processor.learned > 0:
            if processor.last_snapshot != processor.learned:
                processor.last_snapshot = processor.learned
                processor.forget_pickle()  # the snapshot's pickle must say it was taken
            self.logger.submit(self._take(processor, "final"))

    def _take(self, processor: LeagueProcessor, trigger: str) -> Snapshot:
        state = processor.pickled()  # the epoch's pickle, shared with recovery
        self._last_taken[processor.league] = self._clock()
        return Snapshot(
            league=processor.league,
            trigger=trigger,
            event_ts=iso(processor.last_ts) if processor.last_ts else "",
            state=state,
            metrics=_metrics(processor),
            params=_params(processor),
        )
