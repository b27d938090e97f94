"""The PostgreSQL store against a real server: migrations, the TimescaleDB
fallback, and rows identical to the SQLite store's."""

import pytest

from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.records import Record
from stream.storage import StoreError, open_store
from stream.storage.migrations import (
    DAILY_VIEW,
    TIME_SERIES,
    retention_statements,
    timeseries_statements,
)
from stream.storage.postgres import PostgresStore
from tests.support.stores import dump_tables


def test_migrations_are_versioned_and_idempotent(postgres, pg_url):
    with open_store(pg_url) as store:
        assert isinstance(store, PostgresStore)
        assert store.timescale == postgres.preload  # hypertables where the server can
    with open_store(pg_url) as store:  # a second start applies nothing new
        versions = store.fetch("SELECT version, name FROM schema_migrations ORDER BY version")
        assert versions == [
            {"version": 1, "name": "tables and indexes"},
            {"version": 2, "name": "time series"},
            {"version": 3, "name": "league state and serving indexes"},
            {"version": 4, "name": "model snapshots"},
            {"version": 5, "name": "read-only role for dashboards"},
            {"version": 6, "name": "bets at the best price"},
            {"version": 7, "name": "late events"},
            {"version": 8, "name": "TimescaleDB layout"},
            {"version": 9, "name": "reads shaped for their answer"},
            {"version": 10, "name": "the newest rows by key"},
            {"version": 11, "name": "where a match's rows lie in time"},
            {"version": 12, "name": "rolling scores by day"},
            {"version": 13, "name": "the goals markets"},
        ]


def test_a_database_from_before_the_best_price_gets_its_columns(pg_url):
    with open_store(pg_url) as store:
        assert isinstance(store, PostgresStore)
        with store._pool.connection() as conn:  # as migration 5 left it
            conn.execute("ALTER TABLE bets DROP COLUMN bookmaker, DROP COLUMN fair_clv")
            conn.execute("DELETE FROM schema_migrations WHERE version = 6")
    with open_store(pg_url) as store:
        columns = {
            r["column_name"]
            for r in store.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'bets'"
            )
        }
        assert {"bookmaker", "fair_clv"} <= columns


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_withdrawn_bet_is_deleted_and_the_last_write_of_a_key_wins(kind, pg_url, tmp_path):
    url = pg_url if kind == "postgres" else f"sqlite:///{tmp_path / 'bets.db'}"
    bet = {
        "match_id": "m",
        "strategy": "best-flat",
        "league": "E0",
        "season": "2020-21",
        "kickoff": "2020-09-12T15:00:00+00:00",
        "outcome": "H",
        "odds": 2.1,
        "probability": 0.5,
        "stake": 1.0,
        "closing_odds": None,
        "clv": None,
        "status": "open",
        "profit": None,
        "bookmaker": "market-max",
        "fair_clv": None,
        "market": "1x2",
        "line": None,
    }
    key = {"match_id": "m", "strategy": "best-flat", "market": "1x2"}
    with open_store(url) as store:
        store.write([Record("bets", bet), Record("bets", {**bet, "strategy": "flat"})])
        store.write([Record("bets", key, delete=True)])
        assert [r["strategy"] for r in store.fetch("SELECT strategy FROM bets")] == ["flat"]
        # placed, withdrawn and placed again in one batch: the bet stands, at its last price
        store.write(
            [
                Record("bets", bet),
                Record("bets", key, delete=True),
                Record("bets", {**bet, "odds": 2.2}),
            ]
        )
        rows = store.fetch("SELECT odds FROM bets WHERE strategy = 'best-flat'")
        assert [r["odds"] for r in rows] == [2.2]


def test_time_bucket_fallback_and_daily_view(pg_url):
    with open_store(pg_url) as store:
        bucket = store.fetch(
            "SELECT time_bucket(INTERVAL '1 week', TIMESTAMPTZ '2020-01-08 12:00:00+00') AS b"
        )[0]["b"]
        assert bucket.isoformat() == "2020-01-06T00:00:00+00:00"  # weeks start on Monday
        store.write(
            [
                Record(
                    "model_metrics",
                    {
                        "match_id": "m",
                        "model": "arf",
                        "phase": "pre",
                        "ts": "2020-01-08T17:00:00+00:00",
                        "league": "E0",
                        "season": "2019-20",
                        "rps": 0.2,
                        "log_loss": 1.0,
                        "brier": 0.6,
                        "correct": 1,
                        "n": 1,
                        "rolling_rps": 0.2,
                        "rolling_log_loss": 1.0,
                        "rolling_accuracy": 1.0,
                        "cum_rps": 0.2,
                        "cum_log_loss": 1.0,
                        "cum_accuracy": 1.0,
                    },
                )
            ]
        )
    with open_store(pg_url) as store:  # closing a writer refreshes the fallback view
        daily = store.fetch(f"SELECT day, matches, rps FROM {DAILY_VIEW}")
        assert len(daily) == 1 and daily[0]["matches"] == 1 and daily[0]["rps"] == 0.2


def test_timescale_statements_that_would_be_issued():
    statements = timeseries_statements(True)
    text = "\n".join(statements)
    retention = "\n".join(retention_statements(365))
    assert statements[0] == "CREATE EXTENSION IF NOT EXISTS timescaledb"
    for table in TIME_SERIES:
        assert f"create_hypertable('{table}', by_range('ts')" in text
        assert f"add_compression_policy('{table}'" in text
        assert f"add_retention_policy('{table}', INTERVAL '365 days')" in retention
        assert f"remove_retention_policy('{table}', if_exists => TRUE)" in retention
    assert "WITH (timescaledb.continuous)" in text
    assert "add_continuous_aggregate_policy('model_metrics_daily'" in text
    assert "add_retention_policy" not in text + "\n".join(retention_statements(0))
    assert "time_bucket" not in text.split("CREATE MATERIALIZED")[0]  # native function there


def test_same_replay_same_rows_as_sqlite_and_idempotent(pg_url, tmp_path, e0_two_seasons):
    payloads = [e.to_json() for e in e0_two_seasons[:1200]]
    sqlite_url = f"sqlite:///{tmp_path / 'same.db'}"
    run_payloads(payloads, sqlite_url, FlowConfig())
    run_payloads(payloads, pg_url, FlowConfig())
    once = dump_tables(pg_url)
    assert once == dump_tables(sqlite_url)
    run_payloads(payloads, pg_url, FlowConfig())
    assert dump_tables(pg_url) == once
    assert len(once["predictions"]) > 1000


def test_unreachable_server_is_a_clear_error():
    with pytest.raises(StoreError, match="cannot connect"):
        open_store("postgresql://nobody@127.0.0.1:1/none")


def test_a_server_opens_on_a_database_not_migrated_yet(postgres, pg_url):
    """Its warm-up skips the tables that are not there; reads say what is missing."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        if postgres.preload:  # as the TimescaleDB image does for its database
            conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    with open_store(pg_url, create=False, serving=True) as store:
        assert store.timescale == postgres.preload
        with pytest.raises(psycopg.errors.UndefinedTable):
            store.fetch("SELECT count(*) AS n FROM odds")
        assert store.fetch("SELECT 1 AS x") == [{"x": 1}]
