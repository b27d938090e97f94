"""Watch a model's per-match error for a change in its level (ADWIN).

>>> monitor = DriftMonitor(delta=0.002)
>>> alarms = [monitor.update(0.1) for _ in range(400)] + [monitor.update(0.6) for _ in range(200)]
>>> hits = [a for a in alarms if a is not None]
>>> len(hits) >= 1 and hits[0].error_after > hits[0].error_before
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

from river import drift


@dataclass(frozen=True)
class DriftAlarm:
    matches_seen: int
    error_before: float
    error_after: float


@dataclass
class DriftMonitor:
    """ADWIN over a stream of errors; an alarm reports the mean error of the
    window before the cut and of the window ADWIN keeps after it."""

    delta: float = 0.002
    matches_seen: int = 0
    detections: int = 0
    _adwin: drift.ADWIN = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self._adwin is None:
            self._adwin = drift.ADWIN(delta=self.delta)

    def update(self, error: float) -> DriftAlarm | None:
        before = self._adwin.estimation
        self._adwin.update(error)
        self.matches_seen += 1
        if not self._adwin.drift_detected:
            return None
        self.detections += 1
        return DriftAlarm(self.matches_seen, before, self._adwin.estimation)
