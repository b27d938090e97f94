"""Versioned schema migrations, frozen: each version's statements are written
out here and never change once released. A database at any version reaches
the same schema as a fresh one by applying the versions it lacks, in order.

A new column or table is a new version, here and in :mod:`stream.storage.schema`
(the live definitions the writers use); ``tests/stream/storage`` checks that
the two agree on both backends.

The time-series step (version 2) depends on the PostgreSQL server: with the
``timescaledb`` extension the time-series tables become hypertables with a
continuous aggregate and compression; without it they stay plain tables,
``time_bucket`` is defined over ``date_bin`` and the daily aggregate is a
materialized view. Dashboard SQL runs unchanged on both. SQLite skips the
server-only versions (2, 5, 8 and 12); plain PostgreSQL skips 8.

>>> [m.version for m in MIGRATIONS]
[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
>>> any("create_hypertable('predictions'" in s for s in MIGRATIONS[1].statements("postgres", True))
True
>>> MIGRATIONS[5].statements("sqlite", False)
['ALTER TABLE bets ADD COLUMN bookmaker TEXT', 'ALTER TABLE bets ADD COLUMN fair_clv REAL']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stream.storage.market_migration import MARKET_SERIES, market_statements
from stream.storage.schema import Table, table

Dialect = str  # "postgres" or "sqlite"

TYPES: dict[Dialect, dict[str, str]] = {
    "postgres": {
        "text": "TEXT",
        "float": "DOUBLE PRECISION",
        "int": "BIGINT",
        "ts": "TIMESTAMPTZ",
        "blob": "BYTEA",
    },
    "sqlite": {"text": "TEXT", "float": "REAL", "int": "INTEGER", "ts": "TEXT", "blob": "BLOB"},
}
TIME_SERIES = ("odds", "predictions", "bankroll", "model_metrics", "drift_events")
DAILY_VIEW = "model_metrics_daily"
READER_ROLE = "matchflow_reader"

# -- version 1: the tables as first released (frozen) --------------------------
_V1_TABLES = (
    table(
        "matches",
        ("match_id",),
        "match_id:text league:text season:text kickoff:ts home:text away:text "
        "home_goals:int away_goals:int status:text",
    ),
    table(
        "odds",
        ("match_id", "phase", "bookmaker", "ts"),
        "match_id:text phase:text bookmaker:text ts:ts league:text "
        "home:float draw:float away:float",
    ),
    table(
        "predictions",
        ("match_id", "model", "phase", "ts"),
        "match_id:text model:text phase:text ts:ts league:text season:text "
        "p_home:float p_draw:float p_away:float odds_home:float odds_draw:float "
        "odds_away:float model_version:int",
    ),
    table(
        "bets",
        ("match_id", "strategy"),
        "match_id:text strategy:text league:text season:text kickoff:ts outcome:text "
        "odds:float probability:float stake:float closing_odds:float clv:float "
        "status:text profit:float",
    ),
    table(
        "bankroll",
        ("league", "strategy", "ts", "match_id"),
        "league:text strategy:text ts:ts match_id:text season:text bankroll:float",
    ),
    table(
        "model_metrics",
        ("match_id", "model", "phase", "ts"),
        "match_id:text model:text phase:text ts:ts league:text season:text rps:float "
        "log_loss:float brier:float correct:int n:int rolling_rps:float "
        "rolling_log_loss:float rolling_accuracy:float cum_rps:float "
        "cum_log_loss:float cum_accuracy:float",
    ),
    table(
        "drift_events",
        ("league", "model", "ts", "detector"),
        "league:text model:text ts:ts detector:text season:text match_id:text "
        "matches_seen:int error_before:float error_after:float",
    ),
    table(
        "model_state",
        ("league", "model"),
        "league:text model:text updated_at:ts matches_learned:int drifts:int "
        "warnings:int monitor_drifts:int",
    ),
    table(
        "dead_letters",
        ("id",),
        "id:text league:text match_id:text ts:ts reason:text payload:text",
    ),
)
_V1_INDEXES = (
    "CREATE INDEX IF NOT EXISTS predictions_league_ts ON predictions (league, ts)",
    "CREATE INDEX IF NOT EXISTS model_metrics_league_season ON model_metrics (league, season)",
    "CREATE INDEX IF NOT EXISTS bets_league_season ON bets (league, season)",
    "CREATE INDEX IF NOT EXISTS matches_league_kickoff ON matches (league, kickoff)",
)

# -- version 2: time series (PostgreSQL only) ----------------------------------
_DAILY_SELECT = (
    "SELECT time_bucket(INTERVAL '1 day', ts) AS day, league, model, phase, "
    "COUNT(*) AS matches, AVG(rps) AS rps, AVG(log_loss) AS log_loss, "
    "AVG(correct::double precision) AS accuracy, AVG(brier) AS brier "
    "FROM model_metrics GROUP BY 1, 2, 3, 4"
)
TIME_BUCKET_FALLBACK = (
    "CREATE OR REPLACE FUNCTION time_bucket(bucket INTERVAL, ts TIMESTAMPTZ) "
    "RETURNS TIMESTAMPTZ LANGUAGE SQL IMMUTABLE PARALLEL SAFE AS "
    "$$ SELECT date_bin(bucket, ts, TIMESTAMPTZ '2000-01-03 00:00:00+00') $$"
)


def timeseries_statements(timescale: bool) -> list[str]:
    """Version 2 for one kind of server. Retention is not part of the schema:
    it is a setting, applied at every start (:func:`retention_statements`)."""
    if not timescale:
        return [
            TIME_BUCKET_FALLBACK,
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS {DAILY_VIEW} AS {_DAILY_SELECT} WITH NO DATA",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {DAILY_VIEW}_key "
            f"ON {DAILY_VIEW} (day, league, model, phase)",
        ]
    statements = ["CREATE EXTENSION IF NOT EXISTS timescaledb"]
    for name in TIME_SERIES:
        statements += [
            f"SELECT create_hypertable('{name}', by_range('ts'), "
            "if_not_exists => TRUE, migrate_data => TRUE)",
            f"ALTER TABLE {name} SET (timescaledb.compress, "
            "timescaledb.compress_segmentby = 'league')",
            f"SELECT add_compression_policy('{name}', INTERVAL '30 days', if_not_exists => TRUE)",
        ]
    return [
        *statements,
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {DAILY_VIEW} "
        f"WITH (timescaledb.continuous) AS {_DAILY_SELECT} WITH NO DATA",
        f"SELECT add_continuous_aggregate_policy('{DAILY_VIEW}', "
        "start_offset => NULL, end_offset => INTERVAL '1 hour', "
        "schedule_interval => INTERVAL '5 minutes', if_not_exists => TRUE)",
    ]


def retention_statements(days: int) -> list[str]:
    """TimescaleDB drops chunks of the time-series tables older than ``days``
    (0 removes the policy: keep everything).

    >>> retention_statements(90)[1]
    "SELECT add_retention_policy('odds', INTERVAL '90 days')"
    """
    statements = []
    for name in (*TIME_SERIES, *MARKET_SERIES):
        statements.append(f"SELECT remove_retention_policy('{name}', if_exists => TRUE)")
        if days > 0:
            statements.append(f"SELECT add_retention_policy('{name}', INTERVAL '{days} days')")
    return statements


# -- version 3 and 4: serving --------------------------------------------------
_V3_STATE = table(
    "league_state",
    ("league",),
    "league:text updated_at:ts matches_learned:int events:int state:blob",
)
_V3_INDEXES = (
    "CREATE INDEX IF NOT EXISTS matches_league_status ON matches (league, status, kickoff)",
    "CREATE INDEX IF NOT EXISTS bets_strategy ON bets (strategy, league, kickoff)",
)
_V4_SNAPSHOTS = table(
    "model_snapshots",
    ("league", "version"),
    "league:text version:int ts:ts run_id:text trigger:text size:int seconds:float",
)

# -- version 5: a read-only role (PostgreSQL only) -----------------------------
_READER = f"""DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{READER_ROLE}') THEN
    CREATE ROLE {READER_ROLE} NOLOGIN;
  END IF;
  EXECUTE 'GRANT USAGE ON SCHEMA ' || quote_ident(current_schema()) || ' TO {READER_ROLE}';
  EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA ' || quote_ident(current_schema())
          || ' TO {READER_ROLE}';
  EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA ' || quote_ident(current_schema())
          || ' GRANT SELECT ON TABLES TO {READER_ROLE}';
