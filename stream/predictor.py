"""One league's models and what they know: ratings and form, the models,
and how many matches they learned from.

The challengers predict from the pre-match features; the primary from those,
the moment, the reference bookmaker and the ARF's prediction
(:func:`models.factory.primary_features`). A match is learned once, on its
result, from the inputs frozen at its last prediction.

>>> from datetime import datetime, timezone
>>> from stream.config import FlowConfig
>>> predictor = Predictor(FlowConfig())
>>> ko = datetime(2024, 8, 16, 19, tzinfo=timezone.utc)
>>> features = predictor.features_of("Man United", "Fulham", ko, (1.6, 4.2, 5.5))
>>> probs, x = predictor.probabilities(features, "pre", "pinnacle")
>>> probs["anchored"] == probs["market"]  # nothing learned yet: the market
True
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from models.factory import CHALLENGER, MARKET, PRIMARY, primary_features
from models.features import FeatureState
from models.pickling import dumps
from stream.events import Fixture, Result
from stream.records import Record, iso

if TYPE_CHECKING:
    from stream.config import FlowConfig

Probabilities = dict[str, tuple[float, ...]]


class Predictor:
    """Features, models and the count of matches learned."""

    def __init__(self, config: FlowConfig) -> None:
        self.fair_method = config.fair_method
        self.features = FeatureState()
        self.models = config.build_models()
        self.learned = 0
        self.references: dict[str, str] = {}  # moment -> the latest reference bookmaker

    def features_of(
        self, home: str, away: str, kickoff: datetime, odds: tuple[float, ...]
    ) -> dict[str, float]:
        """Pre-match features with these prices as the market's."""
        return self.features.features(home, away, kickoff, odds, self.fair_method)

    def probabilities(
        self, features: dict[str, float], moment: str, reference: str
    ) -> tuple[Probabilities, dict]:
        """Every model's prediction, the challengers first (the ARF feeds the
        primary), and the primary's input."""
        probs = {
            name: model.predict(features) for name, model in self.models.items() if name != PRIMARY
        }
        x = primary_features(features, moment, reference, probs[CHALLENGER])
        probs[PRIMARY] = self.models[PRIMARY].predict(x)
        return probs, x

    def learn(
        self, features: dict[str, float], primary_inputs: Iterable[dict], outcome: int
    ) -> None:
        """Learn one match: the challengers from its frozen features, the
        primary from each moment's input (all known before kick-off)."""
        for name, model in self.models.items():
            if name != PRIMARY:
                model.learn(features, outcome)
        for x in primary_inputs:
            self.models[PRIMARY].learn(x, outcome)
        self.learned += 1

    def observe(self, fx: Fixture, result: Result) -> None:
        """Advance ratings and form with a finished match."""
        stats = result.stats.model_dump() if result.stats else {}
        self.features.observe_result(
            fx.home, fx.away, fx.kickoff, result.home_goals, result.away_goals, stats
        )

    def model_states(self, league: str, ts: datetime, monitor_drifts: int) -> list[Record]:
        """Each model's learning so far, as ``model_state`` rows."""
        records = []
        for name, model in self.models.items():
            estimator: Any = getattr(model, "estimator", None)  # the ARF's counts
            counts = (
                (estimator.n_drifts_detected(), estimator.n_warnings_detected())
                if hasattr(estimator, "n_drifts_detected")
                else (0, 0)
            )
            row = {
                "league": league,
                "model": name,
                "updated_at": iso(ts),
                "matches_learned": self.learned if name != MARKET else 0,
                "drifts": counts[0],
                "warnings": counts[1],
                "monitor_drifts": monitor_drifts if name == PRIMARY else 0,
            }
            records.append(Record("model_state", row))
        return records

    def model_sizes(self, league: str) -> list[Record]:
        """Pickled size of each model: a measurement for the run report, not
        stored (pickles of equal models can differ by a few bytes)."""
        return [
            Record("_model_size", {"league": league, "model": name, "bytes": len(dumps(model))})
            for name, model in self.models.items()
        ]
