"""The ARF's settings, apart from River so configuration loads fast."""

from __future__ import annotations

from pydantic import Field
from pydantic.dataclasses import dataclass


@dataclass(frozen=True)
class ArfConfig:
    """ARF settings (``MATCHFLOW_ARF__<NAME>``); the bounds keep each pickle a
    few MB, and a value out of them is refused at start-up.

    >>> from pydantic import ValidationError
    >>> try:
    ...     ArfConfig(n_models=0)
    ... except ValidationError as exc:
    ...     print(exc.errors()[0]["loc"], exc.errors()[0]["msg"])
    ('n_models',) Input should be greater than or equal to 1
    """

    n_models: int = Field(10, ge=1, le=200)
    grace_period: int = Field(200, ge=1)
    delta: float = Field(1e-5, gt=0, lt=1)
    max_depth: int = Field(8, ge=1)
    max_size: float = Field(20.0, gt=0)  # MB per tree
    drift_delta: float = Field(0.001, gt=0, lt=1)
    warning_delta: float = Field(0.01, gt=0, lt=1)
    # Weight of the forest's vote against the market's probabilities; 1.0 is
    # the pure forest (the challenger: it trails the market, see the README).
    shrinkage: float = Field(1.0, ge=0, le=1)
