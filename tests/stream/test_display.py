"""The summary's tables at the width of a default terminal and of a pipe."""

import io

import pytest
from rich.console import Console

from stream.display import print_summary


def _strategy(bets: int, profit: float, roi: float, clv: float) -> dict:
    return {
        "bets": bets,
        "staked": abs(profit) * 10,
        "profit": profit,
        "roi": roi,
        "roi_ci90": [-1.0, -1.0],  # "-100.0..-100.0": the widest
        "max_drawdown": 1234.56,
        "clv": clv,
        "fair_clv": clv - 0.1,
    }


def _worst_case() -> dict:
    """A league with the widest values the tables can meet."""
    scores = {"rps": 0.2001, "log_loss": 0.9705, "accuracy": 0.544}
    worse = {"rps": 0.2130, "log_loss": 1.0726, "accuracy": 0.523}
    betting = {
        name: _strategy(12_345, -1234.56, -1.0, -0.1583)
        for name in ("best-flat", "best-kelly", "flat", "kelly")
    }
    two_way = {"pre": {"log_loss": 0.6918}, "close": {"log_loss": 0.6938}}
    league = {
        "scored_matches": 12_345,
        "drift_events": 123,
        "dead_letters": 12_345,
        "late_events": 1_234,
        "models": {name: {"pre": worse, "close": worse} for name in ("anchored", "arf")}
        | {"market": {"pre": scores, "close": scores}},
        "betting": betting,
        "markets": {
            market: {
                "models": {"anchored": two_way, "market": two_way},
                "betting": {"best-flat": betting["best-flat"], "best-kelly": betting["best-kelly"]},
            }
            for market in ("ou25", "ah")
        },
        "model_bytes": {"anchored": 1_823, "arf": 204_800},
    }
    return {
        "leagues": {"E1": league},
        "matches": 28_406,
        "events": 355_451,
        "seconds": 190.2,
        "events_per_second": 1868.8,
    }


def _render(width: int, wide: bool | None = None) -> str:
    buffer = io.StringIO()
    print_summary(Console(file=buffer, width=width, color_system=None), _worst_case(), wide)
    return buffer.getvalue()


def test_the_default_view_fits_80_columns_whole():
    text = _render(80)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    rows = [line for line in text.splitlines() if line.startswith(("best-", "flat", "kelly"))]
    # every strategy's row on one line, with its interval whole and its name apart
    assert len(rows) == 4 + 2 * 2
    assert all("-100.0..-100.0" in row and "-1234.56" in row for row in rows)
    assert {row.split()[0] for row in rows} == {"best-flat", "best-kelly", "flat", "kelly"}
    assert "E1: 12,345 matches, 123 drift, 12,345 dead letters, 1,234 late events" in text


@pytest.mark.parametrize("width, wide", [(132, True), (200, None)])
def test_the_wide_view_adds_accuracy_stakes_and_drawdown(width, wide):
    text = _render(width, wide)
    for header in ("pre acc", "close acc", "staked", "drawdown"):
        assert header in text
    assert "--wide" not in text and "…" not in text


def test_a_narrow_view_says_where_the_rest_is():
    text = _render(80)
    assert "pre acc" not in text and "drawdown" not in text
    assert "--wide" in text and "--json" in text
