"""The goals markets' columns of a football-data CSV: over/under 2.5 goals
and the Asian handicap, every bookmaker the files name, grouped as the 1X2's
(each group gives at most one quote: its first source with readable prices).

>>> layout = goals_layout({"P>2.5", "P<2.5", "AHh", "PAHH", "PAHA"})
>>> [(market, phase) for market, phase, _ in layout]
[('ou25', 'pre'), ('ah', 'pre')]
>>> row = {"P>2.5": "1.9", "P<2.5": "1.95", "AHh": "-0.75", "PAHH": "2.02", "PAHA": "1.88"}
>>> [(q.market, q.bookmaker, q.first, q.line) for q in read_goals(row, layout, _float)]
[('ou25', 'pinnacle', 1.9, None), ('ah', 'pinnacle', 2.02, -0.75)]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Row = dict[str, str]
Number = Callable[[Row, str], "float | None"]

# The goals markets' quotes, grouped as the 1X2's: (bookmaker, first price
# column, second price column, line column). Over/under 2.5 is spelt ``>2.5``
# / ``<2.5`` by football-data and ``_2_5`` / ``_2_5_1`` in the bundled files;
# the Asian handicap's line (the home side's) is ``AHh`` before kick-off and
# ``AHCh`` at the close, ``BbAHh`` for the ``Bb`` columns of older seasons.
TwoWaySource = tuple[str, str, str, str | None]


def _over_under(bookmaker: str, prefix: str) -> tuple[TwoWaySource, ...]:
    return (
        (bookmaker, f"{prefix}>2.5", f"{prefix}<2.5", None),
        (bookmaker, f"{prefix}_2_5", f"{prefix}_2_5_1", None),
    )


def _handicap(bookmaker: str, prefix: str, line: str) -> tuple[TwoWaySource, ...]:
    return ((bookmaker, f"{prefix}H", f"{prefix}A", line),)


GOALS_SOURCES: dict[tuple[str, str], tuple[tuple[TwoWaySource, ...], ...]] = {
    ("ou25", "pre"): (
        _over_under("pinnacle", "P") + _over_under("bet365", "B365"),
        _over_under("market-avg", "Avg") + _over_under("market-avg", "BbAv"),
        _over_under("market-max", "Max") + _over_under("market-max", "BbMx"),
    ),
    ("ou25", "close"): (
        _over_under("pinnacle", "PC") + _over_under("bet365", "B365C"),
        _over_under("market-avg", "AvgC"),
        _over_under("market-max", "MaxC"),
    ),
    ("ah", "pre"): (
        _handicap("pinnacle", "PAH", "AHh") + _handicap("bet365", "B365AH", "AHh"),
        _handicap("market-avg", "AvgAH", "AHh") + _handicap("market-avg", "BbAvAH", "BbAHh"),
        _handicap("market-max", "MaxAH", "AHh") + _handicap("market-max", "BbMxAH", "BbAHh"),
    ),
    ("ah", "close"): (
        _handicap("pinnacle", "PCAH", "AHCh") + _handicap("bet365", "B365CAH", "AHCh"),
        _handicap("market-avg", "AvgCAH", "AHCh"),
        _handicap("market-max", "MaxCAH", "AHCh"),
    ),
}

# (market, phase, groups of the sources whose columns a file has)
GoalsLayout = tuple[tuple[str, str, tuple[tuple[TwoWaySource, ...], ...]], ...]


@dataclass(frozen=True)
class TwoWayPrices:
    """A goals market's quote: over/under 2.5 (``first`` is over) or the Asian
    handicap at the home side's ``line`` (``first`` is the home side)."""

    market: str
    phase: str
    bookmaker: str
    first: float
    second: float
    line: float | None = None


def goals_layout(columns: set[str]) -> GoalsLayout:
    """The sources of each market and moment whose columns exist."""
    return tuple(
        (market, phase, kept)
        for (market, phase), sources in GOALS_SOURCES.items()
        if any(kept := tuple(_present(group, columns) for group in sources))
    )


def _present(group: tuple[TwoWaySource, ...], columns: set[str]) -> tuple[TwoWaySource, ...]:
    return tuple(
        source
        for source in group
        if {source[1], source[2]} <= columns and (source[3] is None or source[3] in columns)
    )


def _two_way(
    row: Row, market: str, phase: str, group: tuple[TwoWaySource, ...], number: Number
) -> TwoWayPrices | None:
    """The group's first source with both prices (and its line) readable."""
    for bookmaker, first_col, second_col, line_col in group:
        first, second = number(row, first_col), number(row, second_col)
        line = number(row, line_col) if line_col else None
        if first is None or second is None or not (first > 1.0 and second > 1.0):
            continue
        if line_col is not None and (line is None or abs(line * 4 - round(line * 4)) > 1e-9):
            continue  # a handicap without a quarter-goal line prices nothing
        return TwoWayPrices(market, phase, bookmaker, first, second, line)
    return None


def read_goals(row: Row, layout: GoalsLayout, number: Number) -> tuple[TwoWayPrices, ...]:
    """A row's goals quotes: each group's first readable source."""
    found = (
        _two_way(row, market, phase, group, number)
        for market, phase, groups in layout
        for group in groups
        if group
    )
    return tuple(quote for quote in found if quote is not None)


def _float(row: Row, column: str) -> float | None:
    """A doctest's number reader (the loader passes its own)."""
    value = row.get(column)
    return float(value) if value else None
