"""One league's goals markets: over/under 2.5 goals (``ou25``) and the Asian
handicap (``ah``), each with its quote books, its ``market`` and ``anchored``
models, its prequential scores and its bets.

A market is predicted as the 1X2 is: when a moment's reference quote changes
(the same sharpness order: Pinnacle, Bet365, ..., average, best), from its
fair probabilities (:mod:`models.fair`); the anchored model corrects them
with a bias and a temperature of its own per market, moment and reference.
On the result each moment's prediction is scored (log loss, Brier, hit,
weighted by the share of the stake decided: :func:`models.two_way.target`),
learned from, and the market's bets are settled.

>>> from datetime import datetime, timezone
>>> from stream.config import FlowConfig
>>> from stream.events import Fixture
>>> from stream.matches import MatchState
>>> t = datetime(2024, 8, 16, 18, tzinfo=timezone.utc)
>>> fx = Fixture(match_id="m1", league="E0", season="2024-25", ts=t, kickoff=t,
...              home="Man United", away="Fulham")
>>> goals, match = GoalsMarkets(FlowConfig()), MatchState(fx)
>>> quote = Odds(match_id="m1", league="E0", season="2024-25", ts=t, phase="pre",
...              bookmaker="pinnacle", market="ou25", over=1.8, under=2.1)
>>> [(r.table, r.row.get("model")) for r in goals.on_quote(match, quote, [])]
[('market_odds', None), ('market_predictions', 'market'), ('market_predictions', 'anchored')]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from models.fair import fair_probabilities
from models.quotes import Quote
from models.two_way import (
    AnchoredTwoWay,
    MarketTwoWay,
    TwoWayScore,
    TwoWayTotals,
    market_features,
    target,
)
from stream.events import Fixture, Odds, Result
from stream.goals_bettor import GOALS_MARKETS, GoalsBettor, MarketMatch
from stream.market_rows import market_odds_row, market_prediction_row, market_score_row
from stream.records import Record
from stream.scorer import PHASES

if TYPE_CHECKING:
    from stream.config import FlowConfig


class MatchState(Protocol):
    """What the goals markets need of an open match (:class:`stream.matches.MatchState`)."""

    fixture: Fixture
    markets: dict[str, MarketMatch]


MODELS = ("market", "anchored")


class GoalsMarkets:
    """Models, scores and bets of every goals market of one league."""

    def __init__(self, config: FlowConfig) -> None:
        self.fair_method = config.fair_method
        self.models: dict[str, dict[str, MarketTwoWay | AnchoredTwoWay]] = {
            m: {"market": MarketTwoWay(), "anchored": AnchoredTwoWay(config.prior_variance)}
            for m in GOALS_MARKETS
        }
        self.totals = {
            (m, model, p): TwoWayTotals() for m in GOALS_MARKETS for model in MODELS for p in PHASES
        }
        self.learned = dict.fromkeys(GOALS_MARKETS, 0)
        self.bettor = GoalsBettor(config.build_strategies(), config.fair_method)

    def on_quote(
        self, state: MatchState, event: Odds, others: Iterable[MatchState]
    ) -> list[Record]:
        """Keep the quote; predict when the moment's reference changed; bet."""
        match = state.markets.setdefault(event.market, MarketMatch())
        quote = Quote(event.bookmaker, event.ts, event.prices, event.line)
        match.book.update(event.phase, quote)
        records = [market_odds_row(event)]
        reference = match.book.reference(event.phase)
        known = match.predictions.get(event.phase)
        if (
            reference is not None
            and reference.ts == event.ts
            and (known is None or known[1] != reference)
        ):
            records += self._predict(match, event, reference)
        if event.phase == "pre" and "pre" in match.predictions:
            rivals = (o.markets[event.market] for o in others if event.market in o.markets)
            records += self.bettor.decide(state.fixture, event.market, match, event.ts, rivals)
        return records

    def _predict(self, match: MarketMatch, event: Odds, reference: Quote) -> list[Record]:
        p_fair = fair_probabilities(reference.prices, self.fair_method)[0]
        x = market_features(p_fair, event.phase, reference.bookmaker)
        models = self.models[event.market]
        probs = {name: models[name].predict(x) for name in MODELS}
        match.predictions[event.phase] = (probs, reference, x)
        version = self.learned[event.market]
        return [
            market_prediction_row(event, name, p, reference, version) for name, p in probs.items()
        ]

    def on_result(self, state: MatchState, result: Result) -> list[Record]:
        """Score each market's predictions, learn from them, settle its bets."""
        records: list[Record] = []
        for market, match in state.markets.items():
            records += self._score_and_learn(market, match, result)
        ou25 = state.markets.get("ou25")
        closing = ou25.book.reference("close") if ou25 else None
        closing_over = fair_probabilities(closing.prices, self.fair_method)[0] if closing else None
        for market, match in state.markets.items():
            records += self.bettor.settle(state.fixture, market, match, result, closing_over)
        return records

    def _score_and_learn(self, market: str, match: MarketMatch, result: Result) -> list[Record]:
        records = []
        for phase, (probs, reference, x) in match.predictions.items():
            line = reference.line
            y, weight = target(market, line, result.home_goals, result.away_goals)
            for model, p in probs.items():
                score = TwoWayScore.of(p, y, weight)
                totals = self.totals[(market, model, phase)].update(score)
                records.append(
                    market_score_row(result, market, model, phase, line, y, score, totals)
                )
            self.models[market]["anchored"].learn(x, y, weight)
        if match.predictions:
            self.learned[market] += 1
        return records
