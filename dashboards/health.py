"""Model health: rolling scores of every model against the market per league,
drift alarms as annotations, matches learned, snapshot versions."""

from __future__ import annotations

from dashboards.panels import (
    LEAGUE,
    PHASE,
    bargauge,
    dashboard,
    sql,
    sql_annotation,
    table,
    timeseries,
)
from stream.storage.migrations import DAILY_VIEW

UID = "matchflow-models"
PRIMARY = "anchored"  # models.factory.PRIMARY; not imported: River loads in seconds


def rolling(column: str) -> str:
    """Rolling mean of one score per model, one series per model and league,
    from the daily aggregate (a row per league, model and day: the bucket's
    mean is its days' means weighted by their matches, as over the rows)."""
    return f"""
SELECT $__timeGroupAlias(day, $__interval), league || ' ' || model AS metric,
       sum({column} * matches) / sum(matches) AS {column}
FROM {DAILY_VIEW}
WHERE $__timeFilter(day) AND league IN (${{league:sqlstring}}) AND phase = ${{phase:sqlstring}}
GROUP BY 1, 2 ORDER BY 1
"""


# The primary model's rolling RPS minus the market's in each bucket, above 0
# is behind: the two models score the same matches, so the difference of
# their means is the mean of the differences.
GAP = f"""
SELECT $__timeGroupAlias(day, $__interval), league AS metric,
       sum(CASE WHEN model = '{PRIMARY}' THEN rolling_rps * matches END)
         / sum(CASE WHEN model = '{PRIMARY}' THEN matches END)
       - sum(CASE WHEN model = 'market' THEN rolling_rps * matches END)
         / sum(CASE WHEN model = 'market' THEN matches END) AS rps_gap
FROM {DAILY_VIEW}
WHERE model IN ('{PRIMARY}', 'market') AND $__timeFilter(day)
  AND league IN (${{league:sqlstring}}) AND phase = ${{phase:sqlstring}}
GROUP BY 1, 2 ORDER BY 1
"""
WEEKLY = "7d"  # a point per matchweek: a rolling mean moves once a round

DRIFTS = """
SELECT ts AS "time", league || ' ' || detector || ': error ' || round(error_before::numeric, 3)
       || ' -> ' || round(error_after::numeric, 3) AS text, league AS tags
FROM drift_events WHERE $__timeFilter(ts) AND league IN (${league:sqlstring}) ORDER BY 1
"""

DRIFT_TABLE = """
SELECT ts, league, model, detector, season, match_id, matches_seen, error_before, error_after
FROM drift_events WHERE $__timeFilter(ts) AND league IN (${league:sqlstring})
ORDER BY ts DESC LIMIT 50
"""

SEASONS = """
SELECT league, season, model, count(*) AS matches, avg(rps) AS rps, avg(log_loss) AS log_loss,
       avg(correct::double precision) AS accuracy, avg(brier) AS brier
FROM model_metrics
WHERE $__timeFilter(ts) AND league IN (${league:sqlstring}) AND phase = ${phase:sqlstring}
GROUP BY league, season, model ORDER BY league, season DESC, model
"""

SNAPSHOTS = """
SELECT DISTINCT ON (league) league, version, ts AS event_time, trigger, run_id,
       round(size / 1048576.0, 2) AS size_mb, seconds AS log_seconds
FROM model_snapshots WHERE league IN (${league:sqlstring})
ORDER BY league, version DESC
"""


def build() -> dict:
    panels = [
        timeseries(
            "Rolling RPS, $league (lower is better; market is the bar)",
            sql(rolling("rolling_rps")),
            width=12,
            interval=WEEKLY,
            repeat="league",
            repeatDirection="h",
            maxPerRow=2,
        ),
        timeseries(
            "Primary model's rolling RPS minus the market's (above 0: behind)",
            sql(GAP),
            interval=WEEKLY,
        ),
        timeseries("Rolling log loss", sql(rolling("rolling_log_loss")), interval=WEEKLY),
        timeseries(
            "Rolling accuracy",
            sql(rolling("rolling_accuracy")),
            unit="percentunit",
            interval=WEEKLY,
        ),
        bargauge(
            "Matches learned",
            sql(
                "SELECT league || ' ' || model AS metric, matches_learned FROM model_state "
                "WHERE model <> 'market' AND league IN (${league:sqlstring}) ORDER BY 1",
                "table",
            ),
        ),
        table(
            "Model state: drifts and warnings",
            sql(
                "SELECT league, model, matches_learned, drifts, warnings, monitor_drifts, "
                "updated_at FROM model_state WHERE league IN (${league:sqlstring}) "
                "ORDER BY league, model",
                "table",
            ),
            width=12,
            height=8,
        ),
        table(
            "Live snapshot version per league (MLflow registry matchflow-<league>)",
            sql(SNAPSHOTS, "table"),
            width=12,
            height=8,
        ),
        table("Drift alarms", sql(DRIFT_TABLE, "table"), width=24, height=8),
        table("Scores per season", sql(SEASONS, "table"), height=12),
    ]
    return dashboard(
        UID,
        "matchflow / Model health",
        panels,
        [LEAGUE, PHASE],
        annotations=(sql_annotation("Drift alarms", DRIFTS),),
    )
