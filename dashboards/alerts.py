"""Alert rules (Grafana unified alerting, file provisioning): a drift burst,
the primary model falling behind the market, dead letters, stale data.

Each rule is query A, reduced to its last value (B), compared by C."""

from __future__ import annotations

from typing import Any

from dashboards.panels import PROM, sql

FOLDER = "matchflow"
DRIFT_BURST = 3  # drift alarms in a league within a week
RPS_MARGIN = 0.01  # rolling RPS this far above the market's (0.01 is about 5%)
DEAD_LETTERS_PER_MINUTE = 1.0
STALE_HOURS = 48.0  # no new odds for two days: the feed has stopped

# One row per league, zero when quiet, so a calm league is "OK" rather than "no data".
DRIFTS_THIS_WEEK = """
SELECT s.league, count(d.ts)::double precision AS drifts
FROM (SELECT DISTINCT league FROM model_state) s
LEFT JOIN drift_events d ON d.league = s.league AND $__timeFilter(d.ts)
GROUP BY s.league
"""

# Each league's newest scored match in the rule's range (a season and more:
# a league in its summer break still has one), a constant bound that leaves
# TimescaleDB that range's chunks to plan, not the history's.
RPS_BEHIND = """
SELECT DISTINCT ON (a.league) a.league, a.rolling_rps - k.rolling_rps AS rps_gap
FROM model_metrics a
JOIN model_metrics k ON k.match_id = a.match_id AND k.phase = a.phase AND k.ts = a.ts
  AND k.model = 'market' AND k.ts >= $__timeFrom()
WHERE a.model = 'anchored' AND a.phase = 'pre' AND a.ts >= $__timeFrom()
ORDER BY a.league, a.ts DESC, a.match_id DESC
"""
BEHIND_RANGE_DAYS = 400

STALE = """
SELECT league, extract(epoch FROM now() - max(ts)) / 3600 AS hours_since_last_odds
FROM odds GROUP BY league
"""


def _query(ref: str, target: dict, seconds: int) -> dict[str, Any]:
    model = {key: value for key, value in target.items() if key != "refId"}
    return {
        "refId": ref,
        "datasourceUid": target["datasource"]["uid"],
        "relativeTimeRange": {"from": seconds, "to": 0},
        "model": {**model, "refId": ref},
    }


def _expression(ref: str, model: dict[str, Any]) -> dict[str, Any]:
    return {
        "refId": ref,
        "datasourceUid": "__expr__",
        "relativeTimeRange": {"from": 0, "to": 0},
        "model": {"refId": ref, "datasource": {"type": "__expr__", "uid": "__expr__"}, **model},
    }


def rule(
    uid: str,
    title: str,
    target: dict,
    seconds: int,
    above: float,
    summary: str,
    pending: str = "5m",
) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "condition": "C",
        "for": pending,
        "noDataState": "OK",
        "execErrState": "Error",
        "annotations": {"summary": summary},
        "labels": {"project": "matchflow"},
        "data": [
            _query("A", target, seconds),
            _expression("B", {"type": "reduce", "expression": "A", "reducer": "last"}),
            _expression(
                "C",
                {
                    "type": "threshold",
                    "expression": "B",
                    "conditions": [{"evaluator": {"type": "gt", "params": [above]}}],
                },
            ),
        ],
    }


def rules() -> list[dict[str, Any]]:
    week, day = 7 * 86400, 86400
    return [
        rule(
            "matchflow-drift-burst",
            "Drift burst",
            sql(DRIFTS_THIS_WEEK, "table"),
            week,
            DRIFT_BURST - 0.5,
            f"{{{{ $labels.league }}}}: {DRIFT_BURST}+ drift alarms in a week",
        ),
        rule(
            "matchflow-rps-behind-market",
            "Primary model behind the market",
            sql(RPS_BEHIND, "table"),
            BEHIND_RANGE_DAYS * day,
            RPS_MARGIN,
            f"{{{{ $labels.league }}}}: the primary's rolling RPS is over {RPS_MARGIN} above the "
            "market's",
            pending="1h",
        ),
        rule(
            "matchflow-dead-letters",
            "Dead letters per minute",
            {
                "refId": "A",
                "datasource": PROM,
                "expr": "sum(rate(matchflow_dead_letters_total[5m])) * 60",
                "instant": True,
                "range": False,
            },
            600,
            DEAD_LETTERS_PER_MINUTE,
            f"more than {DEAD_LETTERS_PER_MINUTE:g} dead letter per minute",
        ),
        rule(
            "matchflow-stale-data",
            "Stale data",
            sql(STALE, "table"),
            day,
            STALE_HOURS,
            f"{{{{ $labels.league }}}}: no new odds for {STALE_HOURS:g} hours",
            pending="10m",
        ),
    ]


def provisioning() -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "groups": [
            {"orgId": 1, "name": "matchflow", "folder": FOLDER, "interval": "1m", "rules": rules()}
        ],
    }
