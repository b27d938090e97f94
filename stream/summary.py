"""The run summary, computed from what a store holds (so ``replay`` and
``summary`` agree by construction, whatever store or worker count wrote it).

Model scores are means of the per-match prequential scores of the matches in
the window (season >= ``score_from``); betting figures come from the settled
bets of the same window, in kick-off order. The goals markets (``markets``)
are summarised the same way, each with its own models and bets.
"""

from __future__ import annotations

import math
import random
from typing import Any

from models.scoring import score_means
from stream.storage import Store

_SEASON_FILTER = "season >= :score_from"


def _mean(values: list[float]) -> float:
    # fsum is exact, so the mean does not depend on the order a store returns rows in
    return round(math.fsum(values) / len(values), 6)


def _metrics(store: Store, league: str, score_from: str) -> dict[str, dict[str, Any]]:
    rows = store.fetch(
        "SELECT model, phase, rps, log_loss, correct, brier FROM model_metrics "
        f"WHERE league = :league AND {_SEASON_FILTER} ORDER BY model, phase",
        {"league": league, "score_from": score_from},
    )
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault((row["model"], row["phase"]), []).append(row)
    models: dict[str, dict[str, Any]] = {}
    for (model, phase), scored in grouped.items():
        means = score_means(scored)
        models.setdefault(model, {})[phase] = {
            name: value if name == "matches" else round(value, 6) for name, value in means.items()
        }
    return models


def max_drawdown(profits: list[float]) -> float:
    """Largest fall of cumulative profit from a previous peak (>= 0).

    >>> max_drawdown([1.0, -2.0, 0.5, -1.0, 3.0])
    2.5
    """
    peak = running = worst = 0.0
    for profit in profits:
        running += profit
        peak = max(peak, running)
        worst = max(worst, peak - running)
    return worst


def _uniform_indices(bits, n: int) -> list[int]:
    """``n`` uniform draws from ``range(n)`` by rejection on ``bits(k)``: the
    draws ``randrange(n)`` makes, without its per-call checks (a full replay's
    summary bootstraps millions of them)."""
    k, picks = n.bit_length(), list[int]()
    while len(picks) < n:
        r = bits(k)
        if r < n:
            picks.append(r)
    return picks


def roi_interval(
    stakes: list[float], profits: list[float], level: float = 0.90, draws: int = 2000, seed: int = 7
) -> list[float] | None:
    """Bootstrap interval of ROI over bets (resampled with replacement, seeded,
    so a summary is reproducible).

    >>> roi_interval([1.0] * 20, [1.5, -1.0] * 10)  # won half, at odds of 2.5: ROI +25%
    [-0.125, 0.75]
    """
    if not stakes:
        return None
    bits = random.Random(seed).getrandbits
    n, rois = len(stakes), []
    for _ in range(draws):
        picks = _uniform_indices(bits, n)
        staked = math.fsum([stakes[i] for i in picks])
        rois.append(math.fsum([profits[i] for i in picks]) / staked if staked else 0.0)
    low, high = central_interval(sorted(rois), level)
    return [round(low, 4), round(high, 4)]


def central_interval(ordered: list[float], level: float) -> tuple[float, float]:
    """The values that leave ``(1 - level) / 2`` of ``ordered`` out below and
    as many out above (100 each of 2,000 draws at 90%).

    >>> central_interval(list(range(20)), 0.90)
    (1, 18)
    """
    cut = round((1.0 - level) / 2 * len(ordered))
    return ordered[cut], ordered[len(ordered) - 1 - cut]


def _betting(
    store: Store, league: str, score_from: str, market: str = "1x2"
) -> dict[str, dict[str, Any]]:
    rows = store.fetch(
        "SELECT strategy, stake, profit, clv, fair_clv FROM bets WHERE league = :league AND "
        f"market = :market AND {_SEASON_FILTER} AND profit IS NOT NULL "
        "ORDER BY kickoff, match_id",
        {"league": league, "score_from": score_from, "market": market},
    )
    by_strategy: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_strategy.setdefault(row["strategy"], []).append(row)
    betting = {}
    for strategy, bets in sorted(by_strategy.items()):
        staked = math.fsum(float(b["stake"]) for b in bets)
        profit = math.fsum(float(b["profit"]) for b in bets)
        clvs = [float(b["clv"]) for b in bets if b["clv"] is not None]
        fair = [float(b["fair_clv"]) for b in bets if b["fair_clv"] is not None]
        betting[strategy] = {
            "bets": len(bets),
            "staked": round(staked, 4),
            "profit": round(profit, 4),
            "roi": round(profit / staked, 6) if staked else 0.0,
            "max_drawdown": round(max_drawdown([float(b["profit"]) for b in bets]), 4),
            "clv": _mean(clvs) if clvs else None,
            "fair_clv": _mean(fair) if fair else None,
            "unpriced": len(bets) - len(fair),  # settled bets whose fair CLV is unknown
            "roi_ci90": roi_interval(
                [float(b["stake"]) for b in bets], [float(b["profit"]) for b in bets]
            ),
        }
    return betting