EXCEPTION WHEN insufficient_privilege OR duplicate_object THEN
  RAISE NOTICE 'read-only role {READER_ROLE} not set up: %', SQLERRM;
END $$"""


# -- version 7: events that arrived behind their league's watermark -------------
_V7_LATE = table(
    "late_events",
    ("id",),
    "id:text league:text match_id:text type:text ts:ts watermark:ts action:text",
)
_V7_INDEXES = ("CREATE INDEX IF NOT EXISTS late_events_league ON late_events (league, ts)",)


# -- version 8: a TimescaleDB layout for the data (TimescaleDB only) ------------
# Chunks sized by the data rate: a league writes a few thousand odds,
# prediction and score rows a week live, and twenty seasons of history fill
# 180-day chunks with 3k-30k rows each (7-day chunks made 760 per table, and
# segments of a few rows that compression made larger). Compression segments
# by league, in time order, so a dashboard's league and range read few batches.
CHUNK_DAYS = {
    "odds": 180,
    "predictions": 180,
    "model_metrics": 180,
    "bankroll": 365,
    "drift_events": 3650,
}


def _compression(name: str) -> str:
    # a table with compressed chunks cannot change its settings: keep them then
    return (
        "DO $$ BEGIN "
        f"ALTER TABLE {name} SET (timescaledb.compress, "
        "timescaledb.compress_segmentby = 'league', timescaledb.compress_orderby = 'ts'); "
        f"EXCEPTION WHEN others THEN RAISE NOTICE '{name} keeps its compression: %', SQLERRM; "
        "END $$"
    )


def layout_statements(timescale: bool) -> list[str]:
    """Version 8: chunk intervals, compression order, and a daily aggregate
    that shows today's rows (real-time aggregation) as the fallback does.

    >>> layout_statements(False)
    []
    >>> layout_statements(True)[0]
    "SELECT set_chunk_time_interval('odds', INTERVAL '180 days')"
    """
    if not timescale:
        return []
    statements = []
    for name, days in CHUNK_DAYS.items():
        statements.append(f"SELECT set_chunk_time_interval('{name}', INTERVAL '{days} days')")
        statements.append(_compression(name))
    statements.append(
        f"ALTER MATERIALIZED VIEW {DAILY_VIEW} SET (timescaledb.materialized_only = false)"
    )
    return statements


# -- version 9: reads shaped for their answer ------------------------------------
# Indexes in the order each page is read (newest first, keyset), and three
# summaries the writer keeps: a league's score totals per model and moment,
# the newest bankroll of each league and strategy, and matches per status.
_V9_SUMMARIES = (
    table(
        "metric_totals",
        ("league", "model", "phase"),
        "league:text model:text phase:text n:int rps:float log_loss:float correct:int brier:float",
    ),
    table(
        "latest_bankroll",
        ("league", "strategy"),
        "league:text strategy:text ts:ts match_id:text season:text bankroll:float",
    ),
    table("match_counts", ("league", "status"), "league:text status:text n:int"),
)
_V9_INDEXES = (
    "CREATE INDEX IF NOT EXISTS matches_league_season ON matches (league, season)",
    "CREATE INDEX IF NOT EXISTS matches_kickoff ON matches (kickoff, match_id)",
    "CREATE INDEX IF NOT EXISTS matches_status_kickoff ON matches (status, kickoff, match_id)",
    "CREATE INDEX IF NOT EXISTS bets_kickoff ON bets (kickoff, match_id, strategy)",
    "CREATE INDEX IF NOT EXISTS bets_league_kickoff ON bets (league, kickoff, match_id, strategy)",
    "CREATE INDEX IF NOT EXISTS bets_strategy_kickoff ON bets (strategy, kickoff, match_id)",
    "CREATE INDEX IF NOT EXISTS bets_status_kickoff ON bets (status, kickoff, match_id, strategy)",
    "CREATE INDEX IF NOT EXISTS model_metrics_series "
    "ON model_metrics (league, model, phase, ts, match_id)",
)
# TimescaleDB indexes every hypertable by time already
_V9_TIME_INDEXES = (
    "CREATE INDEX IF NOT EXISTS odds_ts ON odds (ts)",
    "CREATE INDEX IF NOT EXISTS model_metrics_ts ON model_metrics (ts)",
)
_V9_BACKFILL = (
    "INSERT INTO match_counts (league, status, n) "
    "SELECT league, status, COUNT(*) FROM matches GROUP BY league, status",
    "INSERT INTO metric_totals (league, model, phase, n, rps, log_loss, correct, brier) "
    "SELECT league, model, phase, COUNT(*), SUM(rps), SUM(log_loss), SUM(correct), SUM(brier) "
    "FROM model_metrics GROUP BY league, model, phase",
    "INSERT INTO latest_bankroll (league, strategy, ts, match_id, season, bankroll) "
    "SELECT league, strategy, ts, match_id, season, bankroll FROM ("
    "SELECT b.*, ROW_NUMBER() OVER (PARTITION BY league, strategy "
    "ORDER BY ts DESC, match_id DESC) AS newest FROM bankroll b) ranked WHERE newest = 1",
)


def read_statements(dialect: Dialect, timescale: bool) -> list[str]:
    """Version 9: the summary tables (filled from the rows already stored)
    and the indexes of the API's pages."""
    time_indexes = [] if timescale else list(_V9_TIME_INDEXES)
    return [
        *(t.ddl(TYPES[dialect]) for t in _V9_SUMMARIES),
        *_V9_INDEXES,
        *time_indexes,
        *_V9_BACKFILL,
    ]


