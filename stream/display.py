"""Rich rendering of summaries: one table of model scores and one of bets per
league, then the goals markets' scores and bets, so a run can be judged at a
glance.

The default view fits 80 columns, the width of a default terminal and of a
pipe: short headers, percentages without their sign, an interval on one line
(``-5.5..+9.2``), and no column of its cells ever cut or wrapped. The wide
view (``--wide``, or a terminal of :data:`WIDE_FROM` columns or more) adds
the accuracies, the stakes and the drawdown.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

PHASES = ("pre", "close")
WIDE_FROM = 132  # columns: where the wide view fits whole


def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a signed percentage, without the sign the header carries.

    >>> _pct(0.0612), _pct(-1.0), _pct(None), _pct(0.02191, 2)
    ('+6.1', '-100.0', '-', '+2.19')
    """
    return "-" if value is None else f"{value * 100:+.{digits}f}"


def interval(bounds: list[float] | tuple[float, float] | None) -> str:
    """A 90% interval of a fraction on one line, in percent.

    >>> interval((-0.0551, 0.0923)), interval(None)
    ('-5.5..+9.2', '-')
    """
    if not bounds or bounds[0] is None:
        return "-"
    low, high = bounds
    return f"{_pct(low)}..{_pct(high)}"


def _delta(value: float | None, reference: float | None) -> str:
    """The model's score minus the market's.

    >>> _delta(0.2003, 0.2001), _delta(0.2, None)
    ('+0.0002', '-')
    """
    return "-" if value is None or reference is None else f"{value - reference:+.4f}"


def _table(title: str, headers: list[str], left: int = 1) -> Table:
    """A table whose cells never wrap: a narrow console drops the right edge
    instead, and ``tests/stream/test_display.py`` checks that the default view never
    needs to."""
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False
    )
    for index, header in enumerate(headers):
        table.add_column(header, justify="left" if index < left else "right", no_wrap=True)
    return table


def models_table(code: str, league: dict[str, Any], wide: bool = False) -> Table:
    """RPS and log loss at each moment, and the model's RPS minus the
    market's (``vs mkt``: negative beats the bookmaker)."""
    headers = ["model"]
    for phase in PHASES:
        headers += [f"{phase} RPS", "vs mkt", f"{phase} LL"] + ([f"{phase} acc"] if wide else [])
    table = _table(_league_title(code, league), headers)
    market = league["models"].get("market", {})
    for name, phases in league["models"].items():
        cells = [name]
        for phase in PHASES:
            scores = phases.get(phase)
            if scores is None:
                cells += ["-"] * (4 if wide else 3)
                continue
            reference = market.get(phase, {}).get("rps") if name != "market" else None
            cells += [
                _fmt(scores["rps"], ".4f"),
                _delta(scores["rps"], reference) if name != "market" else "",
                _fmt(scores["log_loss"], ".4f"),
            ]
            if wide:
                cells.append(_fmt(scores["accuracy"], ".1%"))
        table.add_row(*cells)
    return table


def markets_table(code: str, markets: dict[str, Any]) -> Table:
    """Log loss of each goals market's models, and the model's minus the
    market's (the markets have no RPS: two outcomes)."""
    headers = ["market", "model", "pre LL", "vs mkt", "close LL", "vs mkt"]
    table = _table(f"{code}: goals markets, log loss", headers, left=2)
    for market, body in markets.items():
        reference = body["models"].get("market", {})
        for name, moments in sorted(body["models"].items()):
            cells = [market, name]
            for phase in PHASES:
                own = (moments.get(phase) or {}).get("log_loss")
                theirs = reference.get(phase, {}).get("log_loss") if name != "market" else None
                cells += [_fmt(own, ".4f"), _delta(own, theirs) if name != "market" else ""]
            table.add_row(*cells)
    return table


def betting_table(
    code: str, league: dict[str, Any], title: str = "paper betting", wide: bool = False
) -> Table:
    """Each strategy's bets, profit in stakes, ROI with its 90% interval, and
    closing-line value against the raw and the margin-free closing price."""
    headers = ["strategy", "bets", "profit", "ROI %", "90% CI", "CLV %", "fair CLV %"]
    if wide:
        headers[2:2] = ["staked"]
        headers.append("drawdown")
    table = _table(f"{code}: {title}", headers)
    for name, b in league["betting"].items():
        cells = [
            name,
            str(b["bets"]),
            _fmt(b["profit"], "+.2f"),
            _pct(b["roi"]),
            interval(b.get("roi_ci90")),
            _pct(b["clv"], 2),
            _pct(b.get("fair_clv"), 2),
        ]
        if wide:
            cells[2:2] = [_fmt(b["staked"], ".1f")]
            cells.append(_fmt(b["max_drawdown"], ".2f"))
        table.add_row(*cells)
    return table


def print_summary(console: Console, summary: dict[str, Any], wide: bool | None = None) -> None:
    """Every league's tables, then the run's totals. ``wide`` None: wide on a
    console of :data:`WIDE_FROM` columns or more."""
    wide = console.width >= WIDE_FROM if wide is None else wide
    for code, league in summary["leagues"].items():
        tables = [models_table(code, league, wide)]
        if league["betting"]:
            tables.append(betting_table(code, league, wide=wide))
        if league.get("markets"):
            tables.append(markets_table(code, league["markets"]))
        for market, body in league.get("markets", {}).items():
            if body["betting"]:
                tables.append(betting_table(code, body, f"{market} paper betting", wide))
        for table in tables:
            console.print(table)
            console.print()
        if "model_bytes" in league:
            sizes = ", ".join(f"{m} {_size(b)}" for m, b in league["model_bytes"].items())
            console.print(f"{code} model pickles: {sizes}")
    head = f"{summary['matches']:,} matches"
    if summary.get("events") is not None:
        head += (
            f", {summary['events']:,} events in {summary['seconds']:.1f} s "
            f"({summary['events_per_second']:,.0f} events/s)"
        )
    console.print(head)
    console.print("vs mkt: the model's score minus the market's (negative beats the bookmaker).")
    if not wide:
        console.print("More columns: --wide; every number: --json.")


def _league_title(code: str, league: dict[str, Any]) -> str:
    """What the league's scores cover, short enough for one line.

    >>> _league_title("E0", {"scored_matches": 1520, "drift_events": 1,
    ...                      "dead_letters": 0, "late_events": 3})
    'E0: 1,520 matches, 1 drift, 0 dead letters, 3 late events'
    """
    return (
        f"{code}: {league['scored_matches']:,} matches, "
        f"{league['drift_events']:,} drift, "
        f"{_plural(league['dead_letters'], 'dead letter')}, "
        f"{_plural(league.get('late_events', 0), 'late event')}"
    )


def _plural(count: int, noun: str) -> str:
    """A count and its noun.

    >>> _plural(1, "drift event"), _plural(3, "drift event")
    ('1 drift event', '3 drift events')
    """
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _size(size: int) -> str:
    """A byte count people can read.

    >>> _size(48), _size(1823), _size(4_715_664)
    ('48 B', '1.8 kB', '4.72 MB')
    """
    if size < 1000:
        return f"{size} B"
    return f"{size / 1e3:.1f} kB" if size < 1e6 else f"{size / 1e6:.2f} MB"
