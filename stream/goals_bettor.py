"""Paper bets on the goals markets, at the best price, settled by the
market's rules (:mod:`models.settlement`), each market with its own bankrolls.

A bet is judged as the 1X2's best-price bets are: the value must hold under
the anchored model's probability and the reference's fair one. On the Asian
handicap the best price is looked for among the quotes at the reference's
line only. Fair closing-line value prices the bet under the closing market:
over/under 2.5 directly, the handicap under the goals distribution fitted to
the closing over/under and handicap prices (:mod:`models.goals`), so a bet
whose line the market left is priced too; without a closing over/under
reference it stays empty and is counted in ``unpriced``.

>>> from datetime import datetime, timezone
>>> from models.betting import FlatStake
>>> bettor = GoalsBettor((FlatStake(edge=0.02, name="best-flat", price="best"),), "shin")
>>> bettor.bankroll
{('ou25', 'best-flat'): 100.0, ('ah', 'best-flat'): 100.0}
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from models.betting import INITIAL_BANKROLL, Decision, Strategy, agreed
from models.fair import FairMethod, fair_probabilities
from models.goals import ClosingGoals
from models.quotes import Book, Quote
from models.settlement import Side, asian_settlement, over_under
from stream.events import Fixture, Result
from stream.market_rows import SELECTIONS, market_bankroll_row, market_bet_row
from stream.records import Record

GOALS_MARKETS = ("ou25", "ah")


@dataclass
class MarketMatch:
    """One goals market of one open match: its quotes, each moment's
    prediction (probability per model, the reference quote, the anchored
    model's input) and its bets (strategy -> decision, placed at, line)."""

    book: Book = field(default_factory=Book)
    predictions: dict[str, tuple[dict[str, float], Quote, dict]] = field(default_factory=dict)
    bets: dict[str, tuple[Decision, datetime, float | None]] = field(default_factory=dict)


class GoalsBettor:
    """Best-price strategies on every goals market, with their bankrolls."""

    def __init__(self, strategies: Sequence[Strategy], fair_method: FairMethod) -> None:
        self.use(strategies)
        self.fair_method = fair_method
        self.bankroll = {
            (m, s.name): INITIAL_BANKROLL for m in GOALS_MARKETS for s in self.strategies
        }
        self.bank_season: str | None = None
        self.unpriced = 0  # settled handicap bets whose fair CLV could not be priced

    def use(self, strategies: Sequence[Strategy]) -> None:
        """Bet with the best-price ones of ``strategies`` from now on."""
        self.strategies = tuple(s for s in strategies if s.price == "best")

    def decide(
        self,
        fx: Fixture,
        market: str,
        match: MarketMatch,
        ts: datetime,
        others: Iterable[MarketMatch],
    ) -> list[Record]:
        """(Re)decide each strategy's bet after a pre-match quote at ``ts``."""
        if fx.season != self.bank_season:
            self.bank_season = fx.season
            self.bankroll = dict.fromkeys(self.bankroll, INITIAL_BANKROLL)
        probs, reference, _x = match.predictions["pre"]
        best = match.book.best("pre", reference.line)
        p_model, p_market = probs["anchored"], probs["market"]
        judged = agreed((p_model, 1.0 - p_model), (p_market, 1.0 - p_market))
        odds, books = tuple(p for p, _ in best), tuple(b for _, b in best)
        if len(odds) != 2 or not all(math.isfinite(p) for p in judged):
            return []
        others = list(others)
        records = []
        for strategy in self.strategies:
            placed = match.bets.get(strategy.name)
            if placed is not None and placed[1] < ts:
                continue  # final once its instant is over
            open_stakes = math.fsum(
                m.bets[strategy.name][0].stake for m in others if strategy.name in m.bets
            )
            free = self.bankroll[(market, strategy.name)] - open_stakes
            decision = strategy.decide(judged, odds, free, books)
            if decision == (placed[0] if placed else None):
                continue
            if decision is None:
                del match.bets[strategy.name]
                key = {"match_id": fx.match_id, "strategy": strategy.name, "market": market}
                records.append(Record("bets", key, delete=True))
            else:
                match.bets[strategy.name] = (decision, ts, reference.line)
                records.append(self._row(fx, market, match, strategy.name, None))
        return records

    def settle(
        self,
        fx: Fixture,
        market: str,
        match: MarketMatch,
        result: Result,
        closing_over: float | None,
    ) -> list[Record]:
        """Settle ``match``'s bets; ``closing_over`` is the closing fair
        probability of over 2.5 goals (for pricing a handicap bet)."""
        records = []
        for strategy, (bet, _ts, line) in match.bets.items():
            side = SELECTIONS[market][bet.outcome]
            if market == "ou25":
                won = over_under(result.home_goals, result.away_goals) == side
                profit = bet.stake * (bet.odds - 1.0) if won else -bet.stake
                settled = (profit, "won" if won else "lost")
            else:
                assert line is not None
                handicap_side: Side = "home" if bet.outcome == 0 else "away"
                goals = (result.home_goals, result.away_goals)
                settled = asian_settlement(handicap_side, line, bet.odds, bet.stake, *goals)
            self.bankroll[(market, strategy)] += settled[0]
            records.append(self._row(fx, market, match, strategy, settled, closing_over))
            records.append(
                market_bankroll_row(result, market, strategy, self.bankroll[(market, strategy)])
            )
        return records

    def _row(
        self,
        fx: Fixture,
        market: str,
        match: MarketMatch,
        strategy: str,
        settled: tuple[float, str] | None,
        closing_over: float | None = None,
    ) -> Record:
        bet, _ts, line = match.bets[strategy]
        same_book = match.book.quote("close", bet.bookmaker)
        closing = same_book.prices[bet.outcome] if same_book and same_book.line == line else None
        fair = self._fair_clv(market, match, bet, line, closing_over) if settled else None
        return market_bet_row(fx, market, strategy, bet, line, settled, closing, fair)

    def _fair_clv(
        self,
        market: str,
        match: MarketMatch,
        bet: Decision,
        line: float | None,
        closing_over: float | None,
    ) -> float | None:
        reference = match.book.reference("close")
        if reference is None:
            return None
        fair = fair_probabilities(reference.prices, self.fair_method)
        if market == "ou25":
            return bet.odds * fair[bet.outcome] - 1.0
        if closing_over is None or reference.line is None or line is None:
            self.unpriced += 1
            return None
        side: Side = "home" if bet.outcome == 0 else "away"
        goals = _closing_goals(round(closing_over, 9), reference.line, round(fair[0], 9))
        return goals.expected_return(side, line, bet.odds)


@lru_cache(maxsize=1024)  # a match's bets share one closing market
def _closing_goals(p_over: float, line: float, p_home: float) -> ClosingGoals:
    return ClosingGoals.fit(p_over, line, p_home)