# -- version 10: the newest rows by key ----------------------------------------------
# Each match's newest prediction per model (the predictions page reads these,
# not a hypertable by match_id), and each score series' time span: a lower
# and an upper bound of its rows' times, from which the metrics route bounds
# its rolling window in time (and TimescaleDB reads few chunks).
_V10_LATEST = table(
    "latest_predictions",
    ("match_id", "model"),
    "match_id:text model:text phase:text ts:ts league:text season:text "
    "p_home:float p_draw:float p_away:float odds_home:float odds_draw:float "
    "odds_away:float model_version:int",
)
_V10_BACKFILL = (
    "INSERT INTO latest_predictions (match_id, model, phase, ts, league, season, p_home, "
    "p_draw, p_away, odds_home, odds_draw, odds_away, model_version) "
    "SELECT match_id, model, phase, ts, league, season, p_home, p_draw, p_away, odds_home, "
    "odds_draw, odds_away, model_version FROM (SELECT p.*, ROW_NUMBER() OVER ("
    "PARTITION BY match_id, model ORDER BY ts DESC, "
    "CASE WHEN phase = 'close' THEN 1 ELSE 0 END DESC) AS newest FROM predictions p) ranked "
    "WHERE newest = 1",
    "UPDATE metric_totals SET "
    "first_ts = (SELECT MIN(ts) FROM model_metrics m WHERE m.league = metric_totals.league "
    "AND m.model = metric_totals.model AND m.phase = metric_totals.phase), "
    "last_ts = (SELECT MAX(ts) FROM model_metrics m WHERE m.league = metric_totals.league "
    "AND m.model = metric_totals.model AND m.phase = metric_totals.phase)",
)


