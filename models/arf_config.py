"""The ARF's settings, apart from River so configuration loads fast."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArfConfig:
    """ARF settings; the bounds keep each pickle a few MB."""

    n_models: int = 10
    grace_period: int = 200
    delta: float = 1e-5
    max_depth: int = 8
    max_size: float = 20.0
    drift_delta: float = 0.001
    warning_delta: float = 0.01
    # Weight of the forest's vote against the market's probabilities; 1.0 is
    # the pure forest (the default: it meets the bar on its own, see README).
    shrinkage: float = 1.0