def _market_models(store: Store, league: str, score_from: str, market: str) -> dict[str, Any]:
    """Weighted means of a goals market's scores (a push weighs nothing)."""
    rows = store.fetch(
        "SELECT model, phase, COUNT(*) AS matches, SUM(weight) AS weight, "
        "SUM(weight * log_loss) AS log_loss, SUM(weight * brier) AS brier, "
        "SUM(weight * correct) AS correct FROM market_metrics WHERE league = :league "
        f"AND market = :market AND {_SEASON_FILTER} GROUP BY model, phase ORDER BY model, phase",
        {"league": league, "score_from": score_from, "market": market},
    )
    models: dict[str, dict[str, Any]] = {}
    for r in rows:
        weight = float(r["weight"] or 0.0)
        models.setdefault(r["model"], {})[r["phase"]] = {
            "matches": int(r["matches"]),
            "weight": round(weight, 4),
            **{
                name: round(float(r[column]) / weight, 6) if weight else None
                for name, column in (
                    ("log_loss", "log_loss"),
                    ("brier", "brier"),
                    ("accuracy", "correct"),
                )
            },
        }
    return models


def _markets(store: Store, league: str, score_from: str) -> dict[str, Any]:
    """Each goals market the league has scores of: ``models`` and ``betting``
    shaped like the 1X2's (log loss, Brier and accuracy: no RPS)."""
    found = store.fetch(
        "SELECT DISTINCT market FROM market_metrics WHERE league = :league ORDER BY market",
        {"league": league},
    )
    return {
        r["market"]: {
            "models": _market_models(store, league, score_from, r["market"]),
            "betting": _betting(store, league, score_from, r["market"]),
        }
        for r in found
    }


def _count(store: Store, sql: str, params: dict[str, Any]) -> int:
    return int(store.fetch(sql, params)[0]["n"])


def league_summary(store: Store, league: str, score_from: str) -> dict[str, Any]:
    params = {"league": league, "score_from": score_from}
    return {
        "matches": _count(
            store, "SELECT COUNT(*) AS n FROM matches WHERE league = :league", params
        ),
        "scored_matches": _count(
            store,
            "SELECT COUNT(DISTINCT match_id) AS n FROM model_metrics "
            f"WHERE league = :league AND {_SEASON_FILTER}",
            params,
        ),
        "drift_events": _count(
            store,
            f"SELECT COUNT(*) AS n FROM drift_events WHERE league = :league AND {_SEASON_FILTER}",
            params,
        ),
        "dead_letters": _count(
            store, "SELECT COUNT(*) AS n FROM dead_letters WHERE league = :league", params
        ),
        "late_events": _count(
            store, "SELECT COUNT(*) AS n FROM late_events WHERE league = :league", params
        ),
        "models": _metrics(store, league, score_from),
        "betting": _betting(store, league, score_from),
        "markets": _markets(store, league, score_from),
    }


def summarize(
    store: Store, score_from: str | None = None, leagues: list[str] | None = None
) -> dict[str, Any]:
    """The summary object of ``--json`` (timing fields are the caller's)."""
    score_from = score_from or "0000-00"
    known = [
        r["league"] for r in store.fetch("SELECT DISTINCT league FROM matches ORDER BY league")
    ]
    chosen = [code for code in known if leagues is None or code in leagues]
    per_league = {code: league_summary(store, code, score_from) for code in chosen}
    unattributed = _count(store, "SELECT COUNT(*) AS n FROM dead_letters WHERE league IS NULL", {})
    return {
        "matches": sum(s["matches"] for s in per_league.values()),
        "dead_letters_unattributed": unattributed,
        "leagues": per_league,
    }
