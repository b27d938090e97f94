"""The ARF's settings, apart from River so configuration loads fast."""

from __future__ import annotations

from typing import Annotated

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

    n_models: Annotated[int, Field(ge=1, le=200)] = 10
    grace_period: Annotated[int, Field(ge=1)] = 200
    delta: Annotated[float, Field(gt=0, lt=1)] = 1e-5
    max_depth: Annotated[int, Field(ge=1)] = 8
    max_size: Annotated[float, Field(gt=0)] = 20.0  # MB per tree
    drift_delta: Annotated[float, Field(gt=0, lt=1)] = 0.001
    warning_delta: Annotated[float, Field(gt=0, lt=1)] = 0.01
    # Weight of the forest's vote against the market's probabilities; 1.0 is
    # the pure forest (the challenger: it trails the market, see the README).
    shrinkage: Annotated[float, Field(ge=0, le=1)] = 1.0
