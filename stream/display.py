"""Rich rendering of summaries: one table of model scores and one of bets per
league, then the goals markets' scores and bets, so a run can be judged at a
glance."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

PHASES = ("pre", "close")


def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def models_table(code: str, league: dict[str, Any]) -> Table:
    table = Table(
        title=f"{code}: {league['scored_matches']} scored matches, "
        f"{_plural(league['drift_events'], 'drift event')}, "
        f"{_plural(league['dead_letters'], 'dead letter')}, "
        f"{_plural(league.get('late_events', 0), 'late event')}",
        title_justify="left",
    )
    for header in (
        "model",
        "pre RPS",
        "pre log loss",
        "pre acc",
        "close RPS",
        "close log loss",
        "close acc",
    ):
        table.add_column(header, justify="left" if header == "model" else "right")
    market = league["models"].get("market", {})
    for name, phases in league["models"].items():
        cells = [name]
        for phase in ("pre", "close"):
            scores = phases.get(phase)
            if scores is None:
                cells += ["-", "-", "-"]
                continue
            rps = _fmt(scores["rps"], ".4f")
            if name != "market" and phase in market:
                delta = scores["rps"] - market[phase]["rps"]
                rps += f" ({'+' if delta >= 0 else ''}{delta:.4f})"
            cells += [rps, _fmt(scores["log_loss"], ".4f"), _fmt(scores["accuracy"], ".1%")]
        table.add_row(*cells)
    return table


def markets_table(code: str, markets: dict[str, Any]) -> Table:
    """Log loss of each goals market's models, the model's minus the market's
    in brackets (the markets have no RPS: two outcomes)."""
    table = Table(title=f"{code}: goals markets, log loss", title_justify="left")
    for header in ("market", "model", "pre", "close"):
        table.add_column(header, justify="left" if header in ("market", "model") else "right")
    for market, body in markets.items():
        reference = body["models"].get("market", {})
        for name, moments in sorted(body["models"].items()):
            cells = [market, name]
            for phase in PHASES:
                scores = moments.get(phase)
                if scores is None or scores["log_loss"] is None:
                    cells.append("-")
                    continue
                text = _fmt(scores["log_loss"], ".4f")
                if name != "market" and reference.get(phase, {}).get("log_loss") is not None:
                    text += f" ({scores['log_loss'] - reference[phase]['log_loss']:+.4f})"
                cells.append(text)
            table.add_row(*cells)
    return table


def betting_table(code: str, league: dict[str, Any], title: str = "paper betting") -> Table:
    table = Table(title=f"{code}: {title}", title_justify="left")
    for header in (
        "strategy",
        "bets",
        "staked",
        "profit",
        "ROI",
        "ROI 90% CI",
        "max drawdown",
        "CLV",
        "fair CLV",
    ):
        table.add_column(header, justify="left" if header == "strategy" else "right")
    for name, b in league["betting"].items():
        low, high = b.get("roi_ci90") or (None, None)
        interval = "-" if low is None else f"{low:+.1%} .. {high:+.1%}"
        table.add_row(
            name,
            str(b["bets"]),
            _fmt(b["staked"], ".1f"),
            _fmt(b["profit"], "+.2f"),
            _fmt(b["roi"], "+.1%"),
            interval,
            _fmt(b["max_drawdown"], ".2f"),
            _fmt(b["clv"], "+.2%"),
            _fmt(b.get("fair_clv"), "+.2%"),
        )
    return table


def print_summary(console: Console, summary: dict[str, Any]) -> None:
    for code, league in summary["leagues"].items():
        console.print(models_table(code, league))
        if league["betting"]:
            console.print(betting_table(code, league))
        if league.get("markets"):
            console.print(markets_table(code, league["markets"]))
        for market, body in league.get("markets", {}).items():
            if body["betting"]:
                console.print(betting_table(code, body, f"{market} paper betting"))
        if "model_bytes" in league:
            sizes = ", ".join(f"{m} {_size(b)}" for m, b in league["model_bytes"].items())
            console.print(f"{code} model pickles: {sizes}")
    head = f"{summary['matches']} matches"
    if summary.get("events") is not None:
        head += (
            f", {summary['events']} events in {summary['seconds']:.1f} s "
            f"({summary['events_per_second']:.0f} events/s)"
        )
    console.print(head)
    console.print("RPS in brackets: model minus market (negative beats the bookmaker).")


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
