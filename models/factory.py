"""The models every league runs, built from one seeded configuration.

* ``market``: the reference bookmaker's margin-free probabilities (the bar).
* ``arf``: River's Adaptive Random Forest with ADWIN drift and warning
  detectors, its size bounded (grace period, split confidence, depth, size).
  A challenger, and an input of the primary.
* ``anchored``: the primary. The market's probabilities corrected by an
  :class:`~models.anchored.AnchoredLogit` (home and draw bias, temperature,
  Elo and pi-rating differences, the ARF's log-ratio to the market), one set
  of weights per moment and reference bookmaker.

All expose ``predict(features) -> (p_home, p_draw, p_away)`` and
``learn(features, outcome)``. The primary's features are the challengers'
plus the moment, the reference bookmaker and the ARF's prediction
(:func:`primary_features`).

>>> models = build_models(seed=1)
>>> sorted(models)
['anchored', 'arf', 'market']
>>> x = {"mkt_home": 0.5, "mkt_draw": 0.3, "mkt_away": 0.2, "elo_diff": 0.0, "pi_gd": 0.0}
>>> models["market"].predict(x)
(0.5, 0.3, 0.2)
>>> models["anchored"].predict(primary_features(x, "pre", "pinnacle", (0.5, 0.3, 0.2)))
(0.5, 0.3, 0.2)
"""

from __future__ import annotations

import math
from typing import Any

from river import drift, forest

from models.anchored import AnchoredLogit
from models.arf_config import ArfConfig

PRIMARY = "anchored"
MARKET = "market"
CHALLENGER = "arf"
MODEL_NAMES = (PRIMARY, CHALLENGER, MARKET)
_RATIO_LIMIT = 3.0  # |log p_arf - log p_market| beyond this is the forest's noise


class MarketModel:
    """Normalised 1/odds of the event being scored; learns nothing."""

    name = MARKET

    def predict(self, features: dict[str, float]) -> tuple[float, float, float]:
        return (features["mkt_home"], features["mkt_draw"], features["mkt_away"])

    def learn(self, features: dict[str, float], outcome: int) -> None:
        return None


class RiverModel:
    """A River classifier over outcomes 0/1/2, anchored to the market.

    River's trees and linear models start from nothing; until they have seen
    a class they return an empty or partial distribution. The market fills the
    gap: the prediction is ``shrinkage * model + (1 - shrinkage) * market``,
    renormalised, and the market alone before the first lesson.
    """

    def __init__(self, name: str, estimator, shrinkage: float = 1.0) -> None:
        self.name = name
        self.estimator = estimator
        self.shrinkage = shrinkage

    def predict(self, features: dict[str, float]) -> tuple[float, float, float]:
        proba = self.estimator.predict_proba_one(features)
        market = (features["mkt_home"], features["mkt_draw"], features["mkt_away"])
        if not proba:
            return market
        mixed = [
            self.shrinkage * proba.get(k, 0.0) + (1 - self.shrinkage) * market[k] for k in range(3)
        ]
        total = sum(mixed)
        if total <= 0:
            return market
        return (mixed[0] / total, mixed[1] / total, mixed[2] / total)

    def learn(self, features: dict[str, float], outcome: int) -> None:
        self.estimator.learn_one(features, outcome)


def build_arf(config: ArfConfig, seed: int) -> forest.ARFClassifier:
    return forest.ARFClassifier(
        n_models=config.n_models,
        grace_period=config.grace_period,
        delta=config.delta,
        max_depth=config.max_depth,
        max_size=config.max_size,
        drift_detector=drift.ADWIN(delta=config.drift_delta),
        warning_detector=drift.ADWIN(delta=config.warning_delta),
        seed=seed,
    )


def primary_features(
    features: dict[str, float], moment: str, reference: str, arf: tuple[float, float, float]
) -> dict:
    """The anchored model's input: per-class covariates named ``<name>@<class>``
    (the home side's view for class 0, the away side's for class 2), plus the
    moment and reference bookmaker that choose its weights."""
    market = (features["mkt_home"], features["mkt_draw"], features["mkt_away"])
    x: dict = {
        "moment": moment,
        "reference": reference,
        "elo@0": features["elo_diff"] / 2,
        "elo@2": -features["elo_diff"] / 2,
        "pi@0": features["pi_gd"] / 2,
        "pi@2": -features["pi_gd"] / 2,
    }
    for k in range(3):
        x[f"market@{k}"] = market[k]
        ratio = math.log(max(arf[k], 1e-6)) - math.log(max(market[k], 1e-6))
        x[f"arf@{k}"] = max(-_RATIO_LIMIT, min(_RATIO_LIMIT, ratio))
    return x


class AnchoredModel:
    """The primary: one :class:`AnchoredLogit` per (moment, reference
    bookmaker), so the Bet365 era's corrections never touch Pinnacle's."""

    name = PRIMARY

    def __init__(self, prior_variance: float = 0.003) -> None:
        self.prior_variance = prior_variance
        self.filters: dict[tuple[str, str], AnchoredLogit] = {}

    def _filter(self, x: dict) -> AnchoredLogit:
        key = (x["moment"], x["reference"])
        if key not in self.filters:
            self.filters[key] = AnchoredLogit(
                prior_variance=self.prior_variance, classes=(0, 1, 2), baseline=2
            )
        return self.filters[key]

    def predict(self, x: dict) -> tuple[float, float, float]:
        proba = self._filter(x).predict_proba_one(x)
        return (proba[0], proba[1], proba[2])

    def learn(self, x: dict, outcome: int) -> None:
        self._filter(x).learn_one(x, outcome)


def build_models(
    seed: int = 42, arf: ArfConfig | None = None, prior_variance: float = 0.003
) -> dict[str, Any]:
    """Fresh, seeded models for one league, the primary first."""
    config = arf or ArfConfig()
    return {
        PRIMARY: AnchoredModel(prior_variance),
        CHALLENGER: RiverModel(CHALLENGER, build_arf(config, seed), config.shrinkage),
        MARKET: MarketModel(),
    }
