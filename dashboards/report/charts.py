"""Static charts as inline SVG (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

MODEL_COLOURS = {"anchored": "#1f77b4", "arf": "#2ca02c", "market": "#d62728"}
STRATEGY_COLOURS = {"flat": "#9467bd", "kelly": "#ff7f0e"}
MAX_POINTS = 1500  # per series: enough for the eye, keeps the page small
MIN_BIN = 20  # forecasts a calibration point needs before it is drawn


def _thin(df: pd.DataFrame) -> pd.DataFrame:
    step = max(1, len(df) // MAX_POINTS)
    return df.iloc[::step]


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype: it is inline


def bankroll(df: pd.DataFrame, league: str) -> str:
    fig, ax = plt.subplots(figsize=(10, 3.6))
    for strategy, rows in df.groupby("strategy"):
        for number, (_, season) in enumerate(rows.groupby("season")):  # a bank per season
            season = _thin(season)
            ax.plot(
                season["ts"],
                season["bankroll"],
                lw=1.2,
                label=strategy if number == 0 else None,
                color=STRATEGY_COLOURS.get(strategy),
            )
    ax.axhline(100, color="grey", lw=0.8, ls="--")
    if df["bankroll"].max() > 1000:  # compounding stakes: growth reads better on a log scale
        ax.set_yscale("log")
    ax.set(
        title=f"{league}: bankroll per strategy (each season starts at 100 units)", ylabel="units"
    )
    ax.legend(
        loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False
    )  # beside, not on, the curves
    ax.grid(alpha=0.3)
    return _svg(fig)


def rolling_rps(scores: pd.DataFrame, drift: pd.DataFrame, league: str) -> str:
    fig, ax = plt.subplots(figsize=(10, 3.6))
    for model, rows in scores.groupby("model"):
        rows = _thin(rows)
        ax.plot(
            rows["ts"],
            rows["rolling_rps"],
            lw=1.4 if model == "market" else 1.0,
            label=model,
            color=MODEL_COLOURS.get(model),
        )
    for number, moment in enumerate(drift.get("ts", [])):
        ax.axvline(
            moment, color="black", lw=0.8, ls=":", label="drift alarm" if number == 0 else None
        )
    ax.set(
        title=f"{league}: rolling RPS (pre-match, lower is better; market is the bar)", ylabel="RPS"
    )
    # The first matches of a rolling window score wildly: the axis follows the
    # central 98% of the values so one early spike cannot flatten the rest.
    low, high = scores["rolling_rps"].quantile([0.01, 0.99])
    margin = (high - low) * 0.15 or 0.01
    ax.set_ylim(low - margin, high + margin)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    ax.grid(alpha=0.3)
    return _svg(fig)


def calibration(table: pd.DataFrame, league: str) -> str:
    models = sorted(table["model"].unique())
    fig, axes = plt.subplots(
        1, len(models), figsize=(3.4 * len(models), 3.6), squeeze=False, layout="constrained"
    )
    for ax, model in zip(axes[0], models):
        rows = table[(table["model"] == model) & (table["n"] >= MIN_BIN)]
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
        ax.plot(
            rows["forecast"], rows["observed"], marker="o", ms=4, color=MODEL_COLOURS.get(model)
        )
        ax.set(
            title=f"{league} {model}",
            xlabel="forecast probability",
            ylabel="observed frequency",
            xlim=(0, 1),
            ylim=(0, 1),
        )
        ax.grid(alpha=0.3)
    fig.suptitle(f"{league}: calibration of the locked predictions (H, D, A pooled)")
    return _svg(fig)
