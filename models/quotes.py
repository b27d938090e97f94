"""Every bookmaker's latest quote of one match, per moment.

Several bookmakers quote each moment (``pre``, ``close``). The *reference* is
the sharpest one known, by a fixed order (Pinnacle, then Bet365, then any
other book by name, then the market average, then the best price), so which
quote is the reference never depends on the order in which quotes of the same
instant arrive. The *best price* of an outcome is the highest price any known
quote lists for it.

>>> from datetime import datetime, timezone
>>> t = datetime(2024, 8, 16, tzinfo=timezone.utc)
>>> book = Book()
>>> book.update("pre", Quote("market-max", t, (2.3, 3.6, 4.2)))
>>> book.update("pre", Quote("pinnacle", t, (2.1, 3.4, 3.9)))
>>> book.reference("pre").bookmaker
'pinnacle'
>>> book.best("pre")
((2.3, 'market-max'), (3.6, 'market-max'), (4.2, 'market-max'))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SHARP = ("pinnacle", "bet365")
MARKET_AVERAGE = "market-avg"
BEST_PRICE = "market-max"
_LAST = {MARKET_AVERAGE: 3, BEST_PRICE: 4}


def sharpness(bookmaker: str) -> tuple[int, str]:
    """Sort key of reference candidates: smaller is sharper.

    >>> sorted(["market-avg", "unibet", "bet365", "market-max"], key=sharpness)
    ['bet365', 'unibet', 'market-avg', 'market-max']
    """
    if bookmaker in SHARP:
        return (SHARP.index(bookmaker), bookmaker)
    return (_LAST.get(bookmaker, 2), bookmaker)


@dataclass(frozen=True)
class Quote:
    bookmaker: str
    ts: datetime
    prices: tuple[float, ...]
    line: float | None = None  # the Asian handicap's


@dataclass
class Book:
    """The latest quote of each bookmaker, per moment."""

    quotes: dict[str, dict[str, Quote]] = field(default_factory=dict)

    def update(self, moment: str, quote: Quote) -> None:
        """Keep ``quote`` unless the same book already quoted this moment later."""
        known = self.quotes.setdefault(moment, {})
        current = known.get(quote.bookmaker)
        if current is None or quote.ts >= current.ts:
            known[quote.bookmaker] = quote

    def reference(self, moment: str) -> Quote | None:
        known = self.quotes.get(moment)
        if not known:
            return None
        return known[min(known, key=sharpness)]

    def quote(self, moment: str, bookmaker: str) -> Quote | None:
        return self.quotes.get(moment, {}).get(bookmaker)

    def best(self, moment: str, line: float | None = None) -> tuple[tuple[float, str], ...]:
        """Per outcome, the highest listed price and the book listing it (ties
        go to the sharper book, so the answer is order-free); a handicap's
        among the quotes at ``line`` only."""
        known = sorted(
            (q for q in self.quotes.get(moment, {}).values() if q.line == line),
            key=lambda q: sharpness(q.bookmaker),
        )
        best = []
        for k in range(len(known[0].prices) if known else 0):
            price, bookmaker = 0.0, ""
            for q in known:
                if q.prices[k] > price:
                    price, bookmaker = q.prices[k], q.bookmaker
            best.append((price, bookmaker))
        return tuple(best)