# The series index with the scores in it: the newest rows of a series are read
# from the index alone (PostgreSQL preferred the time index to the series one,
# whose rows lie all over the table: 2.4 ms instead of 0.2 for a league whose
# season ended before the others').
_V10_INDEXES = (
    "DROP INDEX IF EXISTS model_metrics_series",
    "CREATE INDEX IF NOT EXISTS model_metrics_series_scores ON model_metrics "
    "(league, model, phase, ts, match_id, rps, log_loss, correct, brier)",
)


def _by_match(name: str) -> str:
    # compressed batches ordered by match, so a match's rows are one or two
    # batches of its league's segment, found by their min/max match_id
    return (
        f"DO $$ BEGIN ALTER TABLE {name} SET (timescaledb.compress, "
        "timescaledb.compress_segmentby = 'league', timescaledb.compress_orderby = 'match_id, ts'); "
        f"EXCEPTION WHEN others THEN RAISE NOTICE '{name} keeps its compression: %', SQLERRM; "
        "END $$"
    )


def newest_statements(dialect: Dialect, timescale: bool) -> list[str]:
    """Version 10: ``latest_predictions`` and the series' time span, both
    filled from the rows already stored; the series index covering the
    scores; on TimescaleDB, odds and predictions compressed in match order
    (chunks compressed before keep their order until recompressed)."""
    spans = _add_columns("metric_totals", {"first_ts": "ts", "last_ts": "ts"})
    by_match = [_by_match("odds"), _by_match("predictions")] if timescale else []
    return [
        _V10_LATEST.ddl(TYPES[dialect]),
        *spans(dialect, timescale),
        *_V10_BACKFILL,
        *_V10_INDEXES,
        *by_match,
    ]


