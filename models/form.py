"""Recent form of each team from its earlier matches: points, goals, shots.

Only completed matches enter the record, so form at a match's kick-off never
contains that match.

>>> from datetime import datetime, timezone
>>> form = Form(window=2)
>>> day = datetime(2020, 1, 1, tzinfo=timezone.utc)
>>> form.record("A", day, goals_for=2, goals_against=0, shots_for=10, shots_against=4,
...             on_target_for=5, on_target_against=1)
>>> form.summary("A")["points"], form.summary("B")["points"]
(3.0, 1.3)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

# What an unseen team is assumed to average: league-typical values.
_PRIOR = {
    "points": 1.3,
    "goals_for": 1.35,
    "goals_against": 1.35,
    "shots_for": 12.5,
    "shots_against": 12.5,
    "on_target_for": 4.5,
    "on_target_against": 4.5,
}
DEFAULT_REST_DAYS = 7.0
MAX_REST_DAYS = 30.0


@dataclass
class Form:
    window: int = 6
    history: dict[str, deque] = field(default_factory=dict)
    last_played: dict[str, datetime] = field(default_factory=dict)

    def record(
        self,
        team: str,
        when: datetime,
        *,
        goals_for: int,
        goals_against: int,
        shots_for: int | None,
        shots_against: int | None,
        on_target_for: int | None,
        on_target_against: int | None,
    ) -> None:
        points = 3.0 if goals_for > goals_against else 1.0 if goals_for == goals_against else 0.0
        entry = {
            "points": points,
            "goals_for": float(goals_for),
            "goals_against": float(goals_against),
            "shots_for": shots_for,
            "shots_against": shots_against,
            "on_target_for": on_target_for,
            "on_target_against": on_target_against,
        }
        self.history.setdefault(team, deque(maxlen=self.window)).append(entry)
        self.last_played[team] = when

    def summary(self, team: str) -> dict[str, float]:
        """Mean of each measure over the last ``window`` matches (prior if none)."""
        matches = self.history.get(team, ())
        result = {}
        for name, prior in _PRIOR.items():
            values = [m[name] for m in matches if m[name] is not None]
            result[name] = sum(values) / len(values) if values else prior
        return result

    def rest_days(self, team: str, when: datetime) -> float:
        last = self.last_played.get(team)
        if last is None:
            return DEFAULT_REST_DAYS
        return min(max((when - last).total_seconds() / 86400.0, 0.0), MAX_REST_DAYS)
