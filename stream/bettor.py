"""One league's paper bets: decided at pre-match quotes, valued against the
closing ones, settled on the result, one bankroll per strategy and season.

A strategy at the ``reference`` price judges the reference's prices by the
primary's probabilities; one at the ``best`` price takes the best price any
book listed and judges it by the primary *and* the market
(:func:`models.betting.agreed`). A decision can change while quotes of its
instant arrive, and is final once a later instant has begun.

>>> from datetime import datetime, timezone
>>> from models.betting import FlatStake
>>> from models.quotes import Quote
>>> t = datetime(2024, 8, 16, 12, tzinfo=timezone.utc)
>>> fx = Fixture(match_id="m1", league="E0", season="2024-25", ts=t, kickoff=t,
...              home="A", away="B")
>>> bettor = Bettor((FlatStake(edge=0.05),), fair_method="shin")
>>> match = MatchBets(fx)
>>> match.book.update("pre", Quote("pinnacle", t, (2.0, 3.6, 4.0)))
>>> probs = {"anchored": (0.55, 0.25, 0.2), "market": (0.48, 0.27, 0.25)}
>>> locked = (probs, match.book.reference("pre"))
>>> [r.row["odds"] for r in bettor.decide(match, locked, t, others=[])]
[2.0]
>>> bettor.bankroll
{'flat': 100.0}
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from models.betting import INITIAL_BANKROLL, Decision, Strategy, agreed, settle
from models.factory import MARKET, PRIMARY
from models.fair import FairMethod, fair_probabilities
from models.quotes import Book, Quote
from stream.events import Fixture, Result
from stream.records import Record
from stream.rows import bankroll_row, bet_row, withdrawn_bet


@dataclass
class MatchBets:
    """What the bettor needs of one open match: its quotes and its bets
    (strategy -> the decision and the instant it was placed at)."""

    fixture: Fixture
    book: Book = field(default_factory=Book)
    bets: dict[str, tuple[Decision, datetime]] = field(default_factory=dict)


class Bettor:
    """Strategies, their bankrolls, and the bets of a league."""

    def __init__(self, strategies: Sequence[Strategy], fair_method: FairMethod) -> None:
        self.strategies = tuple(strategies)
        self.fair_method = fair_method
        self.bankroll = {s.name: INITIAL_BANKROLL for s in self.strategies}
        self.bank_season: str | None = None
        self.refused_bets = 0  # decisions skipped: a probability was not finite

    def decide(
        self,
        match: MatchBets,
        locked: tuple[Mapping[str, Sequence[float]], Quote],
        ts: datetime,
        others: Iterable[MatchBets],
    ) -> list[Record]:
        """(Re)decide each strategy's bet on ``match`` after a pre-match quote
        at ``ts``, given the models' pre-match probabilities and the reference
        quote they used; ``others`` are the league's other open matches, whose
        stakes are not free."""
        season = match.fixture.season
        if season != self.bank_season:  # each season starts a fresh bank
            self.bank_season = season
            self.bankroll = {s.name: INITIAL_BANKROLL for s in self.strategies}
        others = list(others)
        records: list[Record] = []
        offers: dict[str, tuple] = {}
        for strategy in self.strategies:
            placed = match.bets.get(strategy.name)
            if placed is not None and placed[1] < ts:
                continue  # one bet per match and strategy, final once its instant is over
            if strategy.price not in offers:
                offers[strategy.price] = _offer(match.book, locked, strategy.price)
            judged, odds, books = offers[strategy.price]
            if not all(math.isfinite(p) for p in judged):
                self.refused_bets += 1  # never a NaN stake, bankroll or table cell
                continue
            free = self.bankroll[strategy.name] - _stakes(strategy.name, others)
            decision = strategy.decide(judged, odds, free, books)
            if decision == (placed[0] if placed else None):
                continue
            if decision is None:  # withdrawn by a quote of the same instant
                del match.bets[strategy.name]
                records.append(withdrawn_bet(match.fixture.match_id, strategy.name))
            else:
                match.bets[strategy.name] = (decision, ts)
                records.append(self.bet_row(match, strategy.name, None))
        return records

    def revalue(self, match: MatchBets) -> list[Record]:
        """Every bet of ``match`` again, after a closing quote changed its CLV."""
        return [self.bet_row(match, name, None) for name in match.bets]

    def settle(self, match: MatchBets, result: Result) -> list[Record]:
        """Settle ``match``'s bets on its result: each bet's row and its
        strategy's bankroll after it."""
        records = []
        for strategy, (bet, _placed) in match.bets.items():
            self.bankroll[strategy] += settle(bet, result.outcome)
            records.append(self.bet_row(match, strategy, result.outcome))
            records.append(bankroll_row(result, strategy, self.bankroll[strategy]))
        return records

    def bet_row(self, match: MatchBets, strategy: str, outcome: int | None) -> Record:
        """The bet as known now. Its closing line is the same book's closing
        price; its fair CLV uses the reference's margin-free closing probability."""
        bet = match.bets[strategy][0]
        same_book = match.book.quote("close", bet.bookmaker)
        reference = match.book.reference("close")
        fair = (
            fair_probabilities(reference.prices, self.fair_method)[bet.outcome]
            if reference
            else None
        )
        return bet_row(
            match.fixture,
            strategy,
            bet,
            closing=same_book.prices[bet.outcome] if same_book else None,
            fair=fair,
            profit=settle(bet, outcome) if outcome is not None else None,
        )


def _offer(
    book: Book, locked: tuple[Mapping[str, Sequence[float]], Quote], price: str
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[str, ...]]:
    """The probabilities to judge by, the prices and the books listing them:
    the primary at the reference's prices, or both witnesses at the best
    prices (see :mod:`models.betting`)."""
    probs, reference = locked
    if price == "best":
        best = book.best("pre")
        return (
            agreed(probs[PRIMARY], probs[MARKET]),
            tuple(p for p, _ in best),
            tuple(b for _, b in best),
        )
    return tuple(probs[PRIMARY]), reference.prices, (reference.bookmaker,) * 3


def _stakes(strategy: str, others: Iterable[MatchBets]) -> float:
    """Stakes of this strategy's unsettled bets on other matches: money a
    bankroll-sized stake cannot count on."""
    return math.fsum(m.bets[strategy][0].stake for m in others if strategy in m.bets)
