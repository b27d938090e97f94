"""Live predictions: upcoming matches with every model's probabilities, the
market's, the edge and the odds; recent results with what was predicted."""

from __future__ import annotations

from dashboards.panels import LEAGUE, dashboard, sql, stat, table

UID = "matchflow-live"

# Each upcoming match's latest prediction per model (DISTINCT ON keeps the newest).
UPCOMING = """
WITH latest AS (
  SELECT DISTINCT ON (p.match_id, p.model) p.match_id, p.model, p.ts,
         p.p_home, p.p_draw, p.p_away, p.odds_home, p.odds_draw, p.odds_away
  FROM predictions p JOIN matches m ON m.match_id = p.match_id
  WHERE m.status <> 'played' AND m.league IN (${league:sqlstring})
  ORDER BY p.match_id, p.model, p.ts DESC)
SELECT m.kickoff, m.league, m.home, m.away,
       a.p_home AS "anchored H", a.p_draw AS "anchored D", a.p_away AS "anchored A",
       s.p_home AS "arf H", s.p_draw AS "arf D", s.p_away AS "arf A",
       k.p_home AS "market H", k.p_draw AS "market D", k.p_away AS "market A",
       a.odds_home AS "odds H", a.odds_draw AS "odds D", a.odds_away AS "odds A",
       GREATEST(a.p_home * a.odds_home, a.p_draw * a.odds_draw, a.p_away * a.odds_away) - 1
         AS "best edge",
       a.ts AS "odds at"
FROM matches m
JOIN latest a ON a.match_id = m.match_id AND a.model = 'anchored'
LEFT JOIN latest s ON s.match_id = m.match_id AND s.model = 'arf'
LEFT JOIN latest k ON k.match_id = m.match_id AND k.model = 'market'
ORDER BY m.kickoff, m.league, m.home
"""

# The latest 100 played matches in the range (picked first), each with the
# last prediction made before kick-off: the newest by moment, which the writer
# keeps in latest_predictions (every prediction precedes kick-off). A match's
# scores come at its result, after kick-off: looked up from there (TimescaleDB
# skips the chunks before it at run time, and plans only the range's).
RECENT = """
WITH recent AS (
  SELECT * FROM matches
  WHERE status = 'played' AND $__timeFilter(kickoff) AND league IN (${league:sqlstring})
  ORDER BY kickoff DESC, league, home LIMIT 100)
SELECT m.kickoff, m.league, m.home, m.away,
       m.home_goals || '-' || m.away_goals AS score,
       CASE WHEN m.home_goals > m.away_goals THEN 'H'
            WHEN m.home_goals = m.away_goals THEN 'D' ELSE 'A' END AS result,
       a.p_home AS "anchored H", a.p_draw AS "anchored D", a.p_away AS "anchored A",
       k.p_home AS "market H", k.p_draw AS "market D", k.p_away AS "market A",
       ma.rps AS "anchored RPS", mk.rps AS "market RPS"
FROM recent m
JOIN latest_predictions a ON a.match_id = m.match_id AND a.model = 'anchored'
LEFT JOIN latest_predictions k ON k.match_id = m.match_id AND k.model = 'market'
LEFT JOIN LATERAL (SELECT rps FROM model_metrics s WHERE s.match_id = m.match_id
  AND s.model = 'anchored' AND s.phase = a.phase AND s.ts >= m.kickoff
  AND s.ts >= $__timeFrom() LIMIT 1) ma ON TRUE
LEFT JOIN LATERAL (SELECT rps FROM model_metrics s WHERE s.match_id = m.match_id
  AND s.model = 'market' AND s.phase = a.phase AND s.ts >= m.kickoff
  AND s.ts >= $__timeFrom() LIMIT 1) mk ON TRUE
ORDER BY m.kickoff DESC, m.league, m.home
"""


def build() -> dict:
    panels = [
        stat(
            "Upcoming matches",
            sql(
                "SELECT count(*) AS upcoming FROM matches "
                "WHERE status <> 'played' AND league IN (${league:sqlstring})",
                "table",
            ),
        ),
        stat(
            "Value bets open",
            sql(
                "SELECT count(*) AS open_bets FROM bets "
                "WHERE status = 'open' AND league IN (${league:sqlstring})",
                "table",
            ),
        ),
        stat(
            "Matches played in range",
            sql(
                "SELECT count(*) AS played FROM matches WHERE status = 'played' "
                "AND $__timeFilter(kickoff) AND league IN (${league:sqlstring})",
                "table",
            ),
        ),
        stat(
            "Newest event",
            sql(
                "SELECT extract(epoch FROM max(ts)) * 1000 AS newest FROM odds "
                "WHERE league IN (${league:sqlstring})",
                "table",
            ),
            unit="dateTimeAsIso",
        ),
        table(
            "Upcoming matches: each model's probabilities, the market's, the odds",
            sql(UPCOMING, "table"),
            height=12,
        ),
        table(
            "Recent results with what was predicted before kick-off",
            sql(RECENT, "table"),
            height=12,
        ),
    ]
    return dashboard(UID, "matchflow / Live predictions", panels, [LEAGUE])
