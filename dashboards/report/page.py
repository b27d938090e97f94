"""Assemble the report page: per league, a headline table, the charts and
the season table of scores and betting."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from dashboards.report import charts, data
from stream.storage import Store

STYLE = """
body { font-family: DejaVu Sans, Helvetica, Arial, sans-serif; margin: 24px; color: #222;
       max-width: 1100px; }
h1 { margin-bottom: 0; } h2 { border-bottom: 2px solid #1f77b4; padding-bottom: 4px; }
.meta { color: #666; margin-top: 4px; }
figure.chart { margin: 16px 0; } figure.chart svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 8px 0 24px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f0f4f8; } td:first-child, th:first-child { text-align: left; }
"""


def _cell(value: object, spec: str) -> str:
    """A float in its format; a missing one (NaN: no bet, no closing line) as '-'."""
    if isinstance(value, float):
        return "-" if value != value else format(value, spec)
    return str(value)


def _table(df: pd.DataFrame, formats: dict[str, str]) -> str:
    if df.empty:
        return "<p>No rows yet.</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = [_cell(v, formats.get(c, "")) for c, v in zip(df.columns, row)]
        body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(name: str, svg: str) -> str:
    return f'<figure class="chart" id="{name}">{svg}</figure>'


def _season_table(store: Store, league: str) -> str:
    scores = data.season_scores(store, league)
    if scores.empty:
        return "<p>No scored matches yet.</p>"
    wide = scores.pivot(index="season", columns="model", values="rps")
    wide.columns = [f"RPS {m}" for m in wide.columns]
    accuracy = scores.pivot(index="season", columns="model", values="accuracy")
    accuracy.columns = [f"accuracy {m}" for m in accuracy.columns]
    matches = scores.groupby("season")["matches"].max().rename("matches")
    table = pd.concat([matches, wide, accuracy], axis=1)
    betting = data.season_betting(store, league)
    if not betting.empty:
        roi = betting.pivot(index="season", columns="strategy", values="roi")
        roi.columns = [f"ROI {s}" for s in roi.columns]
        fair = betting.pivot(index="season", columns="strategy", values="fair_clv")
        fair.columns = [f"fair CLV {s}" for s in fair.columns]
        table = table.join(roi).join(fair)
    table = table.reset_index().sort_values("season", ascending=False)
    formats = {c: ".4f" for c in table.columns if c.startswith("RPS")}
    formats |= {c: ".1%" for c in table.columns if c.startswith(("accuracy", "ROI", "fair CLV"))}
    return _table(table, formats)


DRIFT_HEADERS = {
    "ts": "when",
    "model": "model",
    "detector": "detector",
    "error_before": "mean RPS before",
    "error_after": "mean RPS after",
}


def league_section(store: Store, league: str) -> str:
    parts = [f'<section id="league-{html.escape(league)}"><h2>{html.escape(league)}</h2>']
    scores, drift = data.rolling_scores(store, league), data.drifts(store, league)
    bank = data.bankroll(store, league)
    locked = data.locked_predictions(store, league)
    if not bank.empty:
        parts.append(_figure(f"bankroll-{league}", charts.bankroll(bank, league)))
    if not scores.empty:
        parts.append(_figure(f"rolling-rps-{league}", charts.rolling_rps(scores, drift, league)))
    if not locked.empty:
        parts.append(
            _figure(f"calibration-{league}", charts.calibration(data.calibration(locked), league))
        )
    parts.append("<h3>Season table (pre-match scores; ROI of settled bets)</h3>")
    parts.append(_season_table(store, league))
    goals = data.market_seasons(store, league)
    if not goals.empty:
        parts.append("<h3>Goals markets (pre-match log loss; best-flat bets)</h3>")
        formats = {c: ".4f" for c in goals.columns if c.startswith("log loss")}
        parts.append(_table(goals, formats | {"roi": ".1%", "fair_clv": ".1%"}))
    if not drift.empty:
        parts.append("<h3>Drift alarms</h3>")
        shown = drift.assign(ts=drift["ts"].dt.strftime("%Y-%m-%d %H:%M")).rename(
            columns=DRIFT_HEADERS
        )
        parts.append(
            _table(
                shown, {DRIFT_HEADERS["error_before"]: ".4f", DRIFT_HEADERS["error_after"]: ".4f"}
            )
        )
    parts.append("</section>")
    return "\n".join(parts)


def write_report(
    store: Store, out: Path, leagues: list[str] | None = None, source: str = ""
) -> list[str]:
    """Write the page; returns the leagues it covers."""
    chosen = leagues or data.leagues(store)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = [league_section(store, league) for league in chosen]
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>matchflow report</title><style>{STYLE}</style></head><body>"
        f'<h1>matchflow report</h1><p class="meta">{html.escape(source)} · '
        f"{', '.join(map(html.escape, chosen))} · generated {stamp}</p>"
        + "\n".join(sections)
        + "</body></html>\n"
    )
    out.write_text(page, encoding="utf-8")
    return chosen