# -- version 11: where a match's rows lie in time ---------------------------------
_V11_SPANS = table("match_spans", ("match_id",), "match_id:text league:text first_ts:ts last_ts:ts")
_V11_BACKFILL = (
    "INSERT INTO match_spans (match_id, league, first_ts, last_ts) "
    "SELECT match_id, MIN(league), MIN(ts), MAX(ts) FROM (SELECT match_id, league, ts FROM odds "
    "UNION ALL SELECT match_id, league, ts FROM predictions) rows GROUP BY match_id"
)


def span_statements(dialect: Dialect, _: bool) -> list[str]:
    """Version 11: ``match_spans``, filled from the stored odds and
    predictions (the match page reads its rows between the two times)."""
    return [_V11_SPANS.ddl(TYPES[dialect]), _V11_BACKFILL]


# -- version 12: the daily aggregate the score panels read ------------------------
# With the rolling columns' daily means, a score panel reads a row per league,
# model and day (a third of the rows) instead of every score in its range.
_V12_SELECT = _DAILY_SELECT.replace(
    " FROM model_metrics",
    ", AVG(rolling_rps) AS rolling_rps, AVG(rolling_log_loss) AS rolling_log_loss, "
    "AVG(rolling_accuracy) AS rolling_accuracy FROM model_metrics",
)


def daily_statements(timescale: bool) -> list[str]:
    """Version 12: the daily aggregate rebuilt with the rolling scores. On
    TimescaleDB a continuous aggregate (its chunks ten times the scores' 180
    days, now that version 8 set them), filled by the writer's refresh and
    the policy; real-time meanwhile. On plain PostgreSQL filled at once."""
    key = f"CREATE UNIQUE INDEX IF NOT EXISTS {DAILY_VIEW}_key ON {DAILY_VIEW} (day, league, model, phase)"
    if not timescale:
        return [
            f"DROP MATERIALIZED VIEW IF EXISTS {DAILY_VIEW}",
            f"CREATE MATERIALIZED VIEW {DAILY_VIEW} AS {_V12_SELECT} WITH DATA",
            key,
        ]
    return [
        f"DROP MATERIALIZED VIEW IF EXISTS {DAILY_VIEW} CASCADE",
        f"CREATE MATERIALIZED VIEW {DAILY_VIEW} WITH (timescaledb.continuous, "
        f"timescaledb.materialized_only = false) AS {_V12_SELECT} WITH NO DATA",
        f"SELECT add_continuous_aggregate_policy('{DAILY_VIEW}', "
        "start_offset => NULL, end_offset => INTERVAL '1 hour', "
        "schedule_interval => INTERVAL '5 minutes', if_not_exists => TRUE)",
    ]


