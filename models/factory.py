"""The models every league runs, built from one seeded configuration.

* ``market``: the bookmaker's margin-free probabilities (the bar to beat).
* ``arf``: River's Adaptive Random Forest with ADWIN drift and warning
  detectors, its size bounded (grace period, split confidence, depth, size).
* ``softmax``: a light challenger, standardised features into multinomial
  logistic regression.

All expose ``predict(features) -> (p_home, p_draw, p_away)`` and
``learn(features, outcome)``.

>>> models = build_models(seed=1)
>>> sorted(models)
['arf', 'market', 'softmax']
>>> models["market"].predict({"mkt_home": 0.5, "mkt_draw": 0.3, "mkt_away": 0.2})
(0.5, 0.3, 0.2)
"""

from __future__ import annotations

from river import compose, drift, forest, linear_model, optim, preprocessing

from models.arf_config import ArfConfig

PRIMARY = "arf"
MARKET = "market"
MODEL_NAMES = (PRIMARY, MARKET, "softmax")


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
        mixed = [self.shrinkage * proba.get(k, 0.0) + (1 - self.shrinkage) * market[k]
                 for k in range(3)]
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


def build_softmax() -> compose.Pipeline:
    return preprocessing.StandardScaler() | linear_model.SoftmaxRegression(
        optimizer=optim.SGD(0.005), l2=1e-4
    )


def build_models(seed: int = 42, arf: ArfConfig | None = None) -> dict[str, object]:
    """Fresh, seeded models for one league."""
    config = arf or ArfConfig()
    return {
        PRIMARY: RiverModel(PRIMARY, build_arf(config, seed), config.shrinkage),
        MARKET: MarketModel(),
        "softmax": RiverModel("softmax", build_softmax(), 1.0),
    }
