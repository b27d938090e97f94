"""Prequential scores of one league: each model at each moment, scored on
the result against the prediction it locked before kick-off, and the drift
monitor on the primary's error.

>>> from datetime import datetime, timezone
>>> from models.quotes import Quote
>>> t = datetime(2024, 8, 16, 21, tzinfo=timezone.utc)
>>> result = Result(match_id="m1", league="E0", season="2024-25", ts=t,
...                 home_goals=2, away_goals=0)
>>> quote = Quote("pinnacle", t, (1.8, 3.8, 4.6))
>>> locked = {"pre": ({"anchored": (0.5, 0.3, 0.2), "arf": (0.4, 0.3, 0.3),
...                    "market": (0.52, 0.27, 0.21)}, quote)}
>>> scorer = Scorer(window=100, monitor_delta=0.002)
>>> rows = scorer.score(locked, result)
>>> [(r.row["model"], r.row["phase"], round(r.row["rps"], 3)) for r in rows]
[('anchored', 'pre', 0.145), ('arf', 'pre', 0.225), ('market', 'pre', 0.137)]
>>> scorer.scores[("anchored", "pre")].n
1
"""

from __future__ import annotations

from collections.abc import Mapping

from models.drift import DriftMonitor
from models.factory import MODEL_NAMES, PRIMARY
from models.quotes import Quote
from models.scoring import MatchScore, Prequential
from stream.events import Result
from stream.records import Record
from stream.rows import drift_row, score_row

PHASES = ("pre", "close")
# moment -> (probabilities per model, the reference quote they used)
Locked = Mapping[str, tuple[Mapping[str, tuple[float, ...]], Quote]]


class Scorer:
    """Running scores per (model, moment) and the primary's drift monitor."""

    def __init__(self, window: int, monitor_delta: float) -> None:
        self.scores = {(m, p): Prequential(window) for m in MODEL_NAMES for p in PHASES}
        self.monitor = DriftMonitor(delta=monitor_delta)

    def score(self, locked: Locked, result: Result) -> list[Record]:
        """Score every locked prediction of a match on its result; the
        primary's latest one (closing, else pre-match) feeds the monitor."""
        outcome = result.outcome
        records = []
        for phase, (probs, _quote) in locked.items():
            for model, p in probs.items():
                score = MatchScore.of(p, outcome)
                running = self.scores[(model, phase)].update(score)
                records.append(score_row(result, model, phase, score, running))
        latest = locked.get("close") or locked.get("pre")
        if latest is not None:
            alarm = self.monitor.update(MatchScore.of(latest[0][PRIMARY], outcome).rps)
            if alarm is not None:
                records.append(drift_row(result, PRIMARY, alarm))
        return records