@dataclass(frozen=True)
class Migration:
    """One version: its statements for a dialect (and, on PostgreSQL, for
    a server with or without TimescaleDB)."""

    version: int
    name: str
    build: Callable[[Dialect, bool], list[str]]

    def statements(self, dialect: Dialect, timescale: bool = False) -> list[str]:
        return self.build(dialect, timescale)


def _tables(*tables: Table) -> Callable[[Dialect, bool], list[str]]:
    return lambda dialect, _: [t.ddl(TYPES[dialect]) for t in tables]


def _add_columns(name: str, columns: dict[str, str]) -> Callable[[Dialect, bool], list[str]]:
    def build(dialect: Dialect, _: bool) -> list[str]:
        types = TYPES[dialect]
        if dialect == "sqlite":  # one column per statement, no IF NOT EXISTS
            return [f"ALTER TABLE {name} ADD COLUMN {c} {types[k]}" for c, k in columns.items()]
        added = ", ".join(f"ADD COLUMN IF NOT EXISTS {c} {types[k]}" for c, k in columns.items())
        return [f"ALTER TABLE {name} {added}"]

    return build


def _postgres_only(build: Callable[[bool], list[str]]) -> Callable[[Dialect, bool], list[str]]:
    return lambda dialect, timescale: build(timescale) if dialect == "postgres" else []


# what a rebuild of bets (version 13, SQLite) makes again
_BET_INDEXES = [s for s in (*_V1_INDEXES, *_V3_INDEXES, *_V9_INDEXES) if " ON bets " in s]

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "tables and indexes",
        lambda d, t: [*_tables(*_V1_TABLES)(d, t), *_V1_INDEXES],
    ),
    Migration(2, "time series", _postgres_only(timeseries_statements)),
    Migration(
        3,
        "league state and serving indexes",
        lambda d, t: [*_tables(_V3_STATE)(d, t), *_V3_INDEXES],
    ),
    Migration(4, "model snapshots", _tables(_V4_SNAPSHOTS)),
    Migration(5, "read-only role for dashboards", _postgres_only(lambda _: [_READER])),
    Migration(
        6,
        "bets at the best price",
        _add_columns("bets", {"bookmaker": "text", "fair_clv": "float"}),
    ),
    Migration(7, "late events", lambda d, t: [*_tables(_V7_LATE)(d, t), *_V7_INDEXES]),
    Migration(8, "TimescaleDB layout", _postgres_only(layout_statements)),
    Migration(9, "reads shaped for their answer", read_statements),
    Migration(10, "the newest rows by key", newest_statements),
    Migration(11, "where a match's rows lie in time", span_statements),
    Migration(12, "rolling scores by day", _postgres_only(daily_statements)),
    Migration(
        13,
        "the goals markets",
        lambda d, t: market_statements(d, t, TYPES[d], _BET_INDEXES),
    ),
)
LATEST = MIGRATIONS[-1].version
LEDGER = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, applied_at {ts} NOT NULL DEFAULT CURRENT_TIMESTAMP)"
)


def pending(done: set[int], upto: int = LATEST) -> list[Migration]:
    """The migrations a database that has applied ``done`` still needs.

    >>> [m.version for m in pending({1, 2, 3})]
    [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    """
    return [m for m in MIGRATIONS if m.version not in done and m.version <= upto]
