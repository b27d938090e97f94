"""Proper scoring rules for 3-way (home, draw, away) probability forecasts.

Outcomes are indices: 0 home win, 1 draw, 2 away win. Probabilities are
sequences of three floats summing to one.

>>> round(rps((0.5, 0.3, 0.2), 0), 4)
0.145
>>> round(log_loss((0.5, 0.3, 0.2), 0), 4)
0.6931
>>> round(brier((0.5, 0.3, 0.2), 0), 4)
0.38
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

EPSILON = 1e-15


def rps(probs: Sequence[float], outcome: int) -> float:
    """Ranked probability score: outcomes are ordered, so a draw is nearer a
    home win than an away win is. 0 is perfect, lower is better."""
    cum_p = cum_o = total = 0.0
    for k in range(2):
        cum_p += probs[k]
        cum_o += 1.0 if outcome == k else 0.0
        total += (cum_p - cum_o) ** 2
    return total / 2.0


def log_loss(probs: Sequence[float], outcome: int) -> float:
    """3-class cross-entropy of the observed outcome (natural log)."""
    return -math.log(min(max(probs[outcome], EPSILON), 1.0))


def brier(probs: Sequence[float], outcome: int) -> float:
    """Multi-class Brier score: squared distance to the one-hot outcome."""
    return sum((p - (1.0 if k == outcome else 0.0)) ** 2 for k, p in enumerate(probs))


def is_correct(probs: Sequence[float], outcome: int) -> bool:
    """True when the most probable outcome happened (ties go to H, then D)."""
    return max(range(3), key=lambda k: (probs[k], -k)) == outcome


@dataclass(frozen=True)
class MatchScore:
    rps: float
    log_loss: float
    brier: float
    correct: bool

    @classmethod
    def of(cls, probs: Sequence[float], outcome: int) -> MatchScore:
        return cls(
            rps(probs, outcome),
            log_loss(probs, outcome),
            brier(probs, outcome),
            is_correct(probs, outcome),
        )


_FIELDS = ("rps", "log_loss", "brier", "accuracy")


@dataclass
class Prequential:
    """Cumulative and rolling means of per-match scores, updated test-then-train.

    >>> p = Prequential(window=2)
    >>> for probs, y in [((1, 0, 0), 0), ((0, 0, 1), 0), ((1, 0, 0), 0)]:
    ...     _ = p.update(MatchScore.of(probs, y))
    >>> p.n, round(p.cumulative("rps"), 3), p.rolling("rps")
    (3, 0.333, 0.5)
    """

    window: int = 100
    n: int = 0
    _sums: dict[str, float] = field(default_factory=lambda: dict.fromkeys(_FIELDS, 0.0))
    _window_sums: dict[str, float] = field(default_factory=lambda: dict.fromkeys(_FIELDS, 0.0))
    _recent: deque = field(default_factory=deque)

    def update(self, score: MatchScore) -> Prequential:
        values = _values(score)
        self.n += 1
        for name, value in values.items():
            self._sums[name] += value
            self._window_sums[name] += value
        self._recent.append(values)
        if len(self._recent) > self.window:
            for name, value in self._recent.popleft().items():
                self._window_sums[name] -= value
        return self

    def cumulative(self, name: str) -> float:
        return self._sums[name] / self.n if self.n else float("nan")

    def rolling(self, name: str) -> float:
        if not self._recent:
            return float("nan")
        # max(): subtracting can leave -1e-17 on an all-zero window
        return max(self._window_sums[name], 0.0) / len(self._recent)


def _values(score: MatchScore) -> dict[str, float]:
    return {
        "rps": score.rps,
        "log_loss": score.log_loss,
        "brier": score.brier,
        "accuracy": 1.0 if score.correct else 0.0,
    }


def score_means(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Mean scores of stored per-match rows (``model_metrics`` columns: rps,
    log_loss, correct, brier). ``math.fsum`` is exact, so the means do not
    depend on the order a store returns the rows in.

    >>> score_means([{"rps": 0.1, "log_loss": 1.0, "correct": 1, "brier": 0.5},
    ...              {"rps": 0.3, "log_loss": 0.8, "correct": 0, "brier": 0.7}])
    {'matches': 2, 'rps': 0.2, 'log_loss': 0.9, 'accuracy': 0.5, 'brier': 0.6}
    """
    n = len(rows)
    columns = {"rps": "rps", "log_loss": "log_loss", "accuracy": "correct", "brier": "brier"}
    return {
        "matches": n,
        **{name: math.fsum(float(r[column]) for r in rows) / n for name, column in columns.items()},
    }
