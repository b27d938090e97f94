"""Versioned, idempotent schema for PostgreSQL, with or without TimescaleDB.

Each migration is a list of statements applied once, in order, recorded in
``schema_migrations``. The time-series step depends on the server: with the
``timescaledb`` extension the time-series tables become hypertables with a
continuous aggregate, compression and (optional) retention; without it they
stay plain tables, ``time_bucket`` is defined over ``date_bin`` and the daily
aggregate is a materialized view. Dashboard SQL runs unchanged on both.

>>> any("create_hypertable('predictions'" in s for s in timeseries_statements(True))
True
>>> any("date_bin" in s for s in timeseries_statements(False))
True
"""

from __future__ import annotations

from stream.storage.schema import INDEXES, SNAPSHOTS_TABLE, STATE_TABLE, TABLES

TYPES = {
    "text": "TEXT",
    "float": "DOUBLE PRECISION",
    "int": "BIGINT",
    "ts": "TIMESTAMPTZ",
    "blob": "BYTEA",
}
TIME_SERIES = tuple(t.name for t in TABLES.values() if t.time_column)
DAILY_VIEW = "model_metrics_daily"

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


def base_statements() -> list[str]:
    return [table.ddl(TYPES) for table in TABLES.values()] + list(INDEXES)


def serving_statements() -> list[str]:
    return [
        STATE_TABLE.ddl(TYPES),
        "CREATE INDEX IF NOT EXISTS matches_league_status ON matches (league, status, kickoff)",
        "CREATE INDEX IF NOT EXISTS bets_strategy ON bets (strategy, league, kickoff)",
    ]


def timeseries_statements(
    timescale: bool, retention_days: int = 0, compress_after_days: int = 30
) -> list[str]:
    """The statements of the time-series step for one kind of server."""
    if not timescale:
        return [
            TIME_BUCKET_FALLBACK,
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS {DAILY_VIEW} AS {_DAILY_SELECT} WITH NO DATA",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {DAILY_VIEW}_key "
            f"ON {DAILY_VIEW} (day, league, model, phase)",
        ]
    statements = ["CREATE EXTENSION IF NOT EXISTS timescaledb"]
    for name in TIME_SERIES:
        column = TABLES[name].time_column
        statements.append(
            f"SELECT create_hypertable('{name}', by_range('{column}'), "
            "if_not_exists => TRUE, migrate_data => TRUE)"
        )
        segment = "league"
        statements.append(
            f"ALTER TABLE {name} SET (timescaledb.compress, "
            f"timescaledb.compress_segmentby = '{segment}')"
        )
        statements.append(
            f"SELECT add_compression_policy('{name}', "
            f"INTERVAL '{compress_after_days} days', if_not_exists => TRUE)"
        )
        if retention_days > 0:
            statements.append(
                f"SELECT add_retention_policy('{name}', "
                f"INTERVAL '{retention_days} days', if_not_exists => TRUE)"
            )
    statements.append(
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {DAILY_VIEW} "
        f"WITH (timescaledb.continuous) AS {_DAILY_SELECT} WITH NO DATA"
    )
    statements.append(
        f"SELECT add_continuous_aggregate_policy('{DAILY_VIEW}', "
        "start_offset => NULL, end_offset => INTERVAL '1 hour', "
        "schedule_interval => INTERVAL '5 minutes', if_not_exists => TRUE)"
    )
    return statements


READER_ROLE = "matchflow_reader"


def reader_statements() -> list[str]:
    """A read-only role for dashboards: SELECT on every table and view, now and
    later. A writer without CREATEROLE skips it with a notice rather than fail."""
    return [
        f"""DO $$
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
    ]


def migrations(timescale: bool, retention_days: int = 0) -> list[tuple[int, str, list[str]]]:
    """(version, name, statements), oldest first."""
    return [
        (1, "tables and indexes", base_statements()),
        (
            2,
            "timescaledb" if timescale else "time_bucket fallback",
            timeseries_statements(timescale, retention_days),
        ),
        (3, "league state and serving indexes", serving_statements()),
        (4, "model snapshots", [SNAPSHOTS_TABLE.ddl(TYPES)]),
        (5, "read-only role for dashboards", reader_statements()),
        (
            6,
            "bets at the best price",
            [
                "ALTER TABLE bets ADD COLUMN IF NOT EXISTS bookmaker TEXT",
                "ALTER TABLE bets ADD COLUMN IF NOT EXISTS fair_clv DOUBLE PRECISION",
            ],
        ),
    ]
