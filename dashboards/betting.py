"""Betting: bankroll per strategy and league, profit, drawdown, ROI,
closing-line value and the latest bets of the 1X2; then the goals markets'
(over/under 2.5, Asian handicap) closing-line value, returns and scores."""

from __future__ import annotations

from dashboards.panels import (
    LEAGUE,
    PHASE,
    STRATEGY,
    dashboard,
    sql,
    stat,
    table,
    timeseries,
)

UID = "matchflow-betting"
CHOSEN = "league IN (${league:sqlstring}) AND strategy IN (${strategy:sqlstring})"
ONE_X_TWO = f"market = '1x2' AND {CHOSEN}"  # the bets of the 1X2
# the goals markets' bets (their strategies are the best-price ones: all shown)
GOALS = "market <> '1x2' AND league IN (${league:sqlstring})"

BANKROLL = f"""
SELECT $__timeGroupAlias(ts, $__interval), league || ' ' || strategy AS metric,
       avg(bankroll) AS bankroll
FROM bankroll WHERE $__timeFilter(ts) AND {CHOSEN}
GROUP BY 1, 2 ORDER BY 1
"""

# Cumulative profit of settled bets, in units, in kick-off order.
PROFIT = f"""
SELECT kickoff AS "time", league || ' ' || strategy AS metric,
       sum(profit) OVER (PARTITION BY league, strategy ORDER BY kickoff, match_id) AS profit
FROM bets WHERE status <> 'open' AND $__timeFilter(kickoff) AND {ONE_X_TWO}
ORDER BY 1
"""

# Drawdown: how far cumulative profit sits below its running peak (from 0).
DRAWDOWN = f"""
WITH cumulative AS (
  SELECT kickoff, match_id, league, strategy,
         sum(profit) OVER (PARTITION BY league, strategy ORDER BY kickoff, match_id) AS profit
  FROM bets WHERE status <> 'open' AND $__timeFilter(kickoff) AND {ONE_X_TWO})
SELECT kickoff AS "time", league || ' ' || strategy AS metric,
       profit - GREATEST(0, max(profit) OVER (PARTITION BY league, strategy
                         ORDER BY kickoff, match_id)) AS drawdown
FROM cumulative ORDER BY 1
"""

# Fair CLV: taken odds x the reference's margin-free closing probability - 1.
CLV = f"""
SELECT $__timeGroupAlias(kickoff, $__interval), league || ' ' || strategy AS metric,
       avg(fair_clv) AS fair_clv
FROM bets WHERE fair_clv IS NOT NULL AND $__timeFilter(kickoff) AND {ONE_X_TWO}
GROUP BY 1, 2 ORDER BY 1
"""

SUMMARY = f"""
SELECT league, strategy, count(*) AS bets, sum(stake) AS staked, sum(profit) AS profit,
       sum(profit) / NULLIF(sum(stake), 0) AS roi, avg(clv) AS clv, avg(fair_clv) AS fair_clv,
       avg(CASE WHEN status = 'won' THEN 1.0 ELSE 0.0 END) AS hit_rate
FROM bets WHERE status <> 'open' AND $__timeFilter(kickoff) AND {ONE_X_TWO}
GROUP BY league, strategy ORDER BY league, strategy
"""

LATEST = """
SELECT b.kickoff, b.league, b.strategy, m.home, m.away, b.outcome, b.odds, b.bookmaker,
       b.probability, b.stake, b.closing_odds, b.clv, b.fair_clv, b.status, b.profit
FROM bets b JOIN matches m ON m.match_id = b.match_id
WHERE $__timeFilter(b.kickoff) AND b.league IN (${league:sqlstring})
  AND b.strategy IN (${strategy:sqlstring}) AND b.market = '1x2'
ORDER BY b.kickoff DESC, b.league, b.strategy LIMIT 50
"""

ROI = f"""
SELECT sum(profit) / NULLIF(sum(stake), 0) AS roi FROM bets
WHERE status <> 'open' AND $__timeFilter(kickoff) AND {ONE_X_TWO}
"""

GOALS_CLV = f"""
SELECT $__timeGroupAlias(kickoff, $__interval), market || ' ' || strategy AS metric,
       avg(fair_clv) AS fair_clv
FROM bets WHERE fair_clv IS NOT NULL AND $__timeFilter(kickoff) AND {GOALS}
GROUP BY 1, 2 ORDER BY 1
"""

GOALS_SUMMARY = f"""
SELECT league, market, strategy, count(*) AS bets, sum(profit) AS profit,
       sum(profit) / NULLIF(sum(stake), 0) AS roi, avg(fair_clv) AS fair_clv,
       count(*) FILTER (WHERE fair_clv IS NULL) AS unpriced
FROM bets WHERE status <> 'open' AND $__timeFilter(kickoff) AND {GOALS}
GROUP BY league, market, strategy ORDER BY league, market, strategy
"""

# Weekly log loss of each goals market's models (weighted: a push weighs nothing).
GOALS_LOG_LOSS = """
SELECT $__timeGroupAlias(ts, $__interval), market || ' ' || model AS metric,
       sum(weight * log_loss) / NULLIF(sum(weight), 0) AS log_loss
FROM market_metrics
WHERE $__timeFilter(ts) AND league IN (${league:sqlstring}) AND phase = '${phase}'
GROUP BY 1, 2 ORDER BY 1
"""


def build() -> dict:
    panels = [
        stat("ROI in range", sql(ROI, "table"), unit="percentunit", decimals=2),
        stat(
            "Profit in range (units)",
            sql(
                f"SELECT sum(profit) AS profit FROM bets WHERE status <> 'open' "
                f"AND $__timeFilter(kickoff) AND {ONE_X_TWO}",
                "table",
            ),
            decimals=1,
        ),
        stat(
            "Mean fair closing-line value",
            sql(
                f"SELECT avg(fair_clv) AS fair_clv FROM bets WHERE $__timeFilter(kickoff) "
                f"AND {ONE_X_TWO}",
                "table",
            ),
            unit="percentunit",
            decimals=2,
        ),
        stat(
            "Bets in range",
            sql(
                f"SELECT count(*) AS bets FROM bets WHERE $__timeFilter(kickoff) AND {ONE_X_TWO}",
                "table",
            ),
        ),
        timeseries("Bankroll (each season starts at 100 units)", sql(BANKROLL)),
        timeseries("Cumulative profit (units)", sql(PROFIT), interval=None),
        timeseries("Drawdown from the running peak (units)", sql(DRAWDOWN), interval=None),
        timeseries(
            "Fair closing-line value (taken odds x fair closing probability - 1)",
            sql(CLV),
            unit="percentunit",
            interval="7d",
        ),
        table("ROI by league and strategy", sql(SUMMARY, "table"), height=8),
        table("Latest bets", sql(LATEST, "table"), height=12),
        timeseries(
            "Goals markets: fair closing-line value",
            sql(GOALS_CLV),
            unit="percentunit",
            interval="7d",
        ),
        timeseries(
            "Goals markets: log loss at the chosen moment", sql(GOALS_LOG_LOSS), interval="7d"
        ),
        table("Goals markets: returns by league, market and strategy", sql(GOALS_SUMMARY, "table")),
    ]
    return dashboard(UID, "matchflow / Betting", panels, [LEAGUE, STRATEGY, PHASE])
